"""The benchmark still runs (tiny sizes; the figures themselves come from `make bench`)."""

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # crawls, browsers or benchmarks: not in `make test-fast`


def test_bench_runs_end_to_end_at_tiny_sizes(tmp_path):
    out = tmp_path / "bench.json"
    command = [sys.executable, "-m", "bench.run", "--quick", "--articles", "60", "--rows", "1500",
               "--store-rows", "200", "--requests", "8", "--cpu-pages", "5", "--repeat", "1", "--out", str(out)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = {row["name"]: row for row in json.loads(out.read_text())["rows"]}
    for name in ("crawl", "incremental_requests_mmc_kobar", "incremental_requests_kemendagri", "normalize_us",
                 "store", "search_p95_ms", "stemmed_search_p95_ms", "article_page_p95_ms"):
        assert name in rows, name
    assert rows["crawl"]["ratio"] > 0 and rows["store"]["ratio"] > 0
    assert rows["incremental_requests_mmc_kobar"]["median"] <= 5
    assert "ratio" in result.stdout
