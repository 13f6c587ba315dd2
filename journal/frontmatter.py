"""Read an entry's YAML front matter key by key, knowing each key's line.

PyYAML reads ``date: 2026-13-01`` as a timestamp and fails on the whole document ("month must be
in 1..12", at no useful line). Here the document is composed first (its structure, with marks),
then each top-level value is built on its own, so one impossible date is reported at its own line
and names its field, and every other key is still read and checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml


@dataclass
class FrontMatter:
    """The keys that could be read, the line of every key, and what could not be read."""

    meta: dict = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, message)
    unreadable: set[str] = field(default_factory=set)  # keys reported in ``problems``


class NotAMapping(ValueError):
    """The front matter is YAML, but not ``key: value`` lines."""


def load(source: str, first_line: int = 2) -> FrontMatter:
    """Read ``source`` (the lines between the ``---`` markers; its first line is the file's
    ``first_line``). Raises ``yaml.YAMLError`` for a syntax error, NotAMapping for a list or
    a scalar."""
    node = yaml.compose(source, Loader=yaml.SafeLoader)
    out = FrontMatter()
    if node is None:
        return out
    if not isinstance(node, yaml.MappingNode):
        raise NotAMapping("front matter must be a YAML mapping (key: value lines)")
    for key_node, value_node in node.value:
        key = str(_build(key_node))
        out.lines[key] = first_line + key_node.start_mark.line
        try:
            out.meta[key] = _build(value_node)
        except (ValueError, TypeError, yaml.YAMLError) as exc:
            bad = _first_unbuildable(value_node) or value_node
            what = "a date" if bad.tag == "tag:yaml.org,2002:timestamp" else "readable"
            hint = "; write YYYY-MM-DD" if what == "a date" else ""
            out.problems.append(
                (
                    first_line + bad.start_mark.line,
                    f"{key}: {getattr(bad, 'value', '')!s} is not {what} ({_reason(exc)}{hint})",
                )
            )
            out.unreadable.add(key)
    return out


def _build(node: yaml.Node):
    return yaml.SafeLoader("").construct_document(node)


def _reason(exc: Exception) -> str:
    return (getattr(exc, "problem", None) or str(exc)).splitlines()[0]


def _first_unbuildable(node: yaml.Node) -> yaml.ScalarNode | None:
    """The first scalar under ``node`` that cannot be built (an impossible date, say)."""
    if isinstance(node, yaml.ScalarNode):
        try:
            _build(node)
        except (ValueError, TypeError, yaml.YAMLError):
            return node
        return None
    children = node.value if isinstance(node, yaml.SequenceNode) else []
    if isinstance(node, yaml.MappingNode):
        children = [n for pair in node.value for n in pair]
    for child in children:
        found = _first_unbuildable(child)
        if found is not None:
            return found
    return None
