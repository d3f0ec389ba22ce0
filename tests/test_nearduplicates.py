"""Near-duplicate fingerprints, the index, and comment repeats.

The labeled set (tests/fixtures/neardup_pairs.json) holds French wire-style articles: copies
of one dispatch with the edits desks make, and independent articles about the same event
(same names, places, figures, sometimes a shared quote), which must never be linked.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.nearduplicates import (
    COMMENT_MIN_FUZZY_CHARS,
    COMMENT_SIMILARITY,
    DEFAULT_THRESHOLD,
    _char_shingles,
    _too_different,
    article_text,
    comment_key,
    fingerprint,
    is_empty,
    near_duplicate_comments,
    similarity,
)

FIXTURE = Path(__file__).parent / "fixtures" / "neardup_pairs.json"
PAIRS = json.loads(FIXTURE.read_text(encoding="utf-8"))


def _text(article: dict[str, str]) -> str:
    return article_text(article["title"], article["lead"], article["body"])


@pytest.fixture(scope="module")
def scored() -> list[tuple[dict, float]]:
    return [
        (pair, similarity(fingerprint(_text(pair["a"])), fingerprint(_text(pair["b"]))))
        for pair in PAIRS
    ]


def _precision_recall(scored: list[tuple[dict, float]], threshold: float) -> tuple[float, float]:
    tp = sum(1 for p, s in scored if s >= threshold and p["label"] == "copy")
    fp = sum(1 for p, s in scored if s >= threshold and p["label"] == "distinct")
    fn = sum(1 for p, s in scored if s < threshold and p["label"] == "copy")
    precision = tp / (tp + fp) if tp + fp else 1.0
    return precision, tp / (tp + fn)


def _table(scored: list[tuple[dict, float]]) -> str:
    rows = ["threshold precision recall"]
    for threshold in (0.5, 0.6, DEFAULT_THRESHOLD, 0.8, 0.9):
        precision, recall = _precision_recall(scored, threshold)
        rows.append(f"{threshold:9.2f} {precision:9.3f} {recall:6.3f}")
    copies = [s for p, s in scored if p["label"] == "copy"]
    distinct = [s for p, s in scored if p["label"] == "distinct"]
    rows.append(f"copies: min {min(copies):.3f}; distinct: max {max(distinct):.3f}")
    rows += [
        f"  missed {p['id']} ({p['kind']}): {s:.3f}"
        for p, s in scored
        if p["label"] == "copy" and s < DEFAULT_THRESHOLD
    ]
    return "\n".join(rows)


def test_fixture_is_a_real_evaluation_set() -> None:
    labels = [p["label"] for p in PAIRS]
    assert labels.count("copy") >= 22
    assert labels.count("distinct") >= 22
    same_topic = [p for p in PAIRS if p["kind"] == "same_topic"]
    assert len(same_topic) > labels.count("distinct") / 2
    assert len({p["id"] for p in PAIRS}) == len(PAIRS)
    for pair in PAIRS:
        for side in ("a", "b"):
            words = len(_text(pair[side]).split())
            assert 120 <= words <= 400, (pair["id"], side, words)


def test_precision_and_recall_on_labeled_pairs(scored: list[tuple[dict, float]]) -> None:
    # Measured at 0.7: precision 1.000, recall 0.960 (24/25; the one miss is a copy whose
    # lead was rewritten and last paragraph cut, at 0.633). Same-topic pairs stay <= 0.07.
    precision, recall = _precision_recall(scored, DEFAULT_THRESHOLD)
    table = _table(scored)
    assert precision == 1.0, table
    assert recall >= 0.95, table


def test_typography_and_spacing_do_not_change_the_fingerprint() -> None:
    plain = "L'inflation a ralenti à 1,8 % en septembre : « une bonne nouvelle », selon l'Insee."
    styled = (
        'L\u2019INFLATION  a ralenti à 1,8\u202f% en septembre\u202f: "une bonne nouvelle",'
        " selon l\u2019Insee\n"
    )
    assert fingerprint(plain) == fingerprint(styled)


def test_fingerprint_round_trips_through_bytes() -> None:
    fp = fingerprint(_text(PAIRS[0]["a"]))
    assert isinstance(fp, bytes)
    assert len(fp) == 10 + 4 * 128
    stored = bytes(memoryview(fp))  # what a bytea column gives back
    assert similarity(stored, fp) == 1.0
    assert fingerprint(_text(PAIRS[0]["a"]), num_perm=64) != fp
    assert len(fingerprint("un texte court", num_perm=64)) == 10 + 4 * 64


def test_fingerprint_format_is_stable() -> None:
    # Fingerprints are stored across runs: if this changes (datasketch upgrade, new
    # normalisation), bump FORMAT_VERSION so old and new values are never compared.
    fp = fingerprint("Le gouvernement a survécu mardi soir à une nouvelle motion de censure.")
    assert fp[:4] == b"ND\x01\x03"
    assert hashlib.sha256(fp).hexdigest() == STABLE_DIGEST


STABLE_DIGEST = "5fb91822c6a172bac9f794b25a9f7a8e82e054f8c5ec13fd46f76fdffc915b1c"


def test_fingerprint_is_deterministic_across_processes() -> None:
    text = _text(PAIRS[1]["a"])
    code = (
        "import sys; from pipelines.nearduplicates import fingerprint; "
        "sys.stdout.write(fingerprint(sys.stdin.read()).hex())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        input=text,
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        encoding="utf-8",
    ).stdout
    assert bytes.fromhex(out) == fingerprint(text)


def test_malformed_or_incompatible_fingerprints_are_rejected() -> None:
    fp = fingerprint("un texte quelconque pour le test")
    with pytest.raises(ValueError):
        similarity(fp, fp[:-4])
    with pytest.raises(ValueError):
        similarity(fp, b"XX" + fp[2:])
    with pytest.raises(ValueError):
        similarity(fp, fingerprint("un texte quelconque pour le test", num_perm=64))


def test_empty_texts_never_match() -> None:
    empty = fingerprint(article_text("Un titre seulement", None, "  "))
    assert is_empty(empty)
    assert similarity(empty, empty) == 0.0


def test_article_text_leaves_the_title_out() -> None:
    assert article_text("Titre", "Chapeau.", "Corps.") == "Chapeau.\n\nCorps."
    assert article_text("Titre", None, "Corps.") == "Corps."
    a = article_text("Un titre", "Même chapeau.", "Même corps de texte, mot pour mot.")
    b = article_text("Un tout autre titre", "Même chapeau.", "Même corps de texte, mot pour mot.")
    assert similarity(fingerprint(a), fingerprint(b)) == 1.0


def _copy_pair() -> tuple[bytes, bytes, float]:
    pair = next(p for p in PAIRS if p["id"].startswith("copy-03-"))
    a, b = fingerprint(_text(pair["a"])), fingerprint(_text(pair["b"]))
    return a, b, similarity(a, b)


def _comments(*rows: tuple[str, str | None, str]) -> list[dict]:
    return [
        {"comment_id": cid, "author": author, "text": text, "posted_at": None}
        for cid, author, text in rows
    ]


def test_comment_key_ignores_spacing_case_and_punctuation() -> None:
    assert comment_key("Bravo !") == comment_key("bravo!!") == comment_key("  BRAVO\u00a0! ")
    assert comment_key("C'est  honteux...") == comment_key("c\u2019est honteux")
    assert comment_key("Bravo") != comment_key("Bravo Macron")
    assert comment_key("👍") != comment_key("👎")
    assert comment_key("👍") == comment_key(" 👍 ")


def test_spacing_case_and_punctuation_variants_are_flagged() -> None:
    comments = _comments(
        ("1", "Jean", "Bravo !"),
        ("2", "Jean", "Bravo !!"),
        ("3", "Marie", "Ce gouvernement ne sert à rien, il faut des élections."),
        ("4", "Marie", "ce gouvernement  ne sert à rien ; il faut des élections !!!"),
        ("5", "Marie", "CE GOUVERNEMENT NE SERT À RIEN IL FAUT DES ÉLECTIONS"),
    )
    assert near_duplicate_comments(comments) == {"2": "1", "4": "3", "5": "3"}


def test_near_identical_long_comments_are_flagged() -> None:
    text = (
        "Encore une fois on nous explique que tout va bien alors que les prix de "
        "l'énergie ont doublé en deux ans pour les ménages modestes."
    )
    typo = text.replace("explique", "expliqe").replace("modestes", "modeste")
    comments = _comments(("a", "Luc", text), ("b", "Luc", typo))
    assert near_duplicate_comments(comments) == {"b": "a"}


def test_short_or_different_texts_are_not_over_matched() -> None:
    comments = _comments(
        ("1", "Jean", "Bravo"),
        ("2", "Jean", "Bravo Macron"),
        ("3", "Jean", "Je suis tout à fait d'accord avec vous"),
        ("4", "Jean", "Je suis tout à fait d'accord avec lui"),
        ("5", "Jean", "👍"),
        ("6", "Jean", "👎"),
        ("7", "Jean", "   "),
        ("8", "Jean", ""),
    )
    assert near_duplicate_comments(comments) == {}


def test_different_authors_and_anonymous_comments_are_not_matched() -> None:
    comments = _comments(
        ("1", "Jean", "Quelle honte pour notre pays."),
        ("2", "Paul", "Quelle honte pour notre pays."),
        ("3", None, "Quelle honte pour notre pays !"),
        ("4", None, "Quelle honte pour notre pays !"),
        ("5", "", "Quelle honte pour notre pays !"),
    )
    assert near_duplicate_comments(comments) == {}


def test_repeat_points_at_the_first_earlier_comment() -> None:
    comments = _comments(
        ("1", "Jean", "Il faut augmenter les salaires des infirmières."),
        ("2", "Jean", "Autre sujet entièrement différent du premier."),
        ("3", "Jean", "il faut augmenter les salaires des infirmières !"),
        ("3", "Jean", "il faut augmenter les salaires des infirmières !"),  # served twice
        ("4", "Jean", "Il faut augmenter les salaires des infirmières"),
    )
    assert near_duplicate_comments(comments) == {"3": "1", "4": "1"}


def _trigram_jaccard(a: str, b: str) -> float:
    grams, other = _char_shingles(a), _char_shingles(b)
    return len(grams & other) / len(grams | other)


# Keys over a few letters repeat trigrams often, which is where counting distinct
# missing trigrams (not positions) matters; the other key is the first with a few edits,
# so that pairs near every threshold come up.
_KEYS = st.text(alphabet="ab c", min_size=0, max_size=60)
_EDITS = st.lists(
    st.tuples(st.sampled_from(["insert", "delete", "replace"]), st.integers(0, 60),
              st.sampled_from("ab c")),
    max_size=4,
)  # fmt: skip


def _edited(key: str, edits: list[tuple[str, int, str]]) -> str:
    for kind, at, char in edits:
        at = min(at, len(key))
        if kind == "insert":
            key = key[:at] + char + key[at:]
        elif kind == "delete":
            key = key[:at] + key[at + 1 :]
        else:
            key = key[:at] + char + key[at + 1 :]
    return key


@given(
    key=_KEYS,
    edits=_EDITS,
    unrelated=st.none() | _KEYS,
    threshold=st.sampled_from([0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0]),
)
@settings(max_examples=3000, deadline=None)
def test_the_quick_rejection_never_rejects_a_similar_pair(
    key: str, edits: list[tuple[str, int, str]], unrelated: str | None, threshold: float
) -> None:
    # It may fail to prove a pair different (the trigram sets then decide), never the
    # reverse: a repeat it rejected would be missed.
    other = _edited(key, edits) if unrelated is None else unrelated
    if _too_different(key, other, threshold):
        assert _trigram_jaccard(key, other) < threshold


@given(
    texts=st.lists(
        st.tuples(
            st.sampled_from(["Jean", "Marie", "", None]),
            st.text(alphabet="Aa b,!é", max_size=30),
        ),
        max_size=12,
    )
)
@settings(max_examples=500, deadline=None)
def test_near_repeats_match_the_plain_trigram_rule(texts: list[tuple[str | None, str]]) -> None:
    comments = [
        {"comment_id": str(n), "author": author, "text": text}
        for n, (author, text) in enumerate(texts)
    ]
    expected: dict[str, str] = {}
    earlier: list[tuple[str, str | None, str]] = []
    authors = [author for author, _ in texts]
    for comment in comments:
        author, key = comment["author"], comment_key(comment["text"])
        if author and authors.count(author) > 1 and key:
            for other_id, other_author, other_key in earlier:
                if other_author == author and (
                    key == other_key
                    or (
                        min(len(key), len(other_key)) >= COMMENT_MIN_FUZZY_CHARS
                        and _trigram_jaccard(key, other_key) >= COMMENT_SIMILARITY
                    )
                ):
                    expected[comment["comment_id"]] = other_id
                    break
            earlier.append((comment["comment_id"], author, key))
    assert near_duplicate_comments(comments) == expected
