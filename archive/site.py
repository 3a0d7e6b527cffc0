"""The Datasette site of the archive: metadata, settings, plugins and templates, in one place."""

from __future__ import annotations

import json
import sys
import tempfile
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


def serve_command(db_path: str, host: str, port: int) -> list[str]:
    """The ``datasette serve`` command line for an archive."""
    metadata_file = Path(tempfile.mkdtemp(prefix="pilkada-ds-")) / "metadata.json"
    metadata_file.write_text(json.dumps(metadata_for(db_path)))
    setting_args = [arg for key, value in settings().items() for arg in ("--setting", key, str(value))]
    return [sys.executable, "-m", "datasette", "serve", db_path, "--metadata", str(metadata_file),
            "--plugins-dir", PLUGINS_DIR, "--template-dir", TEMPLATES_DIR,
            "--host", host, "--port", str(port), *setting_args]


def app(db_path: str | Path):
    """An in-process Datasette for the archive (tests, benchmarks)."""
    from datasette.app import Datasette

    return Datasette([str(db_path)], metadata=metadata_for(db_path), plugins_dir=PLUGINS_DIR,
                     template_dir=TEMPLATES_DIR, settings=settings())
