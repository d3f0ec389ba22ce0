"""Recognise "soft errors": pages served with status 200 that are not the page asked for.

- ``soft_404``: a "page not found" page ("Page introuvable", "Erreur 404", "Cette page
  n'existe pas") that the server did not mark as a 404;
- ``bot_challenge``: an anti-bot interstitial or block page (Cloudflare "Just a moment...",
  "Checking your browser", captchas, "Access denied").

Both are pure functions of the HTML. The headline alone is decisive when the whole of it
(or the whole of the ``<title>`` minus a site-name segment) is such a message: an article
*about* a 404 page has more words in its headline. Markup and wording found in the page
body (captcha widgets, challenge scripts, "la page que vous recherchez n'existe pas") only
count on pages without article markup, because real articles carry reCAPTCHA comment
forms, Cloudflare's injected scripts, or quote those sentences.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from parsel import Selector

from crawler.parsing.page_kind import has_article_markup, visible_text
from crawler.parsing.text import normalize_text

SOFT_404 = "soft_404"
BOT_CHALLENGE = "bot_challenge"


@dataclass(frozen=True)
class PageProblem:
    """Why a fetched page is not stored as an article."""

    #: Short machine-readable code, as in ``RejectedPageItem.reason``.
    reason: str
    #: What was seen, for a person reading the rejection log.
    detail: str


# Patterns match a whole folded headline: lowercase, no accents, straight apostrophes,
# single spaces, no trailing punctuation.
_SORRY = r"(?:(?:oups|oops|desole|sorry|erreur|error)\W*)?"
_SOFT_404_TITLE = re.compile(
    _SORRY
    + r"(?:"
    r"(?:erreur |error |http )?(?:404|410)(?:\W*(?:not found|gone|erreur|error"
    r"|page (?:introuvable|non trouvee|inexistante)))?"
    r"|(?:page|article|contenu) (?:introuvable|non trouvee?|inexistante?|not found"
    r"|supprimee?|indisponible)"
    r"|(?:page )?not found"
    r"|(?:cette|la) page (?:(?:que vous (?:recherchez|cherchez|demandez)|demandee) )?"
    r"(?:n'existe (?:pas|plus)(?: ou plus)?|est introuvable|a ete supprimee"
    r"|n'est (?:plus|pas) disponible)"
    r"|the page you (?:are looking for|requested) (?:does not|doesn't) exist"
    r")"
)
_CHALLENGE_TITLE = re.compile(
    r"just a moment|un instant|attention required|one more step|please wait"
    r"|(?:access|acces) (?:denied|refuse|interdit)|access to this page has been denied"
    r"|checking (?:your browser|if the site connection is secure).*"
    r"|verification (?:de |du )?(?:votre )?navigateur.*|verifying (?:you are human|your browser).*"
    r"|(?:please )?verify (?:that )?you are (?:a )?human"
    r"|(?:are you|etes-vous) (?:a |un )?(?:robot|human|humain)"
    r"|(?:\S+ )?(?:re|h)?captcha(?: \S+)?|security check|verification de securite"
    r"|robot check|human verification|bot verification|pardon our interruption"
    r"|request unsuccessful.*|ddos-guard"
    r"|ddos protection.*|(?:sorry, )?you have been blocked|vous avez ete bloque"
)
# Title segments: "Page introuvable - RTL.fr", "Access denied | www.rtl.fr used Cloudflare".
_SEGMENT = re.compile(r"\s+[|\-\u2013\u2014\u00b7]\s+")
_TRAILING = re.compile(r"[\s.!?\u2026]+$")

# Seen in the page body of challenge pages (never alone decisive on an article page).
_CHALLENGE_MARKUP = (
    "#challenge-form, #challenge-running, #challenge-stage, #challenge-body-text, "
    "#cf-challenge-running, .cf-browser-verification, #cf-please-wait, .cf-turnstile, "
    ".g-recaptcha, .h-captcha, #px-captcha, form[action*='__cf_chl'], "
    "script[src*='/cdn-cgi/challenge-platform/'], script[src*='captcha-delivery.com'], "
    "iframe[src*='captcha'], iframe[src*='_Incapsula_Resource'], "
    "script[src*='_Incapsula_Resource']"
)
_CHALLENGE_TEXT = re.compile(
    r"checking (?:your|the) browser|verify (?:that )?you are (?:a )?human"
    r"|enable javascript and cookies to continue|complete the security check"
    r"|(?:are you|etes-vous) (?:a |un )?robot|(?:vous )?n'etes pas un robot"
    r"|activez (?:le )?javascript et (?:les )?cookies|verification de securite"
    r"|you have been blocked|vous avez ete bloque|access denied|acces refuse"
)
_SOFT_404_TEXT = re.compile(
    r"(?:cette|la) page (?:(?:que vous (?:recherchez|cherchez|demandez)|demandee) )?"
    r"(?:n'existe (?:pas|plus)|est introuvable|a ete supprimee|n'est plus disponible)"
    r"|page introuvable|page non trouvee|erreur 404|error 404|404 not found|page not found"
    r"|the page you (?:are looking for|requested) (?:does not|doesn't) exist"
)
# Challenge pages are a few sentences; a page with more text than this is something else
# (a listing, a home page) even if a captcha widget sits in its newsletter form.
_CHALLENGE_MAX_TEXT = 3000


def fold(text: str) -> str:
    """Text for matching: no accents, lowercase, straight apostrophes, single spaces."""
    decomposed = unicodedata.normalize("NFKD", normalize_text(text))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.replace("\u2019", "'").replace("\u2018", "'").casefold().split())


def _headline_candidates(title: str) -> list[str]:
    """The folded title, and the title without its first or its last segment (the site
    name goes either side)."""
    folded = fold(title)
    segments = _SEGMENT.split(folded)
    candidates = [folded]
    if len(segments) > 1:
        candidates += [" - ".join(segments[:-1]), " - ".join(segments[1:])]
    return [_TRAILING.sub("", c) for c in candidates]


def title_problem(title: str) -> PageProblem | None:
    """The soft error a headline or ``<title>`` announces on its own, if any."""
    for candidate in _headline_candidates(title):
        if _CHALLENGE_TITLE.fullmatch(candidate):
            return PageProblem(BOT_CHALLENGE, f"challenge title {normalize_text(title)!r}")
        if _SOFT_404_TITLE.fullmatch(candidate):
            return PageProblem(SOFT_404, f"not-found title {normalize_text(title)!r}")
    return None


def _title(sel: Selector) -> str:
    """``string(//head/title)``: the title of the page's own head, reached without a
    walk of the page; any other head is looked for only when there is none."""
    root = sel.root
    title = root.find("head/title") if getattr(root, "tag", None) == "html" else None
    if title is None:
        return sel.xpath("string(//head/title)").get() or ""
    return "".join(title.itertext())


def _headlines(sel: Selector) -> list[str]:
    values = [
        _title(sel),
        sel.xpath("string((//h1)[1])").get() or "",
    ]
    return [v for v in (normalize_text(v) for v in values) if v]


def detect_soft_error(page: Selector | str) -> PageProblem | None:
    """``soft_404`` or ``bot_challenge`` for such a page, ``None`` for any other page."""
    sel = page if isinstance(page, Selector) else Selector(text=page or "<html></html>")
    for headline in _headlines(sel):
        if problem := title_problem(headline):
            return problem
    if has_article_markup(sel):
        return None
    text = visible_text(sel)
    folded = fold(text)
    if len(text) <= _CHALLENGE_MAX_TEXT:
        if sel.css(_CHALLENGE_MARKUP):
            return PageProblem(BOT_CHALLENGE, "challenge or captcha markup, no article markup")
        if match := _CHALLENGE_TEXT.search(folded):
            return PageProblem(BOT_CHALLENGE, f"challenge text {match.group(0)!r}")
    if match := _SOFT_404_TEXT.search(folded):
        return PageProblem(SOFT_404, f"not-found text {match.group(0)!r}")
    return None
