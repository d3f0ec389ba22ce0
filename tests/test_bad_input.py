"""Pages that are broken in transit or by their site: each one is either parsed right
(accents intact) or rejected with a reason that says what is wrong."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from crawler.items import ArticleItem, RejectedPageItem
from crawler.parsing.article import parse_article
from crawler.parsing.comments import parse_comments
from crawler.parsing.encoding import damage, page_text
from crawler.parsing.page import parse_page
from pipelines.extract import extract_article

PAGES = Path(__file__).parent / "fixtures" / "pages"
BAD = PAGES / "bad"
BASE = "https://www.rtl.fr"
SEED_URL = (
    "https://www.rtl.fr/actu/international/"
    "kim-jong-un-en-russie-pour-son-premier-sommet-avec-poutine-7797504917"
)
NOEL_URL = "https://www.rtl.fr/actu/societe/l-ete-a-noel-7797700001"
PARIS = timezone(timedelta(hours=1))
SUMMER = timezone(timedelta(hours=2))

NOEL_TITLE = "L’été à Noël : 5 € pour les cœurs brisés"
NOEL_LEAD = "Déjà « épuisé », le père Noël répond."
NOEL_BODY = "Ça coûte 5 € : « œuvre » de charité, naïveté garantie… Où ? À Noël."


def extract(body: bytes, url: str = NOEL_URL, content_type: str | None = None):
    headers = {"Content-Type": content_type} if content_type else None
    return extract_article(body, url, base_url=BASE, headers=headers)


def article(
    *,
    title: str = "<h1 class='article-header'>Titre</h1>",
    published: str = "2019-12-24T18:30:00+01:00",
    modified: str = "",
    body: str = "<p class='article-p'>Un paragraphe.</p>",
) -> bytes:
    """A minimal page in the RTL article template."""
    times = f"<time class='publish-time' datetime='{published}'>date</time>" if published else ""
    if modified:
        times += f"<time class='update-time' datetime='{modified}'>mise à jour</time>"
    return (
        "<html><head><meta charset='utf-8'></head><body><article class='article g-article'>"
        f"{title}<div class='article-info'>{times}</div>"
        f"<div class='article-mask'>{body}</div></article></body></html>"
    ).encode()


# --- Encodings ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("cp1252_meta.html", None),
        ("cp1252_meta.html", "text/html; charset=windows-1252"),
        # Wrong header: the body is windows-1252, the server says UTF-8.
        ("cp1252_meta.html", "text/html; charset=utf-8"),
        ("cp1252_meta.html", "text/html; charset=iso-8859-1"),
        # No declaration in the page either: windows-1252 is what French pages were.
        ("cp1252_no_meta.html", "text/html; charset=utf-8"),
        ("cp1252_no_meta.html", "text/html; charset=windows-1252"),
        ("utf8_meta.html", None),
        ("utf8_meta.html", "text/html; charset=utf-8"),
        # The reverse: a UTF-8 body announced as windows-1252 / latin-1.
        ("utf8_meta.html", "text/html; charset=windows-1252"),
        ("utf8_meta.html", "text/html; charset=iso-8859-1"),
        ("utf8_no_meta.html", "text/html; charset=windows-1252"),
        ("utf8_no_meta.html", "text/html; charset=nonsense"),
    ],
)
def test_text_is_decoded_right_whatever_the_header_says(
    name: str, content_type: str | None
) -> None:
    item = extract((BAD / name).read_bytes(), content_type=content_type)
    assert isinstance(item, ArticleItem), item
    assert item.title == NOEL_TITLE
    assert item.lead == NOEL_LEAD
    assert item.body == NOEL_BODY
    assert item.published_at == datetime(2019, 12, 24, 18, 30, tzinfo=PARIS)


def test_wrong_header_really_damages_scrapys_decoding() -> None:
    # Without the repair, the parsers would read these texts.
    cp1252 = HtmlResponse(
        url=NOEL_URL,
        body=(BAD / "cp1252_meta.html").read_bytes(),
        headers={"Content-Type": "text/html; charset=utf-8"},
    )
    assert "L\ufffd\ufffdt\ufffd \ufffd No\ufffdl" in cp1252.text
    assert NOEL_TITLE in page_text(cp1252)
    utf8 = HtmlResponse(
        url=NOEL_URL,
        body=(BAD / "utf8_meta.html").read_bytes(),
        headers={"Content-Type": "text/html; charset=windows-1252"},
    )
    assert "Lâ€™Ã©tÃ© Ã\xa0 NoÃ«l" in utf8.text
    assert NOEL_TITLE in page_text(utf8)
    assert damage(page_text(utf8)) == 0


def test_a_byte_order_mark_is_trusted_over_the_header() -> None:
    body = b"\xef\xbb\xbf" + (BAD / "utf8_no_meta.html").read_bytes()
    item = extract(body, content_type="text/html; charset=windows-1252")
    assert isinstance(item, ArticleItem)
    assert item.title == NOEL_TITLE


def test_comment_fragments_are_repaired_too() -> None:
    fragment = (
        '<div class="timeline-post" data-comment-id="1"><span class="timeline-author">'
        'Hélène</span><div class="post-message"><p>Très déçue, « vraiment ».</p></div></div>'
    )
    response = HtmlResponse(
        url=NOEL_URL + "/commentaires",
        body=fragment.encode("cp1252"),
        headers={"Content-Type": "text/html; charset=utf-8"},
    )
    [comment] = parse_comments(response).comments
    assert (comment["author"], comment["text"]) == ("Hélène", "Très déçue, « vraiment ».")


def test_an_honest_page_mentioning_mojibake_keeps_its_text() -> None:
    # "Ã©" written on purpose in a UTF-8 page: re-decoding would only make it worse.
    body = article(body="<p class='article-p'>Le bug affichait « Ã© » au lieu de « é ».</p>")
    item = extract(body, content_type="text/html; charset=utf-8")
    assert isinstance(item, ArticleItem)
    assert item.body == "Le bug affichait « Ã© » au lieu de « é »."


# --- Broken markup --------------------------------------------------------------------


def test_malformed_html_is_read_as_a_browser_would() -> None:
    item = extract(
        (BAD / "malformed.html").read_bytes(),
        "https://www.rtl.fr/actu/societe/greve-les-trains-a-l-arret-7797800001",
    )
    assert isinstance(item, ArticleItem), item
    assert item.title == "Grève : les trains à l'arrêt"
    assert item.published_at == datetime(2019, 12, 5, 7, 0, tzinfo=PARIS)
    # Unclosed tags, a stray </div> before <article>, a second <html>, a duplicate class
    # attribute, legacy entities without ";" (&copy), an unknown entity (kept as typed),
    # a badly closed HTML comment and CDATA (neither is text), a paragraph in a table.
    assert item.body == (
        "Premier paragraphe sans fin\n\n"
        "Deuxième paragraphe & été © été &bogus; 5 < 6\n\n"
        "Troisième lien fin.\n\n"
        "Quatrième suite.\n\n"
        "Cinquième dans un tableau\n\n"
        "Sixième après."
    )


def _seed_cut_after(marker: str, extra_bytes: int = 0) -> bytes:
    seed = (PAGES / "rtl_2019_seed.html").read_bytes()
    end = seed.index(marker.encode()) + len(marker.encode()) + extra_bytes
    return seed[:end]


def test_page_cut_off_mid_article_keeps_what_arrived() -> None:
    body = _seed_cut_after("Voilà plusieurs décennies que les relations")
    item = extract(body, SEED_URL)
    assert isinstance(item, ArticleItem), item
    assert item.title == "Kim Jong-Un en Russie pour son premier sommet avec Poutine"
    assert item.published_at == datetime(2019, 4, 24, 10, 47, tzinfo=SUMMER)
    assert item.body_blocks[-2:] == [
        {"type": "heading", "text": "Rééquilibrage"},
        {"type": "paragraph", "text": "Voilà plusieurs décennies que les relations"},
    ]
    assert item.tags == []  # they came after the cut
    assert len(item.body_blocks) == 10


def test_page_cut_off_inside_a_character() -> None:
    # "é" is two bytes in UTF-8; the cut keeps the first one only. That byte cannot be
    # decoded (U+FFFD), everything before it is intact.
    body = _seed_cut_after("Voilà plusieurs d", extra_bytes=1)
    item = extract(body, SEED_URL)
    assert isinstance(item, ArticleItem), item
    assert item.body_blocks[-1] == {"type": "paragraph", "text": "Voilà plusieurs d\ufffd"}
    assert item.body_blocks[-2] == {"type": "heading", "text": "Rééquilibrage"}


def test_page_cut_off_in_the_head_is_rejected() -> None:
    body = _seed_cut_after("<meta name=\"twitter:card\"")
    item = extract(body, SEED_URL)
    assert isinstance(item, RejectedPageItem)
    # The <title> arrived, so the headline is there; the rest is not.
    assert item.reason == "missing_body"
    assert item.detail == (
        "missing_body: no body text found; missing_published_at: no readable publication date"
    )


def test_nul_bytes_in_the_page_are_dropped() -> None:
    body = article(
        title="<h1 class='article-header'>Ti\x00tre</h1>",
        body="<p class='article-p'>Un\x00 paragraphe\x00.</p>",
    )
    item = extract(body)
    assert isinstance(item, ArticleItem)
    assert (item.title, item.body) == ("Titre", "Un paragraphe.")


def test_thousands_of_unclosed_elements_do_not_overflow_the_stack() -> None:
    nested = "<span>mot " * 20_000
    body = article(body=f"<p class='article-p'>Début {nested}fin.</p>")
    item = extract(body)
    assert isinstance(item, ArticleItem)
    assert item.body is not None
    assert item.body.startswith("Début mot mot ")
    fragment = (
        '<div class="timeline-post" data-comment-id="1"><div class="post-message">'
        + "<b>x " * 20_000
    )
    response = HtmlResponse(url=NOEL_URL + "/commentaires", body=fragment.encode())
    [comment] = parse_comments(response).comments
    assert comment["text"].startswith("x x x")


def test_absurdly_nested_json_ld_is_ignored() -> None:
    body = (
        "<html><head><title>Titre</title><script type='application/ld+json'>"
        + "[" * 100_000
        + "]" * 100_000
        + "</script></head><body><article class='article'><p class='article-p'>Texte</p>"
        "</article></body></html>"
    ).encode()
    item = parse_article(HtmlResponse(url=NOEL_URL, body=body))
    assert (item.title, item.body) == ("Titre", "Texte")


# --- Empty and missing parts ----------------------------------------------------------


@pytest.mark.parametrize("body", [b"", b"   \n\t ", b"\x00\x00"])
def test_empty_body_is_an_empty_page(body: bytes) -> None:
    response = HtmlResponse(url=NOEL_URL, body=body)
    rejected = parse_page(response)
    assert rejected == RejectedPageItem(
        url=NOEL_URL,
        reason="empty_page",
        detail=f"{len(body)} bytes, no content",
        http_status=200,
    )


def test_bare_html_shell_names_what_is_missing() -> None:
    item = extract(b"<html><head></head><body></body></html>")
    assert isinstance(item, RejectedPageItem)
    assert item.reason == "missing_title"
    assert item.detail == (
        "missing_title: no headline found; missing_body: no body text found; "
        "missing_published_at: no readable publication date"
    )


def test_missing_title() -> None:
    item = extract(article(title=""))
    assert isinstance(item, RejectedPageItem)
    assert (item.reason, item.detail) == ("missing_title", "missing_title: no headline found")


def test_missing_date() -> None:
    item = extract(article(published=""))
    assert isinstance(item, RejectedPageItem)
    assert (item.reason, item.detail) == (
        "missing_published_at",
        "missing_published_at: no readable publication date",
    )


# --- Absurd dates ---------------------------------------------------------------------

IMPLAUSIBLE = (
    "implausible_published_at: publication date before 1990 or more than 2 days ahead"
)


@pytest.mark.parametrize(
    "published",
    ["1900-01-01T00:00:00+01:00", "0001-01-01T00:00:00+01:00", "2999-12-31T23:59:00+01:00",
     "9999-12-31T23:59:59-14:00", "01/01/1900"],
)
def test_absurd_publication_dates_are_rejected(published: str) -> None:
    item = extract(article(published=published))
    assert isinstance(item, RejectedPageItem)
    assert (item.reason, item.detail) == ("implausible_published_at", IMPLAUSIBLE)


@pytest.mark.parametrize("published", ["0000-00-00T00:00:00", "2019-02-31", "45/13/2019"])
def test_impossible_dates_are_missing_dates(published: str) -> None:
    item = extract(article(published=published))
    assert isinstance(item, RejectedPageItem)
    assert item.reason == "missing_published_at"


@pytest.mark.parametrize("modified", ["1900-01-01T00:00:00+01:00", "2999-01-01T00:00:00+01:00"])
def test_absurd_update_date_is_dropped_not_the_article(modified: str) -> None:
    item = extract(article(modified=modified))
    assert isinstance(item, ArticleItem)
    assert item.published_at == datetime(2019, 12, 24, 18, 30, tzinfo=PARIS)
    assert item.modified_at is None
    assert "modified_at" not in item.extraction


def test_absurd_comment_date_is_dropped_not_the_comment() -> None:
    fragment = (
        b'<div class="timeline-post" data-comment-id="1"><time class="timeline-time" '
        b'datetime="2999-01-01T10:00:00+01:00">01/01/2999</time>'
        b'<div class="post-message">Du futur.</div></div>'
        b'<div class="timeline-post" data-comment-id="2"><time class="timeline-time" '
        b'datetime="9999-12-31T23:59:59-14:00">x</time><div class="post-message">Loin.</div></div>'
    )
    item = extract_article(article(), NOEL_URL, [fragment], base_url=BASE)
    assert isinstance(item, ArticleItem)
    assert [(c["comment_id"], c["posted_at"], c["text"]) for c in item.comments] == [
        ("1", None, "Du futur."),
        ("2", None, "Loin."),
    ]


# --- Pages that are not articles ------------------------------------------------------


def test_section_listing_is_not_an_article() -> None:
    url = "https://www.rtl.fr/actu/international"
    assert extract((BAD / "section_listing.html").read_bytes(), url) == RejectedPageItem(
        url=url,
        reason="not_an_article",
        detail="no article markup; listing cards: 3; links to articles: 3",
        http_status=200,
    )


def test_home_page_reached_by_a_redirect_is_not_an_article() -> None:
    # An article request that was redirected: the response URL is the home page.
    assert extract((BAD / "home_page.html").read_bytes(), BASE + "/") == RejectedPageItem(
        url=BASE + "/",
        reason="not_an_article",
        detail="no article markup; og:type 'website'; listing cards: 0; links to articles: 1",
        http_status=200,
    )


def test_cut_off_listing_says_so() -> None:
    listing = (BAD / "section_listing.html").read_bytes()
    cut = listing[: listing.index(b"<nav class=\"pagination\">")]
    item = extract(cut, "https://www.rtl.fr/actu/international")
    assert isinstance(item, RejectedPageItem)
    assert item.reason == "not_an_article"
    assert item.detail == (
        "no article markup; listing cards: 3; links to articles: 3 "
        "(the page looks cut short: no closing </html>)"
    )


def test_a_page_with_a_single_card_is_left_to_validation() -> None:
    # One card is not a listing (tests/test_extract_cli.py relies on this too): without
    # article markup, validation names the missing fields.
    body = (
        "<html><head><title>Kim Jong-Un : toute l'actualité</title></head><body>"
        "<div class='post-preview'><h2 class='post-title'>Autre</h2></div></body></html>"
    ).encode()
    item = extract(body, "https://www.rtl.fr/sujet/kim-jong-un")
    assert isinstance(item, RejectedPageItem)
    assert item.reason == "missing_body"


# --- Size -----------------------------------------------------------------------------

EXTRA_PARAGRAPHS = 400


def five_megabyte_page() -> bytes:
    """The seed article as a real page weighs it: megabytes of inline CSS and scripts, a
    huge "Flash Actu" sidebar with its own dates, and a long body."""
    seed = (PAGES / "rtl_2019_seed.html").read_text(encoding="utf-8")
    css = "<style>" + "".join(
        f".c{i}{{margin:{i % 40}px;color:#{i % 0xFFFFFF:06x}}}\n" for i in range(60_000)
    ) + "</style>"
    script = "<script>" + "".join(
        f"var p{i} = '<p class=\"article-p\">Faux paragraphe {i}</p>';\n" for i in range(25_000)
    ) + "</script>"
    sidebar = "<aside class='aside-col flash-actu'><ul class='post-list'>" + "".join(
        f"<li class='post-item'><time class='publish-time' datetime='2019-04-25T08:12:00+02:00'>"
        f"08:12</time><a href='/actu/societe/breve-numero-{i}-{7000000000 + i}'>Brève "
        f"numéro {i} : été, août, Noël</a></li>"
        for i in range(8_000)
    ) + "</ul></aside>"
    extra = "".join(
        f'<p class="article-p">Paragraphe ajouté n°{i} : à la fête, les élèves ont dû '
        f"répéter « ça »… encore.</p>\n"
        for i in range(EXTRA_PARAGRAPHS)
    )
    page = (
        seed.replace("</head>", css + script + "</head>", 1)
        .replace("<main", sidebar + "<main", 1)
        .replace('<span class="read-more">', extra + '<span class="read-more">', 1)
    )
    return page.encode("utf-8")


def test_five_megabyte_page_parses_right() -> None:
    # How fast is for `make eval` and `make bench` to print, not for a test to time.
    body = five_megabyte_page()
    assert len(body) >= 5_000_000
    item = extract(body, SEED_URL)
    assert isinstance(item, ArticleItem), item
    assert item.title == "Kim Jong-Un en Russie pour son premier sommet avec Poutine"
    # Not one of the 8 000 sidebar dates of 25 April.
    assert item.published_at == datetime(2019, 4, 24, 10, 47, tzinfo=SUMMER)
    assert len(item.body_blocks) == 12 + EXTRA_PARAGRAPHS
    assert item.body_blocks[-1] == {
        "type": "paragraph",
        "text": f"Paragraphe ajouté n°{EXTRA_PARAGRAPHS - 1} : à la fête, les élèves ont dû "
        "répéter « ça »… encore.",
    }
    assert "Faux paragraphe" not in (item.body or "")
    assert "Brève" not in (item.body or "")
    assert item.tags == ["Rencontre", "Kim Jong-Un", "Corée du Nord"]
