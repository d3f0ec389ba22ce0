from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.parsing.urls import (
    article_id_from_url,
    canonicalize_url,
    comments_url,
    is_article_url,
    section_from_url,
    strip_tracking,
)

BASE = "https://www.rtl.fr"
ARTICLE = "https://www.rtl.fr/actu/international/kim-jong-un-en-russie-7797504917"


@pytest.mark.parametrize(
    "variant",
    [
        ARTICLE,
        ARTICLE + "/",
        ARTICLE + "/amp",
        ARTICLE + "/amp/",
        ARTICLE + "#comments",
        ARTICLE + "?utm_source=twitter&utm_medium=social",
        ARTICLE + "?xtor=RSS-1",
        ARTICLE + "?at_medium=custom7&fbclid=IwAR0&gclid=x&mc_cid=1&mc_eid=2&ns_campaign=a",
        "http://www.rtl.fr/actu/international/kim-jong-un-en-russie-7797504917",
        "http://rtl.fr/actu/international/kim-jong-un-en-russie-7797504917/amp?xtor=RSS-1#x",
        "https://RTL.FR:443/actu/international/kim-jong-un-en-russie-7797504917",
        "/actu/international/kim-jong-un-en-russie-7797504917",
    ],
)
def test_variants_collapse_to_one_canonical_url(variant: str) -> None:
    assert canonicalize_url(variant, BASE) == ARTICLE


def test_meaningful_query_is_kept_and_sorted() -> None:
    assert (
        canonicalize_url(ARTICLE + "?page=2&utm_source=x&b=1", BASE) == ARTICLE + "?b=1&page=2"
    )


def test_without_base_the_scheme_and_host_are_kept() -> None:
    assert (
        canonicalize_url("http://rtl.fr/actu/international/slug-7797504917/amp?xtor=1#c")
        == "http://rtl.fr/actu/international/slug-7797504917"
    )


def test_other_hosts_are_not_rewritten() -> None:
    url = "https://www.example.com/actu/international/slug-7797504917?utm_source=x"
    assert canonicalize_url(url, BASE) == "https://www.example.com/actu/international/slug-7797504917"


def test_local_base_with_port() -> None:
    base = "http://127.0.0.1:8765"
    assert (
        canonicalize_url("http://127.0.0.1:8765/actu/societe/slug-1234567890/amp?xtor=1", base)
        == "http://127.0.0.1:8765/actu/societe/slug-1234567890"
    )
    # Another port on the same host is another server, not the configured site.
    assert (
        canonicalize_url("http://127.0.0.1:9999/actu/societe/slug-1234567890", base)
        == "http://127.0.0.1:9999/actu/societe/slug-1234567890"
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (ARTICLE, "7797504917"),
        (ARTICLE + "/amp", "7797504917"),
        (ARTICLE + "/amp?utm_source=x#top", "7797504917"),
        (ARTICLE + "/", "7797504917"),
        ("https://www.rtl.fr/sujet/kim-jong-un", None),
        ("https://www.rtl.fr/article/share/7797504917", None),
        ("https://www.rtl.fr/actu/slug-779750491", None),
        ("https://www.rtl.fr/actu/slug-77975049170", None),
        (ARTICLE + "/commentaires", None),
    ],
)
def test_article_id(url: str, expected: str | None) -> None:
    assert article_id_from_url(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (ARTICLE, "international"),
        ("https://www.rtl.fr/sport/football/psg-om-1234567890", "football"),
        ("https://www.rtl.fr/girls/mode/slug-1234567890/amp", "mode"),
        ("https://www.rtl.fr/culture/slug-1234567890", "culture"),
        ("https://www.rtl.fr/sujet/kim-jong-un", None),
    ],
)
def test_section_is_the_segment_before_the_slug(url: str, expected: str | None) -> None:
    assert section_from_url(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (ARTICLE, True),
        (ARTICLE + "/amp", True),
        ("http://rtl.fr/sport/football/psg-om-1234567890?xtor=1", True),
        ("https://www.rtl.fr/slug-1234567890", False),
        (ARTICLE + "/commentaires", False),
        (ARTICLE + "/commentaires?page=2", False),
        ("https://www.rtl.fr/sujet/kim-jong-un", False),
        ("https://www.rtl.fr/auteur/leia-hoarau", False),
        ("https://www.rtl.fr/article/share/7797504917", False),
        ("https://www.rtl.fr/flux/une.rss", False),
        ("mailto:x-1234567890@rtl.fr", False),
        ("ftp://www.rtl.fr/actu/x/slug-1234567890", False),
    ],
)
def test_is_article_url(url: str, expected: bool) -> None:
    assert is_article_url(url) is expected


def test_comments_url() -> None:
    assert comments_url(ARTICLE + "/amp?xtor=RSS-1") == ARTICLE + "/commentaires"
    assert (
        comments_url("http://rtl.fr/actu/international/kim-jong-un-en-russie-7797504917", BASE)
        == ARTICLE + "/commentaires"
    )


@given(
    scheme=st.sampled_from(["http", "https"]),
    www=st.booleans(),
    amp=st.booleans(),
    slash=st.booleans(),
    tracking=st.lists(st.sampled_from(["utm_source", "xtor", "fbclid", "at_medium"]), max_size=3),
    fragment=st.text(alphabet="abc123", max_size=5),
)
def test_canonical_form_is_stable(
    scheme: str, www: bool, amp: bool, slash: bool, tracking: list[str], fragment: str
) -> None:
    url = f"{scheme}://{'www.' if www else ''}rtl.fr/actu/international/slug-7797504917"
    url += "/amp" if amp else ""
    url += "/" if slash else ""
    url += ("?" + "&".join(f"{name}=v" for name in tracking)) if tracking else ""
    url += f"#{fragment}" if fragment else ""
    canonical = canonicalize_url(url, BASE)
    assert canonical == "https://www.rtl.fr/actu/international/slug-7797504917"
    assert canonicalize_url(canonical, BASE) == canonical


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.rtl.fr/actu/a-7797504917?utm_source=rss&utm_medium=feed",
         "https://www.rtl.fr/actu/a-7797504917"),
        ("https://www.rtl.fr/actu/a-7797504917#xtor=RSS-1", "https://www.rtl.fr/actu/a-7797504917"),
        ("http://rtl.fr/actu/a-7797504917/amp?page=2&xtor=AL-12",
         "http://rtl.fr/actu/a-7797504917/amp?page=2"),
        ("https://www.rtl.fr/actu/a-7797504917", "https://www.rtl.fr/actu/a-7797504917"),
    ],
)  # fmt: skip
def test_strip_tracking_keeps_the_address_itself(url: str, expected: str) -> None:
    assert strip_tracking(url) == expected
