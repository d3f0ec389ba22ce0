"""Near-duplicate detection for articles (wire copies) and reader comments.

Pure functions; no Scrapy, no database. The storage side (``pipelines.storage``) keeps the
bytes returned by :func:`fingerprint` in ``articles.fingerprint`` and compares a new
article's fingerprint with :func:`similarity` against those of the articles published
within a few days of it, so copies are recognised across runs.

Fingerprint byte format (version 1), all integers little-endian::

    offset  size  field
    0       2     magic b"ND"
    2       1     format version (1)
    3       1     shingle size in words (3)
    4       2     num_perm, uint16
    6       4     MinHash seed, uint32
    10      4*n   n = num_perm MinHash values, uint32 (datasketch "affine32" scheme)

With the default ``num_perm=128`` a fingerprint is 522 bytes. The version byte stands for
the whole recipe (text normalisation, shingling, hash scheme): change any of them and bump
it, because fingerprints made by different recipes cannot be compared and
:func:`similarity` refuses to.
"""

from __future__ import annotations

import struct
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

import numpy as np
from datasketch import MinHash

FORMAT_VERSION = 1
SHINGLE_WORDS = 3
#: Fixed rather than datasketch's default so the permutations are pinned by this module: a
#: fingerprint stored by one run must compare with one computed by the next process.
SEED = 1_729
DEFAULT_NUM_PERM = 128
DEFAULT_THRESHOLD = 0.7

#: Similarity of two comments' character trigrams above which they count as one text.
COMMENT_SIMILARITY = 0.9
#: Comments shorter than this (after normalisation) are only matched when equal: on a few
#: characters one changed word already moves the trigram similarity a lot, and short
#: replies ("Bravo", "Bravo Macron") are the ones people legitimately write twice.
COMMENT_MIN_FUZZY_CHARS = 20

_MAGIC = b"ND"
# datasketch 2.0 defaults to "affine32"; naming it keeps stored fingerprints valid should a
# later release change the default.
_SCHEME = "affine32"
_HEADER = struct.Struct("<2sBBHI")
_VALUE_DTYPE = np.dtype("<u4")
_EMPTY_VALUE = np.uint32(0xFFFFFFFF)
# The LSH stage only proposes candidates; the MinHash estimate decides. Banding tuned for a
# lower similarity than the threshold keeps pairs just above the threshold from being missed
# for want of one fully matching band: at 0.7, bands tuned for 0.45 (25 x 5 with 128
# permutations) propose a pair with probability ~0.99, against ~0.93 for bands tuned for 0.55.
_LSH_MARGIN = 0.25


