"""The ask/tell contract every tuner follows, and the guarantees the base class gives them all.

`Tuner` owns what is common to every algorithm: trial ids, the history (`TunerTrial`
records), the seeding scheme, the no-duplicates guarantee and exhaustion. A subclass only
says how to draw one config (`_suggest`) and, if it learns, what to do with a finished trial
(`_on_tell`). Keeping that split narrow is what makes replay after a crash work: the whole
state of a tuner is its seed plus the history handed to `observe`.
"""

from __future__ import annotations

import abc
import copy
import dataclasses
import inspect
import math
import operator
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ConfigError, MetricError, SearchSpaceExhausted
from ..metrics import normalize_metric
from ..space import SearchSpace, as_space
from ..states import TrialState

if TYPE_CHECKING:
    from typing_extensions import Self

    from ..metrics import Metric

DIRECTIONS = ("maximize", "minimize")
MAX_REDRAWS = 100
"""How many times `ask` redraws a duplicate before it falls back to the grid (finite spaces)
or gives up (infinite ones). Duplicates are rare for any sensible tuner, so this bound only
matters near exhaustion or for a degenerate `_suggest`."""

_VALUE_STATES = (TrialState.SUCCEEDED, TrialState.EARLY_STOPPED)
_PENDING_STATES = (TrialState.WAITING, TrialState.RUNNING)


@dataclass(frozen=True)
class Suggestion:
    """What `Tuner.ask` hands out: run the trial with `params`, then `tell(id, ...)`.

    Attributes:
        id: The trial id, unique within this tuner (0, 1, 2, ...).
        params: What the trial sees (`space.to_params(config)`; NNI nested choices resolved).
        config: The flat config (active parameter name -> value) the tuner works on.
    """

    id: int
    params: dict[str, Any]
    config: dict[str, Any]


@dataclass(frozen=True)
class TunerTrial:
    """The frozen record of one trial, as the tuner knows it.

    Attributes:
        id: The trial id.
        config: The flat config.
        params: The user-facing params.
        value: The `default` metric; None unless the state is succeeded or early_stopped
            and a value was told.
        metrics: All named metrics (``{"default": value, ...}``), or None like `value`.
        state: Running (or waiting) until told, then a finished `TrialState`.
    """

    id: int
    config: dict[str, Any]
    params: dict[str, Any]
    value: float | None
    metrics: dict[str, float] | None
    state: TrialState


