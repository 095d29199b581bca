"""hyperscout.lightning: a Lightning Trainer in a trial reports every validation epoch and
continues a promoted configuration's checkpoint."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pl = pytest.importorskip("pytorch_lightning", reason="PyTorch Lightning is not installed")

import hyperscout  # noqa: E402
from hyperscout import Experiment, TrialState  # noqa: E402
from hyperscout.lightning import ReportCallback, resume_checkpoint  # noqa: E402


class Line(pl.LightningModule):
    """Fits y = 2x with one weight."""

    def __init__(self, lr):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(1))
        self.lr = lr

    def _loss(self, batch):
        x, y = batch
        return ((self.weight * x - y) ** 2).mean()

    def training_step(self, batch, _):
        return self._loss(batch)

    def validation_step(self, batch, _):
        self.log("val_score", -self._loss(batch))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.lr)


def _loader():
    x = torch.linspace(-1, 1, 16).unsqueeze(1)
    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, 2 * x), batch_size=8)


def _trial(params):
    trainer = pl.Trainer(max_epochs=int(hyperscout.get_budget(3)), logger=False,
                         enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False,
                         callbacks=[ReportCallback("val_score")])
    trainer.fit(Line(params["lr"]), _loader(), _loader(), ckpt_path=resume_checkpoint())


SPACE = {"lr": {"_type": "uniform", "_value": [0.05, 0.5]}}


def test_each_validation_epoch_is_reported_and_the_last_is_the_result(tmp_path):
    exp = Experiment(_trial, SPACE, tuner="random", max_trials=2, seed=0, storage=tmp_path,
                     progress=False).run()
    for trial in exp.trials():
        assert trial.state is TrialState.SUCCEEDED
        points = exp.store.intermediates(exp.id, trial.number)
        assert [p.step for p in points] == [1, 2, 3]
        assert trial.value == points[-1].value


def test_promoted_trials_resume_the_trainer_from_their_parents_checkpoint(tmp_path):
    exp = Experiment(_trial, SPACE, tuner="random", scheduler="hyperband",
                     scheduler_args={"max_epochs": 4, "factor": 2}, seed=0,
                     storage=tmp_path, progress=False).run()
    for trial in exp.trials():
        assert trial.state is TrialState.SUCCEEDED
        start = int((trial.schedule or {}).get("previous_budget") or 0)
        steps = [p.step for p in exp.store.intermediates(exp.id, trial.number)]
        assert steps == list(range(start + 1, int(trial.params["TRIAL_BUDGET"]) + 1))


def test_standalone_it_trains_and_reports_to_stderr(capsys, monkeypatch):
    monkeypatch.delenv("HYPERSCOUT_TRIAL_DIR", raising=False)
    _trial({"lr": 0.1})
    assert "final result" in capsys.readouterr().err


def test_a_missing_metric_is_named_with_what_was_logged():
    class Trainer:
        sanity_checking = False
        callback_metrics = {"loss": torch.tensor(0.5)}

    with pytest.raises(KeyError, match=r"'val_score' was not logged.*\['loss'\]"):
        ReportCallback("val_score").on_validation_epoch_end(Trainer(), None)