class _PunctuationToSpace(dict):
    """``str.translate`` table: punctuation and symbols (Unicode categories P* and S*) to a
    space, every other character to itself; filled as characters are met, so translating
    runs at C speed after the first few texts."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        self[code] = value = " " if unicodedata.category(char)[0] in "PS" else char
        return value


_TO_SPACE = _PunctuationToSpace()


def _normalize(text: str) -> str:
    """NFC, casefold, punctuation and symbols turned into spaces, whitespace collapsed."""
    text = unicodedata.normalize("NFC", text).casefold()
    # casefold can leave decomposed sequences (e.g. from "İ"), so compose again.
    text = unicodedata.normalize("NFC", text)
    # Replacing with a space, not deleting, so "l'AFP" and "l’AFP" both become "l afp".
    return " ".join(text.translate(_TO_SPACE).split())


def _word_shingles(text: str, size: int = SHINGLE_WORDS) -> set[bytes]:
    words = _normalize(text).split()
    if not words:
        return set()
    if len(words) < size:
        # Short texts still get one shingle so that identical teasers compare equal.
        return {" ".join(words).encode()}
    return {" ".join(words[i : i + size]).encode() for i in range(len(words) - size + 1)}


@lru_cache(maxsize=8)
def _permutations(num_perm: int) -> np.ndarray:
    # Generating the permutations costs a seeded RNG run; every MinHash with the same
    # num_perm shares one array (datasketch does not copy a canonical array).
    return MinHash(num_perm=num_perm, seed=SEED, scheme=_SCHEME).permutations


def _minhash(values: np.ndarray) -> MinHash:
    return MinHash(
        seed=SEED,
        hashvalues=values,
        permutations=_permutations(len(values)),
        scheme=_SCHEME,
    )


def _pack(values: np.ndarray) -> bytes:
    header = _HEADER.pack(_MAGIC, FORMAT_VERSION, SHINGLE_WORDS, len(values), SEED)
    return header + values.astype(_VALUE_DTYPE).tobytes()


def _unpack(fp: bytes) -> np.ndarray:
    """The MinHash values of a fingerprint; ValueError if it is not a version-1 fingerprint."""
    if len(fp) < _HEADER.size:
        raise ValueError("fingerprint too short")
    magic, version, shingle, num_perm, seed = _HEADER.unpack_from(fp)
    if magic != _MAGIC or version != FORMAT_VERSION:
        raise ValueError(f"not a version {FORMAT_VERSION} near-duplicate fingerprint")
    if shingle != SHINGLE_WORDS or seed != SEED:
        raise ValueError("fingerprint made with another shingle size or seed")
    if num_perm < 2 or len(fp) != _HEADER.size + num_perm * _VALUE_DTYPE.itemsize:
        raise ValueError("fingerprint length does not match its num_perm")
    return np.frombuffer(fp, dtype=_VALUE_DTYPE, offset=_HEADER.size)


def fingerprint(text: str, num_perm: int = DEFAULT_NUM_PERM) -> bytes:
    """A MinHash of the text's word 3-shingles, as bytes for a database column.

    See the module docstring for the byte format. An empty text (nothing left after
    normalisation) gives the "empty" fingerprint, which never matches anything.
    """
    if not 2 <= num_perm <= 0xFFFF:
        raise ValueError("num_perm must be between 2 and 65535")
    minhash = MinHash(
        num_perm=num_perm, seed=SEED, permutations=_permutations(num_perm), scheme=_SCHEME
    )
    shingles = _word_shingles(text)
    if shingles:
        minhash.update_batch(list(shingles))
    return _pack(minhash.hashvalues)


def is_empty(fp: bytes) -> bool:
    """Whether the fingerprint was made from a text with no words."""
    return bool(np.all(_unpack(fp) == _EMPTY_VALUE))


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets, in [0, 1].

    Empty fingerprints are 0.0 against everything, themselves included: two pages with no
    text are not copies of each other. Raises ValueError for incompatible fingerprints.
    """
    va, vb = _unpack(a), _unpack(b)
    if len(va) != len(vb):
        raise ValueError("fingerprints have different num_perm")
    if np.all(va == _EMPTY_VALUE) or np.all(vb == _EMPTY_VALUE):
        return 0.0
    return _minhash(va).jaccard(_minhash(vb))


