"""Schedulers by name, with the option names of NNI, Keras Tuner and Ray Tune mapped to
hyperscout's, so a config written for any of them reads the same."""

from __future__ import annotations

import difflib
from typing import Any

from ..errors import ConfigError
from ..tuners import Tuner
from ._asha import ASHA
from ._base import Scheduler
from ._bohb import BOHB
from ._fifo import Fifo
from ._hyperband import Hyperband
from ._pbt import PBT

_CLASSES: dict[str, type[Scheduler]] = {"fifo": Fifo, "hyperband": Hyperband, "asha": ASHA,
                                        "bohb": BOHB, "pbt": PBT}
_ALIASES = {"fifo": "fifo", "none": "fifo", "hyperband": "hyperband", "asha": "asha",
            "successivehalving": "asha", "asynchyperband": "asha", "bohb": "bohb",
            "pbt": "pbt", "pbttuner": "pbt", "populationbasedtraining": "pbt"}
NOT_YET_AVAILABLE: tuple[str, ...] = ()

# other tools' option names -> hyperscout's
_OPTION_ALIASES = {
    "R": "max_budget", "max_epochs": "max_budget", "max_t": "max_budget",
    "max_resource": "max_budget",
    "factor": "eta", "reduction_factor": "eta",
    "hyperband_iterations": "iterations",
    "grace_period": "min_budget", "min_resource": "min_budget", "min_epochs": "min_budget",
    "perturbation_interval": "interval", "population": "population_size",
    "resample_prob": "resample_probability", "perturbation_factors": "factors",
}


def available_schedulers() -> list[str]:
    return list(_CLASSES)


def create_scheduler(name: str | None, tuner: Tuner, **options: Any) -> Scheduler:
    """Build the scheduler called `name` (None: fifo) over `tuner`.

    Options may use NNI's (`R`, `eta`), Keras Tuner's (`max_epochs`, `factor`,
    `hyperband_iterations`) or Ray Tune's (`max_t`, `grace_period`, `reduction_factor`)
    names. Raises `ConfigError` for an unknown name or option, naming the known ones.
    """
    key = (name or "fifo").lower().replace("_", "").replace("-", "")
    canonical = _ALIASES.get(key)
    if canonical is None:
        if key in NOT_YET_AVAILABLE:
            raise ConfigError(f"scheduler {name!r} is not available yet; available: "
                              f"{', '.join(_CLASSES)}.")
        raise ConfigError(f"unknown scheduler {name!r}; available: {', '.join(_CLASSES)}.")
    mapped: dict[str, Any] = {}
    given: dict[str, str] = {}  # hyperscout's option name -> the name the user wrote
    for option, value in options.items():
        target = _OPTION_ALIASES.get(option, option)
        given[target] = option
        if target in mapped:
            raise ConfigError(f"scheduler {canonical}: `{option}` and another name for "
                              f"`{target}` are both set; give it once.")
        mapped[target] = value
    cls = _CLASSES[canonical]
    if canonical == "fifo" and mapped:
        raise ConfigError(f"scheduler fifo takes no options, but got {sorted(options)}.")
    try:
        return cls(tuner, **mapped)
    except ConfigError as exc:  # name the option as the user wrote it
        message = str(exc)
        for target, option in given.items():
            if option != target:
                message = message.replace(f"`{target}`", f"`{option}` ({target})")
        raise ConfigError(message) from None
    except TypeError as exc:
        import inspect

        parameters = inspect.signature(cls.__init__).parameters
        known = [p for p in parameters if p not in ("self", "tuner")]
        unknown = [given[p] for p in mapped if p not in known]
        if unknown:  # a misspelt option, not the required one it was meant to be
            close = difflib.get_close_matches(unknown[0], [*known, *_OPTION_ALIASES], n=1)
            raise ConfigError(
                f"scheduler {canonical} has no option `{unknown[0]}`"
                + (f" (did you mean `{close[0]}`?)" if close else "")
                + f"; its options are: {', '.join(known)}.") from None
        missing = [p for p in known if parameters[p].default is inspect.Parameter.empty
                   and p not in mapped]
        if missing:
            raise ConfigError(f"scheduler {canonical} needs "
                              f"{' and '.join(f'`{m}`' for m in missing)}; its options are: "
                              f"{', '.join(known)}.") from None
        raise ConfigError(f"scheduler {canonical}: {exc}. Its options are: "
                          f"{', '.join(known)}.") from None
