"""Published snapshots: an immutable, consistent copy of the archive that any number of
Datasette processes (on any number of machines) serve read-only, while crawls go on writing
the live archive.

``publish(db, out_dir)`` makes ``out_dir/<UTC stamp>/``, a complete Datasette configuration
directory, and points ``out_dir/current`` at it:

- ``archive.db``: ``VACUUM INTO`` from one read transaction of the live archive (so it is
  consistent whatever a crawl writes meanwhile), switched to rollback journal mode (an
  immutable database in WAL mode would ignore its ``-wal`` file), then checked
  (``PRAGMA integrity_check`` and every FTS5 index's ``integrity-check``) and made read-only;
- ``inspect-data.json``: ``datasette inspect`` of it (hash, size, table counts), which makes
  Datasette open ``archive.db`` as immutable and skip counting at start;
- ``metadata.json``, ``settings.json``, ``plugins/``, ``templates/``: the site as it was when
  the snapshot was taken, so the directory serves on its own: ``datasette serve DIR/<stamp>``;
- ``snapshot.json``: where and when it was taken, and what it holds (for citing it).

Everything is built in a hidden directory beside the others and renamed into place, then
``current`` is replaced atomically: a reader sees a whole snapshot or the previous one, never
half of one. The oldest snapshots beyond ``keep`` are deleted.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.resources import as_file
from pathlib import Path

from archive.site import ROOT as SITE_ROOT
from archive.site import metadata_for, settings
from indonesian.dates import utc_stamp

SNAPSHOT_DB = "archive.db"  # the name metadata.yml's database block is written for
INSPECT_FILE = "inspect-data.json"  # the name Datasette's configuration-directory mode reads
CURRENT = "current"
INCOMING_PREFIX = ".incoming-"


class PublishError(Exception):
    """The snapshot could not be made; nothing was published. ``exit_code`` follows the
    crawl's: 2 bad input, 6 storage (disk full, damaged archive), 75 another publish runs."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class Snapshot:
    path: Path
    counts: dict[str, int]  # table -> rows, as in inspect-data.json
    size: int
    pruned: list[str]


def publish(db_path: str | Path, out_dir: str | Path, *, keep: int = 3) -> Snapshot:
    db_path, out_dir = Path(db_path), Path(out_dir)
    if not db_path.is_file():
        raise PublishError(f"no archive at {db_path}", 2)
    if keep < 1:
        raise PublishError(f"keep must be at least 1, got {keep}", 2)
    out_dir.mkdir(parents=True, exist_ok=True)
    with _publish_lock(out_dir):
        for stale in out_dir.glob(INCOMING_PREFIX + "*"):  # left by a publish that was killed
            shutil.rmtree(stale, ignore_errors=True)
        taken_at = datetime.now(UTC)
        incoming = out_dir / f"{INCOMING_PREFIX}{os.getpid()}"
        incoming.mkdir()
        try:
            counts, size = _build(db_path, incoming, taken_at)
            final = _free_name(out_dir, taken_at.strftime("%Y-%m-%dT%H%M%SZ"))
            incoming.rename(final)
        except BaseException:
            shutil.rmtree(incoming, ignore_errors=True)
            raise
        link = out_dir / f"{INCOMING_PREFIX}{CURRENT}"
        link.unlink(missing_ok=True)
        link.symlink_to(final.name)
        os.replace(link, out_dir / CURRENT)
        pruned = _prune(out_dir, keep)
    return Snapshot(final, counts, size, pruned)