class FingerprintSet:
    """Many fingerprints, each compared with one other at once (numpy over all of them).

    :meth:`scores` gives what :func:`similarity` gives pair by pair, without building two
    MinHash objects per pair: a new article is compared with every article published
    within days of it, hundreds of them.
    """

    def __init__(self, fingerprints: Iterable[bytes | None]) -> None:
        self._values: list[np.ndarray | None] = []
        for fp in fingerprints:
            try:
                self._values.append(_unpack(fp) if fp is not None else None)
            except ValueError:
                self._values.append(None)  # made by another recipe: never comparable
        self._by_length: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def __len__(self) -> int:
        return len(self._values)

    def _matrix(self, length: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Positions of the fingerprints of ``length`` values, their values, which are empty."""
        if length not in self._by_length:
            positions = [
                i for i, v in enumerate(self._values) if v is not None and len(v) == length
            ]
            matrix = (
                np.stack([self._values[i] for i in positions])
                if positions
                else np.empty((0, length), dtype=_VALUE_DTYPE)
            )
            empty = np.all(matrix == _EMPTY_VALUE, axis=1)
            self._by_length[length] = (np.array(positions, dtype=np.int64), matrix, empty)
        return self._by_length[length]

    def scores(self, fp: bytes) -> list[float | None]:
        """``similarity(fp, other)`` for every fingerprint of the set, in order; None where
        :func:`similarity` would raise ValueError (not comparable)."""
        values = _unpack(fp)
        positions, matrix, empty = self._matrix(len(values))
        result: list[float | None] = [None] * len(self._values)
        if not len(positions):
            return result
        if np.all(values == _EMPTY_VALUE):
            shares = np.zeros(len(positions))
        else:
            # As MinHash.jaccard computes it: equal values over the number of values.
            equal = np.count_nonzero(matrix == values, axis=1).astype(np.float64)
            shares = np.where(empty, 0.0, equal / np.float64(len(values)))
        for position, share in zip(positions.tolist(), shares.tolist(), strict=True):
            result[position] = share
        return result


def article_text(title: str | None, lead: str | None, body: str | None) -> str:
    """The text of an article that its fingerprint is computed from: lead and body.

    The title is left out on purpose. Desks re-headline wire copies all the time, so the
    title is the part most likely to differ between copies; and headlines of independent
    articles about one event tend to share the same few words (names, places), which is
    exactly what must not make them look alike. The lead stays: it is usually the first
    lines of the dispatch, and when a desk rewrites it the body still carries the pair.
    Without lead and body the result is empty (never matched) rather than the title alone,
    since two short titles say little about whether two articles are the same.
    """
    del title  # Part of the signature so callers hand over the whole article; see above.
    return "\n\n".join(part.strip() for part in (lead, body) if part and part.strip())


def comment_key(text: str) -> str:
    """A comment's text with case, punctuation, symbols and spacing differences removed.

    Comments made only of punctuation or emoji would all normalise to "", so those keep
    their symbols (whitespace still collapsed) and "!!!" stays apart from "👍".
    """
    key = _normalize(text or "")
    if key:
        return key
    text = unicodedata.normalize("NFC", text or "").casefold()
    return "".join(text.split())


def _char_shingles(key: str, size: int = 3) -> frozenset[str]:
    if len(key) <= size:
        return frozenset({key})
    return frozenset([key[i : i + size] for i in range(len(key) - size + 1)])


def _too_different(key: str, other_key: str, threshold: float) -> bool:
    """A quick proof that the trigram Jaccard similarity is below ``threshold``, without
    building the sets (most pairs compared are different texts of one author).

    Similarity >= t means shared >= t x union >= t x |A|, so at most (1 - t) x |A| of the
    key's distinct trigrams are missing from the other's, and |A| <= len(key) - 2. A
    trigram is in the other's set exactly when it is a substring of the other key (both
    longer than 3 characters), which ``in`` finds at C speed; so counting distinct
    missing trigrams stops as soon as there are more than that. False means "maybe".
    """
    if len(key) <= 3 or len(other_key) <= 3:
        return False
    allowed = (1.0 - threshold) * (len(key) - 2) + 1e-9
    missing: set[str] = set()
    for i in range(len(key) - 2):
        gram = key[i : i + 3]
        if gram not in other_key:
            missing.add(gram)
            if len(missing) > allowed:
                return True
    return False


class _Posting:
    """One comment already met in :func:`near_duplicate_comments`, trigrams computed when
    first compared (an author's first comment that is never compared costs none)."""

    __slots__ = ("comment_id", "key", "_grams")

    def __init__(self, comment_id: str, key: str) -> None:
        self.comment_id = comment_id
        self.key = key
        self._grams: frozenset[str] | None = None

    @property
    def grams(self) -> frozenset[str]:
        if self._grams is None:
            self._grams = _char_shingles(self.key)
        return self._grams


def _similar_comment(
    posting: _Posting, other: _Posting, threshold: float, min_chars: int
) -> bool:
    key, other_key = posting.key, other.key
    if key == other_key:
        return True
    if len(key) < min_chars or len(other_key) < min_chars:
        return False
    if _too_different(key, other_key, threshold):
        return False
    grams, other_grams = posting.grams, other.grams
    small, large = sorted((len(grams), len(other_grams)))
    if small < threshold * large:  # Jaccard cannot reach the threshold: skip the set work.
        return False
    shared = len(grams & other_grams)
    # The union's size without building it: the same integers, so the same quotient.
    return shared / (len(grams) + len(other_grams) - shared) >= threshold


def near_duplicate_comments(
    comments: Iterable[Mapping[str, Any]],
    *,
    threshold: float = COMMENT_SIMILARITY,
    min_chars: int = COMMENT_MIN_FUZZY_CHARS,
) -> dict[str, str]:
    """Map each repeated comment's id to the id of the first earlier comment it repeats.

    A comment repeats an earlier one when both have the same (non-anonymous) author and
    either their :func:`comment_key` is equal, or both keys have at least ``min_chars``
    characters and their character-trigram Jaccard similarity is >= ``threshold``.
    "First" is list order, so pass comments oldest first. The target is the earliest
    comment that matches directly; it may itself be a repeat of an even earlier one.
    A comment id seen twice is considered once; empty texts are never matched.
    """
    seen: set[str] = set()
    earlier: dict[str, list[_Posting]] = {}
    repeats: dict[str, str] = {}
    comments = list(comments)
    # An author's only comment repeats nothing and nothing repeats it: no text work.
    by_author = Counter(comment.get("author") for comment in comments)
    for comment in comments:
        comment_id = comment["comment_id"]
        if comment_id in seen:
            continue
        seen.add(comment_id)
        author = comment.get("author")
        if author is None or not str(author).strip():
            continue  # Anonymous comments cannot be attributed to one person.
        if by_author[author] < 2:
            continue
        key = comment_key(comment.get("text") or "")
        if not key:
            continue
        posting = _Posting(comment_id, key)
        history = earlier.setdefault(author, [])
        for other in history:
            if _similar_comment(posting, other, threshold, min_chars):
                repeats[comment_id] = other.comment_id
                break
        history.append(posting)
    return repeats


def _instant(value: Any) -> float | None:
    """Seconds since the epoch of an aware datetime (or its ISO string); None if unknown."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.timestamp()
    return None


def site_id_key(identifier: str | None) -> tuple[int, int, str]:
    """Sort key of a site id: numeric ids by value (before any other), others as text."""
    text = identifier or ""
    if text.isdigit():
        return 0, int(text), text
    return 1, 0, text


def posting_order(comment: Mapping[str, Any]) -> tuple[bool, float, tuple[int, int, str]]:
    """Sort key putting comments in the order they were posted.

    Comments without a time sort last (they cannot claim to be the first posting); equal
    times fall back on the comment id, so the order never depends on the order of pages.
    """
    posted = _instant(comment.get("posted_at"))
    return posted is None, posted or 0.0, site_id_key(comment.get("comment_id"))


def exact_comment_key(text: str | None) -> str:
    """What makes two comments "exact" repeats: the text, case and spacing aside."""
    return " ".join((text or "").split()).casefold()


def repeated_comments(
    comments: Iterable[Mapping[str, Any]],
    *,
    near: bool = True,
    threshold: float = COMMENT_SIMILARITY,
    min_chars: int = COMMENT_MIN_FUZZY_CHARS,
) -> dict[str, tuple[str, str]]:
    """Map each repeated comment's id to ``(id of the comment it repeats, kind)``.

    Comments are taken in posting order (:func:`posting_order`), whatever order they come
    in, so the first posting is always the original and the answer is the same for any
    order of pages or writes. Only comments by the same named author are compared; empty
    texts never match. ``kind`` is ``"exact"`` when :func:`exact_comment_key` is equal
    (every exact copy names the first posting), else ``"near"`` as decided by
    :func:`near_duplicate_comments` among the first postings of each exact text
    (``near=False`` skips that step).
    """
    named = [c for c in comments if c.get("author") and str(c["author"]).strip()]
    # A comment whose author wrote nothing else in the thread neither repeats nor is
    # repeated: left out before the sort (unless its id comes twice, where which copy
    # counts depends on the order).
    authors = Counter(c["author"] for c in named)
    if len(authors) < len(named) and min(authors.values()) == 1:
        ids = Counter(c["comment_id"] for c in named)
        named = [c for c in named if authors[c["author"]] > 1 or ids[c["comment_id"]] > 1]
    elif len(authors) == len(named):
        return {}  # every author wrote once: nothing to compare
    ordered = sorted(named, key=posting_order)
    result: dict[str, tuple[str, str]] = {}
    first: dict[tuple[str, str], str] = {}
    distinct: list[Mapping[str, Any]] = []
    seen: set[str] = set()
    for comment in ordered:
        key = exact_comment_key(comment.get("text"))
        comment_id = comment["comment_id"]
        if not key or comment_id in seen:
            continue
        seen.add(comment_id)
        original = first.setdefault((comment["author"], key), comment_id)
        if original != comment_id:
            result[comment_id] = (original, "exact")
        else:
            distinct.append(comment)
    if near:
        found = near_duplicate_comments(distinct, threshold=threshold, min_chars=min_chars)
        for comment_id, original in found.items():
            result[comment_id] = (original, "near")
    return result
