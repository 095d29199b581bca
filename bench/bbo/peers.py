"""The competitors: hyperscout's tuners and the peers' optimisers behind one ask/tell loop.

Every competitor is an `Adapter`: it takes a search space in NNI's search_space.json form and
is driven by the runner as

    token, params = adapter.ask()    # params as a hyperscout trial sees them
    adapter.tell(token, loss)        # always minimised

(`observe(params, loss)` feeds a trial it did not suggest; the timing mode uses it). Each
peer's adapter maps the NNI space onto the peer's own space as faithfully as the peer allows:

| NNI `_type` | Optuna | Hyperopt | SMAC3 (ConfigSpace) | HEBO |
|---|---|---|---|---|
| uniform | float | `hp.uniform` | Float | num |
| loguniform | float, log | `hp.loguniform` | Float, log | pow |
| quniform | float with step* | `hp.quniform`* | Integer index into the grid | int index |
| randint [a, b) | int a..b-1 | `hp.uniformint` | Integer | int |
| choice | categorical | `hp.choice` | Categorical | cat |
| nested choice | asked only when active | nested `hp.choice` | EqualsCondition | flattened** |

\\* when `low` and `high` are multiples of `q` (then the grids coincide); otherwise an
integer index into hyperscout's grid (`clip(round(x / q) * q, low, high)`).
\\** HEBO has no conditions: every sub-parameter is always in its space, and only the
active ones reach the objective. Optuna's GPSampler samples parameters outside the
intersection of the trials' spaces at random (its own documented fallback).

`randint` goes to Hyperopt's ordinal `uniformint` rather than its `randint`, which TPE
treats as unordered; every other tool also treats integers as ordered.

To add a hyperscout tuner to the benchmark, add its registry name to `HYPERSCOUT_TUNERS`.
"""

from __future__ import annotations

import abc
import importlib
import logging
import math
import random
import shutil
import tempfile
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from nni_space import (
    QUANTISED,
    Spec,
    flatten_params,
    flatten_space,
    grid,
    is_active,
    label_of,
    nest,
)

HYPERSCOUT_TUNERS = ("random", "tpe", "gp", "evolution", "anneal", "cmaes", "auto")  # one name per tuner


class Adapter(abc.ABC):
    """One optimiser run over one space, minimising, seeded.

    Args:
        space: NNI search_space.json dict.
        seed: Seeds every source of randomness the optimiser has.
        budget: The number of trials the run will have (only budget-aware peers use it).
        warm_start: The history will be fed through `observe` first (timing mode): skip
            any fixed initial design, so that `ask` measures the model-based step.
    """

    def __init__(self, space: dict[str, Any], *, seed: int, budget: int, warm_start: bool = False):
        self.space = space
        self.specs = flatten_space(space)
        self.seed = seed
        self.budget = budget
        self.warm_start = warm_start

    @abc.abstractmethod
    def ask(self) -> tuple[Any, dict[str, Any]]:
        """A token for `tell` and the params to evaluate (NNI form)."""

    @abc.abstractmethod
    def tell(self, token: Any, loss: float) -> None:
        """The loss of the params handed out with `token`."""

    @abc.abstractmethod
    def observe(self, params: Mapping[str, Any], loss: float) -> None:
        """A finished trial the optimiser did not suggest."""

    def close(self) -> None:
        """Release files or processes the optimiser holds."""


# -- hyperscout ---------------------------------------------------------------------------
class Hyperscout(Adapter):
    """Any tuner of `hyperscout.tuners.create`, by its registry name."""

    def __init__(self, space: dict[str, Any], *, tuner: str, **kwargs: Any):
        super().__init__(space, **kwargs)
        from hyperscout import tuners

        self.tuner = tuners.create(tuner, space, direction="minimize", seed=self.seed)

    def ask(self) -> tuple[Any, dict[str, Any]]:
        s = self.tuner.ask()
        return s.id, s.params

    def tell(self, token: Any, loss: float) -> None:
        self.tuner.tell(token, loss)

    def observe(self, params: Mapping[str, Any], loss: float) -> None:
        self.tuner.observe(params, loss)


