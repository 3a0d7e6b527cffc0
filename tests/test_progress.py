"""on a terminal, every progress line raises AttributeError
('MmcKobarSpider' object has no attribute 'failures'), so an operator running a crawl by hand
sees tracebacks instead of progress. Tests never have a TTY, so nothing caught it. Fails on
main at be18792."""

from __future__ import annotations

from crawler.progress import ProgressExtension
from crawler.replay import offline_spider


def test_a_progress_line_is_printed_for_a_running_crawl(capsys):
    crawler, spider = offline_spider("mmc_kobar")
    ProgressExtension(crawler, interval=2.0).report(spider)
    assert "mmc_kobar:" in capsys.readouterr().err
