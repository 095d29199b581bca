"""YAML in and out. Reading goes through PyYAML's node graph (`compose`), which keeps
the line of every key that `safe_load` throws away; writing uses a dumper that keeps
short lists on one line and never emits anchors."""

from __future__ import annotations

from typing import Any

import yaml  # type: ignore[import-untyped]

from ..errors import ConfigError
from ._document import Key, dotted

_MERGE_TAG = "tag:yaml.org,2002:merge"


def parse_yaml(text: str, name: str) -> tuple[Any, dict[Key, int]]:
    """The data of a one-document YAML text and the 1-based line of each key and list item.

    Raises:
        ConfigError: Invalid YAML (naming the line and a likely fix), several documents,
            or a key that appears twice in one mapping.
    """
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        lines: dict[Key, int] = {}
        _record_lines(node, (), lines, name, set())
        return loader.construct_document(node), lines
    except yaml.MarkedYAMLError as exc:
        raise ConfigError(_syntax_message(exc, name)) from None
    except yaml.YAMLError as exc:  # no position known, e.g. a bad character in the stream
        raise ConfigError(f"{name}: invalid YAML: {exc}") from None
    finally:
        loader.dispose()


def _record_lines(
    node: yaml.Node, path: Key, lines: dict[Key, int], name: str, active: set[int]
) -> None:
    if id(node) in active:  # an alias that contains itself
        return
    active.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _MERGE_TAG:
                continue  # keys merged in with `<<` fall back to the line of their mapping
            child = (*path, key_node.value)
            line = key_node.start_mark.line + 1
            if child in lines:
                raise ConfigError(
                    f"{name}, line {line}: `{dotted(child)}` is set twice (lines {lines[child]} "
                    f"and {line}). Keep only one of them."
                )
            lines[child] = line
            _record_lines(value_node, child, lines, name, active)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*path, index)] = item.start_mark.line + 1
            _record_lines(item, (*path, index), lines, name, active)
    active.discard(id(node))


def _syntax_message(exc: yaml.MarkedYAMLError, name: str) -> str:
    problem_line = exc.problem_mark.line + 1 if exc.problem_mark is not None else None
    context_line = exc.context_mark.line + 1 if exc.context_mark is not None else None
    # "while scanning a simple key" marks where the broken construct starts, which is
    # the line to fix; the problem is often only noticed on a later line.
    starts_there = context_line is not None and (exc.context or "").startswith("while")
    line = context_line if starts_there else (problem_line or context_line)
    where = f"{name}, line {line}" if line is not None else name
    problem = " ".join(p for p in (exc.context, exc.problem) if p) or "syntax error"
    if problem_line is not None and problem_line != line:
        problem += f" (at line {problem_line})"
    return f"{where}: invalid YAML: {problem}. {_syntax_fix(problem)}"


def _syntax_fix(problem: str) -> str:
    if "\t" in problem or "'\\t'" in problem:
        return "Indent with spaces, not tabs."
    if "could not find expected ':'" in problem:
        return "Write each field as `key: value`, with a colon after the key."
    if "mapping values are not allowed" in problem:
        return (
            "Put a space after each `key:`, indent nested keys consistently, and quote a "
            "value that contains ': '."
        )
    if "expected a single document" in problem:
        return "Keep one document per config file (remove the extra `---`)."
    return "Check the indentation, brackets and quotes from that line on."


class _Dumper(yaml.SafeDumper):
    """Readable output: a list of plain values on one line, nested mappings as blocks."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flat = all(isinstance(x, (str, int, float, bool, type(None))) for x in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flat)


_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(tuple, _represent_list)


def dump_yaml(data: Any) -> str:
    """`data` as block-style YAML in the order given."""
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=100,
    )