# -- Optuna -------------------------------------------------------------------------------
class Optuna(Adapter):
    """An Optuna study driven by `study.ask()` / `study.tell()` (define-by-run)."""

    def __init__(self, space: dict[str, Any], *, sampler: Callable[[int], Any], **kwargs: Any):
        super().__init__(space, **kwargs)
        import optuna

        optuna.logging.set_verbosity(optuna.logging.ERROR)  # GPSampler warns per fallback
        warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
        self._optuna = optuna
        self.study = optuna.create_study(direction="minimize", sampler=sampler(self.seed))
        self._dists = {spec.name: self._distribution(spec) for spec in self.specs}

    def _distribution(self, spec: Spec) -> Any:
        d = self._optuna.distributions
        if spec.type == "choice":
            return d.CategoricalDistribution(spec.labels)
        low, high = spec.value[:2]
        if spec.type == "randint":
            return d.IntDistribution(int(low), int(high) - 1)
        if spec.step is not None:  # quniform whose grid is low, low + q, ..., high
            return d.FloatDistribution(low, high, step=spec.step)
        if spec.type in QUANTISED:
            return d.IntDistribution(0, len(grid(spec)) - 1)
        return d.FloatDistribution(low, high, log=spec.type == "loguniform")

    def ask(self) -> tuple[Any, dict[str, Any]]:
        trial, config = self.study.ask(), {}
        for spec in self.specs:
            if is_active(spec, config):
                config[spec.name] = _from_optuna(
                    spec, _suggest(trial, spec.name, self._dists[spec.name])
                )
        return trial, nest(config, self.specs)

    def tell(self, token: Any, loss: float) -> None:
        self.study.tell(token, loss)

    def observe(self, params: Mapping[str, Any], loss: float) -> None:
        config = flatten_params(params, self.specs)
        values = {
            name: _to_optuna(spec, config[name])
            for spec in self.specs
            if (name := spec.name) in config
        }
        dists = {name: self._dists[name] for name in values}
        trial = self._optuna.trial.create_trial(params=values, distributions=dists, value=loss)
        self.study.add_trial(trial)


def _suggest(trial: Any, name: str, dist: Any) -> Any:
    kind = type(dist).__name__
    if kind == "CategoricalDistribution":
        return trial.suggest_categorical(name, dist.choices)
    if kind == "IntDistribution":
        return trial.suggest_int(name, dist.low, dist.high)
    return trial.suggest_float(name, dist.low, dist.high, step=dist.step, log=dist.log)


def _from_optuna(spec: Spec, value: Any) -> Any:
    if spec.type == "choice":
        return spec.options[spec.labels.index(value)]
    if spec.type in QUANTISED and spec.step is None:
        return grid(spec)[value]
    return value


def _to_optuna(spec: Spec, value: Any) -> Any:
    if spec.type == "choice":
        return spec.labels[spec.options.index(value)]
    if spec.type in QUANTISED and spec.step is None:
        return grid(spec).index(value)
    return value


# -- Hyperopt -----------------------------------------------------------------------------
class Hyperopt(Adapter):
    """Hyperopt's `tpe.suggest` or `rand.suggest` called as `fmin` calls them, one trial at
    a time: the new trial's document is inserted into `Trials` once its loss is known."""

    def __init__(self, space: dict[str, Any], *, algo: str, **kwargs: Any):
        super().__init__(space, **kwargs)
        import hyperopt

        logging.getLogger("hyperopt").setLevel(logging.WARNING)
        self._hp = hyperopt
        self._algo = {"tpe": hyperopt.tpe.suggest, "rand": hyperopt.rand.suggest}[algo]
        self._expr = _hyperopt_space(space, "")
        self.domain = hyperopt.Domain(lambda params: 0.0, self._expr)
        self.trials = hyperopt.Trials()
        self._rng = np.random.default_rng(self.seed)

    def ask(self) -> tuple[Any, dict[str, Any]]:
        tids = self.trials.new_trial_ids(1)
        self.trials.refresh()
        (doc,) = self._algo(tids, self.domain, self.trials, self._rng.integers(2**31 - 1))
        spec = self._hp.base.spec_from_misc(doc["misc"])
        return doc, _plain(self._hp.space_eval(self._expr, spec))

    def tell(self, token: Any, loss: float) -> None:
        self._insert(token, loss)

    def observe(self, params: Mapping[str, Any], loss: float) -> None:
        config = flatten_params(params, self.specs)
        (tid,) = self.trials.new_trial_ids(1)
        idxs, vals = {}, {}
        for spec in self.specs:
            active = spec.name in config
            value = config.get(spec.name)
            if active and (spec.type == "choice" or (spec.type in QUANTISED and spec.step is None)):
                value = (spec.options if spec.type == "choice" else grid(spec)).index(value)
            idxs[spec.name], vals[spec.name] = ([tid], [value]) if active else ([], [])
        misc = {
            "tid": tid,
            "cmd": self.domain.cmd,
            "workdir": self.domain.workdir,
            "idxs": idxs,
            "vals": vals,
        }
        (doc,) = self.trials.new_trial_docs([tid], [None], [None], [misc])
        self._insert(doc, loss)

    def _insert(self, doc: dict[str, Any], loss: float) -> None:
        doc["state"] = self._hp.JOB_STATE_DONE
        doc["result"] = {"loss": loss, "status": self._hp.STATUS_OK}
        self.trials.insert_trial_docs([doc])
        self.trials.refresh()


