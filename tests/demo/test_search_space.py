"""The demo's search space: NNI's classic MNIST ranges, readable without torch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from hyperscout.demo import SEARCH_SPACE_FILE, TRIAL_MODULE, load_search_space

SRC = Path(__file__).parents[2] / "src"


def test_search_space_has_nni_mnist_ranges():
    assert load_search_space() == {
        "conv_size": {"_type": "choice", "_value": [2, 3, 5]},
        "hidden_size": {"_type": "choice", "_value": [124, 512, 1024]},
        "dropout_rate": {"_type": "uniform", "_value": [0.5, 0.9]},
        "batch_size": {"_type": "choice", "_value": [16, 32, 64, 128]},
        "learning_rate": {"_type": "choice", "_value": [0.0001, 0.001, 0.01, 0.1]},
    }


def test_search_space_file_ships_inside_the_package():
    assert SEARCH_SPACE_FILE.parent == SRC / "hyperscout" / "demo"
    assert json.loads(SEARCH_SPACE_FILE.read_text()) == load_search_space()
    assert TRIAL_MODULE == "hyperscout.demo.trial"


def test_reading_the_search_space_imports_no_torch():
    code = "import sys, hyperscout.demo as d; d.load_search_space(); print('torch' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": str(SRC)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "False"
