"""Datasette plugin of the archive: every connection's pragmas and SQL functions, and what keeps
a public server up: bounded SQL, a deadline every project function obeys, 4xx on junk input,
and the ``serve --public`` profile.

Why a deadline of our own: Datasette interrupts a query from SQLite's progress handler, which
runs between virtual-machine instructions (every 1,000 of them). One function call is one
instruction, so a slow call (``printf('%.*c', 900000000, 'x')``, a stemmer on megabytes, or many
of them between two checks) ran 10-22 s past ``sql_time_limit_ms``. So: strings are capped by
SQLite's own length limit, ``printf`` refuses huge widths, the project's functions refuse
oversized input, and they interrupt the statement themselves once its deadline has passed.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import re
import sqlite3
import threading
import time
from itertools import combinations

import datasette.database
from datasette import hookimpl
from datasette.utils.asgi import Response

from indonesian.stemming import stem_query, stem_text

# The longest string or row SQLite builds or reads on the site's connections. A news article
# is a few KB (the replica's longest body is 850 characters, real ones stay under 100 KB); SQL
# that builds more is refused at once ("string or blob too big"). Also bounds the quadratic
# built-ins (instr, replace): 0.3 s at 200 KB, about 2 s at this limit (measured, decisions).
MAX_SQL_STRING = 500_000
MAX_PRINTF_WIDTH = 100_000
# What a person types into a search box, with room to spare; stem_text takes an article.
MAX_QUERY_CHARS = 2_000
MAX_TEXT_CHARS = MAX_SQL_STRING
# Request parameters the site reads (q, code, region, _search, filters...) longer than this are
# refused with a 400 before any SQL runs; ``sql`` itself is bounded by MAX_SQL_STRING.
MAX_PARAMETER_CHARS = MAX_QUERY_CHARS

PUBLIC_ENV = "PILKADA_ARCHIVE_PUBLIC"

_deadline = threading.local()


@contextlib.contextmanager
def _timelimit_with_deadline(conn, ms):
    """Datasette's own time limit, and the deadline for the functions below on this thread."""
    _deadline.at = time.perf_counter() + ms / 1000
    try:
        with _datasette_timelimit(conn, ms):
            yield
    finally:
        _deadline.at = None


_datasette_timelimit = datasette.database.sqlite_timelimit
datasette.database.sqlite_timelimit = _timelimit_with_deadline


def _past_deadline() -> bool:
    at = getattr(_deadline, "at", None)
    return at is not None and time.perf_counter() >= at


class InputTooLong(ValueError):
    pass


def limited(conn, function, max_chars: int):
    """``function`` as an SQL function: refuses text longer than ``max_chars`` and, once the
    statement is past its time limit, interrupts it (Datasette answers "query took too long")."""
    name = function.__name__

    def guarded(text):
        if _past_deadline():
            conn.interrupt()
            return None
        if text is not None and len(str(text)) > max_chars:
            raise InputTooLong(f"{name} takes at most {max_chars:,} characters")
        return function(text)

    return guarded


# A printf conversion: flags, width (digits or *), precision (digits or *), type.
PRINTF_SPEC = re.compile(r"%[-+ 0#,!]*(\d+|\*)?(?:\.(\d+|\*))?([a-zA-Z%])")
_plain_sqlite = threading.local()


def _printf(conn):
    """SQLite's printf/format with a bound on widths and precisions (a huge one ran for 20 s in
    one call, where no progress handler can stop it); the formatting itself is SQLite's, on a
    plain in-memory connection of this thread."""

    def guarded(*args):
        if _past_deadline():
            conn.interrupt()
            return None
        if args and isinstance(args[0], str):
            rest = list(args[1:])
            for width, precision, kind in PRINTF_SPEC.findall(args[0]):
                for part in (width, precision):
                    number = rest.pop(0) if part == "*" and rest else part
                    if part and _too_wide(number):
                        raise InputTooLong(f"printf widths and precisions are at most {MAX_PRINTF_WIDTH:,}")
                if kind != "%" and rest:
                    rest.pop(0)
        return _plain(f"select printf({', '.join('?' * len(args))})", args)

    return guarded


def _too_wide(number) -> bool:
    try:
        return abs(int(float(number))) > MAX_PRINTF_WIDTH
    except (TypeError, ValueError, OverflowError):
        return False


# SQLite's instr, replace and two-argument trims compare the needle (or the set of characters)
# at every position: one call on two strings near MAX_SQL_STRING took 7.5 s (instr) and 6.8 s
# (replace). On text they are done here in linear time with Python's string search; other
# types (blobs, numbers) go to SQLite's own functions on the plain connection.
def _plain(sql: str, args):
    plain = getattr(_plain_sqlite, "conn", None)
    if plain is None:
        plain = _plain_sqlite.conn = sqlite3.connect(":memory:", check_same_thread=False)
        plain.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_SQL_STRING)
    return plain.execute(sql, args).fetchone()[0]


def _instr(haystack, needle):
    if isinstance(haystack, str) and isinstance(needle, str):
        return haystack.find(needle) + 1
    return _plain("select instr(?, ?)", (haystack, needle))


def _replace(text, old, new):
    if not (isinstance(text, str) and isinstance(old, str) and isinstance(new, str)):
        return _plain("select replace(?, ?, ?)", (text, old, new))
    if not old:
        return text
    if len(text) + text.count(old) * (len(new) - len(old)) > MAX_SQL_STRING:
        raise InputTooLong(f"replace would build more than {MAX_SQL_STRING:,} characters")
    return text.replace(old, new)


