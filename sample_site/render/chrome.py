"""Everything around an article that is not the article: styles, scripts, navigation,
sidebars and footer. Real pages are mostly this; parsers must see through it."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sample_site.render.text import esc, typo

SECTIONS = (
    ("international", "International"),
    ("politique", "Politique"),
    ("societe", "Société"),
    ("economie", "Économie"),
    ("sport", "Sport"),
    ("culture", "Culture"),
)
SECTION_LABELS = dict(SECTIONS) | {
    "futur": "Futur", "monde": "Monde", "football": "Football", "cyclisme": "Cyclisme",
    "rugby": "Rugby", "cinema": "Cinéma", "livres": "Livres",
}

#: The day a reader "visited" the page: the sidebar's own times carry it, never the
#: article's date (the trap the design document describes).
VISIT_DAY = datetime(2020, 1, 15, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))

_FLASH = (
    "Circulation : un accident ralentit le trafic sur l'A6",
    "Météo : des averses attendues sur la moitié nord",
    "Bourse : le CAC 40 ouvre en légère hausse",
    "Football : le mercato d'hiver s'anime",
    "Santé : la grippe progresse dans toutes les régions",
)


def _style() -> str:
    # Real pages inline hundreds of kilobytes of CSS; enough rules here that selectors
    # matching on text would trip over class names in the stylesheet.
    rules = [
        "#timeline-list .timeline-post{padding:12px 0;border-bottom:1px solid #eee}",
        "#timeline-list .timeline-date,#timeline-list .timeline-time{color:#888}",
        "#timeline-list .post-message{font-size:15px}",
        "#timeline-list .pic{width:40px;height:40px;border-radius:50%}",
        ".article-mask .article-p{font-size:18px;line-height:1.6}",
        ".article-header{font-size:34px}.article-chapo{font-size:20px}",
        ".flash-actu time{font-weight:700}",
    ]
    for n in range(160):
        rules.append(
            f".u-m{n}{{margin:{n % 40}px}}.u-p{n}{{padding:{n % 32}px}}"
            f".c-{n}{{color:#{(n * 7919) % 0xFFFFFF:06x}}}"
        )
    return "<style>\n" + "\n".join(rules) + "\n</style>"


def head_noise() -> str:
    config = {
        "env": "prod",
        "tagging": {"xtsite": 563544, "level2": 1},
        "ads": {"slots": [f"dynInfeed{n}" for n in range(1, 9)], "lazy": True},
        "features": {f"flag_{n}": n % 3 == 0 for n in range(60)},
    }
    script = (
        "<script>window.dataLayer=window.dataLayer||[];"
        f"window.__RTL_CONFIG__={json.dumps(config)};"
        "function gtag(){dataLayer.push(arguments)}"
        "document.documentElement.className=document.documentElement.className"
        ".replace('no-js','js');</script>"
    )
    return _style() + "\n" + script


def site_header() -> str:
    items = "".join(
        f'<li><a href="/actu/{slug}">{typo(label)}</a></li>' for slug, label in SECTIONS
    )
    return (
        '<header class="header"><a class="logo" href="/">RTL</a>'
        f'<nav class="main-nav"><ul><li><a href="/">Accueil</a></li>{items}</ul></nav>'
        '<a class="btn-live" href="/direct">Écouter le direct</a></header>'
    )


def breadcrumb(path_parts: tuple[str, ...]) -> str:
    crumbs = ['<li><a href="/">Accueil</a></li>']
    prefix = ""
    for part in path_parts:
        prefix += "/" + part
        label = "Actu" if part == "actu" else SECTION_LABELS.get(part, part.title())
        crumbs.append(f'<li><span class="sep">›</span> <a href="{prefix}">{typo(label)}</a></li>')
    return f'<nav class="main-breadcrumb"><ol>{"".join(crumbs)}</ol></nav>'


def sidebars(others: list[tuple[str, str]]) -> str:
    """"Flash Actu" (times of the visit day) and "À la Une" (links to other articles)."""
    flash = []
    for n, headline in enumerate(_FLASH):
        when = VISIT_DAY + timedelta(minutes=17 * n)
        flash.append(
            f'<li class="flash-item"><time datetime="{when.isoformat()}">'
            f"{when:%H:%M}</time> <span>{typo(headline)}</span></li>"
        )
    une = "".join(
        f'<li class="une-item"><a href="{esc(url)}">{typo(title)}</a></li>'
        for title, url in others
    )
    return (
        '<aside class="sidebar flash-actu"><h3 class="sidebar-title">Flash Actu</h3>'
        f'<p class="flash-date">mercredi 15 janvier 2020</p><ul>{"".join(flash)}</ul></aside>'
        '<aside class="sidebar a-la-une"><h3 class="sidebar-title">À la Une</h3>'
        f"<ul>{une}</ul></aside>"
    )


def site_footer() -> str:
    return (
        '<footer class="footer"><p>© RTL 2019 - Tous droits réservés</p>'
        '<a href="/mentions-legales">Mentions légales</a> '
        '<a href="/flux/une.rss">Flux RSS</a></footer>'
        "<script>(function(){var s=document.createElement('script');"
        "s.src='/static/js/app.min.js';document.body.appendChild(s)})();</script>"
    )
