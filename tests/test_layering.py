"""Dependencies point down: the algorithm layers never import the engine, executors or store."""

from __future__ import annotations

import subprocess
import sys

import pytest

FORBIDDEN = ("hyperscout.engine", "hyperscout.executors", "hyperscout.store", "hyperscout.cli")


@pytest.mark.parametrize("package", ["hyperscout.space", "hyperscout.tuners", "hyperscout.config",
                                     "hyperscout.schedulers", "hyperscout.assessors"])
def test_algorithm_layers_do_not_import_the_engine(package):
    code = (f"import sys, {package}; "
            f"print([m for m in sys.modules if m.startswith({FORBIDDEN!r})])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
