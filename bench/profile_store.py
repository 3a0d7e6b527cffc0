"""Where the store's time goes: cProfile of ArchiveWriter over N synthetic articles.

    python -m bench.profile_store [N]      (default 20000)
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import tempfile
import time

from archive.connect import open_archive
from archive.store import ArchiveWriter
from bench.synth import synthetic_items


def main(count: int = 20000, batch: int = 200) -> None:
    items = list(synthetic_items(count))
    with tempfile.TemporaryDirectory() as tmp:
        db = open_archive(f"{tmp}/archive.db", migrate=True)
        writer = ArchiveWriter(db, "profile")
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.enable()
        for start in range(0, count, batch):
            writer.write(items[start:start + batch])
        profile.disable()
        print(f"{count / (time.perf_counter() - started):.0f} articles/s under the profiler")
        pstats.Stats(profile).sort_stats("cumulative").print_stats(r"store\.py|similarity|search\.py")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20000)