def _build(db_path: Path, target: Path, taken_at: datetime) -> tuple[dict[str, int], int]:
    snapshot = target / SNAPSHOT_DB
    try:
        source = sqlite3.connect(f"file:{db_path.resolve()}?mode=ro", uri=True)
        try:
            source.execute("PRAGMA busy_timeout=10000")
            tables = {r[0] for r in source.execute("select name from sqlite_master where type = 'table'")}
            if "articles" not in tables:
                raise PublishError(f"{db_path} is not an archive of this project (no articles table)", 2)
            source.execute("VACUUM INTO ?", [str(snapshot)])
        finally:
            source.close()
        copy = sqlite3.connect(snapshot, isolation_level=None)
        try:
            copy.execute("PRAGMA journal_mode=DELETE")
            problems = [r[0] for r in copy.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise PublishError(f"the snapshot of {db_path} fails PRAGMA integrity_check: "
                                   f"{'; '.join(problems[:3])}", 6)
            for (fts,) in copy.execute("select name from sqlite_master where type = 'table' "
                                       "and sql like 'CREATE VIRTUAL TABLE%USING FTS5%'").fetchall():
                try:
                    copy.execute(f"insert into [{fts}] ([{fts}]) values ('integrity-check')")
                except sqlite3.DatabaseError as error:
                    raise PublishError(f"the snapshot's full-text index {fts} fails its integrity-check "
                                       f"({error}): rebuild it in the live archive", 6) from None
            last_run = copy.execute("select run_id, max(finished_at) from crawl_runs").fetchone() \
                if "crawl_runs" in tables else (None, None)
            articles = copy.execute("select count(*) from articles").fetchone()[0]
        finally:
            copy.close()
    except sqlite3.Error as error:
        not_an_archive = any(s in str(error) for s in ("not a database", "unable to open"))
        raise PublishError(f"could not snapshot {db_path}: {type(error).__name__}: {error}",
                           2 if not_an_archive else 6) from None
    snapshot.chmod(0o444)
    inspected = subprocess.run([sys.executable, "-m", "datasette", "inspect", SNAPSHOT_DB,
                                "--inspect-file", INSPECT_FILE], cwd=target, capture_output=True, text=True)
    if inspected.returncode != 0:
        raise PublishError(f"datasette inspect failed on the snapshot: {inspected.stderr.strip()[-500:]}", 6)
    inspect = json.loads((target / INSPECT_FILE).read_text("utf-8"))["archive"]
    stamp = taken_at.strftime("%Y-%m-%d %H:%M UTC")
    metadata = metadata_for(snapshot)
    metadata["title"] = f"{metadata['title']} (snapshot {stamp})"
    # Shown on the home page (templates/index.html), so a citation can name the snapshot.
    metadata["snapshot_html"] = (f"Snapshot of the archive taken {stamp}: {articles} articles; "
                                 f"last crawl run {last_run[0] or 'none'}. It does not change.")
    (target / "metadata.json").write_text(json.dumps(metadata, ensure_ascii=False, indent=2), "utf-8")
    (target / "settings.json").write_text(json.dumps(settings(), indent=2), "utf-8")
    for folder in ("plugins", "templates"):
        with as_file(SITE_ROOT.joinpath(folder)) as source_dir:
            shutil.copytree(source_dir, target / folder, ignore=shutil.ignore_patterns("__pycache__"))
    (target / "snapshot.json").write_text(json.dumps({
        "taken_at": utc_stamp(taken_at),
        "source": str(db_path.resolve()), "sha256": inspect["hash"], "size": inspect["size"],
        "articles": articles, "last_run": {"run_id": last_run[0], "finished_at": last_run[1]},
        "sqlite": sqlite3.sqlite_version}, indent=2), "utf-8")
    return {t: v["count"] for t, v in inspect["tables"].items()}, inspect["size"]


def _free_name(out_dir: Path, stamp: str) -> Path:
    candidate, number = out_dir / stamp, 1
    while candidate.exists():
        number += 1
        candidate = out_dir / f"{stamp}-{number}"
    return candidate


def _prune(out_dir: Path, keep: int) -> list[str]:
    current = (out_dir / CURRENT).resolve()
    snapshots = sorted((p for p in out_dir.iterdir()
                        if p.is_dir() and not p.is_symlink() and (p / "snapshot.json").exists()),
                       key=lambda p: json.loads((p / "snapshot.json").read_text("utf-8"))["taken_at"] + p.name)
    pruned = []
    for old in snapshots[:-keep]:
        if old.resolve() == current:
            continue
        (old / SNAPSHOT_DB).chmod(0o644)
        shutil.rmtree(old)
        pruned.append(old.name)
    return pruned


class _publish_lock:
    """One publish at a time per output directory (a crawl does not need to wait)."""

    def __init__(self, out_dir: Path):
        self.path = out_dir / ".publish.lock"

    def __enter__(self):
        self.handle = open(self.path, "a+")  # noqa: SIM115 - closed in __exit__
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.handle.close()
            raise PublishError(f"another publish into {self.path.parent} is running", 75) from None
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def serve_command(snapshot: str | Path, host: str = "127.0.0.1", port: int = 8001) -> list[str]:
    """Datasette serving one snapshot read-only: ``-i`` (immutable) with its inspect data."""
    snapshot = Path(snapshot).resolve()  # not through ``current``, which the next publish moves
    return [sys.executable, "-m", "datasette", "serve", "-i", str(snapshot / SNAPSHOT_DB),
            "--inspect-file", str(snapshot / INSPECT_FILE), "-m", str(snapshot / "metadata.json"),
            "--plugins-dir", str(snapshot / "plugins"), "--template-dir", str(snapshot / "templates"),
            *[arg for name, value in settings().items() for arg in ("--setting", name, _setting_text(value))],
            "--host", host, "--port", str(port)]


def _setting_text(value) -> str:
    return ("on" if value else "off") if isinstance(value, bool) else str(value)


def snapshot_app(snapshot: str | Path):
    """An in-process Datasette of one snapshot, configured as :func:`serve_command` (tests)."""
    from datasette.app import Datasette

    snapshot = Path(snapshot).resolve()
    return Datasette([], immutables=[str(snapshot / SNAPSHOT_DB)],
                     inspect_data=json.loads((snapshot / INSPECT_FILE).read_text("utf-8")),
                     metadata=json.loads((snapshot / "metadata.json").read_text("utf-8")),
                     plugins_dir=str(snapshot / "plugins"), template_dir=str(snapshot / "templates"),
                     settings=json.loads((snapshot / "settings.json").read_text("utf-8")))
