"""The seed workload: the DAWNBench ResNet-9 space (channels per stage, what each stage
adds, the training hyperparameters beside them) and its fast trainer, in tiny mode on
the CPU."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="hyperscout.nas needs torch (the torch extra)")
from torch import nn

from hyperscout import nas
from hyperscout.errors import ConfigError, SearchSpaceError
from hyperscout.store import Store


def _separable(n, seed, size=12, channels=3):
    """Two classes told apart by the brightness of the left half: learnable in a few steps."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.rand(n, channels, size, size, generator=generator) * 0.5
    y = torch.randint(0, 2, (n,), generator=generator)
    x[y == 1, :, :, : size // 2] += 0.5
    return (x * 255).to(torch.uint8), y


def test_the_space_has_the_seed_ranges_and_the_training_hyperparameters():
    space = nas.resnet9_space().search_space
    assert space["prep_channels"].values == (16, 32, 48, 64)
    assert space["layer1_channels"].values[0] == 28 and space["layer1_channels"].values[-1] == 112
    assert space["layer2_channels"].values[-1] == 256
    assert space["layer3_channels"].values[-1] == 384
    assert set(space["layer2_add"].values) == {"none", "conv", "residual"}
    assert {"peak_lr", "peak_epoch", "label_smoothing", "batch_size", "logits_weight"} <= set(
        space.names)


def test_the_largest_network_is_the_dawnbench_shape():
    space = nas.resnet9_space()
    arch = {**space.default_architecture(), "prep_channels": 64, "layer1_channels": 112,
            "layer2_channels": 256, "layer3_channels": 384}
    model = space.freeze(arch)
    assert [m.out_channels for m in model.modules() if isinstance(m, nn.Conv2d)][:2] == [64, 112]
    assert isinstance(model.layers[0][2], nas._resnet9.Residual)
    assert isinstance(model.layers[1][2], nn.Identity)
    assert model.linear.in_features == 384 and model.scale.weight == 0.125
    assert model(torch.zeros(2, 3, 32, 32)).shape == (2, 10)


def test_hyperparameters_join_the_space_and_freezing_ignores_them():
    space = nas.resnet9_space(width=0.25)
    arch = space.random_architecture(0)
    assert "peak_lr" in arch
    assert isinstance(space.freeze(arch), nas.ResNet9)
    with pytest.raises(SearchSpaceError, match=r"hyperparameter\(s\) \['width'\] have the names"):
        _ = nas.ModelSpace(lambda: nn.Linear(2, nas.ValueChoice([1, 2], label="width")),
                           hyperparameters={"width": {"_type": "choice", "_value": [1]}}
                           ).search_space


def test_tiny_mode_trains_a_frozen_resnet9_on_the_cpu():
    space = nas.resnet9_space(classes=2, width=0.25, image_size=12)
    x, y = _separable(256, 0)
    x_test, y_test = _separable(128, 1)
    trainer = nas.FastTrainer(epochs=3, batch_size=64, peak_lr=0.2, crop_padding=2, cutout=2,
                              target=0.6, device="cpu")
    result = trainer.fit(space.freeze(space.default_architecture()), x, y, x_test, y_test)
    assert result.accuracy > 0.8, result
    assert len(result.accuracies) == len(result.epoch_seconds) == 3
    assert result.target_epoch is not None and result.target_epoch <= 3


def test_training_is_deterministic_under_a_seed():
    space = nas.resnet9_space(classes=2, width=0.25, image_size=12)
    x, y = _separable(128, 0)
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        model = space.freeze(space.default_architecture())
        runs.append(nas.FastTrainer(epochs=1, batch_size=32, device="cpu", seed=5)
                    .fit(model, x, y, x, y).accuracies)
    assert runs[0] == runs[1]


def test_augmentation_crops_flips_and_cuts_out_on_the_device():
    x = torch.arange(2 * 1 * 6 * 6, dtype=torch.float32).reshape(2, 1, 6, 6)
    generator = torch.Generator().manual_seed(0)
    same = nas.FastTrainer(crop_padding=0, flip=False, cutout=0)._augment(x, generator)
    assert torch.equal(same, x)
    cropped = nas.FastTrainer(crop_padding=2, flip=False, cutout=0)._augment(x, generator)
    assert cropped.shape == x.shape
    flipped = nas.FastTrainer(crop_padding=0, flip=True, cutout=0)._augment(
        x.repeat(50, 1, 1, 1), generator)
    mirrored = sum(bool(torch.equal(f, x[i % 2].flip(2))) for i, f in enumerate(flipped))
    assert 10 < mirrored < 90  # about half
    cut = nas.FastTrainer(crop_padding=0, flip=False, cutout=3)._augment(x + 1, generator)
    assert ((cut == 0).flatten(1).sum(1) > 0).all()  # every image has its square


def test_trainer_options_are_checked_and_taken_from_an_architecture():
    with pytest.raises(ConfigError, match=r"`peak_epoch` is a fraction of training"):
        nas.FastTrainer(peak_epoch=2)
    trainer = nas.FastTrainer().with_hyperparameters({"peak_lr": 0.8, "batch_size": 256,
                                                      "layer1_add": "conv"})
    assert (trainer.peak_lr, trainer.batch_size) == (0.8, 256)


X_TRAIN, Y_TRAIN = _separable(128, 0)


def evaluate(model, arch):
    trainer = nas.FastTrainer(epochs=2, batch_size=64, device="cpu").with_hyperparameters(arch)
    return trainer.fit(model, X_TRAIN, Y_TRAIN, X_TRAIN[:64], Y_TRAIN[:64]).accuracy


@pytest.mark.slow
def test_a_resnet9_search_reports_every_epoch_from_its_trials(tmp_path):
    space = nas.resnet9_space(classes=2, width=0.25, image_size=12)
    result = nas.search(space, evaluate, strategy="random", max_trials=2, seed=0,
                        storage=tmp_path, progress=False, trial_timeout=240)
    assert [t.state.value for t in result.trials] == ["succeeded", "succeeded"]
    store = Store(tmp_path)
    for trial in result.trials:
        assert len(store.intermediates(result.experiment_id, trial.number)) == 2
