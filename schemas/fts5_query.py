"""Web-search syntax to an SQLite FTS5 ``MATCH`` expression, with light French matching.

PostgreSQL reads a search with ``websearch_to_tsquery('french_unaccent', ...)``; SQLite's
FTS5 has no French stemmer and its own query syntax, in which punctuation is an error.
This module reads the same syntax (words, ``"quoted phrases"``, ``or``, ``-excluded``) and
writes an FTS5 expression that quotes every term, so no input is a syntax error there:

- accents: the FTS5 tables are tokenized with ``remove_diacritics``, which applies to the
  query too ("etat" finds "État");
- stemming, weaker than PostgreSQL's: a word of the query loses a plural ``s``/``x`` and
  a final ``e``, ``ee`` or ``er``, and what is left matches as a prefix when it keeps at
  least four letters: "réformes" becomes ``reform*`` and finds "réforme", "réformé",
  "réformer", but also "reformatage"; irregular forms ("chevaux"/"cheval") do not meet;
- stop words: common French function words ("le", "des", "pour") are dropped from the
  query, as PostgreSQL's French configuration does; words of a quoted phrase are kept,
  matched exactly (accents aside) and next to each other;
- an elided article or pronoun at the start of a word ("l'État", "qu'il") is dropped, and
  the rest of a hyphenated or apostrophed word ("porte-parole") is matched as a phrase.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

#: French function words left out of a query (written without accents: they are compared
#: with the word stripped of its accents). "ete" is not in: it is also "summer".
_STOP_WORDS = """
    a au aux avec c ca car ce ces cet cette d dans de des donc du elle elles en entre es
    est et etait etaient etre eux il ils j je l la le les leur leurs lui m ma mais me mes
    moi mon n ne ni nos notre nous on ont ou par pas pour qu que qui s sa sans se ses si
    son sont sous sur t ta te tes toi ton tu un une vos votre vous y
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())
#: Elided words that open a word with an apostrophe: "l'État", "jusqu'ici", "qu'il".
_ELIDED = "c d j l m n s t qu jusqu lorsqu puisqu quoiqu"
ELIDED = frozenset(_ELIDED.split())
#: Shortest stem matched as a prefix; shorter words ("PS", "RN", "UE") match exactly.
MIN_PREFIX = 4

_QUERY_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"\w+")


class EmptyQueryError(ValueError):
    """The search has nothing to look for: no words, or only stop words or exclusions."""


def fold(word: str) -> str:
    """``word`` in lower case without accents ("Élysée" -> "elysee")."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def light_stem(word: str) -> str:
    """The folded word without a plural ``s``/``x`` and a final ``e``/``ee``/``er``."""
    stem = fold(word)
    if len(stem) > MIN_PREFIX and stem[-1] in "sx":
        stem = stem[:-1]
    for ending in ("ee", "er", "e"):
        if stem.endswith(ending) and len(stem) - len(ending) >= MIN_PREFIX:
            return stem[: -len(ending)]
    return stem


def _string(words: list[str]) -> str:
    # An FTS5 string: double quotes inside are doubled; \w+ words never have any.
    return '"' + " ".join(w.replace('"', '""') for w in words) + '"'


def _bare(token: str) -> str | None:
    """One unquoted word of the query (maybe "l'État" or "porte-parole")."""
    parts = _WORD.findall(token)
    while len(parts) > 1 and fold(parts[0]) in ELIDED:
        parts = parts[1:]
    if not parts:
        return None
    if len(parts) == 1 and fold(parts[0]) in STOP_WORDS:
        return None
    stem = light_stem(parts[-1])
    if len(stem) >= MIN_PREFIX and not stem.isdigit():
        return _string([*parts[:-1], stem]) + " *"
    return _string(parts)


def _phrase(text: str) -> str | None:
    words = _WORD.findall(text)
    return _string(words) if words else None


@dataclass
class _Query:
    clauses: list[list[str]]
    excluded: list[str]

    def expression(self) -> str:
        if not self.clauses:
            raise EmptyQueryError(
                "nothing to search for: the query has no words besides stop words "
                "(le, des, pour, ...) and excluded ones (-word)"
            )
        ands = [alts[0] if len(alts) == 1 else f"({' OR '.join(alts)})" for alts in self.clauses]
        positive = " AND ".join(ands)
        if not self.excluded:
            return positive
        return f"({positive}) NOT ({' OR '.join(self.excluded)})"


def to_fts5(query: str) -> str:
    """The FTS5 ``MATCH`` expression for a query in web-search syntax.

    ``réforme des retraites`` -> ``"reform" * AND "retrait" *``;
    ``"réforme des retraites" or grève -macron`` ->
    ``(("réforme des retraites" OR "grev" *)) NOT ("macron" *)``.
    Raises ``EmptyQueryError`` when nothing is left to look for.
    """
    parsed = _Query(clauses=[], excluded=[])
    joining = False  # the previous token was "or"
    for match in _QUERY_TOKEN.finditer(query):
        negated, quoted, bare = match.group(1), match.group(2), match.group(3)
        if bare is not None and bare.casefold() == "or":
            joining = bool(parsed.clauses)
            continue
        if bare is not None and bare.startswith("-") and len(bare) > 1:
            negated, bare = "-", bare[1:]
        term = _phrase(quoted) if quoted is not None else _bare(bare or "")
        if term is None:
            continue
        if negated:
            parsed.excluded.append(term)
            joining = False
        elif joining:
            parsed.clauses[-1].append(term)
            joining = False
        else:
            parsed.clauses.append([term])
    return parsed.expression()
