"""Pages served with status 200 that are a "page not found" or a bot challenge.

They must come out as a ``RejectedPageItem`` with the reason ``soft_404`` or
``bot_challenge`` and never as an article, whether they reach the crawl's page step
(``crawler.parsing.page.parse_page``) or, as parsed items, the validation pipeline.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from crawler.items import ArticleItem, RejectedPageItem
from crawler.parsing.article import parse_article
from crawler.parsing.page import parse_page
from crawler.parsing.soft_errors import PageProblem, detect_soft_error, title_problem
from pipelines.clean import clean_article
from pipelines.extract import extract_article
from pipelines.validate import ValidatePipeline, validate_article

BAD = Path(__file__).parent / "fixtures" / "pages" / "bad"
URL = "https://www.rtl.fr/actu/international/kim-jong-un-en-russie-7797504917"
NOW = datetime(2020, 6, 1, tzinfo=UTC)


def page(name: str, status: int = 200) -> HtmlResponse:
    return HtmlResponse(url=URL, body=(BAD / name).read_bytes(), status=status)


@pytest.mark.parametrize(
    ("name", "reason", "detail"),
    [
        ("soft_404_title.html", "soft_404", "not-found title 'Page introuvable - RTL.fr'"),
        ("soft_404_erreur.html", "soft_404", "not-found title 'Erreur 404 | RTL'"),
        (
            "soft_404_text.html",
            "soft_404",
            "not-found text \"la page que vous recherchez n'existe pas\"",
        ),
        ("cloudflare_challenge.html", "bot_challenge", "challenge title 'Just a moment...'"),
        (
            "cloudflare_blocked.html",
            "bot_challenge",
            "challenge title 'Attention Required! | Cloudflare'",
        ),
        (
            "checking_browser.html",
            "bot_challenge",
            "challenge title 'Checking your browser before accessing rtl.fr.'",
        ),
        ("access_denied.html", "bot_challenge", "challenge title 'Access Denied'"),
        ("captcha.html", "bot_challenge", "challenge or captcha markup, no article markup"),
    ],
)
def test_soft_error_pages_are_rejected_with_their_reason(
    name: str, reason: str, detail: str
) -> None:
    assert parse_page(page(name)) == RejectedPageItem(
        url=URL, reason=reason, detail=detail, http_status=200
    )


@pytest.mark.parametrize(
    "name",
    ["soft_404_title.html", "soft_404_text.html", "cloudflare_challenge.html", "captcha.html"],
)
def test_extract_never_gives_an_article_for_a_soft_error(name: str) -> None:
    result = extract_article((BAD / name).read_bytes(), URL)
    assert isinstance(result, RejectedPageItem)
    assert result.reason in {"soft_404", "bot_challenge"}


def test_detection_is_a_function_of_the_html_alone() -> None:
    html = (BAD / "cloudflare_challenge.html").read_text(encoding="utf-8")
    assert detect_soft_error(html) == PageProblem(
        "bot_challenge", "challenge title 'Just a moment...'"
    )
    assert detect_soft_error("") is None


def test_an_article_about_a_404_with_a_captcha_form_is_an_article() -> None:
    # Its headline says "404", its body quotes "Cette page n'existe pas", it carries a
    # reCAPTCHA comment form and Cloudflare's injected challenge-platform script: all of
    # which real articles do.
    item = parse_page(page("article_about_404.html"))
    assert isinstance(item, ArticleItem)
    assert item.title == "Peugeot 404 : la berline fête ses 60 ans"
    assert item.body == (
        "Le site du club des collectionneurs affichait jeudi « Cette page n'existe pas » : "
        "trop de visiteurs.\n\nErreur 404, plaisantent les fans de la berline."
    )


def test_the_seed_article_is_not_a_soft_error() -> None:
    seed = Path(__file__).parent / "fixtures" / "pages" / "rtl_2019_seed.html"
    assert detect_soft_error(seed.read_text(encoding="utf-8")) is None


@pytest.mark.parametrize(
    ("title", "reason"),
    [
        ("Page introuvable", "soft_404"),
        ("Page non trouvée - RTL.fr", "soft_404"),
        ("RTL.fr | Erreur 404", "soft_404"),
        ("404", "soft_404"),
        ("404 Not Found", "soft_404"),
        ("Oups ! Cette page n’existe pas", "soft_404"),
        ("Cette page n'existe plus", "soft_404"),
        ("Article introuvable – RTL", "soft_404"),
        ("Just a moment...", "bot_challenge"),
        ("Un instant…", "bot_challenge"),
        ("Attention Required! | Cloudflare", "bot_challenge"),
        ("Access denied | www.rtl.fr used Cloudflare to restrict access", "bot_challenge"),
        ("Accès refusé", "bot_challenge"),
        ("Checking your browser before accessing rtl.fr", "bot_challenge"),
        ("Vérification de sécurité", "bot_challenge"),
        ("hCaptcha challenge", "bot_challenge"),
        ("DataDome CAPTCHA", "bot_challenge"),
        ("Êtes-vous un robot ?", "bot_challenge"),
        ("Pardon Our Interruption", "bot_challenge"),
    ],
)
def test_titles_that_announce_a_soft_error(title: str, reason: str) -> None:
    problem = title_problem(title)
    assert problem is not None
    assert problem.reason == reason


@pytest.mark.parametrize(
    "title",
    [
        "Peugeot 404 : la berline fête ses 60 ans",
        "Erreur 404 : le site des impôts en panne - RTL.fr",
        "« Cette page n'existe pas » : le message qui inquiète les internautes",
        "Un instant de grâce au Stade de France",
        "Les captchas vont-ils bientôt disparaître ?",
        "Accès refusé aux urgences : la colère des soignants",
        "Kim Jong-Un en Russie pour son premier sommet avec Poutine",
        "RTL.fr",
    ],
)
def test_headlines_that_merely_mention_such_words_are_not_soft_errors(title: str) -> None:
    assert title_problem(title) is None


def test_validation_rejects_a_parsed_soft_404_first() -> None:
    # Items that did not pass through parse_page (built by another caller) still never
    # become articles: the headline alone is enough. (The generic layer reads the
    # page's one sentence as its text, so the body is not what is missing.)
    item = clean_article(parse_article(page("soft_404_title.html")), now=NOW)
    assert validate_article(item, now=NOW) == ["soft_404", "missing_published_at"]


def test_validation_pipeline_turns_a_challenge_item_into_a_rejection() -> None:
    crawler = get_crawler()
    pipeline = ValidatePipeline.from_crawler(crawler)
    item = ArticleItem(
        url=URL,
        title="Just a moment...",
        body="Enable JavaScript and cookies to continue",
        published_at=datetime(2020, 5, 1, tzinfo=UTC),
    )
    assert pipeline.process_item(item) == RejectedPageItem(
        url=URL,
        reason="bot_challenge",
        detail="bot_challenge: the headline is an anti-bot challenge or block page",
    )
    assert crawler.stats.get_value("validate/rejected/bot_challenge") == 1


def test_status_is_kept_on_the_rejection() -> None:
    # A challenge may come with 403 or 503 when the HTTP error middleware lets it through.
    rejected = parse_page(page("cloudflare_challenge.html", status=403))
    assert isinstance(rejected, RejectedPageItem)
    assert (rejected.reason, rejected.http_status) == ("bot_challenge", 403)


def test_non_text_response_is_not_html() -> None:
    response = Response(url=URL, body=b"\x89PNG", headers={"Content-Type": "image/png"})
    assert parse_page(response) == RejectedPageItem(
        url=URL, reason="not_html", detail="content type image/png", http_status=200
    )
