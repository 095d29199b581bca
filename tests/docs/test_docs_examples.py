"""Every ```python block of every user-guide page runs, top to bottom, in one namespace."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = sorted(p for p in DOCS.glob("*.md") if p.name != "architecture.md")
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def test_every_user_guide_page_has_runnable_examples():
    assert PAGES, "docs/ has no user guide pages"
    assert all(BLOCK.search(p.read_text()) for p in PAGES), [
        p.name for p in PAGES if not BLOCK.search(p.read_text())]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_docs_page_examples_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HYPERSCOUT_HOME", str(tmp_path / "home"))
    namespace: dict = {"__name__": f"docs_{page.stem.replace('-', '_')}"}
    for number, match in enumerate(BLOCK.finditer(page.read_text()), 1):
        code = compile(match.group(1), f"{page.name} (python block {number})", "exec")
        exec(code, namespace)  # noqa: S102 - executing our own documentation
