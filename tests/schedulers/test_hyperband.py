"""Hyperband: the paper's brackets exactly, synchronous promotions, checkpoint parents,
exhaustion, restore."""

from __future__ import annotations

import math

import pytest
from drive import drive

from hyperscout import tuners
from hyperscout.errors import ConfigError
from hyperscout.schedulers import (
    BUDGET_KEY,
    Hyperband,
    JobOutcome,
    create_scheduler,
    hyperband_brackets,
    keras_tuner_brackets,
)

SPACE = {"x": {"_type": "uniform", "_value": [0, 1]}}


def _paper(R: int, eta: int):
    """Li et al. 2018, Algorithm 1, written out independently of the implementation."""
    s_max = 0
    while eta ** (s_max + 1) <= R:
        s_max += 1
    B = (s_max + 1) * R
    out = []
    for s in range(s_max, -1, -1):
        n = math.ceil(B / R * eta**s / (s + 1))
        r = R * eta ** (-s)
        out.append((s, [math.floor(n * eta ** (-i)) for i in range(s + 1)],
                    [r * eta**i for i in range(s + 1)]))
    return out


@pytest.mark.parametrize("R,eta", [(81, 3), (27, 3), (9, 3), (10, 3), (100, 3), (16, 2),
                                   (64, 4), (1, 3), (2, 2), (243, 3), (1000, 10)])
def test_brackets_match_the_paper(R, eta):
    ours = hyperband_brackets(R, eta)
    paper = _paper(R, eta)
    assert [(s, n) for s, n, _ in ours] == [(s, n) for s, n, _ in paper]
    for (_, _, r1), (_, _, r2) in zip(ours, paper):
        assert r1 == pytest.approx(r2)


def test_the_papers_table_for_R_81_eta_3():
    sizes = [n for _, n, _ in hyperband_brackets(81, 3)]
    assert sizes == [[81, 27, 9, 3, 1], [34, 11, 3, 1], [15, 5, 1], [8, 2], [5]]


def _keras_tuner(R: int, eta: int):
    """Keras Tuner 1.4's documented sizing, written out: a bracket's last round holds
    ceil(1 + log_eta R) / (s + 1) models, each round before it eta times more (rounded up),
    for ceil(R / eta^(s - round)) epochs."""
    s_max = 0
    while eta ** (s_max + 1) <= R:
        s_max += 1
    end = 1
    while eta ** (end - 1) < R:
        end += 1  # ceil(1 + log_eta R) without floating point
    return [(s, [math.ceil(end / (s + 1) * eta ** (s - i)) for i in range(s + 1)],
             [math.ceil(R / eta ** (s - i)) for i in range(s + 1)])
            for s in range(s_max, -1, -1)]


@pytest.mark.parametrize("R,eta", [(10, 3), (9, 3), (27, 3), (100, 3), (16, 2), (50, 4),
                                   (1000, 10), (2, 2), (1, 3)])
def test_keras_tuner_brackets_round_up_as_keras_tuner_does(R, eta):
    ours = [(s, n, [math.ceil(b - 1e-9) for b in r]) for s, n, r in keras_tuner_brackets(R, eta)]
    assert ours == _keras_tuner(R, eta)


def test_keras_tuner_sizing_spends_more_when_R_is_not_a_power_of_eta():
    tuner = tuners.create("random", SPACE, direction="minimize", seed=0)
    paper = create_scheduler("hyperband", tuner, max_epochs=10, factor=3).plan()
    kt = create_scheduler("hyperband", tuner, max_epochs=10, factor=3,
                          brackets="keras_tuner").plan()
    assert (paper.trials, paper.resource) == (22, 74)
    assert (kt.trials, kt.resource) == (30, 120)
    assert [r.budget for r in kt.brackets[0].rungs] == [2, 4, 10]


def test_a_keras_tuner_plan_runs_to_the_end_with_its_own_sizes():
    tuner = tuners.create("random", SPACE, direction="minimize", seed=0)
    hb = create_scheduler("hyperband", tuner, max_epochs=10, factor=3, brackets="keras_tuner")
    log = drive(hb, lambda j: j.params["x"])
    assert hb.finished and len(log) == 30
    top = [j for j in log if j.bracket == 0 and j.rung == 2]
    assert len(top) == 2 and all(j.budget == 10 and j.previous_budget == 4 for j in top)


