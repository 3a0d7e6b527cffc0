"""``pilkada-archive``: crawl, write, status, serve, publish, reparse, replica, demo, sources.

A thin shell over Scrapy: ``crawl`` sets the same settings ``scrapy crawl -s`` would and runs
the spiders through ``crawler.runner``; every behaviour of a run lives in Scrapy components.
Exit codes of ``crawl`` (also in the README): 0 every source healthy; 3 pages failed or wait for
a retry; 4 a source is broken; 5 interrupted; 6 storage error; 75 another crawl is running;
2 usage or configuration error; 1 unexpected crash.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import click

from crawler.runner import check_setting
from crawler.runs import EXIT_CRASH, EXIT_LOCKED, EXIT_OK, EXIT_SOURCE_BROKEN, EXIT_USAGE
from indonesian.urls import host_of

DEFAULT_DB = "data/archive.db"


class UsageError(click.UsageError):
    exit_code = EXIT_USAGE


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """Crawl Indonesian regional-election news into a searchable archive, and publish it."""


def _sources() -> list[str]:
    from crawler.replay import spider_names

    return spider_names()  # a wrong source registry stops here: exit 2, entry and field named


def chosen_sources(named: list[str], known: list[str], replica_mirrors: dict | None,
                   unverified: list[str]) -> tuple[list[str], list[str]]:
    """The sources a crawl crawls, and those it skips: the named ones; else, on a replica, what
    the replica serves (never the other sources' real sites); else every source checked against
    its real site (an entry with guessed selectors must not turn a cron job red)."""
    if named:
        return named, []
    if replica_mirrors is not None:
        return [s for s in known if s in replica_mirrors], []
    return [s for s in known if s not in unverified], [s for s in known if s in unverified]


def _sources_and_mirrors(named: list[str], replica: str | None, origins: tuple[str, ...],
                         skip_unverified: bool = True) -> tuple[list[str], dict[str, str]]:
    """The sources a run crawls (``chosen_sources``) and the mirror of each source fetched from
    one (``--replica``, ``--origin SPIDER=URL``); a usage error names what is wrong."""
    known = _sources()
    mirrors = _replica_origins(replica) if replica else {}
    unverified = [e.id for e in _registry() if not e.verified] if skip_unverified else []
    sources, skipped = chosen_sources(named, known, mirrors if replica else None, unverified)
    if skipped:
        click.echo(f"pilkada-archive: not crawling {', '.join(skipped)} (verified = false in the source "
                   "registry: name them to crawl them)", err=True)
    unknown = [s for s in sources if s not in known]
    if unknown:
        raise UsageError(f"unknown source(s) {unknown}; known: {known}")
    for value in origins:
        name, sep, url = value.partition("=")
        if not sep or name not in known or not url.startswith(("http://", "https://")):
            raise UsageError(f"--origin wants SPIDER=URL with SPIDER one of {known}, got {value!r}")
        mirrors[name] = url
    return sources, mirrors


def _registry():
    from crawler.registry import RegistrySpiderLoader
    from crawler.replay import project_settings_with

    return RegistrySpiderLoader(project_settings_with()).sources


def _replica_origins(base: str) -> dict[str, str]:
    if not base.startswith(("http://", "https://")) or not host_of(base):
        raise UsageError(f"--replica wants the replica's base URL, e.g. http://127.0.0.1:8000, got {base!r}")
    try:
        with urllib.request.urlopen(base.rstrip("/") + "/__replica__/manifest.json", timeout=10) as answer:
            manifest = json.load(answer)
        return {name: spec["args"]["origin"] for name, spec in manifest["spiders"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise UsageError(f"--replica {base}: no replica manifest there ({error})") from None


def _iso_date(ctx, param, value):
    from datetime import date

    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise click.BadParameter(f"wants a date YYYY-MM-DD, got {value!r}") from None


@main.command()
@click.argument("sources", nargs=-1)
@click.option("--db", default=DEFAULT_DB, show_default=True, help="archive database")
@click.option("--origin", "origins", multiple=True, metavar="SPIDER=URL",
              help="fetch a source from a mirror, e.g. mmc_kobar=http://127.0.0.1:8000/mmc_kobar")
@click.option("--replica", metavar="URL", help="take every origin from a replica's manifest")
@click.option("--urls", type=click.Path(exists=True, dir_okay=False),
              help="crawl only these canonical article URLs (one per line)")
@click.option("--since", callback=_iso_date, help="re-check known articles published since YYYY-MM-DD")
@click.option("--full", is_flag=True, help="ignore what the archive knows; fetch everything")
@click.option("--recheck-days", type=click.IntRange(0, 36500), default=7, show_default=True,
              help="re-fetch articles this recent")
@click.option("--log-file", help="write Scrapy's log here; stdout gets one summary line")
@click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE", help="override a Scrapy setting")
@click.option("--redis", "redis_url", metavar="URL",
              help="be a worker of the distributed crawl `pilkada-archive write --redis URL` runs")
def crawl(sources, db, origins, replica, urls, since, full, recheck_days, log_file, overrides, redis_url):
    """Crawl the sources into the archive (the cron entry point)."""
    if redis_url:
        given = [name for name, value in (("--origin", origins), ("--replica", replica), ("--urls", urls),
                                          ("--since", since), ("--full", full)) if value]
        if given:
            raise UsageError(f"{', '.join(given)}: a worker crawls the run the writer defines; give "
                             "them to `pilkada-archive write`")
        overrides = (*overrides, f"ARCHIVE_REDIS_URL={redis_url}")
    named = list(sources)
    # A worker crawls the sources of the writer's run (all of them unless it names some).
    sources, mirrors = _sources_and_mirrors(named, replica, origins, skip_unverified=not redis_url)
    settings = {"ARCHIVE_RUN": True, "ARCHIVE_DB": db, "ARCHIVE_ORIGINS": mirrors, "ARCHIVE_RECHECK_DAYS": recheck_days,
                "ARCHIVE_SINCE": since, "ARCHIVE_FULL": full}
    if log_file:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        settings["LOG_FILE"] = log_file
    for value in overrides:
        name, sep, setting = value.partition("=")
        if not sep:
            raise UsageError(f"-s wants NAME=VALUE, got {value!r}")
        if name == "ARCHIVE_DB" and setting != db:
            raise UsageError(f"the archive is given twice (--db {db}, -s ARCHIVE_DB={setting}): give it once, with --db")
        try:
            settings[name] = check_setting(name, setting)
        except ValueError as error:
            raise UsageError(str(error)) from None
    if redis_url:
        sys.exit(_run_worker(named, settings))
    code = run_crawl(sources, settings, {"urls": urls} if urls else {})
    sys.exit(code)


def _run_worker(sources: list[str], settings: dict) -> int:
    from crawler.distributed import run_workers

    try:
        return run_workers(sources, settings)
    except (TimeoutError, ValueError, OSError) as error:
        click.echo(f"pilkada-archive: not crawling: {error}", err=True)
        return EXIT_USAGE


def run_crawl(sources: list[str], overrides: dict, spider_args: dict) -> int:
    from scrapy.crawler import CrawlerProcess

    from crawler.replay import project_settings_with
    from crawler.runner import ArchiveUnusable, LockedError, crawl_in
    from crawler.runs import process_run_id

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    settings = project_settings_with(overrides)
    try:
        code = crawl_in(CrawlerProcess(settings), sources, spider_args)
    except LockedError as error:
        click.echo(f"pilkada-archive: not crawling: {error}", err=True)
        return EXIT_LOCKED
    except ArchiveUnusable as error:
        click.echo(f"pilkada-archive: not crawling: {error}", err=True)
        return error.exit_code
    click.echo(summary_line(settings.get("ARCHIVE_DB"), settings.get("ARCHIVE_RUN_ID") or process_run_id()))
    return code


def summary_line(db_path: str, run_id: str) -> str:
    """This run's result per source, in one line (never an earlier run's)."""
    from sqlite_utils import Database

    db = Database(db_path)
    last = list(db.query("select * from crawl_runs where run_id = ? order by source", [run_id]))
    parts = [f"{r['source']}: {r['health']} new={r['articles_new']} updated={r['articles_updated']} "
             f"unchanged={r['articles_unchanged']} copies={r['articles_aliased']} "
             f"failed={r['articles_failed']} requests={r['requests']}"
             + (f" ({r['health_reason']})" if r["health_reason"] else "") for r in last]
    return f"crawl {run_id} | " + (" | ".join(parts) or "no source ran")


@main.command()
@click.option("--db", default=DEFAULT_DB, show_default=True)
@click.option("--runs", type=int, default=3, show_default=True)
def status(db, runs):
    """The last runs of each source and their health (exit 4 when a source is broken)."""
    from sqlite_utils import Database

    if not Path(db).exists():
        raise UsageError(f"no archive at {db}")
    archive = Database(db)
    try:
        archive.execute("select count(*) from sqlite_master").fetchone()
    except sqlite3.DatabaseError as error:
        raise UsageError(f"cannot read {db} as the archive: {error}") from None
    if not archive["crawl_runs"].exists():
        click.echo("no crawl has run yet")
        sys.exit(EXIT_OK)
    click.echo(f"{'source':<18} {'finished':<21} {'health':<7} {'new':>5} {'upd':>5} {'same':>5} "
               f"{'fail':>5} {'req':>6}  reason")
    code = EXIT_OK
    for source in _sources():
        rows = list(archive.query("select * from crawl_runs where source = ? order by id desc limit ?",
                                  [source, runs]))
        for index, r in enumerate(rows):
            click.echo(f"{source:<18} {r['finished_at'] or '':<21} {r['health'] or '':<7} {r['articles_new'] or 0:>5} "
                       f"{r['articles_updated'] or 0:>5} {r['articles_unchanged'] or 0:>5} "
                       f"{r['articles_failed'] or 0:>5} {r['requests'] or 0:>6}  {r['health_reason'] or ''}")
            if index == 0 and r["health"] == "broken":
                code = EXIT_SOURCE_BROKEN
    # What the archive knows it has not got yet: pages that failed and wait for a retry, pages
    # given up, and article URLs discovered but not yet stored (the frontier).
    click.echo("")
    click.echo(f"{'source':<18} {'waiting':>8} {'given up':>9} {'frontier':>9}  next retry")
    for source in _sources():
        waiting, given_up, next_retry = archive.execute(
            "select sum(given_up = 0), sum(given_up = 1), min(case when given_up = 0 then next_retry_at end) "
            "from failed_pages where source = ? and resolved_at is null", [source]).fetchone()
        frontier = archive.execute("select count(*) from frontier where source = ? and done_at is null",
                                   [source]).fetchone()[0] if archive["frontier"].exists() else 0
        click.echo(f"{source:<18} {waiting or 0:>8} {given_up or 0:>9} {frontier:>9}  {next_retry or ''}")
    sys.exit(code)


@main.command()
@click.option("--db", help="an archive: show each source's last run and its health from the ledger")
@click.option("--registry", type=click.Path(exists=True, dir_okay=False),
              help="check and show this registry file instead of the project's spiders/sources.toml")
def sources(db, registry):
    """Every source of the registry: id, name, type, home region, hosts, layout family,
    discovery strategies, and (with --db) the last run's health."""
    from crawler.registry import RegistryError, load_registry

    try:
        entries = load_registry(registry) if registry else None
    except RegistryError as error:
        raise UsageError(str(error)) from None
    if entries is None:
        entries = _registry()
    last = _last_runs(db, [e.id for e in entries]) if db else {}
    rows = [("id", "name", "type", "region", "hosts", "family", "strategies", "verified",
             *(("last run",) if db else ()))]
    for entry in entries:
        run = last.get(entry.id)
        health = (f"{run['health']} {run['finished_at'] or run['started_at'] or ''}".strip() if run else "never run")
        rows.append((entry.id, entry.name, entry.type, entry.region or "-", " ".join(entry.hosts), entry.family,
                     " ".join(entry.strategies), "yes" if entry.verified else "no (replica only)",
                     *((health,) if db else ())))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def _last_runs(db: str, names: list[str]) -> dict[str, dict]:
    """The last ledger row of each source in an archive (read only)."""
    if not Path(db).exists():
        raise UsageError(f"no archive at {db}")
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as archive:
            archive.row_factory = sqlite3.Row
            if not archive.execute("select 1 from sqlite_master where name = 'crawl_runs'").fetchone():
                return {}
            return {row["source"]: dict(row) for row in archive.execute(
                "select source, health, started_at, finished_at from crawl_runs where id in "
                "(select max(id) from crawl_runs group by source)") if row["source"] in names}
    except sqlite3.DatabaseError as error:
        raise UsageError(f"cannot read {db} as the archive: {error}") from None


