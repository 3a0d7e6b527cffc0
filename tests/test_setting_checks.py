"""Settings given on the command line: `scrapy crawl` checks them like `pilkada-archive crawl`,
and fractional values of settings read as numbers are accepted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from crawler.runner import check_setting

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", ["DOWNLOAD_DELAY", "ARCHIVE_RETRY_BACKOFF_HOURS"])
def test_a_fractional_value_of_a_setting_read_as_a_float_is_accepted(name):
    # Scrapy reads DOWNLOAD_DELAY with getfloat, crawler.runs reads ARCHIVE_RETRY_BACKOFF_HOURS
    # with getfloat; both defaults happen to be written as ints, so the CLI refuses 0.5 (exit 2).
    assert check_setting(name, "0.5") == "0.5"


@pytest.mark.slow
@pytest.mark.parametrize("setting", [
    "ARCHIVE_RECHECK_DAYS=99999999",  # measured: exit 0, no ledger row, OverflowError in the log
    "ARCHIVE_BATCH_SIZE=abc",  # measured: exit 5 "interrupted", 6 tracebacks
    "HEALTH_HISTORY_RUNS=x",  # measured: exit 1, the ledger row left unfinished
    "CONCURRENT_REQUESTS=abc",  # measured: exit 1, a traceback
])
def test_scrapy_crawl_refuses_a_bad_setting_with_exit_2_and_one_line(replica, tmp_path, setting):
    db = tmp_path / "archive.db"
    result = subprocess.run(
        [sys.executable, "-m", "scrapy.cmdline", "crawl", "kemendagri", "-a", f"origin={replica.base}/kemendagri",
         "-s", f"ARCHIVE_DB={db}", "-s", setting],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert (result.returncode, "Traceback" in result.stderr) == (2, False), result.stderr[-2000:]
