"""Model spaces: primitives record decisions as a search space, freezing builds a plain
model of one architecture, shapes are checked at construction, architectures round-trip
through JSON."""

from __future__ import annotations

import copy
import json
import pickle

import pytest

torch = pytest.importorskip("torch", reason="hyperscout.nas needs torch (the torch extra)")
from torch import nn

from hyperscout import nas
from hyperscout.errors import SearchSpaceError
from hyperscout.space import Condition

PRIMITIVES = (nas.LayerChoice, nas.InputChoice, nas.Repeat, nas.Cell)


class Net(nn.Module):
    """A small CNN space using every primitive; importable, so it pickles."""

    def __init__(self, classes: int = 10):
        super().__init__()
        width = nas.ValueChoice([8, 16], label="width")
        self.stem = nn.Conv2d(1, width, 3, padding=1)
        self.op = nas.LayerChoice({"conv3": nn.Conv2d(width, width, 3, padding=1),
                                   "conv5": nn.Conv2d(width, width, 5, padding=2),
                                   "skip": nn.Identity()}, label="op")
        self.blocks = nas.Repeat(lambda i: nas.LayerChoice(
            {"conv": lambda: nn.Conv2d(width, width, 3, padding=1),
             "pool": lambda: nn.MaxPool2d(3, 1, 1)}, label="kind"), (1, 3), label="depth")
        self.skip = nas.InputChoice(2, 1, label="skip")
        self.head = nn.Linear(width, classes)

    def forward(self, x):
        x = self.stem(x)
        y = self.op(x)
        z = self.blocks(y)
        return self.head(self.skip([y, z]).mean((2, 3)))


def _space() -> nas.ModelSpace:
    return nas.ModelSpace(Net, example_input=torch.zeros(2, 1, 8, 8))


def _primitives(model: nn.Module) -> list[nn.Module]:
    return [m for m in model.modules() if isinstance(m, PRIMITIVES)]


def test_decisions_become_a_search_space_in_construction_order():
    space = _space().search_space
    assert space.names == ("width", "op", "depth", "depth/0/kind", "depth/1/kind",
                           "depth/2/kind", "skip")
    assert space["op"].values == ("conv3", "conv5", "skip") and not space["op"].ordered
    assert space["width"].values == (8, 16) and space["width"].ordered
    assert space["depth"].values == (1, 2, 3)
    assert space.size == 2 * 3 * (2 + 4 + 8) * 2


def test_blocks_past_the_smallest_depth_are_conditional():
    space = _space().search_space
    assert space["depth/0/kind"].condition is None
    assert space["depth/1/kind"].condition == Condition("depth", [2, 3])
    assert space["depth/2/kind"].condition == Condition("depth", [3])
    arch = {"width": 8, "op": "skip", "depth": 1, "depth/0/kind": "pool", "skip": 0}
    assert _space().validate(arch) == arch


def test_freeze_builds_only_the_chosen_parts_and_no_primitive():
    arch = {"width": 16, "op": "conv5", "depth": 2, "depth/0/kind": "pool",
            "depth/1/kind": "conv", "skip": 1}
    model = _space().freeze(arch)
    assert _primitives(model) == []
    assert model.stem.out_channels == 16
    assert model.op.kernel_size == (5, 5)
    assert [type(b).__name__ for b in model.blocks] == ["MaxPool2d", "Conv2d"]
    assert model(torch.zeros(3, 1, 8, 8)).shape == (3, 10)


def test_every_sampled_architecture_freezes_and_runs():
    space = _space()
    for seed in range(10):
        arch = space.random_architecture(seed)
        assert space.freeze(arch)(torch.zeros(1, 1, 8, 8)).shape == (1, 10)


def test_the_supernet_computes_what_the_frozen_model_computes_with_the_same_weights():
    space = _space()
    supernet = space.supernet()
    arch = {"width": 8, "op": "conv3", "depth": 2, "depth/0/kind": "conv",
            "depth/1/kind": "conv", "skip": 1}
    nas.activate(supernet, arch)
    frozen = space.freeze(arch)
    frozen.stem.load_state_dict(supernet.stem.state_dict())
    frozen.op.load_state_dict(supernet.op.candidates["conv3"].state_dict())
    for i in range(2):
        frozen.blocks[i].load_state_dict(supernet.blocks.blocks[i].candidates["conv"].state_dict())
    frozen.head.load_state_dict(supernet.head.state_dict())
    x = torch.randn(2, 1, 8, 8)
    torch.testing.assert_close(frozen(x), supernet(x))


def test_a_model_space_built_outside_any_space_is_the_default_supernet():
    model = Net()
    assert isinstance(model.op, nas.LayerChoice) and model.op.active == "conv3"
    assert model(torch.zeros(1, 1, 8, 8)).shape == (1, 10)


def test_a_shared_label_is_one_decision():
    def factory():
        width = nas.ValueChoice([4, 8], label="w")
        return nn.Sequential(nn.Linear(2, width), nn.Linear(nas.ValueChoice([4, 8], label="w"), 1))

    space = nas.ModelSpace(factory, example_input=torch.zeros(1, 2))
    assert space.search_space.names == ("w",)
    assert space.freeze({"w": 8})(torch.zeros(1, 2)).shape == (1, 1)