@main.command()
@click.option("--db", default=DEFAULT_DB, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8001, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=min(os.cpu_count() or 1, 4),
              help="server processes (default: one per core, at most 4)")
@click.option("--public", is_flag=True,
              help="the public profile: no arbitrary SQL (the dashboards' own queries only), no debug "
                   "pages that show paths, threads or plugins (docs/publishing.md)")
def serve(db, host, port, workers, public):
    """Publish the archive with Datasette."""
    from archive.connect import open_archive
    from archive.migrations import steps
    from archive.plugins.guard import PUBLIC_ENV
    from archive.site import serve_command

    if not Path(db).exists():
        raise UsageError(f"no archive at {db}: run `pilkada-archive crawl` first")
    try:
        archive = open_archive(db)
        try:
            pending = [m.name for m in steps.pending(archive)]
        finally:
            archive.close()
        if pending:  # a read-only copy of a complete archive serves as it is
            open_archive(db, migrate=True).close()
    except (sqlite3.DatabaseError, OSError) as error:
        raise UsageError(f"cannot serve {db}: {error}") from None
    profile = "public profile" if public else "local profile, arbitrary SQL on"
    click.echo(f"Serving the archive on http://{host}:{port}/ ({profile}; Ctrl-C stops)")
    command, env = serve_command(db, host, port, workers)
    env.pop(PUBLIC_ENV, None)
    if public:
        env[PUBLIC_ENV] = "1"
    sys.stdout.flush()
    # Become the server, so that a signal to this process (a service manager, a test) reaches it.
    os.execve(command[0], command, env)


