"""The sample site's content as data: ``ARTICLES`` (good pages) and ``BROKEN_PAGES``.

Built once at import from the hand-written briefs (``corpus``), the seed article and the
comment factory; everything is deterministic, so tests can compare crawls with these specs.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sample_site import comment_specs as cs
from sample_site.corpus import BRIEFS, SECTION_POOLS
from sample_site.model import (
    HEADING,
    PARAGRAPH,
    ArticleSpec,
    BrokenPage,
    CommentSpec,
    ImageSpec,
)
from sample_site.seed import (
    SEED_BLOCKS,
    SEED_ID,
    SEED_IMAGE_CAPTION,
    SEED_IMAGE_CREDIT,
    SEED_LEAD,
    SEED_SLUG,
    SEED_TAGS,
    SEED_TITLE,
)

PARIS = ZoneInfo("Europe/Paris")

#: An article-looking page that robots.txt disallows; linked from the international listing.
PRIVATE_PATH = "/private/actu/international/brouillon-sommet-europe-chine-7798440160"

# Special cases, by article id (documented in the package README).
THREE_PAGE_ID = "7799594410"
EXACT_REPEAT_ID = "7797780113"
HOSTILE_ID = "7797512260"
LINK_COMMENT_ID = "7798512006"
NFD_COMMENT_ID = "7797461230"
NO_COMMENT_IDS = frozenset({"7798367741", "7796894520", "7799180250"})
WIRE_ID = "7797924455"
JSON_LD_ID = "7798421190"
TRUNCATED_ID = "7799180250"


def paris(*parts: int) -> datetime:
    """An aware Paris local time (the offsets the site prints: +01:00 or +02:00)."""
    return datetime(*parts, tzinfo=PARIS)


def slugify(text: str) -> str:
    """RTL-style slug: ASCII, lowercase, words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _reading_time(title: str, lead: str, blocks: tuple[tuple[str, str], ...]) -> int:
    words = len(" ".join([title, lead, *(text for _, text in blocks)]).split())
    return max(1, math.ceil(words / 230))


def _blocks(brief: dict[str, Any], index: int) -> tuple[tuple[str, str], ...]:
    """One fact per paragraph; every other paragraph gains a section sentence, and
    headings open the third and fifth paragraphs."""
    pool = SECTION_POOLS[brief["section_pool"]]
    headings = list(brief["headings"])
    blocks: list[tuple[str, str]] = []
    for position, fact in enumerate(brief["facts"]):
        if position in (2, 4) and headings:
            blocks.append((HEADING, headings.pop(0)))
        text = fact
        if position % 2 == 1:
            text = f"{fact} {pool[(index * 3 + position) % len(pool)]}"
        blocks.append((PARAGRAPH, text))
    return tuple(blocks)


def _comments(
    article_id: str, index: int, published: datetime, factory: cs.CommentFactory
) -> tuple[tuple[CommentSpec, ...], tuple[str, ...]]:
    if article_id in NO_COMMENT_IDS:
        return (), ()
    if article_id == THREE_PAGE_ID:
        comments = factory.thread(index, published, 24, reply_rate=4)
        # The oldest comment of page 1 is served again at the top of page 2.
        return tuple(comments), (comments[9].comment_id,)
    # The seed gets a full thread whatever its position; the election night thread runs to
    # two pages (with the other next-page control than the strike's three pages).
    count = {SEED_ID: 5, EXACT_REPEAT_ID: 13}.get(article_id, cs.default_count(index))
    comments = factory.thread(index, published, count)
    extra_id = str(cs.ID_BASE + index * 1000 + 900)
    if article_id == EXACT_REPEAT_ID:
        comments = cs.with_exact_repeat(comments, extra_id)
    elif article_id == HOSTILE_ID:
        comments = cs.with_hostile(comments)
    elif article_id == LINK_COMMENT_ID:
        comments = cs.with_link(comments)
    elif article_id == NFD_COMMENT_ID:
        comments = cs.with_decomposed(comments)
    elif article_id == SEED_ID:
        comments = cs.with_nested_reply(comments, extra_id)
    return tuple(comments), ()


def _from_brief(brief: dict[str, Any], index: int, factory: cs.CommentFactory) -> ArticleSpec:
    article_id = brief["id"]
    blocks = _blocks(brief, index)
    published = paris(*brief["date"])
    comments, shifted = _comments(article_id, index, published, factory)
    image = None
    if brief["image"]:
        caption, credit = brief["image"]
        image = ImageSpec(path=f"/images/{article_id}.jpg", caption=caption, credit=credit)
    twin_parts, twin_slug = brief["twin"] or (None, None)
    return ArticleSpec(
        article_id=article_id,
        path_parts=tuple(brief["where"]),
        slug=slugify(brief["title"]),
        title=brief["title"],
        lead=brief["lead"],
        authors=tuple(brief["authors"]),
        co_credit=brief["co_credit"],
        published_at=published,
        modified_at=paris(*brief["updated"]) if brief["updated"] else None,
        reading_time_minutes=_reading_time(brief["title"], brief["lead"], blocks),
        tags=tuple(brief["tags"]),
        keywords=(*brief["tags"], *brief["labels"]),
        image=image,
        body_blocks=blocks,
        related=(),
        og_title=brief["og_title"],
        og_description=brief["og_description"],
        comments=comments,
        listing=brief["listing"] or brief["where"][-1],
        in_sitemap=brief["in_sitemap"],
        json_ld_only=brief["json_ld_only"],
        truncated=brief["truncated"],
        twin_path_parts=tuple(twin_parts) if twin_parts else None,
        twin_slug=twin_slug,
        shifted_comment_ids=shifted,
    )


