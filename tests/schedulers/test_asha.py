"""ASHA: rung budgets, promotion of the top 1/eta without a barrier, restore."""

from __future__ import annotations

from drive import drive

from hyperscout import tuners
from hyperscout.schedulers import ASHA, JobOutcome, create_scheduler

SPACE = {"x": {"_type": "uniform", "_value": [0, 1]}}


def _asha(seed=0, **options):
    tuner = tuners.create("random", SPACE, direction="maximize", seed=seed)
    return ASHA(tuner, **{"max_budget": 27, "min_budget": 1, "eta": 3, **options})


def test_rung_budgets_grow_by_eta_and_end_at_max_budget():
    assert _asha().budgets == [1, 3, 9, 27]
    assert _asha(max_budget=10).budgets == [1, 3, 10]
    assert _asha(max_budget=100, min_budget=2, eta=4).budgets == [2, 8, 32, 100]


def test_ray_tune_option_names_work():
    tuner = tuners.create("random", SPACE, seed=0)
    asha = create_scheduler("ASHA", tuner, max_t=27, grace_period=3, reduction_factor=3)
    assert asha.budgets == [3, 9, 27]


def test_no_promotion_until_a_rung_holds_eta_results():
    asha = _asha()
    a, b = asha.ask(), asha.ask()
    asha.tell(a.id, 0.9, "succeeded")
    asha.tell(b.id, 0.1, "succeeded")
    c = asha.ask()
    assert c.rung == 0  # two results: the top 1/3 of 2 is empty
    asha.tell(c.id, 0.5, "succeeded")
    d = asha.ask()
    assert d.rung == 1 and d.parent == a.id and d.budget == 3 and d.previous_budget == 1
    e = asha.ask()
    assert e.rung == 0  # a is promoted already; nothing else is in the top third


def test_promotions_come_from_the_highest_rung_first():
    asha = _asha()
    jobs = [asha.ask() for _ in range(9)]
    for j in jobs:
        asha.tell(j.id, j.params["x"], "succeeded")
    up = [asha.ask() for _ in range(3)]
    assert [u.rung for u in up] == [1, 1, 1]
    best3 = sorted(jobs, key=lambda j: -j.params["x"])[:3]
    assert [u.parent for u in up] == [j.id for j in best3]
    for u in up:
        asha.tell(u.id, u.params["x"], "succeeded")
    top = asha.ask()
    assert top.rung == 2 and top.config == best3[0].config


def test_a_worker_is_never_kept_waiting():
    asha = _asha()
    jobs = [asha.ask() for _ in range(50)]  # nothing has finished: new configs keep coming
    assert all(j is not None and j.rung == 0 for j in jobs)


def test_failed_jobs_rank_last_and_are_not_promoted():
    asha = _asha(eta=2)
    a, b = asha.ask(), asha.ask()
    asha.tell(a.id, None, "failed")
    asha.tell(b.id, 0.1, "succeeded")
    c = asha.ask()
    assert c.rung == 1 and c.parent == b.id


def test_restore_keeps_rungs_and_promotions():
    asha = _asha(seed=4)
    outcomes = []
    for _ in range(12):
        job = asha.ask()
        asha.tell(job.id, job.params["x"], "succeeded")
        outcomes.append(JobOutcome(job, {"default": job.params["x"]}, "succeeded"))
    resumed = _asha(seed=4)
    resumed.restore(outcomes)
    for _ in range(10):
        a, b = asha.ask(), resumed.ask()
        assert (a.rung, a.parent, a.config, a.params) == (b.rung, b.parent, b.config, b.params)
        asha.tell(a.id, a.params["x"], "succeeded")
        resumed.tell(b.id, b.params["x"], "succeeded")


def test_an_exhausted_space_finishes_once_nothing_can_be_promoted():
    tuner = tuners.create("random", {"x": {"_type": "choice", "_value": [1, 2, 3]}},
                          direction="maximize", seed=0)
    asha = ASHA(tuner, max_budget=9, eta=3)
    seen = drive(asha, lambda j: j.params["x"])
    assert asha.finished
    assert max(seen, key=lambda j: j.budget).params["x"] == 3
