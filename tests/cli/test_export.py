"""CSV export columns: params flattened with ``/``, in first-seen order, with a nested
choice's ``_name`` and its branches' parameters side by side."""

from __future__ import annotations

from hyperscout.cli._export import _columns, flatten


def test_a_nested_choices_columns_stay_together_when_a_later_trial_adds_one():
    rows = [flatten({"opt": {"_name": "sgd", "momentum": 0.9}, "lr": 0.1}),
            flatten({"opt": {"_name": "adam", "beta1": 0.8}, "lr": 0.2, "wd": 1e-4})]
    assert _columns(rows, "param_") == ["param_opt/_name", "param_opt/momentum",
                                        "param_opt/beta1", "param_lr", "param_wd"]
