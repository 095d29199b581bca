"""auto: the documented rule picks the algorithm, and switching keeps one history."""

from __future__ import annotations

from hyperscout.tuners import AutoTuner, create

SMALL = {f"x{i}": {"_type": "uniform", "_value": [0, 1]} for i in range(3)}
WIDE_NUMERIC = {f"x{i}": {"_type": "uniform", "_value": [0, 1]} for i in range(25)}
WIDE_DISCRETE = {**{f"c{i}": {"_type": "choice", "_value": [1, 2, 3]} for i in range(20)},
                 **{f"x{i}": {"_type": "uniform", "_value": [0, 1]} for i in range(5)}}


def test_small_spaces_start_with_gp_and_hand_over_to_tpe():
    tuner = AutoTuner(SMALL, seed=0, gp_max_results=12, direction="minimize")
    seen = []
    for _ in range(16):
        seen.append(tuner.algorithm)
        s = tuner.ask()
        tuner.tell(s.id, sum(s.params.values()))
    assert seen[:12] == ["gp"] * 12 and seen[12:] == ["tpe"] * 4
    assert len(tuner.trials) == 16  # one history, whichever algorithm asked


def test_wide_spaces_use_tpe_or_evolution_by_their_kind():
    assert AutoTuner(WIDE_NUMERIC).algorithm == "tpe"
    assert AutoTuner(WIDE_DISCRETE).algorithm == "evolution"


def test_auto_is_a_registered_name():
    assert isinstance(create("auto", SMALL), AutoTuner)