@main.command()
@click.option("--db", default=DEFAULT_DB, show_default=True)
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
def reparse(db, files):
    """Re-run extraction over stored WARC files (no network)."""
    from archive.connect import open_archive
    from crawler.reparse import reparse as reparse_files
    from crawler.runs import ArchiveUnusable, Locked, RunLock

    if not Path(db).exists():
        raise UsageError(f"no archive at {db}")
    try:
        with RunLock(db):
            open_archive(db, migrate=True).close()
            results = reparse_files(db, [Path(f) for f in files] or None)
    except Locked as error:
        click.echo(f"pilkada-archive: not reparsing: {error}", err=True)
        sys.exit(EXIT_LOCKED)
    except ArchiveUnusable as error:
        click.echo(f"pilkada-archive: not reparsing: {error}", err=True)
        sys.exit(error.exit_code)
    except sqlite3.DatabaseError as error:
        raise UsageError(f"cannot use {db} as the archive: {error}") from None
    for source, counts in results.items():
        click.echo(f"{source}: " + " ".join(f"{k}={v}" for k, v in counts.items()))


@main.command()
@click.argument("sources", nargs=-1)
@click.option("--redis", "redis_url", required=True, metavar="URL", help="the Redis the workers use")
@click.option("--db", default=DEFAULT_DB, show_default=True, help="archive database")
@click.option("--origin", "origins", multiple=True, metavar="SPIDER=URL", help="fetch a source from a mirror")
@click.option("--replica", metavar="URL", help="take every origin from a replica's manifest")
@click.option("--since", callback=_iso_date, help="re-check known articles published since YYYY-MM-DD")
@click.option("--full", is_flag=True, help="ignore what the archive knows; fetch everything")
@click.option("--recheck-days", type=click.IntRange(0, 36500), default=7, show_default=True)
@click.option("--log-file", help="write the writer's log here")
@click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE", help="override a setting")
def write(sources, redis_url, db, origins, replica, since, full, recheck_days, log_file, overrides):
    """Run a distributed crawl's writer: publish the run in Redis, store what the workers
    (`crawl --redis URL`) send, write the ledger. Exit codes as `crawl`'s."""
    import logging

    from crawler.distributed import write as write_run
    from crawler.replay import project_settings_with
    from crawler.runs import ArchiveUnusable, Locked, process_run_id

    sources, mirrors = _sources_and_mirrors(list(sources), replica, origins)
    settings = {"ARCHIVE_DB": db, "ARCHIVE_ORIGINS": mirrors, "ARCHIVE_RECHECK_DAYS": recheck_days,
                "ARCHIVE_SINCE": since, "ARCHIVE_FULL": full}
    for value in overrides:
        name, sep, setting = value.partition("=")
        if not sep:
            raise UsageError(f"-s wants NAME=VALUE, got {value!r}")
        try:
            settings[name] = check_setting(name, setting)
        except ValueError as error:
            raise UsageError(str(error)) from None
    logging.basicConfig(filename=log_file, level=logging.INFO,
                        format="%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    scrapy_settings = project_settings_with(settings)
    try:
        code = write_run(redis_url, sources, {k: v for k, v in settings.items() if v is not None},
                         prefix=scrapy_settings.get("ARCHIVE_REDIS_PREFIX"),
                         wait=scrapy_settings.getfloat("ARCHIVE_REDIS_WAIT"),
                         heartbeat_timeout=scrapy_settings.getfloat("ARCHIVE_REDIS_HEARTBEAT_TIMEOUT"))
    except Locked as error:
        click.echo(f"pilkada-archive: not writing: {error}", err=True)
        sys.exit(EXIT_LOCKED)
    except ArchiveUnusable as error:
        click.echo(f"pilkada-archive: not writing: {error}", err=True)
        sys.exit(error.exit_code)
    except (RuntimeError, OSError) as error:
        click.echo(f"pilkada-archive: not writing: {error}", err=True)
        sys.exit(EXIT_LOCKED if isinstance(error, RuntimeError) else EXIT_USAGE)
    click.echo(summary_line(db, settings.get("ARCHIVE_RUN_ID") or process_run_id()))
    sys.exit(code)


@main.command()
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--db", default=DEFAULT_DB, show_default=True, help="the live archive (a crawl may be writing it)")
@click.option("--keep", type=click.IntRange(1, 1000), default=3, show_default=True,
              help="snapshots kept in DIRECTORY (the oldest are deleted)")
def publish(directory, db, keep):
    """Publish an immutable snapshot of the archive into DIRECTORY/<time>, pointed at by
    DIRECTORY/current, for read-only serving by any number of Datasette processes."""
    import shlex

    from crawler.publish import PublishError, serve_command
    from crawler.publish import publish as publish_snapshot

    try:
        snapshot = publish_snapshot(db, directory, keep=keep)
    except PublishError as error:
        click.echo(f"pilkada-archive: not published: {error}", err=True)
        sys.exit(error.exit_code)
    click.echo(f"published {snapshot.path} ({snapshot.counts.get('articles', 0)} articles, "
               f"{snapshot.size / 1e6:.1f} MB)" + (f"; deleted {', '.join(snapshot.pruned)}" if snapshot.pruned else ""))
    click.echo("serve it (read-only, any number of processes): " + shlex.join(serve_command(snapshot.path)))


@main.command()
@click.argument("source")
@click.option("--origin", metavar="URL", help="probe a mirror instead of the real site, e.g. http://127.0.0.1:8000/mmc_kobar")
@click.option("--save-fixtures", metavar="DIR", type=click.Path(file_okay=False),
              help="write the sampled pages as frozen fixtures with expected JSON (DIR/SOURCE/...) for review")
@click.option("--sample", type=click.IntRange(1, 10), default=3, show_default=True, help="articles to extract")
def probe(source, origin, save_fixtures, sample):
    """First contact with a source: which discovery answers, and a sample of articles as parsed."""
    from crawler.probe import probe as run_probe

    if source not in _sources():
        raise UsageError(f"unknown source {source!r}: one of {', '.join(_sources())}")
    report, code = run_probe(source, origin, save_fixtures, sample)
    click.echo(report)
    sys.exit(code)


CHECKOUT = Path(__file__).resolve().parent.parent


def _replica_command(*args: str) -> tuple[list[str], dict]:
    """The replica is a development tool, run from a checkout, never imported by the product."""
    if not (CHECKOUT / "replica" / "__main__.py").exists():
        raise UsageError("the replica is a development tool: install the project from a checkout")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(CHECKOUT), os.environ.get("PYTHONPATH")]))}
    return [sys.executable, "-m", "replica", *args], env


