"""NNI's search_space.json codec: the ten ``_type`` s and nested choices, both ways.

Reading maps each NNI type onto one parameter kind (see the table in
docs/architecture.md); ``randint [lower, upper)`` becomes ``Int(lower, upper - 1)``. A
choice option that is a dict with ``_name`` is a nested option: its other entries are
``{"_type", "_value"}`` specs of children named ``f"{choice}/{option}/{child}"`` that carry
``Condition(choice, (option,))``, to any depth. Writing inverts all of this exactly, so
``dump(parse(d)) == d``. The same nesting drives the params a trial sees (`nest`,
`flatten`).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import SearchSpaceError
from ._base import Condition, Parameter
from ._params import Boolean, Choice, Fixed, Float, Int, Normal

# _type -> (names of the _value entries, builder of the parameter)
_TYPES: dict[str, tuple[tuple[str, ...], Any]] = {
    "choice": (("options",), None),
    "randint": (("lower", "upper"), lambda n, v, c: Int(n, v[0], v[1] - 1, condition=c)),
    "uniform": (("low", "high"), lambda n, v, c: Float(n, v[0], v[1], condition=c)),
    "quniform": (
        ("low", "high", "q"),
        lambda n, v, c: Float(n, v[0], v[1], q=v[2], condition=c),
    ),
    "loguniform": (
        ("low", "high"),
        lambda n, v, c: Float(n, v[0], v[1], sampling="log", condition=c),
    ),
    "qloguniform": (
        ("low", "high", "q"),
        lambda n, v, c: Float(n, v[0], v[1], q=v[2], sampling="log", condition=c),
    ),
    "normal": (("mu", "sigma"), lambda n, v, c: Normal(n, v[0], v[1], condition=c)),
    "qnormal": (("mu", "sigma", "q"), lambda n, v, c: Normal(n, v[0], v[1], q=v[2], condition=c)),
    "lognormal": (("mu", "sigma"), lambda n, v, c: Normal(n, v[0], v[1], log=True, condition=c)),
    "qlognormal": (
        ("mu", "sigma", "q"),
        lambda n, v, c: Normal(n, v[0], v[1], q=v[2], log=True, condition=c),
    ),
}
NNI_TYPES = tuple(_TYPES)

# choice name -> option name -> [(child name inside the option, full parameter name)]
Nested = dict[str, dict[str, list[tuple[str, str]]]]


# -- reading -------------------------------------------------------------------------------
def parse(obj: Any) -> list[Parameter]:
    """The parameters of an NNI search space dict, parents before children."""
    if not isinstance(obj, Mapping):
        raise SearchSpaceError(
            f"an NNI search space is a dict of name -> {{'_type', '_value'}}, but got {obj!r}."
        )
    out: list[Parameter] = []
    for name, spec in obj.items():
        _parse_spec(name, spec, None, out)
    return out


def _parse_spec(name: Any, spec: Any, condition: Condition | None, out: list[Parameter]) -> None:
    if not isinstance(name, str) or not name:
        raise SearchSpaceError(f"NNI parameter names must be non-empty strings, but got {name!r}.")
    if not isinstance(spec, Mapping) or "_type" not in spec or "_value" not in spec:
        raise SearchSpaceError(
            f"NNI parameter {name!r} must be a dict with '_type' and '_value', but got {spec!r}. "
            'Write it like {"_type": "uniform", "_value": [0, 1]}.'
        )
    extra = sorted(set(spec) - {"_type", "_value"})
    if extra:
        raise SearchSpaceError(
            f"NNI parameter {name!r} has unexpected keys {extra!r}; only '_type' and '_value' "
            "are allowed."
        )
    type_, value = spec["_type"], spec["_value"]
    if type_ not in _TYPES:
        raise SearchSpaceError(
            f"unknown NNI _type {type_!r} for parameter {name!r}; the known types are "
            f"{', '.join(NNI_TYPES)}."
        )
    if not isinstance(value, (list, tuple)):
        raise SearchSpaceError(
            f"'_value' of NNI parameter {name!r} ({type_}) must be a list, but got {value!r}."
        )
    if type_ == "choice":
        _parse_choice(name, list(value), condition, out)
        return
    arity, build = _TYPES[type_]
    if len(value) != len(arity):
        raise SearchSpaceError(
            f"'_value' of NNI parameter {name!r} ({type_}) must be [{', '.join(arity)}], but got "
            f"{list(value)!r} ({len(value)} entries)."
        )
    if type_ == "randint" and _is_pair_of_numbers(value) and value[0] >= value[1]:
        raise SearchSpaceError(
            f"randint [lower, upper) needs lower < upper for parameter {name!r}, but got "
            f"{list(value)!r}. Swap them or widen the range (upper is excluded)."
        )
    out.append(build(name, list(value), condition))


def _is_pair_of_numbers(value: Sequence[Any]) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)


def _parse_choice(
    name: str, options: list[Any], condition: Condition | None, out: list[Parameter]
) -> None:
    values: list[Any] = []
    nested: list[tuple[str, Mapping[str, Any]]] = []
    for option in options:
        if isinstance(option, Mapping) and "_name" in option:
            option_name = option["_name"]
            if not isinstance(option_name, str) or not option_name:
                raise SearchSpaceError(
                    f"'_name' of a nested option of choice {name!r} must be a non-empty string, "
                    f"but got {option_name!r}."
                )
            if option_name in values:
                raise SearchSpaceError(
                    f"choice {name!r} has two options named {option_name!r} (a nested option's "
                    "'_name' must differ from every other option). Rename one of them."
                )
            nested.append((option_name, option))
            values.append(option_name)
        else:
            if isinstance(option, str) and option in {n for n, _ in nested}:
                raise SearchSpaceError(
                    f"choice {name!r} has the value {option!r} and a nested option with that "
                    "'_name', which a trial could not tell apart. Rename one of them."
                )
            values.append(option)
    subspaces = [option_name for option_name, _ in nested]
    out.append(Choice(name, values, subspaces=subspaces, condition=condition))
    for option_name, option in nested:
        child_condition = Condition(name, (option_name,))
        for child, spec in option.items():
            if child != "_name":
                _parse_spec(f"{name}/{option_name}/{child}", spec, child_condition, out)


# -- the nesting structure -----------------------------------------------------------------
def nested_children(params: Sequence[Parameter]) -> Nested:
    """For every choice with subspaces, the children of each nested option, in order."""
    nested: Nested = {}
    for param in params:
        if isinstance(param, Choice) and param.subspaces:
            nested[param.name] = {option: [] for option in param.subspaces}
        condition = param.condition
        if condition is None or condition.parent not in nested or len(condition.values) != 1:
            continue
        option = condition.values[0]
        prefix = f"{condition.parent}/{option}/"
        options = nested[condition.parent]
        if isinstance(option, str) and option in options and param.name.startswith(prefix):
            options[option].append((param.name[len(prefix) :], param.name))
    return nested


def _child_names(nested: Nested) -> set[str]:
    return {full for options in nested.values() for kids in options.values() for _, full in kids}


def nest(config: Mapping[str, Any], params: Sequence[Parameter], nested: Nested) -> dict[str, Any]:
    """Resolve nested choices of a (validated) config into the params a trial sees."""

    def resolve(name: str) -> Any:
        value = config[name]
        options = nested.get(name, {})
        if not (isinstance(value, str) and value in options):
            return value
        out: dict[str, Any] = {"_name": value}
        for child, full in options[value]:
            if full in config:
                out[child] = resolve(full)
        return out

    children = _child_names(nested)
    return {name: resolve(name) for name in config if name not in children}


def flatten(
    params: Mapping[str, Any], by_name: Mapping[str, Parameter], nested: Nested
) -> dict[str, Any]:
    """Invert `nest`: ``{"_name": option, child: v}`` becomes the choice's value plus one
    config entry per child. Flat entries pass through unchanged."""
    if not isinstance(params, Mapping):
        raise SearchSpaceError(f"params must be a dict of name -> value, but got {params!r}.")
    config: dict[str, Any] = {}

    def put(name: str, value: Any) -> None:
        options = nested.get(name)
        if options is None or not (isinstance(value, Mapping) and "_name" in value):
            config[name] = copy.deepcopy(value)
            return
        option = value["_name"]
        if option not in options:
            raise SearchSpaceError(
                f"params give {option!r} as the nested option of choice {name!r}, which has "
                f"the nested options {list(options)!r}."
            )
        config[name] = option
        kids = dict(options[option])
        for child, child_value in value.items():
            if child == "_name":
                continue
            if child not in kids:
                raise SearchSpaceError(
                    f"params give {child!r} inside option {option!r} of choice {name!r}, which "
                    f"has the children {list(kids)!r}."
                )
            put(kids[child], child_value)

    for name, value in params.items():
        put(name, value)
    return config


# -- writing -------------------------------------------------------------------------------
def dump(params: Sequence[Parameter], nested: Nested) -> dict[str, Any]:
    """The NNI search space dict of `params`; raise where NNI cannot express one."""
    by_name = {param.name: param for param in params}
    children = _child_names(nested)
    out: dict[str, Any] = {}
    for param in params:
        if param.name in children:
            continue
        if param.condition is not None:
            _inexpressible(param, "NNI conditions exist only as nested choice options")
        out[param.name] = _spec(param, by_name, nested)
    return out


def _spec(param: Parameter, by_name: Mapping[str, Parameter], nested: Nested) -> dict[str, Any]:
    if isinstance(param, Choice):
        options = nested.get(param.name, {})
        values: list[Any] = []
        for value in param.values:
            if isinstance(value, str) and value in options:
                option: dict[str, Any] = {"_name": value}
                for child, full in options[value]:
                    option[child] = _spec(by_name[full], by_name, nested)
                values.append(option)
            else:
                values.append(copy.deepcopy(value))
        return {"_type": "choice", "_value": values}
    if isinstance(param, Int):
        if param.step is not None or param.sampling != "linear":
            _inexpressible(param, "NNI's randint is uniform over consecutive integers")
        return {"_type": "randint", "_value": [param.low, param.high + 1]}
    if isinstance(param, Float):
        if param.step is not None or param.sampling == "reverse_log":
            _inexpressible(param, "NNI has no step grids and no reverse_log sampling")
        log = "log" if param.sampling == "log" else ""
        if param.q is None:
            return {"_type": f"{log}uniform", "_value": [param.low, param.high]}
        return {"_type": f"q{log}uniform", "_value": [param.low, param.high, param.q]}
    if isinstance(param, Normal):
        type_ = ("q" if param.q is not None else "") + ("lognormal" if param.log else "normal")
        tail = [] if param.q is None else [param.q]
        return {"_type": type_, "_value": [param.mu, param.sigma, *tail]}
    assert isinstance(param, (Boolean, Fixed)), param
    _inexpressible(param, "NNI has no boolean or fixed type (a one-value choice is the nearest)")
    raise AssertionError  # unreachable: _inexpressible raises


def _inexpressible(param: Parameter, why: str) -> None:
    raise SearchSpaceError(
        f"NNI's search_space.json cannot express parameter {param.name!r} ({param!r}): {why}. "
        "Save the space with space.to_dict() (hyperscout's own lossless form) instead."
    )
