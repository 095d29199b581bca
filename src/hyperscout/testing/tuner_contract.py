"""The contract every tuner must pass, as plain check functions usable from any test runner.

Each check takes ``make_tuner(space, seed) -> Tuner`` and a `SearchSpace`, and raises
`AssertionError` when the tuner breaks the contract. `checks_for(space)` lists the checks
that apply to a space (some need a small finite one); `check_tuner` runs them all. A new
tuner's tests parametrise over `checks_for(space)`, as tests/tuners/test_contract.py does:

    >>> from hyperscout.tuners import RandomTuner
    >>> from hyperscout.space import as_space
    >>> space = as_space({"k": {"_type": "choice", "_value": [1, 2, 3]}})
    >>> check_tuner(lambda space, seed: RandomTuner(space, seed=seed), space)

Trials are told a deterministic pseudo-objective of their config, with a fixed pattern of
failed, early-stopped and still-running trials, so tuners that learn are exercised too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from ..errors import SearchSpaceExhausted
from ..space import SearchSpace
from ..tuners import Suggestion, Tuner

TunerMaker = Callable[[SearchSpace, int], Tuner]
Check = Callable[[TunerMaker, SearchSpace], None]
MAX_EXHAUST_SIZE = 500
"""Finite spaces up to this size get the no-duplicates and exhaustion checks."""


def check_tuner(make_tuner: TunerMaker, space: SearchSpace) -> None:
    """Run every check that applies to `space`."""
    for check in checks_for(space):
        check(make_tuner, space)


def checks_for(space: SearchSpace) -> list[Check]:
    """The checks that apply to `space`: the exhaustion checks when it is finite and small,
    the spread of concurrent asks when it is infinite."""
    checks: list[Check] = list(CHECKS)
    if space.is_finite and space.size <= MAX_EXHAUST_SIZE:
        checks += FINITE_CHECKS
    if not space.is_finite:
        checks += INFINITE_CHECKS
    return checks


def check_stays_in_bounds(make_tuner: TunerMaker, space: SearchSpace) -> None:
    """Every suggested config validates, and its params are the space's params of it."""
    tuner = make_tuner(space, 0)
    for s in _run(tuner, _n_asks(space)):
        space.validate(s.config)
        assert s.params == space.to_params(s.config), f"params of trial {s.id} differ"
        assert space.key(space.from_params(s.params)) == space.key(s.config)


def check_respects_conditions(make_tuner: TunerMaker, space: SearchSpace) -> None:
    """A config holds exactly the active parameters: no inactive one, none missing."""
    tuner = make_tuner(space, 1)
    for s in _run(tuner, _n_asks(space)):
        active = {name for name in space.names if space.is_active(name, s.config)}
        assert set(s.config) == active, f"trial {s.id}: keys {sorted(s.config)} != {sorted(active)}"


def check_deterministic(make_tuner: TunerMaker, space: SearchSpace) -> None:
    """Two tuners with the same seed and the same results make the same suggestions."""
    n = _n_asks(space)
    first = [space.key(s.config) for s in _run(make_tuner(space, 7), n)]
    second = [space.key(s.config) for s in _run(make_tuner(space, 7), n)]
    assert first == second, "same seed and history, different suggestions"


def check_replay_continues(make_tuner: TunerMaker, space: SearchSpace) -> None:
    """A tuner rebuilt by `observe`-ing another's history suggests what the original would."""
    n_before = _n_asks(space) // 2
    n_after = _n_asks(space) - n_before
    original = make_tuner(space, 3)
    _run(original, n_before)
    rebuilt = make_tuner(space, 3)
    for trial in original.trials:
        value = trial.metrics if trial.metrics is not None else trial.value
        assert rebuilt.observe(trial.params, value, state=trial.state) == trial.id
    assert [t.state for t in rebuilt.trials] == [t.state for t in original.trials]
    after = [
        [space.key(s.config) for s in _run(t, n_after, start=n_before)] for t in (original, rebuilt)
    ]
    assert after[0] == after[1], "the replayed tuner diverged from the original"


def check_dict_metric(make_tuner: TunerMaker, space: SearchSpace) -> None:
    """A dict metric is recorded: its 'default' is the value, the dict the metrics."""
    tuner = make_tuner(space, 4)
    s = tuner.ask()
    tuner.tell(s.id, {"default": 0.25, "loss": 1.5})
    trial = tuner.trials[s.id]
    assert trial.value == 0.25 and trial.metrics == {"default": 0.25, "loss": 1.5}
    assert tuner.best == trial


