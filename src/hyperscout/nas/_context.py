"""The build context: what a model-space primitive does depends on whether the model is
being traced as a space (every candidate built, every decision recorded as a parameter) or
frozen to one architecture (each decision read from it, only the chosen parts built).

Constructing a model outside any context traces it into a throwaway space, so a model
space is also an ordinary module: the supernet, set to its default architecture.

Labels: a decision's label is given by the user or made from a per-scope counter
(``layerchoice_0``, ``valuechoice_1``, ...). Parts built only under some decisions (a lazy
candidate of a `LayerChoice`, the blocks of a `Repeat` past its smallest depth) open a
scope: labels inside get its prefix (``"depth/2/op"``) and a `Condition` on the decision
that builds them, so the search space knows when they matter, and counters inside a scope
do not shift the labels outside it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import SearchSpaceError
from ..space import Choice, Condition, Parameter
from ..space._values import identity_key


@dataclass
class _Scope:
    prefix: str
    condition: Condition | None
    counters: dict[str, int] = field(default_factory=dict)


class BuildContext:
    """One construction of a model space: tracing (`arch` None) or freezing (`arch` set).

    A trace builds every candidate; `values` sets the value a decision is built at while
    tracing (a supernet at other widths), the defaults otherwise."""

    def __init__(self, arch: Mapping[str, Any] | None = None, *,
                 values: Mapping[str, Any] | None = None) -> None:
        self.arch = None if arch is None else dict(arch)
        self.values = dict(values or {})  # tracing: decisions built at these values
        self.params: dict[str, Parameter] = {}  # label -> parameter, in first-use order
        self.kinds: dict[str, str] = {}  # label -> the primitive that made it
        self.used: set[str] = set()  # labels read while freezing
        self._scopes = [_Scope("", None)]

    @property
    def freezing(self) -> bool:
        return self.arch is not None

    # -- labels and scopes -----------------------------------------------------------------
    def label(self, label: str | None, kind: str) -> str:
        """The full label of a decision: the user's, or the scope's next ``kind_N``."""
        scope = self._scopes[-1]
        if label is None:
            n = scope.counters.get(kind, 0)
            scope.counters[kind] = n + 1
            label = f"{kind}_{n}"
        elif not isinstance(label, str) or not label or "/" in label:
            raise SearchSpaceError(
                f"a `label` must be a non-empty str without '/', but got {label!r}. "
                "'/' separates the scopes that Repeat and lazy LayerChoice candidates add.")
        return scope.prefix + label

    @contextlib.contextmanager
    def scope(self, name: str, condition: Condition | None) -> Iterator[None]:
        """Labels inside get the prefix ``name/``; decisions inside are active only under
        `condition` (on top of the enclosing scope's)."""
        outer = self._scopes[-1]
        self._scopes.append(_Scope(f"{name}/", condition or outer.condition))
        try:
            yield
        finally:
            self._scopes.pop()

    # -- decisions -------------------------------------------------------------------------
    def decide(self, label: str, values: list[Any], *, kind: str, ordered: bool | None = None,
               default: Any = None) -> Any:
        """Record (tracing) or read (freezing) decision `label` over `values`; return the
        value that this construction uses."""
        condition = self._scopes[-1].condition
        param = Choice(label, values, ordered=ordered, condition=condition,
                       **({} if default is None else {"default": default}))
        known = self.params.get(label)
        if known is None:
            self.params[label] = param
            self.kinds[label] = kind
        elif [identity_key(v) for v in known.values] != [identity_key(v) for v in values]:  # type: ignore[attr-defined]
            raise SearchSpaceError(
                f"label {label!r} is used by two {kind}s with different candidates: "
                f"{list(known.values)!r} and {values!r}. A shared label means one shared "  # type: ignore[attr-defined]
                "decision, so give both the same candidates, or give them different labels.")
        if self.arch is None:
            if label not in self.values:
                return param.default
            value = self.values[label]
            if not param.contains(value):
                raise SearchSpaceError(
                    f"{kind} {label!r} cannot be built at {value!r}: not one of its "
                    f"candidates {values!r}.")
            return param.canonical(value)
        if label not in self.arch:
            raise SearchSpaceError(
                f"the architecture has no value for {kind} {label!r}, which the model space "
                f"builds here (it has: {', '.join(sorted(self.arch)) or 'nothing'}). Was it "
                "made for another model space, or do some choices depend on the values of "
                "others? Export it again from this space.")
        self.used.add(label)
        value = self.arch[label]
        if not param.contains(value):
            raise SearchSpaceError(
                f"the architecture gives {kind} {label!r} the value {value!r}, which is not "
                f"one of its candidates {values!r}.")
        return param.canonical(value)


_LOCAL = threading.local()


def current() -> BuildContext | None:
    return getattr(_LOCAL, "context", None)


@contextlib.contextmanager
def building(context: BuildContext) -> Iterator[BuildContext]:
    """Make `context` the one primitives see while the model space is constructed."""
    outer = current()
    _LOCAL.context = context
    try:
        yield context
    finally:
        _LOCAL.context = outer


def context_or_trace() -> BuildContext:
    """The current context; outside any, a fresh tracing one (a standalone supernet)."""
    return current() or BuildContext()
