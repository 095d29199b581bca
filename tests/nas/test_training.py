"""`nas.Classification`, the one training setup of NAS: it trains and scores a classifier
from tensors or a DataLoader, reports each epoch inside a trial (so it is a multi-trial
evaluator as it stands), and `retrain` trains an architecture from scratch with it."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="hyperscout.nas needs torch (the torch extra)")
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from hyperscout import nas
from hyperscout.errors import ConfigError


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        hidden = nas.ValueChoice([4, 16], label="hidden")
        self.body = nn.Sequential(nn.Linear(2, hidden), nas.LayerChoice(
            {"relu": nn.ReLU(), "id": nn.Identity()}, label="act"), nn.Linear(hidden, 2))

    def forward(self, x):
        return self.body(x)


def _xor(n, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 2, generator=g) * 2 - 1
    return x, ((x[:, 0] > 0) ^ (x[:, 1] > 0)).long()


def _space():
    return nas.ModelSpace(Net, example_input=torch.zeros(2, 2))


@pytest.mark.parametrize("optimizer, schedule", [("adam", "cosine"), ("sgd", "onecycle"),
                                                 ("adamw", "constant")])
def test_fit_trains_a_model_and_returns_its_validation_accuracy(optimizer, schedule):
    training = nas.Classification(_xor(512, 0), _xor(256, 1), epochs=30, batch_size=32,
                                  optimizer=optimizer, schedule=schedule,
                                  learning_rate=0.05 if optimizer == "sgd" else 0.01)
    torch.manual_seed(0)
    model = _space().freeze({"hidden": 16, "act": "relu"})
    accuracy = training.fit(model)
    assert accuracy > 0.85  # xor: a linear model stays near 0.5
    assert accuracy == training.score(model)


def test_a_data_loader_or_a_list_of_batches_trains_like_tensors():
    x, y = _xor(256, 0)
    loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True,
                        generator=torch.Generator().manual_seed(0))
    batches = [(x[i:i + 64], y[i:i + 64]) for i in range(0, 256, 64)]
    training = nas.Classification(loader, batches, epochs=25, learning_rate=0.02)
    assert training.steps_per_epoch() == 8
    torch.manual_seed(0)
    assert training.fit(_space().freeze({"hidden": 16, "act": "relu"})) > 0.8


def test_a_linear_architecture_cannot_learn_xor_so_retraining_tells_them_apart():
    training = nas.Classification(_xor(512, 0), _xor(256, 1), test_data=_xor(256, 2),
                                  epochs=30, batch_size=32, learning_rate=0.01)
    good = nas.retrain(_space(), {"hidden": 16, "act": "relu"}, training, seed=0)
    linear = nas.retrain(_space(), {"hidden": 16, "act": "id"}, training, seed=0)
    assert good.test_accuracy > 0.85
    assert linear.test_accuracy < 0.7
    assert good.architecture == {"hidden": 16, "act": "relu"}
    assert isinstance(good.model, Net) and good.seconds > 0
    again = nas.retrain(_space(), {"hidden": 16, "act": "relu"}, training, seed=0)
    assert again.val_accuracy == good.val_accuracy  # seeded


def test_retrain_takes_a_function_evaluator_too():
    seen = []

    def evaluate(model, arch):
        seen.append(arch)
        return 0.25

    result = nas.retrain(_space(), {"hidden": 4, "act": "id"}, evaluate)
    assert (result.val_accuracy, result.test_accuracy) == (0.25, None)
    assert seen == [{"hidden": 4, "act": "id"}]
    with pytest.raises(ConfigError, match="`evaluate` must be a nas.Classification or a"):
        nas.retrain(_space(), {"hidden": 4, "act": "id"}, "train.py")


@pytest.mark.slow
def test_classification_is_a_multi_trial_evaluator_that_reports_every_epoch(tmp_path):
    training = nas.Classification(_xor(256, 0), _xor(128, 1), epochs=3, batch_size=64,
                                  learning_rate=0.01)
    result = nas.search(_space(), training, strategy="random", max_trials=3, seed=0,
                        storage=tmp_path, progress=False)
    assert all(t.state.value == "succeeded" for t in result.trials)
    for trial in result.trials:
        assert trial.n_intermediate == 3
        assert trial.value == trial.latest  # the last epoch's accuracy is the result
    assert 0 <= result.best_value <= 1


@pytest.mark.parametrize("kwargs, match", [
    ({"train_data": (torch.zeros(3, 2), torch.zeros(2))}, "`train_data` has 3 inputs but 2"),
    ({"train_data": (torch.zeros(0, 2), torch.zeros(0))}, "`train_data` is empty"),
    ({"val_data": (torch.zeros(3, 2),)}, r"`val_data` as a tuple must be \(inputs, labels\)"),
    ({"val_data": iter([(torch.zeros(1, 2), torch.zeros(1))])}, "one-pass iterator"),
    ({"test_data": torch.zeros(3, 2)}, "`test_data` must be an \\(inputs, labels\\) pair"),
    ({"epochs": 0}, "`epochs` of Classification must be a whole number >= 1"),
    ({"batch_size": 2.5}, "`batch_size` of Classification"),
    ({"optimizer": "lbfgs"}, "`optimizer` must be one of"),
    ({"schedule": "step"}, "`schedule` must be one of"),
    ({"learning_rate": -1}, "`learning_rate` must be a number > 0"),
    ({"loss": "mse"}, "`loss` must be a function"),
])
def test_bad_training_setups_name_the_argument(kwargs, match):
    arguments = {"train_data": _xor(8, 0), "val_data": _xor(8, 1), **kwargs}
    with pytest.raises(ConfigError, match=match):
        nas.Classification(**arguments)


def test_a_source_that_yields_something_else_than_pairs_is_named():
    training = nas.Classification([torch.zeros(4, 2)], _xor(8, 1))
    with pytest.raises(ConfigError, match=r"must yield \(inputs, labels\) pairs.*Tensor"):
        training.fit(_space().freeze({"hidden": 4, "act": "id"}))