def _seed(index: int, factory: cs.CommentFactory) -> ArticleSpec:
    published = paris(2019, 4, 24, 10, 47)
    comments, _ = _comments(SEED_ID, index, published, factory)
    return ArticleSpec(
        article_id=SEED_ID,
        path_parts=("actu", "international"),
        slug=SEED_SLUG,
        title=SEED_TITLE,
        lead=SEED_LEAD,
        authors=("Leia Hoarau",),
        co_credit="AFP",
        published_at=published,
        modified_at=None,
        reading_time_minutes=2,
        tags=SEED_TAGS,
        keywords=(*SEED_TAGS, "Vladimir Poutine", "fil info", "RTL Midi", "Russie"),
        image=ImageSpec(
            path=f"/images/{SEED_ID}.jpg", caption=SEED_IMAGE_CAPTION, credit=SEED_IMAGE_CREDIT
        ),
        body_blocks=SEED_BLOCKS,
        related=("7797494862", "7797093118", "7796412031"),
        og_title="Kim Jong-un et Vladimir Poutine : un premier sommet sous haute tension",
        og_description="Le dirigeant nord-coréen est arrivé en Russie pour rencontrer "
                       "Vladimir Poutine à Vladivostok.",
        comments=comments,
        listing="international",
    )


def _with_related(specs: list[ArticleSpec]) -> list[ArticleSpec]:
    """Related articles: the previous article of the same listing and the previous one
    overall (the next ones for the oldest); the JSON-LD page has no template to show
    them. The seed keeps its own."""
    ordered = sorted(specs, key=lambda s: s.published_at)
    result = []
    for spec in specs:
        if spec.related or spec.json_ld_only:
            result.append(spec)
            continue
        position = ordered.index(spec)
        earlier = ordered[:position][::-1] or ordered[position + 1 :]
        same = [s for s in earlier if s.listing == spec.listing]
        picks = [s.article_id for s in (same[:1] + earlier[:2]) if not s.json_ld_only]
        related = tuple(dict.fromkeys(picks))
        result.append(replace(spec, related=related))
    return result


def _build() -> list[ArticleSpec]:
    factory = cs.CommentFactory()
    specs = []
    seed_done = False
    for brief in BRIEFS:
        # The seed sits among the international briefs, at its place in time.
        if not seed_done and brief["where"][-1] != "international":
            specs.append(_seed(len(specs), factory))
            seed_done = True
        specs.append(_from_brief(brief, len(specs), factory))
    return _with_related(specs)


ARTICLES: list[ArticleSpec] = _build()
ARTICLES_BY_ID: dict[str, ArticleSpec] = {spec.article_id: spec for spec in ARTICLES}

BROKEN_PAGES: list[BrokenPage] = [
    BrokenPage(
        article_id="7798440113", path_parts=("actu", "societe"),
        slug="le-maire-repond-aux-habitants-du-quartier", kind="missing_title",
        reason="missing_title", status=200, listing="societe",
        listed_at=paris(2019, 9, 3, 10, 0),
        title="Le maire répond aux habitants du quartier",
        lead="Réunion publique houleuse à la mairie.",
    ),
    BrokenPage(
        article_id="7798440127", path_parts=("actu", "economie"),
        slug="les-prix-de-l-immobilier-continuent-de-grimper", kind="missing_date",
        reason="missing_published_at", status=200, listing="economie",
        listed_at=paris(2019, 9, 4, 9, 30),
        title="Les prix de l'immobilier continuent de grimper",
        lead="Les grandes villes restent les plus chères.",
    ),
    BrokenPage(
        article_id="7798440139", path_parts=("actu", "societe"),
        slug="video-les-images-impressionnantes-de-l-orage-sur-lyon", kind="empty_body",
        reason="missing_body", status=200, listing="societe",
        listed_at=paris(2019, 9, 5, 18, 20),
        title="VIDÉO - Les images impressionnantes de l'orage sur Lyon",
        lead="Des grêlons de la taille d'une balle de golf sont tombés sur la ville.",
    ),
    BrokenPage(
        article_id="7798440142", path_parts=("actu", "economie"),
        slug="la-bourse-de-paris-termine-en-hausse", kind="http_404",
        reason="http_404", status=404, listing="economie",
        listed_at=paris(2019, 9, 6, 17, 45),
        title="La Bourse de Paris termine en hausse",
        lead="Le CAC 40 a gagné 1,2 % sur la séance.",
    ),
    BrokenPage(
        article_id="7798440158", path_parts=("actu", "politique"),
        slug="remaniement-les-noms-qui-circulent", kind="http_500",
        reason="http_500", status=500, listing="politique",
        listed_at=paris(2019, 9, 7, 8, 5),
        title="Remaniement : les noms qui circulent",
        lead="Plusieurs ministres pourraient changer de portefeuille.",
    ),
    BrokenPage(
        article_id=TRUNCATED_ID, path_parts=ARTICLES_BY_ID[TRUNCATED_ID].path_parts,
        slug=ARTICLES_BY_ID[TRUNCATED_ID].slug, kind="truncated",
        reason=None, status=200, listing=ARTICLES_BY_ID[TRUNCATED_ID].listing or "culture",
        listed_at=ARTICLES_BY_ID[TRUNCATED_ID].published_at,
        title=ARTICLES_BY_ID[TRUNCATED_ID].title, lead=ARTICLES_BY_ID[TRUNCATED_ID].lead,
    ),
]
