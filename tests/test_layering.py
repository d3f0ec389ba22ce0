"""Dependencies flow one way: schemas at the bottom, the crawler above it, the pipelines on
top. Checked on the import statements of every module, so a shortcut fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Package -> the project packages it must never import.
FORBIDDEN = {
    "schemas": {"crawler", "pipelines", "sample_site", "benchmarks"},
    "crawler": {"pipelines", "sample_site", "benchmarks"},
    "pipelines": {"sample_site", "benchmarks"},
}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_module_imports_a_layer_above_it(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) & FORBIDDEN[package])
        for path in sorted((ROOT / package).rglob("*.py"))
    }
    assert {path: bad for path, bad in offenders.items() if bad} == {}


def test_settings_name_the_pipelines_by_path_only() -> None:
    # The crawler reaches the storage side only through settings (ITEM_PIPELINES,
    # STORED_STATE), the way Scrapy wires components.
    from crawler import settings

    assert settings.STORED_STATE == "pipelines.storage.Storage"
    assert all(path.startswith("pipelines.") for path in settings.ITEM_PIPELINES)
