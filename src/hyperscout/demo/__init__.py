"""The demo that ``hyperscout demo`` runs: tune a small LeNet on scikit-learn's 8x8 digits.

This package imports no torch, so a caller can read the search space cheaply; the model
and the training loop live in `hyperscout.demo.lenet`, the NNI-style trial script in
`hyperscout.demo.trial` (run as ``python -m hyperscout.demo.trial``).

Example:
    >>> sorted(load_search_space())
    ['batch_size', 'conv_size', 'dropout_rate', 'hidden_size', 'learning_rate']
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["SEARCH_SPACE_FILE", "TRIAL_MODULE", "load_search_space"]

SEARCH_SPACE_FILE = Path(__file__).with_name("search_space.json")
TRIAL_MODULE = "hyperscout.demo.trial"


def load_search_space() -> dict[str, Any]:
    """The demo's search space in NNI's ``search_space.json`` form."""
    return json.loads(SEARCH_SPACE_FILE.read_text())
