"""docs/tuners.md: its ```python blocks run as-is, top to bottom, in one namespace."""

from __future__ import annotations

import doctest
import importlib
import re
from pathlib import Path

import pytest

from hyperscout.tuners import _registry

DOC = Path(__file__).resolve().parents[2] / "docs" / "tuners.md"


def test_the_tuners_guide_runs(capsys):
    blocks = re.findall(r"^```python\n(.*?)^```", DOC.read_text(), flags=re.DOTALL | re.MULTILINE)
    assert len(blocks) >= 5, "the guide lost its examples"
    namespace: dict = {"__name__": "tuners_md"}
    before = _registry.available()
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)  # noqa: S102 (our own docs)
    assert "all of them were tried or are running" in capsys.readouterr().out
    assert _registry.available() == before, "the guide must not leave tuners registered"


@pytest.mark.parametrize(
    "module",
    [
        "hyperscout.tuners",
        "hyperscout.tuners._random",
        "hyperscout.tuners._grid",
        "hyperscout.testing.tuner_contract",
    ],
)
def test_docstring_examples_run(module):
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0
