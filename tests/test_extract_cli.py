"""The extract command, run as users run it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "tests" / "fixtures" / "pages"
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
PYTHON = str(VENV_PYTHON) if VENV_PYTHON.exists() else sys.executable
URL = (
    "https://www.rtl.fr/actu/international/"
    "kim-jong-un-en-russie-pour-son-premier-sommet-avec-poutine-7797504917"
)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "pipelines.extract", *args],
        cwd=ROOT, capture_output=True, text=True, encoding="utf-8", timeout=120,
    )


def test_seed_page_with_comments() -> None:
    done = run(
        str(PAGES / "rtl_2019_seed.html"), "--url", URL + "?xtor=RSS-1",
        "--comments", str(PAGES / "rtl_2019_seed_comments_p1.html"),
        str(PAGES / "rtl_2019_seed_comments_p2.html"),
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert list(data)[:5] == ["url", "site", "canonical_url", "article_id", "section"]
    assert data["canonical_url"] == URL
    assert data["article_id"] == "7797504917"
    assert data["title"] == "Kim Jong-Un en Russie pour son premier sommet avec Poutine"
    assert data["authors"] == ["Leia Hoarau"]
    assert data["co_credit"] == "AFP"
    assert data["published_at"] == "2019-04-24T10:47:00+02:00"
    assert data["modified_at"] is None
    assert data["reading_time_minutes"] == 2
    assert data["tags"] == ["Rencontre", "Kim Jong-Un", "Corée du Nord"]
    assert [b["text"] for b in data["body_blocks"] if b["type"] == "heading"] == [
        "Le nucléaire toujours en négociation", "Rééquilibrage"]
    assert [c["comment_id"] for c in data["comments"]] == [
        "8801234", "8801250", "8801262", "8801190", "8801101"]
    assert data["comments"][3]["posted_at"] == "2019-04-24T10:58:00+02:00"
    # Non-ASCII is written as is, not as \u escapes.
    assert "Corée du Nord" in done.stdout and "\\u" not in done.stdout


def test_file_url_is_used_without_url_option() -> None:
    done = run(str(PAGES / "jsonld_newsarticle.html"))
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    page = PAGES / "jsonld_newsarticle.html"
    assert data["url"] == page.resolve().as_uri()
    assert data["canonical_url"] == (
        "https://www.rtl.fr/actu/politique/"
        "reforme-des-retraites-le-gouvernement-engage-l-article-49-3-7900229871"
    )
    assert data["comments"] == []


def test_invalid_page_is_rejected_with_status_1(tmp_path: Path) -> None:
    page = tmp_path / "tag.html"
    page.write_text(
        "<html><head><title>Kim Jong-Un : toute l'actualité</title></head>"
        "<body><div class='post-preview'><h2 class='post-title'>Autre</h2></div></body></html>",
        encoding="utf-8",
    )
    done = run(str(page), "--url", "https://www.rtl.fr/sujet/kim-jong-un")
    assert done.returncode == 1
    assert json.loads(done.stdout) == {
        "rejected": {
            "url": "https://www.rtl.fr/sujet/kim-jong-un",
            "reason": "missing_body",
            "detail": "missing_body: no body text found; "
            "missing_published_at: no readable publication date",
        }
    }


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    done = run(str(tmp_path / "absent.html"))
    assert done.returncode == 2
    assert "absent.html" in done.stderr