def _hyperopt_space(space: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    from hyperopt import hp, pyll

    out: dict[str, Any] = {}
    for name, spec in space.items():
        label, (type_, value) = prefix + name, (spec["_type"], spec["_value"])
        if type_ == "choice":
            options = [
                {
                    "_name": o["_name"],
                    **_hyperopt_space(
                        {k: v for k, v in o.items() if k != "_name"}, f"{label}/{o['_name']}/"
                    ),
                }
                if isinstance(o, Mapping)
                else o
                for o in value
            ]
            out[name] = hp.choice(label, options)
        elif type_ == "uniform":
            out[name] = hp.uniform(label, *value)
        elif type_ == "loguniform":
            out[name] = hp.loguniform(label, math.log(value[0]), math.log(value[1]))
        elif type_ == "randint":
            out[name] = hp.uniformint(label, value[0], value[1] - 1)
        elif type_ in QUANTISED and Spec.of(label, spec).step is not None:
            out[name] = hp.quniform(label, *value)
        elif type_ in QUANTISED:  # an ordinal index into the grid, as for SMAC and HEBO
            values = grid(Spec.of(label, spec))
            out[name] = pyll.scope.getitem(values, hp.uniformint(label, 0, len(values) - 1))
        else:
            raise NotImplementedError(f"no Hyperopt mapping for NNI _type {type_!r}")
    return out


def _plain(params: Any) -> Any:
    """Hyperopt returns numpy scalars and tuples; the objectives want plain values."""
    if isinstance(params, Mapping):
        return {k: _plain(v) for k, v in params.items()}
    if isinstance(params, np.generic):
        return params.item()
    return params


# -- SMAC3 --------------------------------------------------------------------------------
class SMAC(Adapter):
    """A SMAC3 2.x facade driven by `ask` / `tell`, on a ConfigSpace with real conditions.

    SMAC sizes its initial design from the trial budget (`Scenario.n_trials`), so a SMAC
    run is budget-aware: the runner runs it once per budget instead of cutting a longer
    trajectory."""

    def __init__(self, space: dict[str, Any], *, facade: str, **kwargs: Any):
        super().__init__(space, **kwargs)
        import smac
        from smac.runhistory.dataclasses import TrialInfo, TrialValue

        self._trial_info, self._trial_value = TrialInfo, TrialValue
        self.configspace = _configspace(self.specs, self.seed)
        self._dir = tempfile.mkdtemp(prefix="hs-bbo-smac-")
        n_trials = self.budget + (10_000 if self.warm_start else 0)
        scenario = smac.Scenario(
            self.configspace,
            deterministic=True,
            n_trials=n_trials,
            seed=self.seed,
            output_directory=Path(self._dir),
        )
        cls = getattr(smac, facade)
        options: dict[str, Any] = {}
        if self.warm_start:
            options["initial_design"] = cls.get_initial_design(scenario, n_configs=0)
        self.smac = cls(scenario, _smac_target, overwrite=True, logging_level=40, **options)
        self._seed_of_trials: int | None = None

    def ask(self) -> tuple[Any, dict[str, Any]]:
        info = self.smac.ask()
        config = {
            spec.name: _from_index(spec, v)
            for spec in self.specs
            if (v := info.config.get(spec.name)) is not None
        }
        return info, nest(config, self.specs)

    def tell(self, token: Any, loss: float) -> None:
        self.smac.tell(token, self._trial_value(cost=loss), save=False)

    def observe(self, params: Mapping[str, Any], loss: float) -> None:
        from ConfigSpace import Configuration

        config = flatten_params(params, self.specs)
        values = {s.name: _to_index(s, config[s.name]) for s in self.specs if s.name in config}
        configuration = Configuration(self.configspace, values=values)
        info = self._trial_info(config=configuration, seed=self._intensifier_seed())
        self.smac.tell(info, self._trial_value(cost=loss), save=False)

    def _intensifier_seed(self) -> int:
        """The seed SMAC evaluates configs with (deterministic: one), so an observed trial
        counts as a full evaluation and is not asked again."""
        if self._seed_of_trials is None:
            intensifier = self.smac.intensifier
            intensifier.__post_init__()  # what its first ask would do: settle the seeds
            self._seed_of_trials = intensifier.get_instance_seed_keys_of_interest()[0].seed
        return self._seed_of_trials

    def close(self) -> None:
        shutil.rmtree(self._dir, ignore_errors=True)


def _smac_target(config: Any, seed: int = 0) -> float:
    raise RuntimeError("the benchmark drives SMAC by ask/tell; the target is never called")


def _configspace(specs: list[Spec], seed: int) -> Any:
    import ConfigSpace as cs

    space = cs.ConfigurationSpace(seed=seed)
    for spec in specs:
        low, high = (spec.value[0], spec.value[1]) if spec.type != "choice" else (0, 0)
        if spec.type == "choice":
            hp = cs.Categorical(spec.name, spec.labels)
        elif spec.type == "randint":
            hp = cs.Integer(spec.name, (int(low), int(high) - 1))
        elif spec.type in QUANTISED:
            hp = cs.Integer(spec.name, (0, len(grid(spec)) - 1))
        else:
            hp = cs.Float(spec.name, (low, high), log=spec.type == "loguniform")
        space.add(hp)
        if spec.parent is not None:
            parent = space[spec.parent]
            space.add(cs.EqualsCondition(hp, parent, label_of(spec.parent_spec, spec.option)))
    return space


def _from_index(spec: Spec, value: Any) -> Any:
    """Peer value (string label, grid index, numpy scalar) -> NNI value."""
    if spec.type == "choice":
        return spec.options[spec.labels.index(str(value))]
    if spec.type in QUANTISED:
        return grid(spec)[int(value)]
    if spec.type == "randint":
        return int(value)
    return float(value)


def _to_index(spec: Spec, value: Any) -> Any:
    if spec.type == "choice":
        return spec.labels[spec.options.index(value)]
    if spec.type in QUANTISED:
        return grid(spec).index(value)
    return value


# -- HEBO ---------------------------------------------------------------------------------
class HEBO(Adapter):
    """HEBO (Cowen-Rivers et al., 2022) with its defaults: GP, MACE acquisition, NSGA-II.

    HEBO has no conditional parameters: every sub-parameter of a nested choice is always in
    its space, and only the active ones reach the objective."""

    def __init__(self, space: dict[str, Any], **kwargs: Any):
        super().__init__(space, **kwargs)
        import torch
        from hebo.design_space.design_space import DesignSpace
        from hebo.optimizers.hebo import HEBO as Optimizer

        random.seed(self.seed)
        np.random.seed(self.seed)  # HEBO draws from numpy's and torch's global generators
        torch.manual_seed(self.seed)
        self._pd = importlib.import_module("pandas")
        self.design = DesignSpace().parse([_hebo_param(spec) for spec in self.specs])
        self.opt = Optimizer(self.design, scramble_seed=self.seed)

    def ask(self) -> tuple[Any, dict[str, Any]]:
        rec = self.opt.suggest(n_suggestions=1)
        row, config = rec.iloc[0], {}
        for spec in self.specs:
            if is_active(spec, config):
                config[spec.name] = _from_index(spec, row[spec.name])
        return rec, nest(config, self.specs)

    def tell(self, token: Any, loss: float) -> None:
        self.opt.observe(token, np.array([[loss]]))

    def observe(self, params: Mapping[str, Any], loss: float) -> None:
        config = flatten_params(params, self.specs)
        row = {}
        for spec in self.specs:  # an inactive sub-parameter gets its lowest value
            value = config.get(spec.name, spec.options[0] if spec.type == "choice" else None)
            row[spec.name] = _to_index(spec, value) if value is not None else _hebo_low(spec)
        self.opt.observe(self._pd.DataFrame([row]), np.array([[loss]]))


def _hebo_param(spec: Spec) -> dict[str, Any]:
    if spec.type == "choice":
        return {"name": spec.name, "type": "cat", "categories": spec.labels}
    if spec.type == "randint":
        return {"name": spec.name, "type": "int", "lb": spec.value[0], "ub": spec.value[1] - 1}
    if spec.type in QUANTISED:
        return {"name": spec.name, "type": "int", "lb": 0, "ub": len(grid(spec)) - 1}
    kind = "pow" if spec.type == "loguniform" else "num"
    return {"name": spec.name, "type": kind, "lb": spec.value[0], "ub": spec.value[1]}


def _hebo_low(spec: Spec) -> Any:
    return 0 if spec.type in QUANTISED else spec.value[0]


# -- the registry -------------------------------------------------------------------------
@dataclass(frozen=True)
class Competitor:
    """A named optimiser configuration of the benchmark.

    Attributes:
        name: As in the report ("hs-tpe", "optuna-gp").
        build: (space, seed=, budget=, warm_start=) -> Adapter.
        requires: Modules that must import; otherwise the competitor is "not installed".
        slow: Takes ~1-5 s a suggestion: fewer seeds in --full, left out of --quick.
        budget_aware: Behaves differently for different budgets (SMAC): run once per budget.
        note: What it is, for the report.
    """

    name: str
    build: Callable[..., Adapter]
    requires: tuple[str, ...]
    slow: bool = False
    budget_aware: bool = False
    note: str = ""

    def unavailable(self) -> str | None:
        """Why this competitor cannot run here, or None."""
        for module in self.requires:
            try:
                importlib.import_module(module)
            except Exception as exc:  # noqa: BLE001 (a broken install raises more than ImportError)
                return f"not installed ({module}: {type(exc).__name__}: {exc})"
        return None


def _optuna_sampler(name: str, **options: Any) -> Callable[[int], Any]:
    def make(seed: int) -> Any:
        import optuna

        return getattr(optuna.samplers, name)(seed=seed, **options)

    return make


def _hyperscout(tuner: str) -> Competitor:
    return Competitor(
        f"hs-{tuner}",
        partial(Hyperscout, tuner=tuner),
        ("hyperscout",),
        note=f'`hyperscout.tuners.create("{tuner}", space, direction="minimize", seed=seed)`',
    )


def _peers() -> list[Competitor]:
    optuna, smac = ("optuna",), ("smac", "ConfigSpace")
    return [
        Competitor(
            "optuna-tpe",
            partial(Optuna, sampler=_optuna_sampler("TPESampler")),
            optuna,
            note="`TPESampler(seed=seed)`, Optuna's default (multivariate since Optuna 5)",
        ),
        Competitor(
            "optuna-tpe-univariate",
            partial(Optuna, sampler=_optuna_sampler("TPESampler", multivariate=False)),
            optuna,
            note="`TPESampler(multivariate=False, seed=seed)`, the default before Optuna 5",
        ),
        Competitor(
            "optuna-gp",
            partial(Optuna, sampler=_optuna_sampler("GPSampler")),
            (*optuna, "torch", "greenlet"),
            note="`GPSampler(seed=seed)`",
        ),
        Competitor(
            "hyperopt-tpe",
            partial(Hyperopt, algo="tpe"),
            ("hyperopt",),
            note="`hyperopt.tpe.suggest` (20 random startup trials)",
        ),
        Competitor(
            "hyperopt-random",
            partial(Hyperopt, algo="rand"),
            ("hyperopt",),
            note="`hyperopt.rand.suggest`",
        ),
        Competitor(
            "smac-hpo",
            partial(SMAC, facade="HyperparameterOptimizationFacade"),
            smac,
            budget_aware=True,
            note="`HyperparameterOptimizationFacade` (random forest), `deterministic=True`",
        ),
        Competitor(
            "smac-bb",
            partial(SMAC, facade="BlackBoxFacade"),
            smac,
            slow=True,
            budget_aware=True,
            note="`BlackBoxFacade` (Gaussian process), `deterministic=True`",
        ),
        Competitor(
            "hebo",
            HEBO,
            ("hebo", "torch"),
            slow=True,
            note="`HEBO(space, scramble_seed=seed)`, defaults otherwise",
        ),
    ]


def competitors() -> list[Competitor]:
    """Every competitor of a full run, hyperscout's first."""
    return [_hyperscout(t) for t in HYPERSCOUT_TUNERS] + _peers()


def competitor(name: str) -> Competitor:
    """The competitor called `name`; "hs-<tuner>" works for any registered hyperscout tuner."""
    for c in competitors():
        if c.name == name:
            return c
    if name.startswith("hs-"):
        return _hyperscout(name[3:])
    known = ", ".join(c.name for c in competitors())
    raise KeyError(f"unknown competitor {name!r}; known: {known} (or hs-<any hyperscout tuner>)")
