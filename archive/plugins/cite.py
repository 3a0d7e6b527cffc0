"""Datasette plugin of the archive: an article's page gets its citation (archive/citation.py)."""

from __future__ import annotations

from datasette import hookimpl

from archive.citation import apa, bibtex, citation, meta_tags, ris, tanggal, wib_time


@hookimpl
def extra_template_vars(view_name, table, database, request, datasette):
    """An article's page gets ``citation`` (APA, BibTeX, RIS, meta tags) and its dates."""
    if view_name != "row" or table != "articles" or request is None:
        return {}

    async def citation_vars():
        article_id = request.url_vars.get("pks", "").split(",")[0]
        row = (await datasette.get_database(database).execute(
            "select id, url, source, title, author, published_date, published_at, fetched_at, version "
            "from articles where id = ?", [article_id])).first()
        if row is None:
            return {}
        article = dict(zip(row.keys(), row, strict=True))
        permalink = datasette.absolute_url(request, datasette.urls.row(database, "articles", article["id"]))
        source = (await datasette.get_database(database).execute(
            "select publication, publisher from sources where name = ?", [article["source"]])).first()
        cite = citation(article, permalink, dict(zip(source.keys(), source, strict=True)) if source else None)
        published = cite["published"]
        return {"citation": {**cite, "apa": apa(cite), "bibtex": bibtex(cite), "ris": ris(cite),
                             "meta": meta_tags(cite)},
                "published_tanggal": tanggal(published) if published else None,
                "published_wib": wib_time(article["published_at"])}

    return citation_vars
