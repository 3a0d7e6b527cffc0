"""Where the store's time goes: cProfile of ArchiveWriter over N synthetic articles.

    python -m bench.profile_store [N] [--bulk]     (default 20000; --bulk: inside ArchiveWriter.bulk())
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import tempfile
import time
from contextlib import nullcontext

from archive.connect import open_archive
from archive.store import ArchiveWriter
from bench.synth import synthetic_items


def main(count: int = 20000, batch: int = 200, bulk: bool = False) -> None:
    items = list(synthetic_items(count))
    with tempfile.TemporaryDirectory() as tmp:
        db = open_archive(f"{tmp}/archive.db", migrate=True)
        writer = ArchiveWriter(db, "profile")
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.enable()
        with writer.bulk() if bulk else nullcontext():
            for start in range(0, count, batch):
                writer.write(items[start:start + batch])
        profile.disable()
        print(f"{count / (time.perf_counter() - started):.0f} articles/s under the profiler")
        pstats.Stats(profile).sort_stats("cumulative").print_stats(r"store\.py|similarity|stemming|search\.py")


if __name__ == "__main__":
    numbers = [a for a in sys.argv[1:] if a.isdigit()]
    main(int(numbers[0]) if numbers else 20000, bulk="--bulk" in sys.argv)
