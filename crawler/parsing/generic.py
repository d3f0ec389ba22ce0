"""The generic layer: what any news page says about itself, for the fields a site layout
left empty (or for every field of a page no layout recognises).

Per field, sources are tried in order and the first that gives a value wins; the method
recorded is the source's: ``json_ld`` (schema.org article object), ``open_graph``
(``og:*``/``article:*``), ``meta`` (other head metadata), ``generic`` (the page's own
markup read without knowing its template: the headline element, the byline, ``<time>``
elements, and the main text and dates found by trafilatura and htmldate). The headline on
the page wins over an editorial ``og:title``; a site-wide default share picture is not an
article's image.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from parsel import Selector

from crawler.parsing import jsonld, maintext
from crawler.parsing.blocks import Block
from crawler.parsing.dates import DATE_IN_TEXT, parse_date
from crawler.parsing.document import node_text
from crawler.parsing.layouts import Context
from crawler.parsing.text import (
    decode_entities,
    dedupe,
    markup_to_text,
    normalize_text,
    strip_controls,
    strip_credit_prefix,
)
from crawler.parsing.vocabulary import inside

JSON_LD = "json_ld"
OPEN_GRAPH = "open_graph"
META = "meta"
GENERIC = "generic"

Candidates = Sequence[tuple[str, Callable[[Context], Any]]]

#: Where an article's own content sits on most pages, most specific first.
ARTICLE_ROOTS = (
    "[itemprop=articleBody]", "article", "main", "[role=main]", "#content", ".content"
)
#: News agencies credited beside (or instead of) a byline.
AGENCIES = frozenset({"afp", "reuters", "ap", "associated press", "belga", "ansa", "dpa",
                      "relaxnews", "afp-services", "agence france-presse"})
_LEAD_CLASS = re.compile(
    r"chapo|chapeau|\blead\b|-lead|lead-|intro|standfirst|excerpt|accroche|summary|resume"
    r"|article-desc|description"
)
_BYLINE_CLASS = re.compile(
    r"author|auteur|byline|signature|journalist|writer|credit|username|name-uid"
)
_DEFAULT_IMAGE = re.compile(
    r"default|placeholder|fallback|logo|generique|generic|no[-_]?image|share[-_]?image"
    r"|og[-_]image|opengraph|social[-_]", re.IGNORECASE,
)
_BY = re.compile(
    r"^\s*(?:publi[ée]e?\s+par|[ée]crit\s+par|propos recueillis par|par|by|de"
    r"|texte(?:\s+et\s+photos?)?|photos?)\s*:?\s+",
    re.IGNORECASE,
)
# A role before the name ("Par notre correspondant Marc Rivière").
_ROLE = re.compile(
    r"^\s*(?:(?:notre|nos|votre)\s+)?(?:correspondante?s?|envoy[ée]e?s?\s+sp[ée]ciale?s?"
    r"|journaliste|reporter|r[ée]dacteur|r[ée]dactrice)\s+",
    re.IGNORECASE,
)
_NAME = re.compile(
    r"^[A-ZÀ-Ý][\w'’.-]+(?:\s+(?:de\s+|du\s+|des\s+|le\s+|la\s+|van\s+|von\s+)?"
    r"[A-ZÀ-Ý][\w'’.-]+){1,3}$"
)
_PUBLISHED_TEXT = re.compile(
    r"(?:publi[ée]e?|mis en ligne|post[ée]e?)\s+(?:le\s+)?(?P<date>[^|\n]{6,45}?)"
    r"(?=\s*(?:[|,•·]|mis\s+[àa]\s+jour|modifi|actualis|$))",
    re.IGNORECASE,
)
_MODIFIED_TEXT = re.compile(
    r"(?:mis\s+[àa]\s+jour|modifi[ée]e?|actualis[ée]e?)\s+(?:le\s+)?"
    r"(?P<date>[^|\n]{6,45}?)(?=\s*(?:[|,•·]|publi|$))",
    re.IGNORECASE,
)
_ISO_MINUTES = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?", re.IGNORECASE)
_SEPARATORS = re.compile(r"\s+(?:[-|–—:•·])\s+")


# --- Scopes ----------------------------------------------------------------------------


def article_root(ctx: Context) -> Selector:
    """The element most likely to hold the article (``article``, ``main``...), or the
    page."""
    for css in ARTICLE_ROOTS:
        for node in ctx.page.sel.css(css):
            if not inside(node.root, ctx.page.sel.root) and len(node.css("p")) >= 1:
                return node
    return ctx.page.sel


def _outside_noise(ctx: Context, css: str, scope: Selector | None = None) -> list[Selector]:
    scope = scope if scope is not None else ctx.page.sel
    return [n for n in scope.css(css) if not inside(n.root, ctx.page.sel.root)]


# --- Title and lead ---------------------------------------------------------------------


def _site_names(ctx: Context) -> set[str]:
    names = {ctx.page.meta("og:site_name"), jsonld.as_text(ctx.page.ld.get("publisher"))}
    return {n.casefold() for n in names if n}


def headline(ctx: Context) -> str | None:
    """The page's visible headline: ``[itemprop=headline]``, else the ``h1`` of the
    article (a page-wide ``h1`` holding the site's logo does not count)."""
    for css in ("[itemprop=headline]", "h1"):
        nodes = _outside_noise(ctx, css, article_root(ctx)) or _outside_noise(ctx, css)
        for node in nodes:
            if node.root.tag == "meta":
                continue
            value = node_text(node)
            if value and value.casefold() not in _site_names(ctx) and len(value) > 3:
                return value
    return None


def title_tag(ctx: Context) -> str | None:
    """``<title>`` without the site name after its last separator."""
    title = ctx.page.title_tag
    if not title:
        return None
    parts = _SEPARATORS.split(title)
    if len(parts) > 1:
        tail = parts[-1].casefold()
        names = _site_names(ctx) | {ctx.page.response.url.split("/")[2].removeprefix("www.")}
        if any(tail in n or n in tail for n in names) or len(tail) <= 20:
            return normalize_text(title[: title.rfind(parts[-1])].rstrip(" -|–—:•·"))
    return title


def lead_element(ctx: Context) -> str | None:
    """A paragraph styled as the lead (chapô, standfirst, intro) near the headline."""
    for node in _outside_noise(ctx, "[itemprop=description]", article_root(ctx)):
        if node.root.tag != "meta" and (value := node_text(node)):
            return value
    for node in _outside_noise(ctx, "p[class], div[class], h2[class], span[class]",
                               article_root(ctx)):
        if _LEAD_CLASS.search(node.root.get("class", "").lower()):
            value = node_text(node)
            if len(value) >= 30 and len(node.css("p")) <= 1:
                return value
    return None


# --- Authors ----------------------------------------------------------------------------


def ld_people(ctx: Context) -> tuple[list[str], list[str]]:
    """JSON-LD authors: the names of people, and of organisations credited beside them
    (an agency such as AFP; not the site itself)."""
    sites = _site_names(ctx)
    people, organisations = [], []
    for author in jsonld.as_list(ctx.page.ld.get("author")):
        name = jsonld.as_text(author)
        if not name:
            continue
        if isinstance(author, dict) and "Organization" in jsonld.types(author):
            if name.casefold() not in sites and name.casefold().removesuffix(".fr") not in sites:
                organisations.append(name)
        else:
            people.append(name)
    return dedupe(people), dedupe(organisations)


def split_byline(value: str) -> tuple[list[str], list[str]]:
    """Names and agencies of a byline ("Par Jean Dupont et Marie Martin avec AFP")."""
    value = _BY.sub("", normalize_text(value))
    # A date or a role after the names ("Publié le ...", "| Journaliste", "01.06.2023")
    # is not a name.
    value = re.split(
        r"\s[|•·–—-]\s|\bpubli|\bmis\s+[àa]\s+jour|\bdiffus|\s\d"
        r"|\sle\s+(?:\d|lun|mar|mer|jeu|ven|sam|dim)",
        value, flags=re.IGNORECASE,
    )[0]
    value = re.sub(r"[()]", " ", value)
    parts = re.split(r",|\s+et\s+|\s+and\s+|\s*&\s*|\s+avec\s+|\s*/\s*|\s+pour\s+", value)
    names, agencies = [], []
    for part in (normalize_text(p) for p in parts):
        part = _ROLE.sub("", _BY.sub("", part))
        if not part:
            continue
        if part.casefold() in AGENCIES:
            agencies.append(part)
        elif 2 < len(part) <= 40 and not re.search(r"\d|@|https?:", part):
            names.append(part)
    return dedupe(names), dedupe(agencies)


_BYLINE_TEXT = re.compile(r"^\s*(?:(?:publi[ée]e?|[ée]crit)\s+)?(?:par|by)\s+\w", re.IGNORECASE)


def _byline_text_nodes(ctx: Context, root: Selector) -> list[Selector]:
    """Short elements whose text starts "Par ..." (a byline without a telling class)."""
    scopes = [root] if root is ctx.page.sel else [root, ctx.page.sel]
    for scope in scopes:
        for node in _outside_noise(ctx, "p, div, span, em, strong, address", scope):
            text = node_text(node)
            if len(text) <= 160 and _BYLINE_TEXT.match(text) and not node.xpath(".//p | .//div"):
                return [node]
    return []


def _byline_nodes(ctx: Context) -> list[Selector]:
    root = article_root(ctx)
    for css in ("[itemprop=author] [itemprop=name]", "[itemprop=author]", "[rel=author]",
                "a[href*='/auteur/'], a[href*='/author/'], a[href*='/journaliste/'],"
                " a[href*='/signataire/'], a[href*='/redaction/']"):
        nodes = _outside_noise(ctx, css, root) or (
            [] if root is ctx.page.sel else _outside_noise(ctx, css)
        )
        if nodes:
            return nodes
    by_class = [
        node for node in _outside_noise(ctx, "[class]", root)
        if _BYLINE_CLASS.search(node.root.get("class", "").lower())
        and node.root.tag not in {"img", "meta", "link", "picture", "figure"}
        and split_byline(node_text(node))[0]
    ][:1]
    return by_class or _byline_text_nodes(ctx, root)


def byline(ctx: Context) -> tuple[list[str], list[str]]:
    names: list[str] = []
    agencies: list[str] = []
    for node in _byline_nodes(ctx):
        found_names, found_agencies = split_byline(node_text(node))
        names += found_names
        agencies += found_agencies
    sites = _site_names(ctx)
    return dedupe(n for n in names if n.casefold() not in sites), dedupe(agencies)


def _meta_author(ctx: Context, name: str) -> list[str]:
    value = ctx.page.meta(name)
    # article:author is often a profile URL rather than a name.
    if not value or value.startswith("http") or value.casefold() in _site_names(ctx):
        return []
    return split_byline(value)[0]


# --- Dates ------------------------------------------------------------------------------


def _time_elements(ctx: Context, pattern: str) -> str | None:
    root = article_root(ctx)
    for css in (f"[itemprop={pattern}]", "time[datetime]"):
        for node in _outside_noise(ctx, css, root):
            if css.startswith("time"):
                # What labels the time: its class, its text, the words just before it.
                before = node.xpath("preceding-sibling::text()[1]").get() or node_text(
                    node.xpath("preceding-sibling::*[1]")
                )
                label = " ".join((node.root.get("class", ""), node_text(node), before))
                label = label.lower()
                modified = bool(re.search(r"jour|modif|updat|actualis", label))
                if modified != (pattern == "dateModified"):
                    continue
            value = node.root.get("datetime") or node.root.get("content")
            if value := normalize_text(value):
                return value
    return None


def _text_date(ctx: Context, pattern: re.Pattern[str]) -> str | None:
    root = article_root(ctx)
    for text in root.xpath(".//text()[not(ancestor::script or ancestor::style)]").getall():
        for match in pattern.finditer(" ".join(text.split())):
            value = match.group("date").strip()
            if parse_date(value) is not None:
                return value
    return None


#: Longest text that still reads as a line of the article's header (byline, dateline).
_HEADER_LINE = 200


def header_date(ctx: Context) -> str | None:
    """The first date written in a short line of the article, outside its paragraphs of
    text (a dateline such as "Chloé Vermeulen - 23/11/2019 - 10:00")."""
    for _, text in _header_lines(ctx):
        match = DATE_IN_TEXT.search(text)
        if match and parse_date(match.group(0)) is not None:
            return match.group(0)
    return None


def _header_lines(ctx: Context) -> list[tuple[Selector, str]]:
    """Short lines of the article outside its paragraphs of text, in page order."""
    root = article_root(ctx)
    if root is ctx.page.sel:
        bodies = ctx.page.sel.css("body")
        root = bodies[0] if bodies else ctx.page.sel
    lines = []
    for node in root.xpath(
        ".//text()[not(ancestor::script or ancestor::style or ancestor::a)]/parent::*"
    ):
        if inside(node.root, ctx.page.sel.root) or node.root.tag in {"p", "li"}:
            continue
        text = node_text(node)
        if text and len(text) <= _HEADER_LINE:
            lines.append((node, text))
    return lines


def dateline_author(ctx: Context) -> list[str]:
    """The name before the date of a dateline ("Chloé Vermeulen - 23/11/2019 - 10:00",
    "Olivier Besnard · Diffusé le ...")."""
    for _, text in _header_lines(ctx):
        match = DATE_IN_TEXT.search(text) or re.search(
            r"\b(?:le|diffus[ée]e?|publi[ée]e?)\b", text, re.IGNORECASE)
        if not match or match.start() == 0:
            continue
        names, _ = split_byline(text[: match.start()].rstrip(" -–—·•|,:"))
        if names and all(_NAME.match(name) for name in names):
            return names
    return []


def heading_before_text(ctx: Context) -> str | None:
    """Without an ``h1``: the first sub-level heading, else the first bold line, above the
    article's first long paragraph (old templates and print versions)."""
    first_text = next(
        (p for p in _outside_noise(ctx, "p") if len(node_text(p)) >= 150), None
    )
    if first_text is None:
        return None
    order = {element: i for i, element in enumerate(ctx.page.sel.root.iter())}
    limit = order[first_text.root]
    for css in ("h2, h3", "b, strong"):
        for node in _outside_noise(ctx, css):
            if order.get(node.root, limit) >= limit:
                break
            value = node_text(node)
            if 20 <= len(value) <= 250 and value.casefold() not in _site_names(ctx):
                return value
    return None


def title_with_site_name(ctx: Context) -> str | None:
    """``<title>`` when it reads "Headline - Site" (a bare site name, or "Site - Version
    imprimable", is no headline)."""
    title = ctx.page.title_tag
    if not title or not _SEPARATORS.search(title):
        return None
    value = title_tag(ctx)
    if not value:
        return None
    host = ctx.page.response.url.split("/")[2].removeprefix("www.")
    key = _alnum(value)
    names = {_alnum(n) for n in _site_names(ctx)}
    return None if key in names or key in _alnum(host) else value


def _alnum(value: str) -> str:
    return re.sub(r"\W+", "", value.casefold())


def published_markup(ctx: Context) -> str | None:
    return _time_elements(ctx, "datePublished") or _text_date(ctx, _PUBLISHED_TEXT)


def modified_markup(ctx: Context) -> str | None:
    value = _time_elements(ctx, "dateModified") or _text_date(ctx, _MODIFIED_TEXT)
    return value if value and value != ctx.found.get("published_at") else None


def _differs(value: str | None, ctx: Context) -> str | None:
    return value if value and value != ctx.found.get("published_at") else None


# --- Image, body, the rest --------------------------------------------------------------


def ld_image_parts(ctx: Context) -> tuple[Any, str | None, str | None]:
    """The JSON-LD image object, its caption and its credit (without "Crédit :")."""
    image = next(iter(jsonld.as_list(ctx.page.ld.get("image"))), None)
    caption = credit = None
    if isinstance(image, dict):
        caption = jsonld.as_text(image.get("caption"))
        credit = strip_credit_prefix(
            jsonld.as_text(image.get("creditText") or image.get("copyrightHolder"))
        )
    return image, caption, credit


def is_default_image(url: str) -> bool:
    """True for a URL that names a site-wide picture (logo, default share image)."""
    return bool(_DEFAULT_IMAGE.search(url.rsplit("/", 1)[-1] if "/" in url else url))


def og_image(ctx: Context) -> dict[str, Any] | None:
    url = ctx.page.absolute(ctx.page.meta("og:image", "og:image:url", "og:image:secure_url"))
    if not url or is_default_image(url):
        return None
    _, caption, credit = ld_image_parts(ctx)
    return {"url": url, "caption": caption, "credit": credit}


def ld_image(ctx: Context) -> dict[str, Any] | None:
    image, caption, credit = ld_image_parts(ctx)
    url = ctx.page.absolute(jsonld.as_text(image))
    if not url or is_default_image(url):
        return None
    return {"url": url, "caption": caption, "credit": credit}


def ld_blocks(ctx: Context) -> list[Block]:
    body = ctx.page.ld.get("articleBody")
    if not isinstance(body, str) or not body.strip():
        return []
    # JSON escapes can carry NUL and lone surrogates, which the markup parser chokes on.
    body = strip_controls(body)
    if "<" in body:
        return markup_blocks(body)
    text = markup_to_text(body)
    # Bodies are written with blank lines between paragraphs, or with single newlines
    # when the CMS flattened them; either way one line is one paragraph.
    return [
        {"type": "paragraph", "text": line}
        for line in (normalize_text(p) for p in text.split("\n"))
        if line
    ]


def markup_blocks(markup: str) -> list[Block]:
    """Blocks of an HTML fragment (a JSON-LD ``articleBody`` written as markup)."""
    from crawler.parsing.text import element_text

    sel = Selector(text=f"<div>{markup}</div>")
    blocks: list[Block] = []
    for node in sel.xpath("//div[1]/*"):
        tag = node.root.tag.lower() if isinstance(node.root.tag, str) else ""
        value = element_text(node.root)
        if not value:
            continue
        if re.fullmatch(r"h[1-6]", tag):
            blocks.append({"type": "heading", "text": normalize_text(value)})
        else:
            blocks.extend({"type": "paragraph", "text": p} for p in value.split("\n\n") if p)
    if not blocks and (value := element_text(sel.root)):
        blocks = [{"type": "paragraph", "text": p} for p in value.split("\n\n") if p]
    return blocks


def main_text(ctx: Context) -> list[Block]:
    """The main text trafilatura finds, without the headline and lead it repeats."""
    lead = ctx.found.get("lead")
    skip = {normalize_text(lead).casefold()} if lead else set()
    return maintext.body_blocks(
        ctx.page.sel.root, ctx.page.response.url, ctx.found.get("title"), skip
    )


def _split_keywords(values: list[Any]) -> list[str]:
    return dedupe(
        normalize_text(decode_entities(part))
        for value in values if isinstance(value, str)
        for part in value.split(",")
    )


def _reading_time(ctx: Context) -> int | None:
    duration = jsonld.as_text(ctx.page.ld.get("timeRequired"))
    match = _ISO_MINUTES.match(duration or "")
    if not match or not any(match.groups()):
        return None
    hours, minutes = (int(g or 0) for g in match.groups())
    return hours * 60 + minutes


#: Field -> (method, source) in the order they are tried.
FIELDS: dict[str, Candidates] = {
    "title": (
        (JSON_LD, lambda ctx: jsonld.as_text(ctx.page.ld.get("headline")
                                             or ctx.page.ld.get("name"))),
        (GENERIC, headline),
        (OPEN_GRAPH, lambda ctx: ctx.page.meta("og:title")),
        (META, lambda ctx: ctx.page.meta("twitter:title")),
        (META, title_with_site_name),
        (GENERIC, heading_before_text),
        (META, title_tag),
    ),
    "lead": (
        (JSON_LD, lambda ctx: jsonld.as_text(ctx.page.ld.get("description"))),
        (GENERIC, lead_element),
        (OPEN_GRAPH, lambda ctx: ctx.page.meta("og:description")),
        (META, lambda ctx: ctx.page.meta("description", "twitter:description")),
    ),
    "authors": (
        (JSON_LD, lambda ctx: ld_people(ctx)[0]),
        (GENERIC, lambda ctx: byline(ctx)[0]),
        (OPEN_GRAPH, lambda ctx: _meta_author(ctx, "article:author")),
        (META, lambda ctx: _meta_author(ctx, "author")),
        (GENERIC, dateline_author),
    ),
    "co_credit": (
        (JSON_LD, lambda ctx: next(iter(ld_people(ctx)[1]), None)),
        (GENERIC, lambda ctx: next(iter(byline(ctx)[1]), None)),
    ),
    "published_at": (
        (JSON_LD, lambda ctx: jsonld.as_text(ctx.page.ld.get("datePublished"))),
        (OPEN_GRAPH, lambda ctx: ctx.page.meta("article:published_time", "og:published_time")),
        (META, lambda ctx: ctx.page.meta(
            "date", "pubdate", "publish-date", "dc.date", "DC.date.issued", "datePublished")),
        (GENERIC, published_markup),
        (GENERIC, lambda ctx: maintext.publication_date(ctx.page.sel.root, ctx.page.response.url)),
        (GENERIC, header_date),
    ),
    "modified_at": (
        (JSON_LD, lambda ctx: _differs(jsonld.as_text(ctx.page.ld.get("dateModified")), ctx)),
        (OPEN_GRAPH, lambda ctx: _differs(
            ctx.page.meta("article:modified_time", "og:updated_time"), ctx)),
        (GENERIC, modified_markup),
    ),
    "reading_time_minutes": ((JSON_LD, _reading_time),),
    "tags": (
        (OPEN_GRAPH, lambda ctx: dedupe(
            normalize_text(v) for v in
            ctx.page.meta_values("property", "article:tag"))),
    ),
    "keywords": (
        (META, lambda ctx: _split_keywords(
            ctx.page.meta_values("name", "keywords", "news_keywords"))),
        (JSON_LD, lambda ctx: _split_keywords(jsonld.as_list(ctx.page.ld.get("keywords")))),
    ),
    "image": ((OPEN_GRAPH, og_image), (JSON_LD, ld_image)),
    "body_blocks": ((JSON_LD, ld_blocks), (GENERIC, main_text)),
}
