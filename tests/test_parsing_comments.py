from __future__ import annotations

from pathlib import Path

from scrapy.http import HtmlResponse

from crawler.parsing.comments import CommentPage, merge_comments, parse_comments

PAGES = Path(__file__).parent / "fixtures" / "pages"
ARTICLE = (
    "https://www.rtl.fr/actu/international/"
    "kim-jong-un-en-russie-pour-son-premier-sommet-avec-poutine-7797504917"
)
FIRST = ARTICLE + "/commentaires"


def page(body: str | bytes, url: str = FIRST) -> CommentPage:
    data = body.encode() if isinstance(body, str) else body
    return parse_comments(HtmlResponse(url=url, body=data, encoding="utf-8"))


def fixture(name: str, url: str = FIRST) -> CommentPage:
    return page((PAGES / name).read_bytes(), url)


def test_first_fixture_page() -> None:
    result = fixture("rtl_2019_seed_comments_p1.html")
    assert result.comments == [
        {
            "comment_id": "8801234",
            "parent_id": None,
            "author": "Jean D.",
            "posted_at": "2019-04-24T11:02:00+02:00",
            "text": "Enfin un peu de diplomatie !\nOn verra bien jeudi.\n\nVoir Vladivostok 🇷🇺",
        },
        {
            "comment_id": "8801250",
            "parent_id": "8801234",
            "author": None,
            "posted_at": "2019-04-24T11:15:00+02:00",
            "text": '<script>alert("xss")</script> on n\'y croit pas',
        },
        {
            "comment_id": "8801262",
            "parent_id": "8801234",
            "author": "Marie-Hélène",
            "posted_at": "2019-04-24T11:20:00+02:00",
            "text": "Robert'); DROP TABLE comments;-- Bien vu.",
        },
        {
            "comment_id": "8801190",
            "parent_id": None,
            "author": "Paul_75",
            "posted_at": "le 24/04/2019 à 10h58",
            "text": "Un sommet pour rien…",
        },
    ]
    assert result.next_url == FIRST + "?page=2"
    assert result.is_empty is False


def test_last_fixture_page_has_no_next_page() -> None:
    result = fixture("rtl_2019_seed_comments_p2.html", FIRST + "?page=2")
    assert [c["comment_id"] for c in result.comments] == ["8801190", "8801101", "8801095"]
    assert result.comments[1]["author"] is None
    assert result.comments[2]["text"] == ""
    assert result.next_url is None


def test_empty_first_page() -> None:
    result = page('<div class="timeline-empty"><p>Soyez le premier à réagir</p></div>')
    assert result == CommentPage(comments=[], next_url=None, is_empty=True)


def test_ui_strings_never_reach_the_text() -> None:
    result = page(
        '<div class="timeline-post" data-comment-id="1"><header>'
        '<span class="timeline-author"><a href="/p/1">Zoé</a></span></header>'
        '<div class="post-message"><p>Texte</p><p>Répondre</p><p>3 réponses</p>'
        '<a class="report" data-comment-id="1">Signaler un abus</a>'
        "<button>Répondre</button></div>"
        '<a class="report">Signaler un abus</a><span>Répondre</span></div>'
    )
    assert result.comments[0]["text"] == "Texte"
    assert result.comments[0]["author"] == "Zoé"


def test_hostile_text_is_plain_text() -> None:
    result = page(
        '<div class="timeline-post" data-comment-id="9">'
        '<div class="post-message"><p>&lt;img src=x onerror=alert(1)&gt;</p>'
        "<p><b onmouseover=\"alert(2)\">gras</b> <script>alert(3)</script>"
        "<style>p{}</style><iframe src='https://evil.example'>cadre</iframe>"
        "1'; DELETE FROM comments WHERE '1'='1</p></div></div>"
    )
    assert result.comments[0]["text"] == (
        "<img src=x onerror=alert(1)>\n\ngras 1'; DELETE FROM comments WHERE '1'='1"
    )
    assert result.comments[0]["author"] is None


def test_flat_reply_uses_data_parent_id_and_split_time_text() -> None:
    result = page(
        '<div class="timeline-post" data-comment-id="10"><div class="post-message">A</div></div>'
        '<div class="timeline-post" data-comment-id="11" data-parent-id="10">'
        '<span class="timeline-date">le 24/04/2019</span> '
        '<span class="timeline-time">à 11h02</span>'
        '<div class="post-message">B<br>C</div></div>'
    )
    assert [(c["comment_id"], c["parent_id"]) for c in result.comments] == [
        ("10", None), ("11", "10")]
    assert result.comments[1]["posted_at"] == "le 24/04/2019 à 11h02"
    assert result.comments[1]["text"] == "B\nC"


def test_deep_nesting_is_pre_order_and_authors_stay_with_their_post() -> None:
    result = page(
        '<div class="timeline-post" data-comment-id="1"><span class="timeline-author">A</span>'
        '<div class="post-message">un</div><div class="timeline-replies">'
        '<div class="timeline-post" data-comment-id="2"><span class="timeline-author">B</span>'
        '<div class="post-message">deux</div><div class="timeline-replies">'
        '<div class="timeline-post" data-comment-id="3"><div class="post-message">trois</div>'
        "</div></div></div></div></div>"
        '<div class="timeline-post" data-comment-id="4">'
        '<div class="post-message">quatre</div></div>'
    )
    assert [(c["comment_id"], c["parent_id"], c["author"], c["text"]) for c in result.comments] == [
        ("1", None, "A", "un"),
        ("2", "1", "B", "deux"),
        ("3", "2", None, "trois"),
        ("4", None, None, "quatre"),
    ]


def test_relative_next_link_and_previous_page_ignored() -> None:
    result = page(
        '<div class="timeline-post" data-comment-id="1"><div class="post-message">x</div></div>'
        '<a class="prev" href="?page=2">Précédent</a><a class="next" href="?page=4">Suivant</a>',
        url=FIRST + "?page=3",
    )
    assert result.next_url == FIRST + "?page=4"


def test_merge_keeps_first_occurrence() -> None:
    first = [{"comment_id": "1", "text": "old"}, {"comment_id": "2", "text": "b"}]
    second = [{"comment_id": "2", "text": "moved"}, {"comment_id": "3", "text": "c"}]
    assert merge_comments([first, second]) == [
        {"comment_id": "1", "text": "old"},
        {"comment_id": "2", "text": "b"},
        {"comment_id": "3", "text": "c"},
    ]


def test_merge_fixture_pages() -> None:
    pages = [
        fixture("rtl_2019_seed_comments_p1.html").comments,
        fixture("rtl_2019_seed_comments_p2.html", FIRST + "?page=2").comments,
    ]
    assert [c["comment_id"] for c in merge_comments(pages)] == [
        "8801234", "8801250", "8801262", "8801190", "8801101", "8801095"]
