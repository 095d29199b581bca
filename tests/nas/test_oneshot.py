"""One-shot NAS: one weight-sharing supernet trained once instead of one model per
architecture. Each strategy (SPOS, random one-shot, DARTS of both orders, ENAS) exports
an architecture of the space, is deterministic under a seed, finds the architectures
that work on a toy task where some operations destroy the signal, and resumes from its
checkpoint to exactly where an uninterrupted search would be."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="hyperscout.nas needs torch (the torch extra)")
from torch import nn
from torch.func import functional_call

from hyperscout import nas
from hyperscout.errors import ConfigError, SearchSpaceError


class Noise(nn.Module):
    """An operation that replaces its input by noise: any architecture using it is at
    chance."""

    def forward(self, x):
        return torch.randn_like(x)


def _ops():
    return {"conv": lambda: nn.Sequential(nn.Conv2d(4, 4, 3, padding=1), nn.BatchNorm2d(4),
                                          nn.ReLU()),
            "noise": lambda: Noise(),
            "pool": lambda: nn.MaxPool2d(3, 1, 1)}


class Toy(nn.Module):
    """Two operation choices and a hidden width; the label is the sign of the centre's sum."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 4, 3, padding=1)
        self.a = nas.LayerChoice(_ops(), label="a")
        self.b = nas.LayerChoice(_ops(), label="b")
        hidden = nas.ValueChoice([8, 16, 32], label="hidden")
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(4 * 8 * 8, hidden), nn.ReLU(),
                                  nn.Linear(hidden, 2))

    def forward(self, x):
        return self.head(self.b(self.a(self.stem(x))))


def _data(n, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 1, 8, 8, generator=g)
    return x, (x[:, 0, 2:6, 2:6].sum((1, 2)) > 0).long()


def _space():
    return nas.ModelSpace(Toy, example_input=torch.zeros(2, 1, 8, 8))


def _training(epochs=10, **options):
    return nas.Classification(_data(512, 0), _data(192, 1), test_data=_data(192, 2),
                              epochs=epochs, batch_size=32, **options)


STRATEGIES = {
    "spos": lambda: nas.SPOS(search_trials=15),
    "random-oneshot": lambda: nas.RandomOneShot(search_trials=15),
    "darts": lambda: nas.DARTS(arch_learning_rate=0.03),
    "darts-2nd": lambda: nas.DARTS(order=2, arch_learning_rate=0.03),
    "enas": lambda: nas.ENAS(controller_steps=20, export_samples=6),
}
# DARTS relaxes choices between weights; a ValueChoice sizes them, so it is held.
FIXED = {"darts": {"hidden": 32}, "darts-2nd": {"hidden": 32}}


def _search(name, *, seed=0, training=None, **options):
    return nas.search(_space(), training or _training(), strategy=STRATEGIES[name](),
                      seed=seed, progress=False, **{"fixed": FIXED.get(name), **options})


def _losses(result):
    return [row["train_loss"] for row in result.history]


# -- every strategy ------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(STRATEGIES))
def test_each_strategy_exports_a_working_architecture_of_the_space(name):
    result = _search(name)
    space = _space()
    space.validate(result.best_architecture)
    assert "noise" not in (result.best_architecture["a"], result.best_architecture["b"])
    assert result.best_value > 0.6  # on the shared weights; chance is 0.5
    assert len(result.history) == 10
    assert [row["epoch"] for row in result.history] == list(range(1, 11))
    assert result.best_value == max(v for _, v in result.candidates)
    for arch, _ in result.candidates:
        space.validate(arch)
    retrained = result.retrain(seed=3)
    assert retrained.architecture == result.best_architecture
    assert retrained.val_accuracy > 0.75 and retrained.test_accuracy > 0.75
    assert isinstance(result.best_model(), Toy)


@pytest.mark.parametrize("name", list(STRATEGIES))
def test_each_strategy_is_deterministic_under_a_seed(name):
    training = _training(epochs=3)
    first, again = _search(name, seed=4, training=training), _search(name, seed=4,
                                                                     training=training)
    assert _losses(first) == _losses(again)
    assert first.best_architecture == again.best_architecture
    assert first.best_value == again.best_value
    assert _losses(_search(name, seed=5, training=training)) != _losses(first)


