"""Layout versions and the generic layer, on hand-written pages in three layouts.

Each page under ``fixtures/pages/layouts/`` is shaped like real markup (the 2019 byline
inside a ``<figure>``, a site-wide default share picture, sub-headings of other classes, a
JSON-LD page of the 2021 site, a regional paper's template the crawler has never seen); the
values asserted here were written from reading the pages, not from parser output.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from crawler.items import ArticleItem
from crawler.parsing.article import parse_article
from crawler.parsing.document import Page
from crawler.parsing.sites import choose_layout

PAGES = Path(__file__).parent / "fixtures" / "pages" / "layouts"
BYLINE_2019 = (
    "https://www.rtl.fr/actu/societe/greve-a-la-sncf-le-trafic-perturbe-jusqu-a-mercredi"
    "-7799100233"
)
JSONLD_2021 = (
    "https://www.rtl.fr/actu/economie-consommation/inflation-les-prix-de-l-alimentation"
    "-ralentissent-en-mai-7900245612"
)
UNKNOWN = "https://www.quotidien-ouest.example/region/tempete-ciaran-5567"


def parse(name: str, url: str, mode: str = "full") -> ArticleItem:
    response = HtmlResponse(url=url, body=(PAGES / f"{name}.html").read_bytes())
    return parse_article(response, base_url="https://www.rtl.fr", mode=mode)


def layout_of(name: str, url: str) -> str | None:
    page = Page(HtmlResponse(url=url, body=(PAGES / f"{name}.html").read_bytes()))
    layout = choose_layout(page)
    return layout.method if layout else None


def test_layouts_are_chosen_by_markers_on_the_page() -> None:
    assert layout_of("rtl_2019_figure_byline", BYLINE_2019) == "site:rtl/v2019"
    assert layout_of("rtl_2021_jsonld", JSONLD_2021) == "site:rtl/v2021"
    assert layout_of("unknown_layout", UNKNOWN) is None


def test_2019_byline_inside_a_figure_gives_the_co_credit() -> None:
    item = parse("rtl_2019_figure_byline", BYLINE_2019)
    assert item.authors == ["Claire Moreau"]
    assert item.co_credit == "AFP"
    assert item.extraction["co_credit"] == "site:rtl/v2019"


def test_2019_page_without_lead_image_has_no_image_despite_the_share_picture() -> None:
    item = parse("rtl_2019_figure_byline", BYLINE_2019)
    assert item.image is None
    assert "image" not in item.extraction


def test_2019_headings_of_any_class_between_paragraphs_are_sub_headings() -> None:
    item = parse("rtl_2019_figure_byline", BYLINE_2019)
    assert [(b["type"], b["text"][:30]) for b in item.body_blocks] == [
        ("paragraph", "La grève contre la réforme des"),
        ("heading", "Un TGV sur deux mardi"),
        ("paragraph", "La direction prévoit un TGV su"),
        ("heading", "En Île-de-France"),
        ("paragraph", "Dans la région parisienne, dix"),
    ]
    assert item.published_at == "2019-12-09T19:42:00+01:00"
    assert item.modified_at is None
    assert item.related_urls == [
        "https://www.rtl.fr/actu/societe/retraites-ce-que-prevoit-le-projet-7799100101"
    ]


def test_2021_page_reads_every_field_from_its_layout() -> None:
    item = parse("rtl_2021_jsonld", JSONLD_2021)
    assert item.title == "Inflation : les prix de l'alimentation ralentissent en mai"
    assert item.lead == (
        "Selon l'Insee, la hausse des prix alimentaires est passée sous les 15 % sur un an."
    )
    assert (item.authors, item.co_credit) == (["Julien Arnaud"], "AFP")
    assert (item.published_at, item.modified_at) == (
        "2023-05-31T09:12:00+02:00", "2023-05-31T11:40:00+02:00"
    )
    assert item.image == {
        "url": "https://images.rtl.fr/~c/1200v800/rtl/www/1623456-un-rayon-de-supermarche.jpg",
        "caption": "Un rayon de supermarché",
        "credit": "JEAN-FRANCOIS MONIER / AFP",
    }
    # Share bar, "À lire aussi" list and the comment thread are not body text.
    assert [b["text"][:25] for b in item.body_blocks] == [
        "Les prix de l'alimentatio",
        "L'inflation d'ensemble re",
        "Un pic passé ?",
        "Pour les économistes inte",
        "Les négociations commerci",
    ]
    assert item.section == "economie-consommation"
    for field in ("title", "lead", "authors", "co_credit", "published_at", "modified_at",
                  "image", "body"):
        assert item.extraction[field] == "site:rtl/v2021", field


def test_unknown_layout_is_read_by_the_generic_layer() -> None:
    item = parse("unknown_layout", UNKNOWN)
    assert item.title == "Tempête Ciaran : 1,2 million de foyers privés d'électricité"
    assert item.authors == ["Hélène Le Goff", "Marc Riou"]
    assert item.co_credit == "AFP"
    assert item.published_at == "2 novembre 2023 à 10h15"
    assert item.modified_at == "2 novembre 2023 à 14h30"
    # The og:image is the site's default share picture.
    assert item.image is None
    assert [b["text"][:24] for b in item.body_blocks] == [
        "La tempête Ciaran a bala",
        "Selon Enedis, 1,2 millio",
        "Les établissements scola",
        "Le préfet du Finistère a",
    ]
    assert {item.extraction[f] for f in ("title", "authors", "published_at", "body")} == {
        "generic"
    }


def test_site_mode_reads_only_the_layout_and_generic_mode_only_the_generic_layer() -> None:
    unknown = parse("unknown_layout", UNKNOWN, mode="site")
    assert (unknown.title, unknown.body_blocks, unknown.published_at) == (None, [], None)
    generic = parse("rtl_2019_figure_byline", BYLINE_2019, mode="generic")
    assert generic.title == "Grève à la SNCF : le trafic perturbé jusqu'à mercredi"
    assert not any(m.startswith("site:rtl/") for m in generic.extraction.values())
    assert generic.body_blocks[0]["text"].startswith("La grève contre la réforme")


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="mode"):
        parse("unknown_layout", UNKNOWN, mode="fast")


def test_unknown_layout_with_many_links_is_still_an_article_not_a_listing() -> None:
    from crawler.parsing.page import parse_page

    links = "".join(
        f'<li><a href="https://www.rtl.fr/actu/societe/sujet-{n}-79000000{n:02d}">'
        f"Sujet {n}</a></li>"
        for n in range(8)
    )
    body = (PAGES / "unknown_layout.html").read_text(encoding="utf-8").replace(
        "</body>", f'<ul class="more-news">{links}</ul></body>'
    )
    item = parse_page(HtmlResponse(url=UNKNOWN, body=body.encode()), base_url="https://www.rtl.fr")
    assert isinstance(item, ArticleItem)
    assert item.title == "Tempête Ciaran : 1,2 million de foyers privés d'électricité"


@pytest.mark.parametrize(
    ("byline", "names", "agencies"),
    [
        ("Par Hélène Le Goff et Marc Riou, avec AFP", ["Hélène Le Goff", "Marc Riou"], ["AFP"]),
        ("Par Thibault Marchand - Publié le 03/02/2020 à 07:15", ["Thibault Marchand"], []),
        ("Publié par Isabelle Noël le mar 12/03/2019 - 14:22", ["Isabelle Noël"], []),
        ("Texte et photos : Aline Marquet — 20 avril 2023", ["Aline Marquet"], []),
        ("Par notre correspondant Marc Rivière", ["Marc Rivière"], []),
        ("Benoît Salvat 01.06.2023 15:05", ["Benoît Salvat"], []),
        ("AFP", [], ["AFP"]),
    ],
)
def test_bylines_split_into_names_and_agencies(
    byline: str, names: list[str], agencies: list[str]
) -> None:
    from crawler.parsing.generic import split_byline

    assert split_byline(byline) == (names, agencies)


def test_a_print_page_without_metadata_gives_headline_dateline_and_text() -> None:
    page = """<html><head><title>Radio Nord - Version imprimable</title></head><body>
      <table><tr><td><img src="/logo.gif" alt="Radio Nord"></td></tr>
      <tr><td><font size="5"><b>Lille : le beffroi rouvre ses portes au public</b></font><br>
      <font size="2">Chloé Vermeulen - 23/11/2019 - 10:00</font></td></tr>
      <tr><td><p>Fermé depuis deux ans pour des travaux de consolidation, le beffroi de
      l'hôtel de ville accueille de nouveau les visiteurs depuis samedi matin, avec un
      nouvel ascenseur et une scénographie consacrée à l'histoire de la cité.</p>
      <p>Les réservations sont ouvertes en ligne, et la visite reste gratuite pour les
      habitants de la métropole qui présentent un justificatif de domicile.</p></td></tr>
      </table></body></html>"""
    item = parse_article(HtmlResponse(url="https://radio-nord.example/imprimer/42",
                                      body=page.encode()))
    assert item.title == "Lille : le beffroi rouvre ses portes au public"
    assert item.authors == ["Chloé Vermeulen"]
    assert item.published_at == "23/11/2019 - 10:00"
    assert [b["text"][:30] for b in item.body_blocks] == [
        "Fermé depuis deux ans pour des", "Les réservations sont ouvertes"
    ]
    assert {item.extraction[f] for f in ("title", "authors", "published_at", "body")} == {
        "generic"
    }