def _trim(ends: str):
    def trim(text, characters):
        if not (isinstance(text, str) and isinstance(characters, str)):
            return _plain(f"select {ends}(?, ?)", (text, characters))
        chars = set(characters)
        start, end = 0, len(text)
        if ends in ("trim", "ltrim"):
            while start < end and text[start] in chars:
                start += 1
        if ends in ("trim", "rtrim"):
            while end > start and text[end - 1] in chars:
                end -= 1
        return text[start:end]

    return trim


def _with_deadline(conn, function):
    def call(*args):
        if _past_deadline():
            conn.interrupt()
            return None
        return function(*args)

    return call


@hookimpl
def prepare_connection(conn):
    # Read the archive through a memory map and keep more of its pages: a search or a facet over
    # many articles reads one page per matching row (bench/run.py datasette section).
    conn.execute("PRAGMA mmap_size = 8589934592")
    conn.execute("PRAGMA cache_size = -131072")
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_SQL_STRING)
    conn.create_function("stem_query", 1, limited(conn, stem_query, MAX_QUERY_CHARS), deterministic=True)
    conn.create_function("stem_text", 1, limited(conn, stem_text, MAX_TEXT_CHARS), deterministic=True)
    for name in ("printf", "format"):
        conn.create_function(name, -1, _printf(conn), deterministic=True)
    conn.create_function("instr", 2, _with_deadline(conn, _instr), deterministic=True)
    conn.create_function("replace", 3, _with_deadline(conn, _replace), deterministic=True)
    for ends in ("trim", "ltrim", "rtrim"):
        conn.create_function(ends, 2, _with_deadline(conn, _trim(ends)), deterministic=True)


# --- Junk input answers 4xx -------------------------------------------------------------------

@hookimpl
def handle_exception(datasette, request, exception):
    """Input errors that Datasette's views let through as 500: numbers past SQLite's 64-bit
    integers (``/-/history/99999999999999999999``, ``?id=99999999999999999999``) and a sort by
    a column that does not exist. They are the request's fault: 400."""
    from datasette.views.base import DatasetteError

    if isinstance(exception, OverflowError):
        return _text(400, "a number in the request is too large (at most 9223372036854775807)")
    if isinstance(exception, DatasetteError) and str(exception).startswith("Cannot sort table by"):
        return _text(400, str(exception))
    return None


def _text(status: int, message: str) -> Response:
    return Response.text(f"{status}: {message}", status=status)


def junk_in(request) -> str | None:
    """Why a request is refused before it reaches a view, or None."""
    if "\x00" in request.path:
        return "the path holds a NUL character"
    for key in request.args:
        for value in request.args.getlist(key):
            if "\x00" in value or "\x00" in key:
                return f"parameter {key!r} holds a NUL character"
            if key != "sql" and len(value) > MAX_PARAMETER_CHARS:
                return f"parameter {key!r} is {len(value):,} characters long; the archive reads at most {MAX_PARAMETER_CHARS:,}"
    # Datasette reads it with int() and answered 500 to anything else.
    if request.args.get("_timelimit") and not request.args["_timelimit"].isdigit():
        return "_timelimit takes a number of milliseconds"
    return None


# --- The public profile (serve --public) ------------------------------------------------------

# Debug pages that show file paths, threads, plugins or the actor; the rest of /-/ stays.
PUBLIC_BLOCKED = re.compile(r"^/-/(databases|plugins|threads|actor|permissions|allow-debug|messages"
                            r"|patterns|auth-token)(\.json)?/?$")
_known_sql = contextvars.ContextVar("pilkada_known_sql", default=False)


def is_public() -> bool:
    return os.environ.get(PUBLIC_ENV) == "1"


def dashboard_sql(datasette) -> set[str]:
    """Every SQL text the dashboards' pages may ask for (each chart with each set of filters)."""
    from datasette_dashboards import replace_opts_in_query

    queries = set()
    for dashboard in (datasette.plugin_config("datasette-dashboards") or {}).values():
        keys = list(dashboard.get("filters", {}))
        for chart in dashboard.get("charts", {}).values():
            if not chart.get("query"):
                continue
            for size in range(len(keys) + 1):
                for chosen in combinations(keys, size):
                    queries.add(replace_opts_in_query(chart["query"], dict.fromkeys(chosen, "x")).strip())
    return queries


@hookimpl
def permission_allowed(datasette, actor, action, resource):
    """Public: no arbitrary SQL (nor ``_where``), except the dashboards' own chart queries."""
    if action == "execute-sql" and is_public():
        return bool(_known_sql.get())
    return None


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def guarded(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            from datasette.utils.asgi import Request

            request = Request(scope, receive)
            if reason := junk_in(request):
                return await _refuse(send, 400, reason)
            token = None
            if is_public():
                base_url = datasette.setting("base_url")
                path = "/" + request.path.removeprefix(base_url) if request.path.startswith(base_url) else request.path
                if PUBLIC_BLOCKED.match(path):
                    return await _refuse(send, 404, "not published on the public archive")
                sql = request.args.get("sql")
                if path.startswith("/-/dashboards") or (sql and sql.strip() in dashboard_sql(datasette)):
                    token = _known_sql.set(True)
            try:
                return await app(scope, receive, send)
            finally:
                if token is not None:
                    _known_sql.reset(token)

        return guarded

    return wrap


async def _refuse(send, status: int, message: str) -> None:
    await _text(status, message).asgi_send(send)


ROBOTS = """User-agent: *
# Article pages, the home page and the about pages may be indexed; searches, facets, paging,
# exports and SQL are endless combinations that only load the server.
Disallow: {base}*?
Disallow: {base}*.json
Disallow: {base}*.csv
Disallow: {base}-/
"""


@hookimpl
def register_routes():
    return [(r"^/robots\.txt$", robots)]


def robots(datasette):
    return Response.text(ROBOTS.format(base=datasette.setting("base_url")))
