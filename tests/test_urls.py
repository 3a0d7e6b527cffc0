from crawler.origins import Mirror
from indonesian.urls import canonical_url

HOSTS = (("/berita", "https://mmc.kotawaringinbaratkab.go.id"), ("/id/", "https://kotawaringinbaratkab.go.id"))


def test_canonical_url_forces_https_lowercase_host_and_drops_tracking_and_fragment():
    url = "http://MMC.KotawaringinBaratKab.go.id/berita/a-b-?utm_source=fb&page=2&fbclid=x#top"
    assert canonical_url(url) == "https://mmc.kotawaringinbaratkab.go.id/berita/a-b-?page=2"


def test_canonical_url_keeps_the_trailing_dash_of_mmc_slugs():
    url = "https://mmc.kotawaringinbaratkab.go.id/berita/ajak-pemilih-pemula-sukseskan-pemilu-"
    assert canonical_url(url) == url


def test_mirror_maps_canonical_urls_to_fetch_urls_and_back_by_path():
    mirror = Mirror(HOSTS, "http://127.0.0.1:9000/mmc_kobar")
    assert mirror.fetch_url("https://mmc.kotawaringinbaratkab.go.id/berita/x?page=2") == \
        "http://127.0.0.1:9000/mmc_kobar/berita/x?page=2"
    assert mirror.canonical("http://127.0.0.1:9000/mmc_kobar/id/blog/x") == "https://kotawaringinbaratkab.go.id/id/blog/x"
    assert mirror.canonical("http://127.0.0.1:9000/mmc_kobar/berita/x") == "https://mmc.kotawaringinbaratkab.go.id/berita/x"


def test_without_a_mirror_the_real_site_is_fetched():
    mirror = Mirror(HOSTS)
    url = "https://mmc.kotawaringinbaratkab.go.id/berita/x"
    assert mirror.fetch_url(url) == url and mirror.canonical(url) == url


def test_canonical_urls_sort_the_query_and_survive_a_junk_port():
    assert canonical_url("HTTPS://Kemendagri.go.id/berita/x?utm_source=1&b=2&a=1#f") == \
        "https://kemendagri.go.id/berita/x?a=1&b=2"
    assert canonical_url("http://mmc.kotawaringinbaratkab.go.id:abc/berita/a-b-") == \
        "https://mmc.kotawaringinbaratkab.go.id/berita/a-b-"
