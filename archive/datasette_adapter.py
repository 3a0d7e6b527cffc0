"""The few things the archive's plugin takes from Datasette beyond its documented plugin hooks.

Datasette 0.65 documents the hooks (``register_facet_classes``, ``filters_from_request`` ...) but
not the helpers a facet class needs: the facet configuration of a page (``load_facet_configs``),
the labels of foreign-key values (``Datasette.expand_foreign_keys``) and the ``Facet`` base class
itself, and a response written while its rows are read (``AsgiStream``, which Datasette's
own CSV export uses). They are used here and only here, so an upgrade of Datasette changes this one module;
the ``test_adapter_*`` tests in ``tests/test_datasette.py`` pin what each returns.
"""

from __future__ import annotations

from datasette.facets import Facet, load_facet_configs
from datasette.utils.asgi import AsgiStream

__all__ = ["Facet", "facet_columns", "foreign_key_labels", "streaming_response"]


def facet_columns(request, table_metadata: dict | None, facet_type: str) -> dict[str, str]:
    """Columns faceted with ``facet_type`` on this page (from the table's metadata and from
    ``?_facet_<type>=column``), each with where it was asked for: "metadata" or "request"."""
    columns: dict[str, str] = {}
    for item in load_facet_configs(request, table_metadata).get(facet_type, []):
        config = item["config"]
        columns.setdefault(config.get("column") or config["simple"], item["source"])
    return columns


async def foreign_key_labels(datasette, database: str, table: str, column: str, values: list) -> dict:
    """value -> label of the row it points to, for a column that is a foreign key ({} otherwise)."""
    labels = await datasette.expand_foreign_keys(database, table, column, values)
    return {value: label for (_, value), label in labels.items()}


def streaming_response(write_all, *, content_type: str, headers: dict | None = None):
    """A response whose body ``await write_all(writer)`` writes piece by piece
    (``await writer.write(text)``), so an export of every match never sits in memory whole."""
    return AsgiStream(write_all, headers=headers or {}, content_type=content_type)
