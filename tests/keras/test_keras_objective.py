"""Objectives: names with inferred directions, explicit ones, and lists of them."""

from __future__ import annotations

import pytest

from hyperscout.errors import ConfigError
from hyperscout.keras import MultiObjective, Objective
from hyperscout.keras._objective import create_objective, infer_direction


@pytest.mark.parametrize("name, direction", [
    ("val_accuracy", "max"), ("accuracy", "max"), ("val_acc", "max"), ("auc", "max"),
    ("val_precision", "max"), ("val_loss", "min"), ("loss", "min"), ("mse", "min"),
    ("val_mae", "min"), ("val_sparse_categorical_crossentropy", "min"),
    ("val_sparse_categorical_accuracy", "max"), ("my_custom_loss", "min"),
])
def test_the_direction_of_a_metric_is_inferred_from_its_name(name, direction):
    assert infer_direction(name) == direction
    assert create_objective(name) == Objective(name, direction)


def test_a_metric_that_says_no_direction_needs_an_explicit_objective():
    with pytest.raises(ConfigError, match=r"Objective\('throughput', direction='max'\)"):
        create_objective("throughput")
    assert create_objective(Objective("throughput", "max")).direction == "max"


def test_no_objective_means_the_validation_loss():
    assert create_objective(None) == Objective("val_loss", "min")


def test_bad_directions_and_kinds_are_named():
    with pytest.raises(ConfigError, match="direction` must be 'min' or 'max'"):
        Objective("val_accuracy", "up")
    with pytest.raises(ConfigError, match="empty list"):
        create_objective([])
    with pytest.raises(ConfigError, match="must be a metric name"):
        create_objective(3)


def test_a_list_of_objectives_minimises_losses_minus_accuracies():
    objective = create_objective(["val_loss", "val_accuracy"])
    assert isinstance(objective, MultiObjective) and objective.direction == "min"
    assert objective.value({"val_loss": 0.5, "val_accuracy": 0.8}) == pytest.approx(-0.3)
    assert objective.value({"val_loss": 0.5}) is None
    assert objective.names == ["val_loss", "val_accuracy"]
    assert create_objective(["val_accuracy"]) == Objective("val_accuracy", "max")


def test_the_repr_reads_like_keras_tuners():
    assert repr(Objective("val_accuracy", "max")) == 'Objective(name="val_accuracy", direction="max")'
