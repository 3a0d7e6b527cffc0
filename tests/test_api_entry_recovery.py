"""a Kemendagri API entry that was broken once is recorded as
a failed page `<API page URL>#entry-N`, which no later run can retry (the source has no
per-article request) or resolve (only listing URLs are resolved): after the API is fixed, every
run still exits 3 with "failed pages wait for a retry"."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_crawl
from tests.faults import FaultPlan, FaultProxy

pytestmark = pytest.mark.slow

NOW = ("-s", "ARCHIVE_RETRY_BACKOFF_HOURS=0")


def one_null_entry(path: str, body: bytes) -> bytes:
    if "page=1" not in path or "limit=" not in path:
        return body
    payload = json.loads(body)
    payload["data"]["blogs"][1] = None
    return json.dumps(payload).encode()


def test_a_fixed_api_entry_no_longer_keeps_the_run_from_ok(fresh_replica, tmp_path):
    plan = FaultPlan(only="/kemendagri/api", mutate=one_null_entry)
    proxy = FaultProxy(fresh_replica.base, plan)
    db = tmp_path / "archive.db"
    origin = ("--origin", f"kemendagri={proxy.base}/kemendagri")
    assert run_crawl(db, fresh_replica, "kemendagri", *origin, *NOW).returncode == 3
    plan.mutate = None  # the ministry fixed its API
    codes = [run_crawl(db, fresh_replica, "kemendagri", *origin, *NOW).returncode for _ in range(4)]
    assert 0 in codes, codes