def test_a_shared_label_with_other_candidates_is_refused():
    def factory():
        return nn.Linear(nas.ValueChoice([4, 8], label="w"), nas.ValueChoice([1, 2], label="w"))

    with pytest.raises(SearchSpaceError, match=r"label 'w' is used by two ValueChoices"):
        _ = nas.ModelSpace(factory).search_space


def test_automatic_labels_are_stable_between_tracing_and_freezing():
    def factory():
        return nn.Sequential(
            nas.LayerChoice([lambda: nn.Linear(2, nas.ValueChoice([3, 4])), lambda: nn.Linear(2, 4)]),
            nas.LayerChoice([nn.ReLU(), nn.Tanh()]))

    space = nas.ModelSpace(factory)
    assert space.search_space.names == ("layerchoice_0", "layerchoice_0/0/valuechoice_0",
                                        "layerchoice_1")
    model = space.freeze({"layerchoice_0": 1, "layerchoice_1": 1})
    assert isinstance(model[1], nn.Tanh) and model[0].out_features == 4


def test_input_choice_of_several_inputs_and_its_reductions():
    def factory():
        return nas.InputChoice(3, 2, reduction="concat", label="pick")

    space = nas.ModelSpace(factory)
    assert space.search_space["pick"].values == ([0, 1], [0, 2], [1, 2])
    chosen = space.freeze({"pick": [0, 2]})
    a, b, c = torch.zeros(1, 1), torch.ones(1, 1), torch.full((1, 1), 2.0)
    assert chosen([a, b, c]).tolist() == [[0.0, 2.0]]
    anything = nas.ModelSpace(lambda: nas.InputChoice(3, None, reduction="mean", label="any"))
    assert len(anything.search_space["any"].values) == 7
    assert anything.freeze({"any": [1, 2]})([a, b, c]).item() == 1.5


def test_cell_wiring_and_ops_are_decisions():
    ops = {"conv": lambda p: nn.Conv2d(4, 4, 3, padding=1), "skip": lambda p: nn.Identity()}

    def factory():
        return nas.Cell(ops, 2, n_ops_per_node=2, n_inputs=2, label="cell")

    space = nas.ModelSpace(factory, example_input=([torch.zeros(1, 4, 5, 5)] * 2,))
    names = space.search_space.names
    assert names[:4] == ("cell/input_0_0", "cell/op_0_0", "cell/input_0_1", "cell/op_0_1")
    assert space.search_space["cell/input_1_0"].values == (0, 1, 2)
    arch = {name: "skip" if "/op_" in name else value
            for name, value in space.default_architecture().items()}
    arch.update({"cell/op_1_1": "conv", "cell/input_1_1": 2})
    frozen = space.freeze(arch)
    assert isinstance(frozen, nas.FrozenCell) and _primitives(frozen) == []
    assert frozen([torch.zeros(1, 4, 5, 5)] * 2).shape == (1, 8, 5, 5)  # two nodes concatenated
    assert sum(isinstance(m, nn.Conv2d) for m in frozen.modules()) == 1


def test_loose_end_cells_concatenate_only_unread_nodes():
    ops = {"skip": lambda p: nn.Identity()}
    space = nas.ModelSpace(lambda: nas.Cell(ops, 3, n_inputs=1, merge="loose_end", label="c"))
    arch = {"c/input_0_0": 0, "c/op_0_0": "skip", "c/input_1_0": 1, "c/op_1_0": "skip",
            "c/input_2_0": 0, "c/op_2_0": "skip"}
    assert space.freeze(arch)([torch.zeros(1, 2)]).shape == (1, 4)  # nodes 1 and 2; 0 is read


# -- shape checks -------------------------------------------------------------------------


def test_candidates_of_different_shapes_fail_at_construction_with_their_names():
    def factory():
        return nn.Sequential(nn.Conv2d(1, 8, 3), nas.LayerChoice(
            {"narrow": nn.Conv2d(8, 8, 3, padding=1), "wide": nn.Conv2d(8, 16, 3, padding=1)},
            label="op"))

    with pytest.raises(nas.ShapeError, match=r"LayerChoice 'op' produce different shapes: "
                       r"'narrow' -> \(1, 8, 6, 6\), 'wide' -> \(1, 16, 6, 6\)"):
        nas.ModelSpace(factory, example_input=torch.zeros(1, 1, 8, 8))


def test_a_candidate_that_cannot_take_the_input_is_named():
    def factory():
        return nn.Sequential(nn.Flatten(), nas.LayerChoice([nn.Linear(64, 4), nn.Linear(32, 4)],
                                                           label="fc"))

    with pytest.raises(nas.ShapeError, match=r"LayerChoice 'fc' candidate 1 fails on input of "
                       r"shape \(1, 64\)"):
        nas.ModelSpace(factory, example_input=torch.zeros(1, 1, 8, 8))


