"""Quality gate: the parser keeps at least the scores pinned in ``fixtures/eval/minimums.json``.

The evaluation of ``benchmarks.eval`` runs in-process on the whole corpus, once per parser
path named in the minimums; each pinned metric is its own test case, so a regression names
the path, the page family and the metric that dropped. ``python -m benchmarks.eval --pages``
shows which pages lost it.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest

from benchmarks.eval import CORPUS, FAMILIES, METRICS, PARSER_PATHS, evaluate, load_corpus, results

MINIMUMS: dict[str, dict[str, dict[str, float]]] = {
    path: families
    for path, families in json.loads((CORPUS / "minimums.json").read_text()).items()
    if not path.startswith("_")
}
CASES = [
    (path, family, metric, minimum)
    for path, families in MINIMUMS.items()
    for family, metrics in families.items()
    for metric, minimum in metrics.items()
]


@cache
def measured() -> dict[str, dict[str, dict[str, Any]]]:
    return results(evaluate(load_corpus(), list(MINIMUMS)))


def test_minimums_name_known_paths_families_and_metrics() -> None:
    assert CASES
    for path, family, metric, minimum in CASES:
        assert path in PARSER_PATHS
        assert family in FAMILIES
        assert metric in METRICS and metric != "cpu_ms"
        assert 0.0 < minimum <= 1.0


@pytest.mark.parametrize(("path", "family", "metric", "minimum"), CASES,
                         ids=[f"{p}-{f}-{m}" for p, f, m, _ in CASES])
def test_score_at_least_minimum(path: str, family: str, metric: str, minimum: float) -> None:
    value = measured()[path][family][metric]
    assert value is not None, f"{path} path on {FAMILIES[family][0]}: no {metric} score"
    assert value >= minimum, (
        f"{path} path on {FAMILIES[family][0]}: {metric} {value:.3f} < {minimum}"
    )