def check_failed_trials_accepted(make_tuner: TunerMaker, space: SearchSpace) -> None:
    """Failed trials are recorded without a value and the tuner keeps suggesting."""
    tuner = make_tuner(space, 5)
    n = min(3, _n_asks(space))
    for _ in range(n):
        s = tuner.ask()
        tuner.tell(s.id, None, state="failed")
    assert [str(t.state) for t in tuner.trials] == ["failed"] * n
    assert all(t.value is None for t in tuner.trials) and tuner.best is None
    if not space.is_finite or space.size > n:
        space.validate(tuner.ask().config)


def check_all_equal_results(make_tuner: TunerMaker, space: SearchSpace) -> None:
    """Identical results for every trial (a constant objective) break no model: the tuner
    keeps suggesting valid configs."""
    tuner = make_tuner(space, 9)
    for _ in range(_n_asks(space)):
        s = tuner.ask()
        space.validate(s.config)
        tuner.tell(s.id, 0.5)


def check_concurrent_asks_spread(make_tuner: TunerMaker, space: SearchSpace) -> None:
    """(infinite space) After a history of results, eight asks with none of them told yet
    (eight workers) give eight configs that do not collapse onto one point: their median
    pairwise distance in the unit encoding is over 0.1% of the box."""
    import numpy as np

    from ..space import UnitEncoding

    tuner = make_tuner(space, 10)
    _run(tuner, 20)
    pending = [tuner.ask().config for _ in range(8)]
    encoding = UnitEncoding(space, choices="index")
    x = encoding.encode_many(pending)
    distances = [np.abs(x[i] - x[j]).max() for i in range(8) for j in range(i)]
    assert float(np.median(distances)) > 1e-3, (
        f"8 concurrent asks collapse onto one point (median distance "
        f"{np.median(distances):.2g} of the box)")


def check_no_duplicates(make_tuner: TunerMaker, space: SearchSpace) -> None:
    """(finite space) No config is suggested twice, whether its trial finished or runs."""
    keys = [space.key(s.config) for s in _run(make_tuner(space, 6), int(space.size))]
    assert len(set(keys)) == len(keys), "a config was suggested twice"


def check_exhausts_cleanly(make_tuner: TunerMaker, space: SearchSpace) -> None:
    """(finite space) After `size` asks, `ask` raises SearchSpaceExhausted, every time."""
    tuner = make_tuner(space, 8)
    _run(tuner, int(space.size))
    for _ in range(2):
        try:
            tuner.ask()
        except SearchSpaceExhausted as exc:
            assert "tried or are running" in str(exc), f"unclear message: {exc}"
        else:
            raise AssertionError(f"ask() after all {space.size} configs did not raise")
    assert len(tuner.trials) == space.size


CHECKS: tuple[Check, ...] = (
    check_stays_in_bounds,
    check_respects_conditions,
    check_deterministic,
    check_replay_continues,
    check_dict_metric,
    check_failed_trials_accepted,
    check_all_equal_results,
)
INFINITE_CHECKS: tuple[Check, ...] = (check_concurrent_asks_spread,)
FINITE_CHECKS: tuple[Check, ...] = (check_no_duplicates, check_exhausts_cleanly)


def _n_asks(space: SearchSpace) -> int:
    return int(min(30, space.size))


def _run(tuner: Tuner, n: int, *, start: int = 0) -> list[Suggestion]:
    """Ask `n` times, answering trial ``i`` (counted from `start`) by a fixed pattern."""
    suggestions = []
    for i in range(start, start + n):
        s = tuner.ask()
        suggestions.append(s)
        if i % 7 == 6:
            continue  # left running
        if i % 5 == 3:
            tuner.tell(s.id, None, state="failed")
        elif i % 5 == 4:
            tuner.tell(s.id, None, state="early_stopped")
        else:
            value = _objective(tuner.space, s.config)
            tuner.tell(s.id, {"default": value, "aux": -value} if i % 2 else value)
    return suggestions


def _objective(space: SearchSpace, config: dict[str, Any]) -> float:
    digest = hashlib.sha256(space.key(config).encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32
