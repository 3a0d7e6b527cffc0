"""Opening the archive: pragmas every connection needs, migrations where a command writes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from archive.migrations import migrate as apply_migrations


def open_archive(path: str | Path, *, migrate: bool = False, check_same_thread: bool = True) -> Database:
    """A connection to the archive at ``path`` (created when missing). ``migrate``: apply the
    pending steps of ``archive.migrations`` (crawl, reparse, serve and tests do; readers not)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = Database(sqlite3.connect(str(path), check_same_thread=check_same_thread))
    db.execute("PRAGMA busy_timeout=60000")  # another process writing (a reader never blocks)
    if migrate:
        if db.journal_mode != "wal":
            db.enable_wal()
        db.execute("PRAGMA synchronous=NORMAL")
        apply_migrations(db)
    else:
        db.execute("PRAGMA synchronous=NORMAL")
    return db