def test_an_unknown_bracket_sizing_is_refused_with_the_choices():
    tuner = tuners.create("random", SPACE, direction="minimize", seed=0)
    with pytest.raises(ConfigError, match="`brackets` must be one of 'paper', 'keras_tuner'"):
        create_scheduler("hyperband", tuner, max_epochs=10, brackets="kt")


def test_synchronous_successive_halving_promotes_the_best_of_each_rung():
    tuner = tuners.create("random", SPACE, direction="minimize", seed=0)
    hb = create_scheduler("hyperband", tuner, max_epochs=9, factor=3)
    log = drive(hb, lambda j: j.params["x"])
    assert hb.finished
    assert len(log) == hb.plan().trials == 9 + 3 + 1 + 5 + 1 + 3
    bracket0 = [j for j in log if j.bracket == 0]
    rung0 = sorted((j for j in bracket0 if j.rung == 0), key=lambda j: j.params["x"])
    rung1 = [j for j in bracket0 if j.rung == 1]
    assert {j.parent for j in rung1} == {j.id for j in rung0[:3]}
    assert all(j.budget == 3 and j.previous_budget == 1 for j in rung1)
    assert all(j.trial_params()[BUDGET_KEY] == 3 for j in rung1)
    (top,) = [j for j in bracket0 if j.rung == 2]
    best1 = min(rung1, key=lambda j: j.params["x"])
    assert top.parent == best1.id and top.config == best1.config and top.budget == 9


def test_a_rung_waits_for_all_its_jobs_then_the_next_bracket_fills_free_workers():
    tuner = tuners.create("random", SPACE, direction="maximize", seed=1)
    hb = Hyperband(tuner, max_budget=9, eta=3)
    first = [hb.ask() for _ in range(9)]
    assert all(j.bracket == 0 and j.rung == 0 for j in first)
    extra = hb.ask()  # bracket 0 waits at its barrier: bracket 1 starts early
    assert extra.bracket == 1 and extra.rung == 0
    for j in first[:8]:
        hb.tell(j.id, j.params["x"], "succeeded")
    nxt = hb.ask()
    assert nxt.bracket == 1  # still waiting for the ninth
    hb.tell(first[8].id, first[8].params["x"], "succeeded")
    promoted = hb.ask()
    assert promoted.bracket == 0 and promoted.rung == 1


def test_failed_jobs_are_never_promoted():
    tuner = tuners.create("random", SPACE, direction="maximize", seed=2)
    hb = Hyperband(tuner, max_budget=3, eta=3)
    jobs = [hb.ask() for _ in range(3)]
    # the best x fails, the others succeed
    best = max(jobs, key=lambda j: j.params["x"])
    for j in jobs:
        hb.tell(j.id, None if j is best else j.params["x"], "failed" if j is best else "succeeded")
    promoted = hb.ask()
    assert promoted.rung == 1 and promoted.parent != best.id


def test_the_tuner_hears_each_configuration_once_at_its_first_result():
    tuner = tuners.create("random", SPACE, direction="minimize", seed=3)
    hb = Hyperband(tuner, max_budget=9, eta=3)
    drive(hb, lambda j: j.params["x"] / j.budget)
    configs = {j.config for j in hb.jobs.values()}
    assert len(tuner.trials) == len(configs)
    assert all(t.value is not None for t in tuner.trials)


def test_an_exhausted_space_ends_the_run_with_the_configurations_it_has():
    space = {"x": {"_type": "choice", "_value": [1, 2, 3, 4]}}
    tuner = tuners.create("random", space, direction="maximize", seed=0)
    hb = Hyperband(tuner, max_budget=9, eta=3)
    log = drive(hb, lambda j: j.params["x"])
    assert hb.finished
    rung0 = [j for j in log if j.rung == 0]
    assert len({j.config for j in rung0}) == 4
    assert max(log, key=lambda j: j.budget).params["x"] == 4