class Tuner(abc.ABC):
    """Base class of all tuners: suggests configs of a search space and learns from results.

    Args:
        space: A `SearchSpace`, or anything `hyperscout.space.as_space` accepts (an NNI
            search_space.json dict, hyperscout's own dict).
        direction: Whether larger ("maximize") or smaller ("minimize") values are better.
        seed: Makes the suggestions reproducible. When None, an entropy is drawn once here
            and exposed as `seed`, so the run can still be reproduced.

    Suggestion ``k`` (counting every id handed out by `ask` or taken by `observe`) draws from
    ``numpy.random.default_rng([seed, k])``. Two tuners with the same seed and the same
    history therefore suggest the same configs, and a tuner rebuilt by replaying a stored
    history through `observe` continues as the original would have.
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> Self:
        tuner = super().__new__(cls)
        # the options as given, so an experiment built with this instance can store them
        # and `resume` rebuild the same tuner (see `options`)
        tuner._given = {k: v for k, v in _by_name(cls, args, kwargs).items()
                        if k not in ("space", "direction", "seed")}
        return tuner

    @property
    def options(self) -> dict[str, Any]:
        """The keyword options this tuner was built with, beyond space, direction and seed:
        ``type(tuner)(space, direction=..., seed=..., **tuner.options)`` builds it again."""
        return dict(getattr(self, "_given", {}))

    def __init__(self, space: Any, *, direction: str = "maximize", seed: int | None = None):
        if direction not in DIRECTIONS:
            raise ConfigError(
                f"`direction` must be 'maximize' or 'minimize', but got {direction!r}."
            )
        self._space = space if isinstance(space, SearchSpace) else as_space(space)
        self._direction = direction
        self._seed = _check_seed(seed) if seed is not None else _fresh_entropy()
        self._trials: dict[int, TunerTrial] = {}
        self._visited: set[str] = set()  # space.key of every running or finished config

    @property
    def space(self) -> SearchSpace:
        """The search space the tuner suggests from."""
        return self._space

    @property
    def direction(self) -> str:
        """Whether larger ("maximize") or smaller ("minimize") values are better."""
        return self._direction

    @property
    def seed(self) -> int:
        """The seed in use (the drawn entropy when the tuner was built with seed=None)."""
        return self._seed

    @property
    def trials(self) -> tuple[TunerTrial, ...]:
        """Every trial asked for or observed, in id order."""
        return tuple(self._trials.values())

    @property
    def best(self) -> TunerTrial | None:
        """The finished trial with the best value (the earliest one on ties), or None."""
        scored = [t for t in self._trials.values() if t.value is not None]
        if not scored:
            return None
        sign = 1.0 if self._direction == "maximize" else -1.0
        return max(scored, key=lambda t: (sign * t.value, -t.id))  # type: ignore[operator]

    def ask(self) -> Suggestion:
        """Suggest a config no running or finished trial has, and record it as running.

        Raises:
            SearchSpaceExhausted: Every config of a finite space was tried or is running, or
                the tuner keeps suggesting duplicates in an infinite space.
        """
        trial_id = len(self._trials)
        config = self._draw_unvisited(np.random.default_rng([self._seed, trial_id]))
        trial = self._store(self._new_trial(trial_id, config))
        return Suggestion(trial.id, copy.deepcopy(trial.params), copy.deepcopy(trial.config))

    def tell(self, id: int, value: Metric | None, *, state: TrialState | str = "succeeded") -> None:
        """Record the result of running trial `id`.

        Args:
            id: The id of a running trial (from `ask`, or `observe` with state "running").
            value: A number or a dict with a "default" key. Required when the state is
                succeeded, optional when early_stopped, ignored for the other states.
            state: A finished `TrialState` or its string.

        Raises:
            LookupError: No trial has this id.
            ValueError: The trial was already told, or `state` is not a finished state.
            MetricError: The value is missing (succeeded) or not a finite number.
        """
        trial = self._trials.get(id)
        if trial is None:
            known = f"0..{len(self._trials) - 1}" if self._trials else "none yet"
            raise LookupError(
                f"no trial has id {id!r} (ids so far: {known}). "
                "Tell only ids returned by ask() or observe()."
            )
        if trial.state not in _PENDING_STATES:
            raise ValueError(
                f"trial {id} was already told (state {trial.state}); a result is told once."
            )
        finished = _finish(trial, value, _state(state, "tell"))
        self._trials[id] = finished
        self._on_tell(finished)

    def observe(
        self,
        params: Mapping[str, Any],
        value: Metric | None = None,
        *,
        state: TrialState | str = "succeeded",
    ) -> int:
        """Register a trial the tuner did not suggest (replay after resume, reruns, manual runs).

        With state "running" (or "waiting") the trial is pending and is finished later with
        `tell(id, ...)`; otherwise `value` follows the rules of `tell`.

        Returns:
            The id given to the trial (the next one, as `ask` would have used).
        """
        config = self._space.from_params(params)  # validates: raises SearchSpaceError
        trial_state = _state(state, "observe", pending_ok=True)
        trial = self._new_trial(len(self._trials), config)
        if trial_state in _PENDING_STATES:
            self._store(dataclasses.replace(trial, state=trial_state))
        else:
            self._on_tell(self._store(_finish(trial, value, trial_state)))
        return trial.id

    @abc.abstractmethod
    def _suggest(self, rng: np.random.Generator) -> dict[str, Any]:
        """Return a config of `self.space`, drawing any randomness from `rng` only.

        It may return a visited config: the base class redraws (same `rng`, so still
        deterministic) and, if needed, falls back to an unvisited grid point.
        """

    def _on_tell(self, trial: TunerTrial) -> None:
        """Learn from a trial that just finished (told or observed). No-op by default."""

    def _is_visited(self, config: dict[str, Any]) -> bool:
        """Whether a running or finished trial already has this config."""
        return self._space.key(config) in self._visited

    def _exhausted(self) -> SearchSpaceExhausted:
        """The error for a space (or its grid) with no unvisited config left."""
        size = self._space.size
        what = f"has {size} distinct configs" if size != math.inf else "grid has no more points"
        return SearchSpaceExhausted(
            f"the search space {what} and all of them were tried or are running. "
            "Widen the space, or stop the experiment at this many trials."
        )

    def _draw_unvisited(self, rng: np.random.Generator) -> dict[str, Any]:
        finite = self._space.is_finite
        if finite and len(self._visited) >= self._space.size:
            raise self._exhausted()
        for _ in range(MAX_REDRAWS):
            config = self._suggest(rng)
            if not self._is_visited(config):
                return config
        if not finite:
            raise SearchSpaceExhausted(
                f"{type(self).__name__} suggested only already-tried configs in {MAX_REDRAWS} "
                "draws from an infinite search space. The tuner is stuck; check its options "
                "or the space (for example a quantisation `q` that is too coarse)."
            )
        return self._random_unvisited_grid_point(rng)

    def _random_unvisited_grid_point(self, rng: np.random.Generator) -> dict[str, Any]:
        # Reservoir sampling: one pass over the grid, uniform over the unvisited points,
        # without holding the whole grid in memory.
        chosen, seen = None, 0
        for config in self._space.grid():
            if not self._is_visited(config):
                seen += 1
                if rng.integers(seen) == 0:
                    chosen = config
        if chosen is None:
            raise self._exhausted()
        return chosen

    def _new_trial(self, trial_id: int, config: dict[str, Any]) -> TunerTrial:
        # The round trip validates and canonicalises (3.0 -> 3 for an Int, space order), so
        # the history holds configs exactly as `space.sample` would have produced them.
        params = copy.deepcopy(self._space.to_params(config))
        config = self._space.from_params(params)
        return TunerTrial(trial_id, config, params, None, None, TrialState.RUNNING)

    def _store(self, trial: TunerTrial) -> TunerTrial:
        self._trials[trial.id] = trial
        self._visited.add(self._space.key(trial.config))
        return trial


def _fresh_entropy() -> int:
    """A random seed from the OS, below 2**53 so that every place that shows it (the
    dashboard's JavaScript, a spreadsheet) shows it exactly and it reproduces the run."""
    return secrets.randbits(53)


def _check_seed(seed: Any) -> int:
    try:
        value = operator.index(seed)
    except TypeError:
        value = -1
    if isinstance(seed, bool) or value < 0:
        raise ConfigError(f"`seed` must be a non-negative int or None, but got {seed!r}.")
    return value


def _state(state: TrialState | str, method: str, *, pending_ok: bool = False) -> TrialState:
    allowed = [s.value for s in TrialState if pending_ok or s.is_finished]
    try:
        parsed = TrialState(state)
    except ValueError:
        parsed = None
    if parsed is None or parsed.value not in allowed:
        raise ValueError(
            f"`state` for {method}() must be one of {', '.join(allowed)}, but got {state!r}."
        )
    return parsed


def _finish(trial: TunerTrial, value: Metric | None, state: TrialState) -> TunerTrial:
    """The record of `trial` finished in `state`, keeping `value` only where it counts."""
    if state not in _VALUE_STATES or (value is None and state is TrialState.EARLY_STOPPED):
        return dataclasses.replace(trial, value=None, metrics=None, state=state)
    if value is None:
        raise MetricError(
            f"trial {trial.id} succeeded, so it needs a value, but got None. Tell a number or "
            "a dict with 'default', or tell it with state='failed'."
        )
    default, metrics = normalize_metric(value)
    return dataclasses.replace(trial, value=default, metrics=metrics, state=state)


def _by_name(cls: type, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """The arguments of ``cls(*args, **kwargs)`` by parameter name, so options a subclass
    takes positionally are kept too; those gathered by ``*args`` have no name and are not.
    Arguments that do not fit the signature are left for ``__init__`` to refuse."""
    try:
        bound = inspect.signature(cls.__init__).bind_partial(None, *args, **kwargs)
    except (TypeError, ValueError):
        return dict(kwargs)
    named: dict[str, Any] = {}
    for index, (name, value) in enumerate(bound.arguments.items()):
        kind = bound.signature.parameters[name].kind
        if index == 0 or kind is inspect.Parameter.VAR_POSITIONAL:
            continue  # self, or unnamed extras
        if kind is inspect.Parameter.VAR_KEYWORD:
            named.update(value)
        else:
            named[name] = value
    return named