def test_a_value_choice_that_other_layers_ignore_is_caught():
    def factory():
        return nn.Sequential(nn.Conv2d(1, nas.ValueChoice([8, 16], label="w"), 3),
                             nn.Conv2d(8, 4, 3))

    with pytest.raises(nas.ShapeError, match=r"fails with 'w' = 16 .*expected input.*8 channels"):
        nas.ModelSpace(factory, example_input=torch.zeros(1, 1, 8, 8))


def test_a_block_that_changes_shape_cannot_vary_in_depth():
    def factory():
        return nas.Repeat(lambda i: nn.Linear(4 * (i + 1), 4 * (i + 2)), (1, 2), label="n")

    with pytest.raises(nas.ShapeError, match=r"depths of Repeat 'n'.*'depth 1' -> \(1, 8\), "
                       r"'depth 2' -> \(1, 12\)"):
        nas.ModelSpace(factory, example_input=torch.zeros(1, 4))
    with pytest.raises(nas.ShapeError, match=r"Repeat 'n' block 0 fails"):
        nas.ModelSpace(lambda: nas.Repeat(lambda i: nn.Linear(8, 8), (1, 2), label="n"),
                       example_input=torch.zeros(1, 4))


def test_input_choice_inputs_of_different_shapes_are_named():
    class Skip(nn.Module):
        def __init__(self):
            super().__init__()
            self.pick = nas.InputChoice(2, label="pick")

        def forward(self, x):
            return self.pick([x, x[:, :2]])

    with pytest.raises(nas.ShapeError, match=r"InputChoice 'pick' have different shapes: "
                       r"input 0 -> \(1, 4\), input 1 -> \(1, 2\)"):
        nas.ModelSpace(Skip, example_input=torch.zeros(1, 4))


# -- architectures ------------------------------------------------------------------------


def test_architecture_json_round_trip(tmp_path):
    space = _space()
    arch = space.random_architecture(3)
    nas.save_architecture(arch, tmp_path / "arch.json")
    assert json.loads((tmp_path / "arch.json").read_text()) == arch
    assert nas.load_architecture(tmp_path / "arch.json", space) == arch


def test_a_wrong_architecture_is_refused_with_what_is_wrong(tmp_path):
    space = _space()
    arch = space.default_architecture()
    with pytest.raises(SearchSpaceError, match=r"missing a value for active parameter 'skip'"):
        space.freeze({k: v for k, v in arch.items() if k != "skip"})
    with pytest.raises(SearchSpaceError, match=r"'op'.*value 'conv7'|conv7.*'op'"):
        space.freeze({**arch, "op": "conv7"})
    (tmp_path / "bad.json").write_text("[1, 2]")
    with pytest.raises(SearchSpaceError, match=r"must hold a JSON object"):
        nas.load_architecture(tmp_path / "bad.json")


def test_model_spaces_and_supernets_copy_and_pickle():
    space = _space()
    again = pickle.loads(pickle.dumps(space))
    arch = space.random_architecture(5)
    assert again.freeze(arch)(torch.zeros(1, 1, 8, 8)).shape == (1, 10)
    clone = copy.deepcopy(space.supernet())
    assert isinstance(clone.op, nas.LayerChoice) and clone.op.names == ["conv3", "conv5", "skip"]


def test_bad_primitive_arguments_name_the_fix():
    with pytest.raises(SearchSpaceError, match=r"`n_chosen` must be between 1 and n_candidates=2"):
        _ = nas.ModelSpace(lambda: nas.InputChoice(2, 3, label="x")).search_space
    with pytest.raises(SearchSpaceError, match=r"`depth` must be an int, a \(min, max\) tuple"):
        _ = nas.ModelSpace(lambda: nas.Repeat(lambda i: nn.ReLU(), "3")).search_space
    with pytest.raises(SearchSpaceError, match=r"label.*without '/'"):
        _ = nas.ModelSpace(lambda: nas.LayerChoice([nn.ReLU()], label="a/b")).search_space
    with pytest.raises(SearchSpaceError, match=r"must be an nn.Module or a function"):
        _ = nas.ModelSpace(lambda: nas.LayerChoice([3], label="a")).search_space


def test_an_example_input_the_model_cannot_take_is_named():
    with pytest.raises(nas.ShapeError, match=r"fails on `example_input` of shape \[\(1, 3, 8, 8\)\]"
                       r" at its defaults: RuntimeError"):
        nas.ModelSpace(Net, example_input=torch.zeros(1, 3, 8, 8))


def test_candidate_lists_and_names_that_cannot_work_are_refused():
    with pytest.raises(SearchSpaceError, match=r"ValueChoice 'w' takes a list of candidates"):
        _ = nas.ModelSpace(lambda: nn.Linear(2, nas.ValueChoice("16", label="w"))).search_space
    with pytest.raises(SearchSpaceError, match=r"candidate names must be non-empty str without"
                       r" '/' or '.', but got \['conv.3'\]"):
        _ = nas.ModelSpace(lambda: nas.LayerChoice({"conv.3": nn.ReLU()}, label="a")).search_space
    with pytest.raises(SearchSpaceError, match=r"op names must be non-empty str"):
        _ = nas.ModelSpace(lambda: nas.Cell({1: lambda p: nn.ReLU()}, 1, label="c")).search_space
