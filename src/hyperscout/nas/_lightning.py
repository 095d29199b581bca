"""`LightningEvaluator`: evaluate each frozen model with a PyTorch Lightning module the user
already has, by wrapping the model in it and fitting with `hyperscout.lightning`'s
`ReportCallback`, so every validation epoch is an intermediate result."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from torch import nn

from ..errors import ConfigError


class LightningEvaluator:
    """``evaluate(model)`` for `nas.search`: ``module(model)`` builds the LightningModule
    that trains `model` (its ``training_step``, ``validation_step`` logging `monitor`, and
    ``configure_optimizers``); a ``lightning.Trainer(**trainer_kwargs)`` fits it on
    `datamodule` (or `train_dataloaders` / `val_dataloaders`); the result is the last
    validation value of `monitor`.

    The data and the module factory travel to the trial's worker with the evaluator, so
    build data loaders from data in memory or on a shared disk.
    """

    def __init__(self, module: Callable[[nn.Module], Any], *, monitor: str = "val_acc",
                 trainer_kwargs: dict[str, Any] | None = None, datamodule: Any = None,
                 train_dataloaders: Any = None, val_dataloaders: Any = None) -> None:
        if not callable(module):
            raise ConfigError("`module` of a LightningEvaluator must be a function of the "
                              f"model returning a LightningModule, but got {module!r}.")
        if datamodule is None and train_dataloaders is None:
            raise ConfigError("a LightningEvaluator needs `datamodule` or "
                              "`train_dataloaders` (with `val_dataloaders` for `monitor`).")
        self.module, self.monitor = module, monitor
        self.trainer_kwargs = dict(trainer_kwargs or {})
        self.datamodule = datamodule
        self.train_dataloaders, self.val_dataloaders = train_dataloaders, val_dataloaders

    def __call__(self, model: nn.Module) -> float | None:
        from ..lightning import ReportCallback

        try:  # the package whose Callback ReportCallback subclasses
            from lightning.pytorch import Trainer
        except ImportError:
            from pytorch_lightning import Trainer

        callback = ReportCallback(self.monitor, final=None, save_checkpoint=False)
        kwargs = {"enable_progress_bar": False, "enable_model_summary": False,
                  "logger": False, "enable_checkpointing": False, **self.trainer_kwargs}
        kwargs["callbacks"] = [*kwargs.get("callbacks", []), callback]
        trainer = Trainer(**kwargs)
        if self.datamodule is not None:
            trainer.fit(self.module(model), datamodule=self.datamodule)
        else:
            trainer.fit(self.module(model), train_dataloaders=self.train_dataloaders,
                        val_dataloaders=self.val_dataloaders)
        value = trainer.callback_metrics.get(self.monitor)
        if value is None:
            raise ConfigError(
                f"the LightningModule never logged {self.monitor!r}; log it in "
                f"validation_step (self.log({self.monitor!r}, ...)) or set `monitor`.")
        return float(value)
