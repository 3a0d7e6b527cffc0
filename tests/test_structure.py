"""The house rules: imports run one way (indonesian <- archive <- crawler <- spiders), no cycles
between or inside packages, and the pure text layer imports neither Scrapy nor SQLite."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("indonesian", "archive", "crawler", "spiders")
# What each package must never import (directly or in a function body).
FORBIDDEN = {
    "indonesian": {"scrapy", "twisted", "parsel", "sqlite3", "sqlite_utils", "datasette", "archive",
                   "crawler", "spiders", "replica", "bench", "tests"},
    "archive": {"scrapy", "twisted", "crawler", "spiders", "replica", "bench", "tests"},
    "crawler": {"spiders", "replica", "bench", "tests"},  # spiders are found by Scrapy's SpiderLoader
    "spiders": {"archive", "replica", "bench", "tests", "sqlite3", "sqlite_utils"},
}


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, at any depth of its code, as absolute dotted names."""
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(module.split(".")[: -node.level] + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            modules[name] = path
    return modules


def graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: {m for m in imports_of(path) if m in modules} for name, path in modules.items()}


def test_no_package_imports_what_lies_above_it():
    offences = []
    for name, path in project_modules().items():
        package = name.split(".")[0]
        for imported in imports_of(path):
            if imported.split(".")[0] in FORBIDDEN[package]:
                offences.append(f"{name} imports {imported}")
    assert offences == []


def test_no_import_cycles_between_or_inside_packages():
    edges = graph()
    package_edges = {(a.split(".")[0], b.split(".")[0]) for a, targets in edges.items() for b in targets
                     if a.split(".")[0] != b.split(".")[0]}
    order = {p: i for i, p in enumerate(PACKAGES)}
    assert [e for e in package_edges if order[e[0]] < order[e[1]]] == []
    cycles, state = [], {}

    def visit(node, path):
        state[node] = "open"
        for target in sorted(edges[node]):
            if state.get(target) == "open":
                cycles.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, [*path, target])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_the_check_sees_a_cycle_and_a_forbidden_import(tmp_path):
    """The rules above would catch what they claim to: a function-level import counts."""
    sample = tmp_path / "indonesian" / "sample.py"
    sample.parent.mkdir()
    sample.write_text("def f():\n    from crawler.spider import ArchiveSpider\n    import sqlite3\n")
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert {"crawler.spider", "crawler.spider.ArchiveSpider", "sqlite3"} <= imports_of(sample)
    finally:
        ROOT = saved


def test_no_host_of_a_source_is_named_outside_its_module():
    hosts = ("kotawaringinbaratkab.go.id", "kemendagri.go.id")
    offences = []
    for name, path in project_modules().items():
        if name.startswith("spiders."):
            continue
        text = path.read_text("utf-8")
        offences += [f"{name} names {h}" for h in hosts if h in text]
    assert offences == []


def test_the_suite_reaches_nothing_beyond_loopback():
    import socket
    import subprocess
    import sys

    import pytest

    with pytest.raises(socket.gaierror, match="blocked by the test suite"):
        socket.getaddrinfo("mmc.kotawaringinbaratkab.go.id", 443)
    child = subprocess.run([sys.executable, "-c", "import socket; socket.create_connection(('example.org', 80), 2)"],
                           capture_output=True, text=True)
    assert child.returncode != 0 and "blocked by the test suite" in child.stderr
