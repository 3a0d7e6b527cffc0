"""A synthetic archive of N articles, written through the project's own storage code.

Indonesian-like text from the replica's story templates and a vocabulary, realistic field
distributions (two sources, 2018-2026, a third election-related, tags, regions).
"""

from __future__ import annotations

import random
import time

from archive.connect import open_archive
from archive.store import ArchiveWriter
from indonesian import regions, tagging
from indonesian.text import content_hash, release_key
from replica.corpus import generate

FILLER = ["pemerintah", "daerah", "kabupaten", "kecamatan", "desa", "warga", "kegiatan", "program", "pembangunan", "pelayanan", "masyarakat", "rapat", "koordinasi", "anggaran", "sosialisasi", "bantuan", "petugas", "tahun", "kerja", "sama", "dinas", "pemilihan", "calon", "kampanye", "pengawasan", "logistik", "suara", "pemilih", "partisipasi", "netralitas"]


def synthetic_items(count: int, seed: int = 7):
    """Article dicts as the pipelines hand them to the store."""
    rng = random.Random(seed)
    # Primary releases only: the replica's re-publications would make every synthetic article
    # a near-copy of thousands of others from the other source.
    templates = [t for t in generate(400, seed) if not t.republished_from]
    # Tags of each template's own text, computed once: the filler words only pad the body.
    template_tags = [tagging.tag(t.title, t.body) for t in templates]
    template_regions = [regions.link(f"{t.title}\n{t.body}", "62.01" if t.source == "mmc_kobar" else None)
                        for t in templates]
    for index in range(count):
        base = templates[index % len(templates)]
        extra = " ".join(rng.choices(FILLER, k=rng.randint(60, 180)))
        title = f"{base.title} #{index}"
        body = base.body + "\n\n" + extra.capitalize() + "."
        tags = template_tags[index % len(templates)]
        year = rng.randint(2018, 2026)
        day = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        yield {
            "url": f"{base.url}-{index}", "source": base.source, "title": title, "body": body,
            "published_date": day, "published_at": None, "date_text": day, "date_method": "bench",
            "date_confidence": rng.choice(["high", "high", "medium"]), "author": None,
            "dateline": "MMC Kobar" if base.source == "mmc_kobar" else "Jakarta",
            "source_unit": base.unit, "captions": [], "related": [], "tags": [], "image_urls": [],
            "election_related": tags.election_related, "election_score": tags.election_score,
            "election_terms": tags.election_terms, "election_types": tags.election_types,
            "election_stages": tags.election_stages, "institutions": tags.institutions,
            "regions": template_regions[index % len(templates)], "publisher_region": "62.01" if base.source == "mmc_kobar" else None,
            "parser": "bench", "release_key": release_key(title, body),
            "content_hash": content_hash(title, body), "fetched_at": "2026-11-27T00:00:00Z",
        }


def build(path: str, count: int, batch: int = 2000) -> float:
    """Write ``count`` synthetic articles into a fresh archive; returns seconds taken."""
    started = time.perf_counter()
    db = open_archive(path, migrate=True)
    writer = ArchiveWriter(db, "bench")
    buffer = []
    for item in synthetic_items(count):
        buffer.append(item)
        if len(buffer) >= batch:
            writer.write(buffer)
            buffer = []
    if buffer:
        writer.write(buffer)
    db.execute("analyze")
    db.close()
    return time.perf_counter() - started