@pytest.mark.parametrize("concurrency", [1, 4])
def test_a_bracket_cut_short_by_exhaustion_still_promotes_to_its_top_rung(concurrency):
    space = {"x": {"_type": "choice", "_value": list(range(24))}}
    tuner = tuners.create("random", space, direction="maximize", seed=0)
    hb = Hyperband(tuner, max_budget=10, eta=3, iterations=20)
    log = drive(hb, lambda j: j.params["x"], concurrency=concurrency)
    assert hb.finished and len({j.config for j in log}) == 24
    started = {j.bracket for j in log}
    topped = {j.bracket for j in log if j.budget == 10}
    assert started == topped  # every bracket that began ran its best to the full budget
    assert any(j.params["x"] == 23 and j.budget == 10 for j in log)


def test_restore_continues_exactly_where_the_run_stopped():
    def build():
        tuner = tuners.create("random", SPACE, direction="minimize", seed=5)
        return Hyperband(tuner, max_budget=9, eta=3)

    whole = build()
    reference = drive(whole, lambda j: j.params["x"], concurrency=3)

    partial = build()
    running, outcomes = [], []
    for _ in range(14):  # stop part-way, with 3 jobs in flight
        while len(running) < 3 and (job := partial.ask()) is not None:
            running.append(job)
        job = running.pop(0)
        partial.tell(job.id, job.params["x"], "succeeded")
        outcomes.append(JobOutcome(job, {"default": job.params["x"]}, "succeeded"))
    outcomes += [JobOutcome(job) for job in running]  # in flight: they run again

    resumed = build()
    resumed.restore(outcomes)
    for job in running:
        resumed.tell(job.id, job.params["x"], "succeeded")
    rest = drive(resumed, lambda j: j.params["x"], concurrency=3)
    assert resumed.finished
    assert len(outcomes) + len(rest) == len(reference)
    done = {(j.bracket, j.rung, j.config) for j in reference}
    assert {(o.job.bracket, o.job.rung, o.job.config) for o in outcomes} | {
        (j.bracket, j.rung, j.config) for j in rest} == done


def test_iterations_repeat_the_brackets():
    tuner = tuners.create("random", SPACE, seed=0)
    plan = create_scheduler("hyperband", tuner, R=9, eta=3, hyperband_iterations=2).plan()
    assert len(plan.brackets) == 6 and plan.trials == 2 * (13 + 6 + 3)


def test_budgets_round_to_whole_epochs():
    tuner = tuners.create("random", SPACE, seed=0)
    plan = Hyperband(tuner, max_budget=10, eta=3).plan()
    assert [r.budget for r in plan.brackets[0].rungs] == [1, 3, 10]
    real = Hyperband(tuner, max_budget=10.0, eta=3, integer_budget=False).plan()
    assert real.brackets[0].rungs[0].budget == pytest.approx(10 / 9)


def test_plan_render_names_the_totals_and_the_max_trials_cut():
    tuner = tuners.create("random", SPACE, seed=0)
    text = Hyperband(tuner, max_budget=81, eta=3).plan().render(max_trials=50)
    assert "206 trials" in text and "1581" in text and "max_trials=50 cuts it" in text


@pytest.mark.parametrize("options,fragment", [
    ({}, "max_budget"),
    ({"max_budget": 0}, "max_budget"),
    ({"max_budget": 9, "eta": 1}, "eta"),
    ({"max_budget": 9, "min_budget": 10}, "min_budget"),
    ({"max_budget": 9, "iterations": 0}, "iterations"),
    ({"max_epochs": 9, "R": 9}, "both set"),
    ({"max_budget": 9, "colour": 1}, "colour"),
    ({"max_epoch": 9}, r"no option `max_epoch` \(did you mean `max_epochs`\?\)"),
])
def test_bad_options_name_the_option(options, fragment):
    tuner = tuners.create("random", SPACE, seed=0)
    with pytest.raises(ConfigError, match=fragment):
        create_scheduler("hyperband", tuner, **options)


def test_unknown_and_future_schedulers_are_named():
    tuner = tuners.create("random", SPACE, seed=0)
    with pytest.raises(ConfigError, match="available: fifo, hyperband, asha, bohb, pbt"):
        create_scheduler("halving-ish", tuner)
    with pytest.raises(ConfigError, match="scheduler pbt needs `max_budget` and `interval`"):
        create_scheduler("pbt", tuner)