@main.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--articles", type=click.IntRange(1, 2_000_000), default=72, show_default=True)
@click.option("--seed", type=int, default=2024, show_default=True)
@click.option("--layout", default="default", show_default=True,
              help="the page family MMC Kobar is served in: default, wordpress, drupal, nextjs, codeigniter, amp")
@click.option("--regional", default="", metavar="SOURCE,...",
              help="also serve these sources added through the registry (mmc_kalteng, dukcapil, "
                   "kpu_kayongutara, dukcapil_purworejo), or all")
def replica(port, host, articles, seed, layout, regional):
    """Serve the local replica of both sources (loopback only; from a checkout)."""
    command, env = _replica_command("--port", str(port), "--host", host, "--articles", str(articles),
                                    "--seed", str(seed), "--layout", layout, "--regional", regional)
    sys.stdout.flush()
    os.execve(command[0], command, env)


@main.command()
@click.option("--db", default=DEFAULT_DB, show_default=True)
@click.option("--replica-port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8001, show_default=True)
def demo(db, replica_port, port):
    """Replica + crawl + Datasette, all on 127.0.0.1; Ctrl-C stops everything started here."""
    from archive.site import serve_command

    command, env = _replica_command("--port", str(replica_port))
    child = subprocess.Popen(command, env=env)
    children = [child]
    try:
        base = f"http://127.0.0.1:{replica_port}"
        wait_for(base + "/__replica__/manifest.json")
        time.sleep(0.3)
        if child.poll() is not None:
            raise UsageError(f"the replica could not start on port {replica_port} (in use?): "
                             "choose another with --replica-port")
        log_file = str(Path(db).with_name("crawl.log"))
        click.echo(f"crawling the replica into {db} (log: {log_file}) ...")
        code = subprocess.call([sys.executable, "-m", "crawler.cli", "crawl", "--db", db, "--replica", base,
                                "--log-file", log_file])
        click.echo(f"crawl finished with exit code {code}")
        command, env = serve_command(db, "127.0.0.1", port)
        datasette = subprocess.Popen(command, env=env)
        children.append(datasette)
        click.echo(f"\n  Archive: http://127.0.0.1:{port}/   (Ctrl-C stops the replica and Datasette)\n")
        datasette.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for running in children:
            if running.poll() is None:
                running.send_signal(signal.SIGINT)
        for running in children:
            try:
                running.wait(timeout=10)
            except subprocess.TimeoutExpired:
                running.kill()


def wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def entry_point():
    """Console script: click's exit code 2 for usage errors, 1 for crashes."""
    try:
        main(standalone_mode=True)
    except SystemExit:
        raise
    except Exception:  # noqa: BLE001 - a crash is exit 1 with its traceback
        import traceback

        traceback.print_exc()
        sys.exit(EXIT_CRASH)


if __name__ == "__main__":
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    entry_point()