class Crash(Exception):
    pass


def _crash_after(strategy, steps):
    original, count = strategy.train_step, itertools.count()

    def step(*args, **kwargs):
        if next(count) == steps:
            raise Crash
        return original(*args, **kwargs)

    strategy.train_step = step
    return strategy


@pytest.mark.parametrize("name", list(STRATEGIES))
def test_a_search_killed_mid_epoch_resumes_from_its_checkpoint_to_the_same_result(
        tmp_path, name):
    training = _training(epochs=4)
    whole = _search(name, training=training)
    checkpoint = tmp_path / "search.pt"
    with pytest.raises(Crash):  # 16 steps an epoch: dies in the third
        nas.search(_space(), training, strategy=_crash_after(STRATEGIES[name](), 40),
                   seed=0, progress=False, fixed=FIXED.get(name), checkpoint=checkpoint)
    assert checkpoint.exists()
    resumed = _search(name, training=training, checkpoint=checkpoint)
    assert _losses(resumed) == _losses(whole)
    assert resumed.best_architecture == whole.best_architecture
    assert resumed.best_value == whole.best_value


def test_a_finished_checkpoint_skips_straight_to_the_export(tmp_path):
    checkpoint = tmp_path / "spos.pt"
    done = _search("spos", training=_training(epochs=2), checkpoint=checkpoint)
    strategy = _crash_after(STRATEGIES["spos"](), 0)  # any training step would raise
    again = nas.search(_space(), _training(epochs=2), strategy=strategy, seed=0,
                       progress=False, checkpoint=checkpoint)
    assert again.best_architecture == done.best_architecture
    assert again.history == done.history


def test_a_checkpoint_of_another_strategy_or_an_unreadable_one_is_refused(tmp_path):
    checkpoint = tmp_path / "spos.pt"
    _search("spos", training=_training(epochs=1), checkpoint=checkpoint)
    with pytest.raises(ConfigError, match="comes from another search.*strategy.*'spos'"):
        _search("enas", training=_training(epochs=1), checkpoint=checkpoint)
    old = torch.load(checkpoint, weights_only=False)
    torch.save({**old, "version": 1}, tmp_path / "old.pt")
    with pytest.raises(ConfigError, match="format version 1, which this hyperscout cannot"):
        _search("spos", training=_training(epochs=1), checkpoint=tmp_path / "old.pt")
    broken = tmp_path / "broken.pt"
    broken.write_bytes(b"not a checkpoint")
    with pytest.raises(ConfigError, match="cannot read the one-shot checkpoint.*Delete it"):
        _search("spos", training=_training(epochs=1), checkpoint=broken)
    assert broken.read_bytes() == b"not a checkpoint"


# -- what each strategy learns -------------------------------------------------------------
def test_darts_weights_the_operations_that_keep_the_signal_highest():
    result = _search("darts")
    weights = result.details["arch_weights"]
    for label in ("a", "b"):
        conv, noise, pool = weights[label]
        assert noise < conv and max(conv, pool) > 2 * noise, weights
    assert result.history[-1]["arch_confidence"] > result.history[0]["arch_confidence"]


def test_enas_rewards_grow_as_its_controller_learns():
    result = _search("enas")
    rewards = [row["reward"] for row in result.history]
    assert np.mean(rewards[-3:]) > np.mean(rewards[:3]) + 0.1, rewards
    assert 1 <= result.details["distinct_samples"] <= 6


def test_spos_scores_architectures_with_noise_operations_at_chance():
    result = _search("spos")
    for arch, value in result.candidates:
        if "noise" in (arch["a"], arch["b"]):
            assert value < 0.65, (arch, value)


