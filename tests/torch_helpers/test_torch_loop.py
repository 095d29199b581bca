"""hyperscout.torch: a plain PyTorch loop trains to its budget, continues a promoted
configuration's checkpoint, and runs unchanged standalone."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

import hyperscout  # noqa: E402
import hyperscout.torch as hs_torch  # noqa: E402
from hyperscout import Experiment, TrialState  # noqa: E402


def _loop(params):
    """Fits y = 3x with one weight; the weight and the epochs trained live in the checkpoint."""
    weight = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([weight], lr=params["lr"])
    state = hs_torch.load_checkpoint()
    trained = []
    if state is not None:
        weight.data.copy_(state["weight"])
        optimizer.load_state_dict(state["optimizer"])
        trained = state["trained"]
    x = torch.linspace(-1, 1, 32)
    for epoch in hs_torch.epochs(default=4):
        optimizer.zero_grad()
        loss = ((weight * x - 3 * x) ** 2).mean()
        loss.backward()
        optimizer.step()
        trained.append(epoch)
        hyperscout.report_intermediate_result(-float(loss), step=epoch)
        hs_torch.save_checkpoint({"weight": weight.detach().clone(), "trained": trained,
                                  "optimizer": optimizer.state_dict()})
    return {"default": -float(((weight * x - 3 * x) ** 2).mean()), "epochs": float(len(trained))}


SPACE = {"lr": {"_type": "uniform", "_value": [0.1, 0.5]}}


def test_without_a_scheduler_a_trial_runs_the_default_epochs(tmp_path):
    exp = Experiment(_loop, SPACE, tuner="random", max_trials=2, seed=0, storage=tmp_path,
                     progress=False).run()
    for trial in exp.trials():
        assert trial.state is TrialState.SUCCEEDED and trial.metrics["epochs"] == 4
        assert (tmp_path / trial.directory / "checkpoint" / "checkpoint.pt").exists()


def test_promoted_trials_continue_the_epochs_and_state_of_their_parent(tmp_path):
    exp = Experiment(_loop, SPACE, tuner="random", scheduler="hyperband",
                     scheduler_args={"max_epochs": 4, "factor": 2}, seed=0, storage=tmp_path,
                     progress=False).run()
    trials = exp.trials()
    assert trials and all(t.state is TrialState.SUCCEEDED for t in trials)
    for trial in trials:
        points = exp.store.intermediates(exp.id, trial.number)
        previous = (trial.schedule or {}).get("previous_budget") or 0
        # each trial trains only the epochs after its parent's, and has them all in its state
        assert [p.step for p in points] == list(range(int(previous) + 1,
                                                      int(trial.params["TRIAL_BUDGET"]) + 1))
        assert trial.metrics["epochs"] == trial.params["TRIAL_BUDGET"]


def test_standalone_the_loop_runs_the_default_epochs_and_saves_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HYPERSCOUT_TRIAL_DIR", raising=False)
    result = _loop({"lr": 0.3})
    assert result["epochs"] == 4
    assert hs_torch.save_checkpoint({"x": 1}) is None and hs_torch.load_checkpoint() is None
    assert list(tmp_path.iterdir()) == []


def test_epochs_needs_a_whole_default():
    with pytest.raises(ValueError, match="`default` must be a whole number"):
        list(hs_torch.epochs(default=0))
