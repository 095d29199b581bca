"""What the three formats share beyond single values: the search space (inline, or in a
JSON / YAML file next to the config file), the trial code directory, and building the
final `ExperimentConfig`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ._document import Document, Key
from ._fields import text
from ._model import ExperimentConfig
from ._yaml import parse_yaml

_SPACE_EXAMPLE = '{"lr": {"_type": "loguniform", "_value": [0.0001, 0.1]}}'


def search_space(
    doc: Document,
    data: dict[str, Any],
    *,
    inline_key: str | None,
    file_key: str,
    missing_hint: str = "",
) -> Any:
    """The search space given inline under `inline_key` or in the file named by `file_key`,
    as plain data (NNI's search_space.json form or hyperscout's ``{"parameters": [...]}``)."""
    inline = data.get(inline_key) if inline_key else None
    file = data.get(file_key)
    if inline is not None and file is not None:
        raise doc.error(
            (file_key,),
            f"set only one of `{inline_key}` and `{file_key}`, "
            "but both are set. Remove one of them.",
        )
    if file is not None:
        return _load_space_file(doc, (file_key,), file)
    if inline_key is not None and inline is not None:
        _check_space(inline, origin=doc.where((inline_key,)))
        return inline
    options = f"`{file_key}` (a JSON or YAML file)"
    if inline_key:
        options += f" or `{inline_key}` (the space itself)"
    raise doc.error((), f"no search space: set {options}.{missing_hint}")


def _load_space_file(doc: Document, path: Key, value: Any) -> Any:
    name = text(doc, path, value)
    file = (doc.base_dir / Path(name).expanduser()).resolve()
    if not file.is_file():
        raise doc.error(
            path,
            f"search space file {name!r} not found (looked for {file}). Fix "
            f"the path; a relative one starts from the config file's folder.",
        )
    content = file.read_text(encoding="utf-8")
    named_in = f"(the search space file named in {doc.where(path)})"
    if file.suffix.lower() == ".json":
        try:
            space = json.loads(content)
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"{file}, line {exc.lineno}: invalid JSON: {exc.msg} {named_in}. "
                "Fix the JSON (a .yaml file may hold YAML instead)."
            ) from None
    else:
        space, _ = parse_yaml(content, str(file))
    _check_space(space, origin=f"{file} {named_in}")
    return space


def _check_space(space: Any, *, origin: str) -> None:
    if not isinstance(space, dict) or not space:
        raise ConfigError(
            f"{origin}: a search space must be a non-empty mapping of parameter "
            f"names to their definitions, like {_SPACE_EXAMPLE}, but got {space!r}."
        )
    try:  # validating here, when the space module is there, names the file in the message
        from ..space import as_space
    except ImportError:  # pragma: no cover - the engine validates the space in any case
        return
    try:
        as_space(space)
    except (ValueError, TypeError, KeyError) as exc:
        raise ConfigError(f"{origin}: invalid search space: {exc}") from None


def code_directory(doc: Document, path: Key, value: Any) -> str:
    """The trial code directory as an absolute path; a relative one starts at `doc.base_dir`."""
    name = "." if value is None else text(doc, path, value)
    folder = (doc.base_dir / Path(name).expanduser()).resolve()
    if not folder.is_dir():
        raise doc.error(
            path,
            f"trial code directory {name!r} does not exist (looked for "
            f"{folder}). Fix the path; a relative one starts from the config "
            "file's folder.",
        )
    return str(folder)


def build(doc: Document, values: dict[str, Any], fmt: str) -> ExperimentConfig:
    """The `ExperimentConfig`; its own checks (which the readers mostly pre-empt) name the file."""
    try:
        return ExperimentConfig(**values, source=doc.source, format=fmt)
    except ConfigError as exc:
        raise doc.error((), str(exc)) from None