class Linear2(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nas.LayerChoice({"lin": lambda: nn.Linear(3, 3),
                                  "tanh": lambda: nn.Sequential(nn.Linear(3, 3), nn.Tanh())},
                                 label="a")
        self.head = nn.Linear(3, 2)

    def forward(self, x):
        return self.head(self.a(x))


def test_second_order_darts_takes_the_architecture_gradient_through_a_virtual_step():
    """The finite-difference Hessian-vector product of the paper against the exact
    gradient of L_val(w - xi * dL_train/dw, alpha) by double backpropagation."""
    torch.manual_seed(0)
    x, vx = torch.randn(16, 3, dtype=torch.float64), torch.randn(16, 3, dtype=torch.float64)
    y, vy = (x[:, 0] > 0).long(), (vx[:, 1] > 0).long()
    training = nas.Classification((x, y), (vx, vy), optimizer="sgd", learning_rate=0.5,
                                  weight_decay=0.01)
    darts = nas.DARTS(order=2)
    net = nas.SharedSupernet(nas.ModelSpace(Linear2)).double()
    darts.prepare(net, training, np.random.default_rng(0))
    optimizer = training.make_optimizer(net.parameters())
    darts._unrolled_gradient(net, x, y, vx, vy, optimizer, training)
    approximated = darts.alphas["a"].grad.clone()

    params = dict(net.named_parameters())
    train_loss = training.loss(functional_call(net, params, (x,)), y)
    grads = torch.autograd.grad(train_loss, list(params.values()), create_graph=True)
    stepped = {k: p - 0.5 * (g + 0.01 * p) for (k, p), g in zip(params.items(), grads)}
    val_loss = training.loss(functional_call(net, stepped, (vx,)), vy)
    (exact,) = torch.autograd.grad(val_loss, [darts.alphas["a"]])
    first_order = torch.autograd.grad(training.loss(net(vx), vy), [darts.alphas["a"]])[0]

    assert torch.allclose(approximated, exact, rtol=1e-3, atol=1e-7), (approximated, exact)
    assert not torch.allclose(first_order, exact, rtol=1e-2, atol=1e-6)
    assert all(torch.equal(p, params[k]) for k, p in net.named_parameters())  # restored


class Wired(nn.Module):
    """Every primitive DARTS relaxes: a layer choice, an input choice, a depth, a cell."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Linear(4, 6)
        self.op = nas.LayerChoice([nn.Linear(6, 6), nn.Sequential(nn.Linear(6, 6), nn.ReLU())],
                                  label="op")
        self.deep = nas.Repeat(lambda i: nn.Sequential(nn.Linear(6, 6), nn.ReLU()), (1, 3),
                               label="depth")
        self.cell = nas.Cell({"lin": lambda p: nn.Linear(6, 6), "id": lambda p: nn.Identity()},
                             n_nodes=2, n_inputs=2, merge="all", label="cell")
        self.skip = nas.InputChoice(2, 1, reduction="sum", label="skip")
        self.head = nn.Linear(12, 2)

    def forward(self, x):
        x = self.stem(x)
        h = self.deep(self.op(x))
        return self.head(self.cell([x, self.skip([x, h])]))


def test_darts_relaxes_layer_and_input_choices_depths_and_cells():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(256, 4, generator=g)
    y = (x[:, 0] * x[:, 1] > 0).long()
    space = nas.ModelSpace(Wired, example_input=torch.zeros(2, 4))
    training = nas.Classification((x[:192], y[:192]), (x[192:], y[192:]), epochs=2,
                                  batch_size=32)
    result = nas.search(space, training, strategy=nas.DARTS(), seed=0, progress=False)
    space.validate(result.best_architecture)
    labels = set(result.details["arch_weights"])
    assert {"op", "depth", "skip"} <= labels
    assert any(label.startswith("cell/slot_") for label in labels)
    for weights in result.details["arch_weights"].values():
        assert sum(weights) == pytest.approx(1, abs=1e-3)


# -- the shared supernet -------------------------------------------------------------------
class Widths(nn.Module):
    def __init__(self):
        super().__init__()
        kernel = nas.ValueChoice([3, 5], label="kernel")
        width = nas.ValueChoice([4, 8], label="width")
        self.conv = nn.Sequential(nn.Conv2d(1, width, kernel, padding=kernel // 2),
                                  nn.BatchNorm2d(width), nn.ReLU())
        hidden = nas.ValueChoice([6, 12, 24], label="hidden")
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(width * 36, hidden), nn.ReLU(),
                                  nn.Linear(hidden, 3))

    def forward(self, x):
        return self.head(self.conv(x))


def _widths():
    return nas.ModelSpace(Widths, example_input=torch.zeros(2, 1, 6, 6))


def test_the_supernet_holds_each_value_choice_at_its_largest_and_runs_slices_of_it():
    net = nas.SharedSupernet(_widths())
    assert net.largest == {"kernel": 5, "width": 8, "hidden": 24}
    assert net.value_labels == ["kernel", "width", "hidden"]
    assert net.net.conv[0].weight.shape == (8, 1, 5, 5)
    arch = {"kernel": 3, "width": 4, "hidden": 6}
    x = torch.randn(5, 1, 6, 6)
    net.use(arch)
    net.train()
    net(x)  # batch-norm statistics of this architecture into the shared buffers
    net.eval()
    frozen = net.frozen_weights(arch).eval()
    assert frozen.conv[0].weight.shape == (4, 1, 3, 3)
    assert torch.equal(frozen.conv[0].weight, net.net.conv[0].weight[:4, :, 1:4, 1:4])
    assert torch.equal(frozen.head[1].weight, net.net.head[1].weight[:6, :4 * 36])
    assert torch.equal(frozen.conv[1].running_mean, net.net.conv[1].running_mean[:4])
    net.use(arch)
    assert torch.allclose(net(x), frozen(x), atol=1e-6)


def test_a_narrow_architecture_trains_only_the_slice_it_uses():
    net = nas.SharedSupernet(_widths())
    net.use({"kernel": 3, "width": 4, "hidden": 6})
    net(torch.randn(5, 1, 6, 6)).sum().backward()
    grad = net.net.conv[0].weight.grad
    assert grad[:4, :, 1:4, 1:4].abs().sum() > 0
    assert grad[4:].abs().sum() == 0 and grad[:, :, 0].abs().sum() == 0
    assert net.net.head[1].weight.grad[6:].abs().sum() == 0


def test_every_architecture_of_the_supernet_matches_its_frozen_model():
    net = nas.SharedSupernet(_space()).eval()
    x = torch.randn(4, 1, 8, 8)
    for arch in _space().search_space.grid():
        net.use(arch)
        torch.manual_seed(0)  # the same noise for both, where an op is noise
        shared = net(x)
        frozen = net.frozen_weights(arch).eval()
        torch.manual_seed(0)
        assert torch.allclose(shared, frozen(x), atol=1e-6), arch


def test_fixed_decisions_are_held_and_left_out_of_the_search():
    net = nas.SharedSupernet(_widths(), fixed={"width": 4})
    assert net.value_labels == ["kernel", "hidden"]
    assert net.net.conv[0].weight.shape == (4, 1, 5, 5)
    assert {p.name: p.default for p in net.search_space}["width"] == 4
    assert net.sample(np.random.default_rng(0))["width"] == 4
    with pytest.raises(SearchSpaceError, match=r"`fixed` names \['depth'\].*it has: kernel"):
        nas.SharedSupernet(_widths(), fixed={"depth": 2})
    with pytest.raises(SearchSpaceError, match="'width' the value 5, which is not one of"):
        nas.SharedSupernet(_widths(), fixed={"width": 5})


class Renaming(nn.Module):
    def __init__(self):
        super().__init__()
        n = nas.ValueChoice([1, 2], label="layers")
        self.body = nn.Sequential(*[nn.Linear(4, 4) for _ in range(n)])

    def forward(self, x):
        return self.body(x)


class Reshaping(nn.Module):
    def __init__(self):
        super().__init__()
        n = nas.ValueChoice([4, 8], label="n")
        self.lin = nn.Linear(n, 64 // n)
        self.out = nn.Linear(64 // n, 2)
        self.n = n

    def forward(self, x):
        return self.out(self.lin(x[:, : self.n]))


class Lazy(nn.Module):
    def __init__(self):
        super().__init__()
        self.op = nas.LayerChoice([nn.LazyLinear(3), nn.LazyLinear(3)], label="op")

    def forward(self, x):
        return self.op(x)


def test_value_choices_that_cannot_share_weights_by_slicing_are_refused():
    with pytest.raises(SearchSpaceError, match=r"lazy \(uninitialized\) weights.*nn.Linear"):
        nas.SharedSupernet(nas.ModelSpace(Lazy))
    with pytest.raises(SearchSpaceError, match="names its weights differently.*Repeat"):
        nas.SharedSupernet(nas.ModelSpace(Renaming))
    with pytest.raises(SearchSpaceError, match="does not fit in its shape.*`fixed=`"):
        nas.SharedSupernet(nas.ModelSpace(Reshaping))


# -- arguments -----------------------------------------------------------------------------
def test_darts_asks_to_hold_value_choices_and_refuses_unmixable_inputs():
    with pytest.raises(SearchSpaceError, match=r"ValueChoice decision\(s\) \['hidden'\].*`fixed=`"):
        nas.search(_space(), _training(), strategy=nas.DARTS(), progress=False)

    class Concat(nn.Module):
        def __init__(self):
            super().__init__()
            self.pick = nas.InputChoice(3, None, reduction="concat", label="pick")

        def forward(self, x):
            return self.pick([x, x, x])

    with pytest.raises(SearchSpaceError, match="InputChoice 'pick'.*'sum' or 'mean'"):
        nas.search(nas.ModelSpace(Concat), _training(), strategy=nas.DARTS(), progress=False)


def test_one_shot_search_names_the_arguments_that_do_not_apply():
    with pytest.raises(ConfigError,
                       match=r"one-shot strategy.*\['concurrency', 'trial_timeout'\]"):
        nas.search(_space(), _training(), strategy=nas.SPOS(), concurrency=2,
                   trial_timeout=5)
    with pytest.raises(ConfigError, match=r"one-shot strategy.*\['max_trials'\]"):
        nas.search(_space(), _training(), strategy=nas.DARTS(), max_trials=20)
    with pytest.raises(ConfigError, match="training setup, a hyperscout.nas.Classification"):
        nas.search(_space(), lambda model: 0.5, strategy=nas.ENAS())
    with pytest.raises(ConfigError, match="`space` must be a hyperscout.nas.ModelSpace"):
        nas.SPOS().search(Toy, _training())


@pytest.mark.parametrize("make, match", [
    (lambda: nas.SPOS(search_trials=0), "`search_trials` of SPOS"),
    (lambda: nas.SPOS(bn_batches=-1), "`bn_batches` of SPOS"),
    (lambda: nas.DARTS(order=3), "`order` of DARTS must be 1 or 2"),
    (lambda: nas.DARTS(arch_learning_rate=0), "`arch_learning_rate` must be a number > 0"),
    (lambda: nas.ENAS(controller_steps=0), "`controller_steps` of ENAS"),
    (lambda: nas.ENAS(eval_batches=1.5), "`eval_batches` of ENAS"),
])
def test_bad_strategy_options_name_the_option(make, match):
    with pytest.raises(ConfigError, match=match):
        make()


def test_the_resnet9_seed_space_shares_its_channel_ladders_in_one_supernet():
    space = nas.resnet9_space(classes=10, width=0.25, in_channels=1, image_size=12)
    net = nas.SharedSupernet(space).eval()
    assert set(net.value_labels) >= {"prep_channels", "layer1_channels", "layer2_channels",
                                     "layer3_channels"}
    assert "peak_lr" in net.fixed  # training hyperparameters are held: one supernet
    x = torch.rand(3, 1, 12, 12)
    rng = np.random.default_rng(0)
    for _ in range(3):
        arch = net.sample(rng)
        net.use(arch)
        assert torch.allclose(net(x), net.frozen_weights(arch).eval()(x), atol=1e-5), arch
