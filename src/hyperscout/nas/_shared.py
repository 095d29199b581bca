"""`SharedSupernet`: one set of weights for every architecture of a model space, the
network one-shot strategies train.

`LayerChoice`, `InputChoice`, `Repeat` and `Cell` share weights by construction: the
supernet holds every candidate and `activate` picks the path. A `ValueChoice` is different:
it sizes the weights it is passed to (channels, kernel sizes, hidden units), so a supernet
built at one value cannot run another. Here the weights are held once, at the largest
value of each `ValueChoice`, and an architecture with smaller values runs on slices of
them (the leading channels and units, the central taps of a kernel, as in once-for-all
and slimmable networks): the supernet is built again at the architecture's values on the
``meta`` device (structure and shapes, no memory), and called with the sliced weights in
place of its own. Weights sharing a name across values are the same layer; a value that
renames or enlarges a tensor beyond the largest build is refused when the supernet is made.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import torch
from torch import nn
from torch.func import functional_call

from ..errors import SearchSpaceError
from ..space import Fixed, SearchSpace
from ._model_space import Architecture, ModelSpace, activate

_CACHED_STRUCTURES = 64


class SharedSupernet(nn.Module):
    """The weight-sharing network of `space`, set to one architecture at a time.

    Args:
        space: the model space.
        fixed: decisions (or hyperparameters) held at a given value instead of searched.
            Hyperparameters not given here are held at their defaults: one-shot search
            trains one network, so it searches architecture decisions only.
        device: where the weights live.

    `search_space` is what is left to search; `use(arch)` sets the architecture the next
    forward runs.
    """

    def __init__(self, space: ModelSpace, *, fixed: Mapping[str, Any] | None = None,
                 device: str | torch.device | None = None) -> None:
        super().__init__()
        self.space = space
        full = space.search_space
        kinds = space.decision_kinds
        fixed = dict(fixed or {})
        unknown = sorted(set(fixed) - set(full.names))
        if unknown:
            raise SearchSpaceError(
                f"`fixed` names {unknown}, which the model space does not have (it has: "
                f"{', '.join(full.names)}).")
        held = {p.name: fixed.get(p.name, p.default) for p in full
                if p.name in fixed or p.name not in kinds}
        for name, value in held.items():
            if not full[name].contains(value):
                raise SearchSpaceError(
                    f"`fixed` gives {name!r} the value {value!r}, which is not one of its "
                    f"values {list(full[name].grid_values())!r}.")
        self.fixed = {name: full[name].canonical(value) for name, value in held.items()}
        self.search_space = SearchSpace(
            Fixed(p.name, self.fixed[p.name], condition=p.condition) if p.name in self.fixed
            else p for p in full)
        self.value_labels = [name for name, kind in kinds.items()
                             if kind == "ValueChoice" and name not in self.fixed]
        held_values = {name: v for name, v in self.fixed.items() if name in kinds}
        self._base = {**{name: full[name].default for name in self.value_labels},
                      **held_values}
        self.largest = self._largest_values(full) if self.value_labels else dict(self._base)
        self.net = space.supernet(values=self.largest)
        lazy = [name for name, t in self._tensors(self.net).items()
                if isinstance(t, nn.parameter.UninitializedTensorMixin)]
        if lazy:
            raise SearchSpaceError(
                f"the model space has lazy (uninitialized) weights {lazy[:4]}, which one-shot "
                "search cannot share: their shapes are unknown until a first forward. Give "
                "those layers their input sizes (nn.Linear instead of nn.LazyLinear).")
        if device is not None:
            self.net.to(device)
        self._shapes = {name: t.shape for name, t in self._tensors(self.net).items()}
        self._structures: OrderedDict[tuple[Any, ...], nn.Module] = OrderedDict()
        for name in self.value_labels:  # every value of each, the others at the largest
            for value in full[name].grid_values():
                self._structure({**self.largest, name: value})
        self.arch: Architecture = {}
        self.use(self.default_architecture())

    # -- architectures ---------------------------------------------------------------------
    def default_architecture(self) -> Architecture:
        return dict(self.search_space.defaults())

    def sample(self, generator: Any) -> Architecture:
        """A uniformly random architecture (`generator`: a numpy Generator)."""
        return dict(self.search_space.sample(generator))

    def use(self, arch: Mapping[str, Any]) -> None:
        """Run `arch` from the next forward on (held decisions keep their values)."""
        self.arch = dict(self.search_space.normalize({**arch, **self._held_active(arch)}))

    def _held_active(self, arch: Mapping[str, Any]) -> dict[str, Any]:
        return {name: value for name, value in self.fixed.items()
                if self.search_space.is_active(name, {**arch, **self.fixed})}

    def forward(self, *inputs: Any) -> Any:
        values = self._values()
        if values == self.largest:
            activate(self.net, self.arch)
            return self.net(*inputs)
        structure = self._structure(values)
        activate(structure, self.arch)
        tensors = {name: _slice(t, self._shapes_of(structure)[name])
                   for name, t in self._tensors(self.net).items()}
        return functional_call(structure, tensors, inputs, tie_weights=True, strict=True)

    def frozen_weights(self, arch: Mapping[str, Any]) -> nn.Module:
        """The frozen model of `arch` with the supernet's trained weights in it (where
        the two name a tensor alike; the rest keep their initialisation)."""
        self.use(arch)
        model = self.space.freeze(self.arch)
        values = self._values()
        structure = self.net if values == self.largest else self._structure(values)
        activate(structure, self.arch)
        shared = {name: _slice(t, self._shapes_of(structure)[name]).detach()
                  for name, t in self._tensors(self.net).items()}
        own = model.state_dict()
        mapped = _map_names(structure, model)
        for net_name, frozen_name in mapped.items():
            if net_name in shared and frozen_name in own \
                    and own[frozen_name].shape == shared[net_name].shape:
                own[frozen_name] = shared[net_name].clone()
        model.load_state_dict(own)
        return model

    def train(self, mode: bool = True) -> SharedSupernet:
        super().train(mode)
        for structure in self._structures.values():
            structure.train(mode)
        return self

    def _values(self) -> dict[str, Any]:
        return {name: self.arch.get(name, self.largest[name]) for name in self.largest}

    def current_modules(self) -> list[nn.Module]:
        """The modules the current architecture runs on: the supernet's, and those of its
        build at the architecture's values (whose settings, such as a batch norm's
        momentum, apply when it runs)."""
        values = self._values()
        found = list(self.net.modules())
        if values != self.largest:
            found.extend(self._structure(values).modules())
        return found

    @torch.no_grad()
    def predict_with_batch_statistics(self, x: Any) -> Any:
        """The current architecture's outputs on `x` normalised with the batch's own
        statistics (dropout off; running averages and weights untouched): a fair score
        for one architecture of many sharing the averages."""
        norms = [m for m in self.current_modules()
                 if isinstance(m, nn.modules.batchnorm._BatchNorm)]
        momenta = [m.momentum for m in norms]
        was_training = self.training
        self.eval()
        for m in norms:
            m.train()
            m.momentum = 0.0  # running = (1 - 0) * running + 0 * batch: unchanged
        try:
            return self(x)
        finally:
            for m, momentum in zip(norms, momenta):
                m.momentum = momentum
            self.train(was_training)

    @torch.no_grad()
    def recalibrate(self, batches: Any) -> None:
        """Batch-norm statistics of the current architecture, measured afresh on
        `batches` (inputs, or (inputs, labels) pairs): the shared running averages mix
        every architecture trained, so scoring one needs its own."""
        norms = [m for m in self.current_modules()
                 if isinstance(m, nn.modules.batchnorm._BatchNorm)]
        if not norms:
            return
        momenta = [m.momentum for m in norms]
        for m in norms:
            if m.track_running_stats and m.running_mean is not None \
                    and m.running_mean.device.type != "meta":
                m.reset_running_stats()
            m.momentum = None  # a cumulative average over the batches
        was_training = self.training
        self.train()
        try:
            for batch in batches:
                self(batch[0] if isinstance(batch, (tuple, list)) else batch)
        finally:
            for m, momentum in zip(norms, momenta):
                m.momentum = momentum
            self.train(was_training)

    # -- structures at other values --------------------------------------------------------
    @staticmethod
    def _tensors(module: nn.Module) -> dict[str, torch.Tensor]:
        return {**dict(module.named_parameters()), **dict(module.named_buffers())}

    def _shapes_of(self, structure: nn.Module) -> dict[str, torch.Size]:
        shapes = getattr(structure, "_hs_shapes", None)
        if shapes is None:
            shapes = {name: t.shape for name, t in self._tensors(structure).items()}
            structure.__dict__["_hs_shapes"] = shapes
        return shapes

    def _meta(self, values: Mapping[str, Any]) -> nn.Module:
        with torch.device("meta"):
            return self.space.supernet(values=values)

    def _largest_values(self, full: SearchSpace) -> dict[str, Any]:
        largest = dict(self._base)
        for name in self.value_labels:
            sizes = []
            for value in full[name].grid_values():
                meta = self._meta({**self._base, name: value})
                sizes.append((sum(t.numel() for t in self._tensors(meta).values()), value))
            largest[name] = max(sizes, key=lambda s: s[0])[1]
        return largest

    def _structure(self, values: Mapping[str, Any]) -> nn.Module:
        key = tuple(_key(values[name]) for name in sorted(values))
        structure = self._structures.get(key)
        if structure is not None:
            self._structures.move_to_end(key)
            return structure
        structure = self._meta(values)
        shapes = self._shapes_of(structure)
        if set(shapes) != set(self._shapes):
            extra = sorted(set(shapes) ^ set(self._shapes))[:4]
            raise SearchSpaceError(
                f"with {dict(values)!r} the model space names its weights differently "
                f"({extra}...) from its build at the largest values {self.largest!r}, so "
                "one-shot search cannot share them. A ValueChoice that changes which layers "
                "exist (a depth, a number of blocks) should be a Repeat or a LayerChoice.")
        for name, shape in shapes.items():
            big = self._shapes[name]
            if len(shape) != len(big) or any(s > b for s, b in zip(shape, big)):
                raise SearchSpaceError(
                    f"with {dict(values)!r} weight {name!r} has shape {tuple(shape)}, which "
                    f"does not fit in its shape {tuple(big)} at the largest values "
                    f"{self.largest!r}: one-shot search shares weights by slicing the "
                    "largest ones. Make each ValueChoice grow the weights it sizes, or hold "
                    "it with `fixed=`.")
        structure.train(self.training)
        self._structures[key] = structure
        if len(self._structures) > _CACHED_STRUCTURES:
            self._structures.popitem(last=False)
        return structure


def _slice(tensor: torch.Tensor, shape: torch.Size) -> torch.Tensor:
    """The part of `tensor` a smaller layer of `shape` uses: leading channels and units,
    central kernel taps (dimensions 2 and up of a tensor with 3 or more)."""
    if tensor.shape == shape:
        return tensor
    index = []
    for dim, (big, small) in enumerate(zip(tensor.shape, shape)):
        start = (big - small) // 2 if tensor.dim() >= 3 and dim >= 2 else 0
        index.append(slice(start, start + small))
    return tensor[tuple(index)]


def _key(value: Any) -> Any:
    return repr(value)


def _map_names(structure: nn.Module, frozen: nn.Module) -> dict[str, str]:
    """Supernet tensor name -> frozen model tensor name, for the active path.

    The frozen model sits where the supernet's choices were: a chosen `LayerChoice`
    candidate ``x.candidates.conv`` is ``x``, a `Repeat`'s block ``x.blocks.1`` is ``x.1``,
    a `Cell` edge ``x.edges.0_1_2.conv`` is ``x.ops.0.1``."""
    from ._cell import Cell
    from ._primitives import LayerChoice, Repeat

    renames: list[tuple[str, str]] = []  # (supernet prefix, frozen prefix), longest first
    for name, module in structure.named_modules():
        prefix = f"{name}." if name else ""
        if isinstance(module, LayerChoice):
            renames.append((f"{prefix}candidates.{module.active}.", prefix))
        elif isinstance(module, Repeat):
            for i in range(module.active):
                renames.append((f"{prefix}blocks.{i}.", f"{prefix}{i}."))
        elif isinstance(module, Cell):
            for j, slots in enumerate(module.active):
                for s, (p, op) in enumerate(slots):
                    renames.append((f"{prefix}edges.{j}_{s}_{p}.{op}.", f"{prefix}ops.{j}.{s}."))
    frozen_names = set(frozen.state_dict())
    mapping = {}
    for name in structure.state_dict():
        mapped = name
        for _ in range(64):  # apply the outermost rename first, then the ones inside
            for old, new in sorted(renames, key=lambda r: len(r[0])):
                if mapped.startswith(old):
                    mapped = new + mapped[len(old):]
                    break
            else:
                break
        if mapped in frozen_names:
            mapping[name] = mapped
    return mapping


def every_structure(net: SharedSupernet) -> list[dict[str, Any]]:
    """Every combination of the searched ValueChoice values (tests and small spaces)."""
    full = net.space.search_space
    names = net.value_labels
    return [dict(zip(names, combo))
            for combo in itertools.product(*(full[n].grid_values() for n in names))]
