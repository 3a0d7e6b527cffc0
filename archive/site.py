"""The Datasette site of the archive: metadata, settings, plugins and templates, in one place."""

from __future__ import annotations

import json
import os
import sys
from importlib.resources import files
from pathlib import Path

import yaml

ROOT = files("archive")
PLUGINS_DIR = str(ROOT.joinpath("plugins"))
TEMPLATES_DIR = str(ROOT.joinpath("templates"))


def metadata_for(db_path: str | Path) -> dict:
    """``metadata.yml`` with its database block named after the archive file being served."""
    metadata = yaml.safe_load(ROOT.joinpath("metadata.yml").read_text("utf-8"))
    name = Path(db_path).stem
    metadata["databases"] = {name: metadata["databases"]["archive"]}
    for dashboard in metadata["plugins"]["datasette-dashboards"].values():
        for block in (*dashboard["charts"].values(), *dashboard["filters"].values()):
            if block.get("db") == "archive":
                block["db"] = name
    return metadata


def settings() -> dict:
    return json.loads(ROOT.joinpath("settings.json").read_text("utf-8"))


ARCHIVE_ENV = "PILKADA_ARCHIVE_DB"


def serve_command(db_path: str, host: str, port: int, workers: int = 1) -> tuple[list[str], dict]:
    """The command line (and environment) that serves an archive: uvicorn running
    :func:`asgi_app` in ``workers`` processes. Datasette renders pages while holding Python's
    GIL, so one process uses one core however many requests wait."""
    command = [sys.executable, "-m", "uvicorn", "--factory", "archive.site:asgi_app", "--host", host,
               "--port", str(port), "--workers", str(workers), "--no-access-log", "--log-level", "warning"]
    return command, {**os.environ, ARCHIVE_ENV: str(Path(db_path).resolve())}


def asgi_app():
    """The ASGI application of the archive named by ``$PILKADA_ARCHIVE_DB`` (for uvicorn).

    Datasette starts its plugins on the first request; here each worker process starts them
    when uvicorn starts it (ASGI lifespan), before it accepts a connection, so that the facet
    columns in memory (archive/facet_columns.py, seconds at 1,000,000 articles) are read before
    any researcher waits for them, in every worker and not only in the one that answered first."""
    datasette = app(os.environ[ARCHIVE_ENV])
    site = datasette.app()

    async def started_at_launch(scope, receive, send):
        if scope["type"] != "lifespan":
            return await site(scope, receive, send)
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await datasette.invoke_startup()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    return started_at_launch


def app(db_path: str | Path):
    """An in-process Datasette for the archive (tests, benchmarks)."""
    from datasette.app import Datasette

    return Datasette([str(db_path)], metadata=metadata_for(db_path), plugins_dir=PLUGINS_DIR,
                     template_dir=TEMPLATES_DIR, settings=settings())
