"""ReportCallback: a Keras fit inside an NNI-style trial reports every epoch and the result."""

from __future__ import annotations

import pytest
from keras_helpers import keras, make_data

from hyperscout import Experiment, TrialState
from hyperscout.keras import ReportCallback


def _trial(params):
    x, y = make_data()
    model = keras.Sequential([keras.Input(shape=(6,)),
                              keras.layers.Dense(params["units"], activation="relu"),
                              keras.layers.Dense(2)])
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(
        from_logits=True), metrics=["accuracy"])
    model.fit(x, y, epochs=3, validation_split=0.25, verbose=0,
              callbacks=[ReportCallback("val_accuracy")])


@pytest.mark.parametrize("executor", ["in_process", "local"])
def test_each_epoch_is_an_intermediate_result_and_the_last_is_final(tmp_path, executor):
    exp = Experiment(_trial, {"units": {"_type": "choice", "_value": [4, 8]}}, tuner="grid",
                     storage=tmp_path, progress=False, executor=executor).run()
    for trial in exp.trials():
        assert trial.state is TrialState.SUCCEEDED
        points = exp.store.intermediates(exp.id, trial.number)
        assert [p.step for p in points] == [1, 2, 3]
        assert {"val_accuracy", "val_loss", "loss", "accuracy"} <= set(points[-1].metrics)
        assert trial.value == points[-1].value == points[-1].metrics["val_accuracy"]


def test_a_missing_objective_is_named_with_the_logged_metrics():
    callback = ReportCallback("val_accuracy")
    with pytest.raises(KeyError, match=r"'val_accuracy'.*\['accuracy', 'loss'\].*validation_split"):
        callback.on_epoch_end(0, {"loss": 0.5, "accuracy": 0.8})


def test_final_best_reports_the_best_epoch_and_none_reports_nothing(monkeypatch):
    reported = []
    monkeypatch.setattr("hyperscout.trial.report_intermediate_result",
                        lambda m, step=None: None)
    monkeypatch.setattr("hyperscout.trial.report_final_result", reported.append)
    best = ReportCallback("val_loss", final="best")
    for epoch, loss in enumerate([0.9, 0.4, 0.6]):
        best.on_epoch_end(epoch, {"val_loss": loss})
    best.on_train_end()
    assert reported[-1]["default"] == 0.4
    silent = ReportCallback("val_loss", final=None)
    silent.on_epoch_end(0, {"val_loss": 0.3})
    silent.on_train_end()
    assert len(reported) == 1
    with pytest.raises(ValueError, match="`final` must be"):
        ReportCallback("val_loss", final="first")
