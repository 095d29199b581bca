"""Fifo: one job per configuration; the tuner sees every result; adopted trials."""

from __future__ import annotations

from hyperscout import tuners
from hyperscout.schedulers import JobOutcome, create_scheduler

SPACE = {"x": {"_type": "choice", "_value": [1, 2, 3]}}


def test_each_configuration_runs_once_without_a_budget():
    tuner = tuners.create("random", SPACE, seed=0)
    fifo = create_scheduler(None, tuner)
    seen = []
    while (job := fifo.ask()) is not None:
        assert job.budget is None and job.trial_params() == job.params
        seen.append(job.params["x"])
        fifo.tell(job.id, job.params["x"], "succeeded")
    assert sorted(seen) == [1, 2, 3]
    assert fifo.finished and "all of them were tried" in fifo.message
    assert tuner.best.params["x"] == 3


def test_restore_replays_the_tuner_and_keeps_running_jobs_pending():
    tuner = tuners.create("random", SPACE, seed=0)
    fifo = create_scheduler("fifo", tuner)
    a, b = fifo.ask(), fifo.ask()
    fifo.tell(a.id, 1.0, "succeeded")
    fresh = tuners.create("random", SPACE, seed=0)
    resumed = create_scheduler("fifo", fresh)
    resumed.restore([JobOutcome(a, {"default": 1.0}, "succeeded"), JobOutcome(b)])
    assert len(fresh.trials) == 2 and fresh.trials[1].value is None
    resumed.tell(b.id, 2.0, "succeeded")
    assert fresh.trials[1].value == 2.0
    c = resumed.ask()
    assert c.id == 2 and c.params["x"] not in (a.params["x"], b.params["x"])


def test_an_adopted_trial_joins_the_history():
    tuner = tuners.create("random", SPACE, seed=0)
    fifo = create_scheduler("fifo", tuner)
    job = fifo.adopt({"x": 2})
    fifo.tell(job.id, 5.0, "succeeded")
    assert tuner.trials[0].params == {"x": 2} and tuner.trials[0].value == 5.0
    assert fifo.ask().params["x"] != 2
