"""`load_config` and `config_from_dict`: read a config file in any of the three formats,
telling them apart by the fields only one format has (NNI v1's `trainingServicePlatform`,
NNI v2's `trialCommand`, hyperscout's `trial_command`, ...)."""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from . import _hyperscout, _nni_v1, _nni_v2
from ._document import Document
from ._fields import Schema
from ._model import ExperimentConfig
from ._yaml import parse_yaml

Reader = Callable[..., ExperimentConfig]

# format -> (label in messages, top-level schema, reader)
FORMATS: dict[str, tuple[str, Schema, Reader]] = {
    "hyperscout": (_hyperscout.LABEL, _hyperscout.SCHEMA, _hyperscout.read),
    "nni-v1": (_nni_v1.LABEL, _nni_v1.SCHEMA, _nni_v1.read),
    "nni-v2": (_nni_v2.LABEL, _nni_v2.SCHEMA, _nni_v2.read),
}


def load_config(path: str | os.PathLike[str]) -> ExperimentConfig:
    """Read an experiment config file: hyperscout YAML, NNI v1 or NNI v2 (detected).

    Relative paths in the file (search space file, trial code directory) start from the
    file's folder. Fields NNI knows that hyperscout does not support yet are ignored with
    a `ConfigWarning`.

    Raises:
        ConfigError: The file is missing, not valid YAML, or has an unknown field or a wrong
            value; the message names the file, the line, the field and the fix.
    """
    file = Path(path).expanduser()
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"config file {str(path)!r} not found (looked for {file.resolve()})."
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {str(path)!r}: {exc}") from None
    data, lines = parse_yaml(text, str(path))
    doc = Document(
        name=str(path), base_dir=file.resolve().parent, source=str(file.resolve()), lines=lines
    )
    return _read(doc, data)


def config_from_dict(
    data: dict[str, Any],
    *,
    source: str | os.PathLike[str] | None = None,
    base_dir: str | os.PathLike[str] = ".",
) -> ExperimentConfig:
    """`load_config` for data already parsed (a dict in any of the three formats).

    Args:
        data: The config's top-level mapping; it is not modified.
        source: Where the data came from: used in messages and kept as `config.source`.
        base_dir: The folder that relative paths in `data` start from.
    """
    name = str(source) if source is not None else "the config"
    doc = Document(
        name=name,
        base_dir=Path(base_dir).expanduser().resolve(),
        source=None if source is None else str(source),
    )
    return _read(doc, copy.deepcopy(data))


def detect_format(data: dict[str, Any]) -> str:
    """The format of `data` ("hyperscout", "nni-v1" or "nni-v2"): the one whose own fields
    (those no other format has) `data` holds most of.

    Raises:
        ConfigError: Two formats' own fields tie (a file that mixes them).
    """
    hits = {fmt: [k for k in data if k in own] for fmt, own in _own_fields().items()}
    ranked = sorted(hits, key=lambda fmt: len(hits[fmt]), reverse=True)
    best, second = ranked[0], ranked[1]
    if hits[best] and len(hits[best]) == len(hits[second]):
        found = "; ".join(f"{FORMATS[f][0]} fields {hits[f]}" for f in ranked if hits[f])
        raise ConfigError(
            f"cannot tell which format this config is in: it has {found}. Use the "
            "field names of one format (see docs/config-file.md)."
        )
    if hits[best]:
        return best
    # Only fields that NNI v1 and v2 share (experimentName, tuner, ...): NNI's current format.
    nni = set(_nni_v1.SCHEMA) | set(_nni_v2.SCHEMA)
    return "nni-v2" if any(k in nni and k not in _hyperscout.SCHEMA for k in data) else "hyperscout"


def _own_fields() -> dict[str, set[str]]:
    """Each format's top-level fields that no other format has."""
    return {
        fmt: set(schema) - {k for other, (_, s, _) in FORMATS.items() if other != fmt for k in s}
        for fmt, (_, schema, _) in FORMATS.items()
    }


def _read(doc: Document, data: Any) -> ExperimentConfig:
    if data is None:
        raise doc.error((), "the config is empty. See docs/config-file.md for the fields.")
    if not isinstance(data, dict):
        raise doc.error(
            (),
            f"a config must be a mapping of `field: value` lines, but the top "
            f"level is a {type(data).__name__}.",
        )
    try:
        fmt = detect_format(data)
    except ConfigError as exc:
        raise doc.error((), str(exc)) from None
    reader = FORMATS[fmt][2]
    elsewhere = {
        key: other_label
        for other, (other_label, schema, _) in FORMATS.items()
        if other != fmt
        for key in schema
    }
    return reader(doc, data, elsewhere=elsewhere)
