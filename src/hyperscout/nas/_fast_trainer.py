"""`FastTrainer`: the DAWNBench-style schedule that trains a ResNet-9 on CIFAR-10 in
minutes (Page, 2018; Jordan, "airbench", 2024), for any image classifier.

What makes it fast: the whole data set lives on the device, normalised once; augmentation
(random crop from a reflect-padded image, horizontal flip, cutout) runs on the device one
batch at a time; SGD with Nesterov momentum follows a one-cycle learning rate (linear up
to `peak_lr` at `peak_epoch`, linear down to zero); label smoothing; bf16 autocast and
channels_last on CUDA, optional `torch.compile`; the test score averages the logits of
each image and its mirror (test-time flip augmentation).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import torch
from torch import nn

from .. import trial as trial_api
from ..errors import ConfigError


@dataclass
class TrainResult:
    """What one `FastTrainer.fit` did: the final test accuracy, the accuracy and the
    seconds of each epoch (training only), and the epoch at which `target` was reached."""

    accuracy: float
    accuracies: list[float] = field(default_factory=list)
    epoch_seconds: list[float] = field(default_factory=list)
    target_epoch: int | None = None


@dataclass(frozen=True)
class FastTrainer:
    """Train an image classifier with the fast schedule and score it on a test set.

    Args:
        epochs: passes over the training set.
        batch_size: images per step.
        peak_lr: the learning rate at the top of the one-cycle schedule.
        peak_epoch: where the schedule peaks, as a fraction of training.
        momentum, weight_decay: SGD's (Nesterov momentum).
        label_smoothing: of the cross-entropy loss.
        crop_padding: pixels of reflect padding for the random crop (0: no crop).
        flip: random horizontal flips.
        cutout: side of the square zeroed at a random place of each image (0: none).
        tta: score each test image with its mirror too.
        device: ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"``, ``"cuda:1"``...
        precision: ``"auto"`` (bf16 on CUDA, fp32 on CPU), ``"bf16"``, ``"fp16"``, ``"fp32"``.
        compile: wrap the model in `torch.compile`.
        seed: of the initialisation order, the augmentation and the batches.
        target: an accuracy whose first epoch is recorded in `TrainResult.target_epoch`.
        report: report each epoch's test accuracy with `report_intermediate_result` (inside
            a trial only), so schedulers and assessors can act on it.
    """

    epochs: int = 10
    batch_size: int = 512
    peak_lr: float = 0.4
    peak_epoch: float = 0.25
    momentum: float = 0.9
    weight_decay: float = 5e-4
    label_smoothing: float = 0.2
    crop_padding: int = 4
    flip: bool = True
    cutout: int = 8
    tta: bool = True
    device: str = "auto"
    precision: str = "auto"
    compile: bool = False
    seed: int = 0
    target: float | None = None
    report: bool = True

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 1:
            raise ConfigError(f"FastTrainer needs `epochs` and `batch_size` >= 1, but got "
                              f"epochs={self.epochs}, batch_size={self.batch_size}.")
        if not 0 < self.peak_epoch < 1:
            raise ConfigError(f"FastTrainer `peak_epoch` is a fraction of training in (0, 1), "
                              f"but got {self.peak_epoch!r}.")
        if self.precision not in ("auto", "bf16", "fp16", "fp32"):
            raise ConfigError(f"FastTrainer `precision` must be auto, bf16, fp16 or fp32, but "
                              f"got {self.precision!r}.")

    def with_hyperparameters(self, params: dict[str, Any]) -> FastTrainer:
        """A copy with the fields that `params` names (``peak_lr``, ``batch_size``, ...)."""
        fields = {k: v for k, v in params.items() if k in self.__dataclass_fields__}
        return replace(self, **fields)

    # -- data ------------------------------------------------------------------------------
    def _device(self) -> torch.device:
        if self.device == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        return torch.device(self.device)

    @staticmethod
    def _as_nchw(images: Any) -> torch.Tensor:
        x = torch.as_tensor(np.asarray(images) if not isinstance(images, torch.Tensor)
                            else images)
        if x.ndim == 3:
            x = x.unsqueeze(1)  # [N, H, W] grey
        elif x.ndim == 4 and x.shape[-1] in (1, 3) and x.shape[1] not in (1, 3):
            x = x.permute(0, 3, 1, 2)  # NHWC -> NCHW
        return x.float().div_(255) if x.dtype == torch.uint8 else x.float()

    def _augment(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        n, c, h, w = x.shape
        device = x.device
        if self.crop_padding:
            p = self.crop_padding
            padded = nn.functional.pad(x, (p, p, p, p), mode="reflect")
            dy = torch.randint(0, 2 * p + 1, (n,), device=device, generator=generator)
            dx = torch.randint(0, 2 * p + 1, (n,), device=device, generator=generator)
            rows = (torch.arange(h, device=device)[None] + dy[:, None])[:, None, :, None]
            cols = (torch.arange(w, device=device)[None] + dx[:, None])[:, None, None, :]
            x = padded[torch.arange(n, device=device)[:, None, None, None],
                       torch.arange(c, device=device)[None, :, None, None], rows, cols]
        if self.flip:
            mirror = torch.rand(n, device=device, generator=generator) < 0.5
            x = torch.where(mirror[:, None, None, None], x.flip(3), x)
        if self.cutout:
            cy = torch.randint(0, h, (n,), device=device, generator=generator)
            cx = torch.randint(0, w, (n,), device=device, generator=generator)
            half = self.cutout // 2
            ys = torch.arange(h, device=device)[None]
            xs = torch.arange(w, device=device)[None]
            inside = (((ys - cy[:, None]).abs() <= half)[:, :, None]
                      & ((xs - cx[:, None]).abs() <= half)[:, None, :])
            x = x.masked_fill(inside[:, None], 0.0)
        return x

    # -- training --------------------------------------------------------------------------
    def fit(self, model: nn.Module, x_train: Any, y_train: Any, x_test: Any,
            y_test: Any) -> TrainResult:
        """Train `model` (in place) on the training images and labels; score on the test
        set after each epoch. Images: uint8 or float, ``[N, H, W]``, NHWC or NCHW."""
        device = self._device()
        cuda = device.type == "cuda"
        precision = self.precision if self.precision != "auto" else ("bf16" if cuda else "fp32")
        torch.manual_seed(self.seed)
        generator = torch.Generator(device=device).manual_seed(self.seed)
        x_train_t, x_test_t = self._as_nchw(x_train), self._as_nchw(x_test)
        mean = x_train_t.mean((0, 2, 3), keepdim=True)
        std = x_train_t.std((0, 2, 3), keepdim=True).clamp_min(1e-6)
        x_train_t = ((x_train_t - mean) / std).to(device)
        x_test_t = ((x_test_t - mean) / std).to(device)
        y_train_t = torch.as_tensor(np.asarray(y_train), dtype=torch.long).to(device)
        y_test_t = torch.as_tensor(np.asarray(y_test), dtype=torch.long).to(device)
        memory = torch.channels_last if cuda else torch.contiguous_format
        model = model.to(device, memory_format=memory)
        step_model = torch.compile(model) if self.compile else model
        optimizer = torch.optim.SGD(model.parameters(), lr=self.peak_lr,
                                    momentum=self.momentum, nesterov=True,
                                    weight_decay=self.weight_decay)
        steps_per_epoch = (len(x_train_t) + self.batch_size - 1) // self.batch_size
        total = self.epochs * steps_per_epoch
        peak = max(1, round(self.peak_epoch * total))

        def one_cycle(step: int) -> float:
            return step / peak if step < peak else max(0.0, (total - step) / (total - peak))

        schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, one_cycle)
        loss_fn = nn.CrossEntropyLoss(label_smoothing=self.label_smoothing)
        dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)
        scaler = torch.amp.GradScaler("cuda", enabled=precision == "fp16" and cuda)
        result = TrainResult(0.0)
        for epoch in range(self.epochs):
            started = time.perf_counter()
            model.train()
            order = torch.randperm(len(x_train_t), device=device, generator=generator)
            for i in range(0, len(order), self.batch_size):
                batch = order[i:i + self.batch_size]
                inputs = self._augment(x_train_t[batch], generator)
                inputs = inputs.contiguous(memory_format=memory)
                with torch.autocast(device.type, dtype=dtype or torch.float32,
                                    enabled=dtype is not None):
                    loss = loss_fn(step_model(inputs), y_train_t[batch])
                optimizer.zero_grad(set_to_none=True)
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
                schedule.step()
            if cuda:
                torch.cuda.synchronize(device)
            result.epoch_seconds.append(time.perf_counter() - started)
            accuracy = self.score(model, x_test_t, y_test_t, dtype, memory)
            result.accuracies.append(accuracy)
            result.accuracy = accuracy
            if self.target is not None and result.target_epoch is None \
                    and accuracy >= self.target:
                result.target_epoch = epoch + 1
            if self.report and trial_api.get_trial_id() != "STANDALONE":
                trial_api.report_intermediate_result(accuracy)
        return result

    def score(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor,
              dtype: torch.dtype | None = None,
              memory: torch.memory_format = torch.contiguous_format) -> float:
        """Accuracy on normalised images `x` (with test-time flips when `tta`)."""
        model.eval()
        correct = 0
        with torch.no_grad(), torch.autocast(x.device.type, dtype=dtype or torch.float32,
                                             enabled=dtype is not None):
            for i in range(0, len(x), 1024):
                batch = x[i:i + 1024].contiguous(memory_format=memory)
                logits = model(batch).float()
                if self.tta:
                    logits = logits + model(batch.flip(3)).float()
                correct += int((logits.argmax(1) == y[i:i + 1024]).sum())
        return correct / len(x)
