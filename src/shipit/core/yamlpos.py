"""YAML with positions: the one loader for every YAML file shipit reads (``shipit.yaml``, the site's
on-call and knowledge-transfer files, CI pipelines).

ruamel.yaml's round-trip loader keeps the line and column of every key and item, so an error can say
``shipit.yaml:12:5``. :func:`plain` turns the round-trip tree into the plain dicts and lists a validator
wants, and :func:`position` walks back from a validator's error path to the node's line.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import SequenceNode
from ruamel.yaml.reader import ReaderError

from shipit.core.errors import ShipitError


class YamlSyntaxError(ShipitError):
    """A file that is not valid YAML; ``line``/``column`` are 1-based (0 when the parser gave none)."""

    def __init__(self, where: str, problem: str, line: int = 0, column: int = 0):
        if line:
            super().__init__(f"{where}:{line}:{column}: YAML syntax error: {problem}",
                             hint="check indentation and quoting near that line")
        else:
            super().__init__(f"{where}: cannot parse YAML: {problem}", hint="check the file's syntax")
        self.where, self.problem, self.line, self.column = where, problem, line, column


def load_yaml(data: bytes, where: str) -> Any:
    """The round-trip tree of ``data``; :class:`YamlSyntaxError` names ``where`` and the line.

    Unknown tags (GitLab's ``!reference [job, key]``) load as tagged sequences.
    """
    with _syntax_errors(data, where):
        return YAML(typ="rt").load(data)


@contextlib.contextmanager
def _syntax_errors(data: bytes, where: str) -> Iterator[None]:
    """ruamel's errors while loading ``data`` as :class:`YamlSyntaxError` with the line, where it has one."""
    try:
        yield
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise YamlSyntaxError(where, exc.problem or exc.context or "invalid YAML",
                              (mark.line + 1) if mark else 0, (mark.column + 1) if mark else 0) from None
    except ReaderError as exc:  # a character YAML does not allow (NUL, a control character, bad UTF-8)
        text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else str(data)
        before = text[:max(exc.position, 0)]
        line, column = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
        character = f"#x{exc.character:04x}" if isinstance(exc.character, int) else repr(exc.character)
        raise YamlSyntaxError(where, f"character {character} is not allowed in YAML ({exc.reason})",
                              line, column) from None
    except YAMLError as exc:  # the few other ruamel errors carry no position
        raise YamlSyntaxError(where, str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
    except RecursionError:
        raise YamlSyntaxError(where, "the document is nested too deeply") from None


class _LenientConstructor(RoundTripConstructor):
    """Accepts several ``<<`` merge keys in one mapping, as Ruby's YAML parser (and so GitLab) does: they are
    folded into one ``<<: [later, ..., earlier]`` so a later merge wins, and each fold's line is recorded."""

    def flatten_mapping(self, node: Any) -> Any:
        merges = [(k, v) for k, v in node.value if k.tag == "tag:yaml.org,2002:merge"]
        if len(merges) > 1:
            items: list = []
            for _key, value in reversed(merges):
                items += value.value if isinstance(value, SequenceNode) else [value]
            first = node.value.index(merges[0])
            rest = [kv for kv in node.value if kv not in merges]
            seq = SequenceNode("tag:yaml.org,2002:seq", items, merges[0][1].start_mark, merges[-1][1].end_mark)
            rest.insert(first, (merges[0][0], seq))
            node.value = rest
            self.loader.duplicate_merges.append(merges[1][0].start_mark.line + 1)
        return super().flatten_mapping(node)


@dataclass
class Documents:
    """Every YAML document of a file (``load_documents``), and the lines of folded duplicate ``<<`` keys."""

    documents: list
    duplicate_merges: list[int]


def load_documents(data: bytes, where: str) -> Documents:
    """All documents of ``data`` (round-trip trees), tolerating duplicate ``<<`` merge keys.

    For files other tools produce or accept (CI pipelines): GitLab's ``spec:`` header is a first document,
    and Ruby's YAML parser takes several ``<<`` keys in one mapping. ``shipit.yaml`` stays strict
    (:func:`load_yaml`).
    """
    yaml = YAML(typ="rt")
    yaml.Constructor = _LenientConstructor
    yaml.duplicate_merges = []
    with _syntax_errors(data, where):
        docs = list(yaml.load_all(data))
    return Documents(docs, sorted(set(yaml.duplicate_merges)))




#: At most this many values in a document once aliases are expanded (a "billion laughs" document
#: expands a few lines of aliases into billions of values).
MAX_NODES = 1_000_000


def plain(node: Any, where: str = "YAML document", _budget: list[int] | None = None,
          _path: frozenset[int] = frozenset()) -> Any:
    """Round-trip types → plain JSON-like data: mappings with string keys (``true:`` → ``"true"``), lists.

    A document that refers to itself through an alias, or whose aliases expand to more than
    :data:`MAX_NODES` values, is a :class:`YamlSyntaxError`."""
    budget = _budget if _budget is not None else [MAX_NODES]
    budget[0] -= 1
    if budget[0] < 0:
        raise YamlSyntaxError(where, f"more than {MAX_NODES} values once aliases are expanded")
    if isinstance(node, (dict, list)):
        if id(node) in _path:
            raise YamlSyntaxError(where, "an alias refers to the node that contains it (a cycle)")
        inner = _path | {id(node)}
        if isinstance(node, dict):
            return {str(k).lower() if isinstance(k, bool) else str(k): plain(v, where, budget, inner)
                    for k, v in node.items()}
        return [plain(v, where, budget, inner) for v in node]
    return node


@dataclass(frozen=True)
class Position:
    line: int | None  # 1-based, None when no part of the path exists in the tree
    column: int | None
    path: str  # the dotted path of the parts that exist, e.g. images[0].builder


def _key_in(node: CommentedMap, key: Any) -> Any:
    if key in node:
        return key
    return next((k for k in node if str(k) == str(key) or (isinstance(k, bool) and str(k).lower() == key)), None)


def _lc(pos: Any) -> tuple[int, int] | None:
    """ruamel gives no position for nodes it built itself (e.g. the items of a ``!reference`` list)."""
    return (pos[0], pos[1]) if isinstance(pos, (tuple, list)) and len(pos) >= 2 else None


def position(data: Any, loc: tuple | list) -> Position:
    """Line/column of the deepest node of ``loc`` that exists in the round-trip tree.

    Parts of ``loc`` that are not keys of the tree (validators add tags such as ``function-after[...]``)
    are passed over.
    """
    node, at = data, None
    parts: list[str] = []
    for key in loc:
        if isinstance(node, CommentedMap):
            match = _key_in(node, key)
            if match is None:
                continue
            try:
                at = _lc(node.lc.key(match)) or at
            except (KeyError, TypeError, AttributeError):
                pass
            node = node[match]
            parts.append(str(key))
        elif isinstance(node, CommentedSeq) and isinstance(key, int) and 0 <= key < len(node):
            try:
                at = _lc(node.lc.item(key)) or at
            except (KeyError, TypeError, AttributeError, IndexError):
                pass
            node = node[key]
            parts.append(f"[{key}]")
        else:
            continue
    path = ".".join(parts).replace(".[", "[")
    return Position(None if at is None else at[0] + 1, None if at is None else at[1] + 1, path)


def line_of(node: Any, key: Any = None) -> int:
    """1-based line of a mapping key, a sequence item, or the node itself; 0 when unknown."""
    try:
        if key is not None and isinstance(node, CommentedMap):
            pos = _lc(node.lc.key(key))
        elif key is not None and isinstance(node, CommentedSeq):
            pos = _lc(node.lc.item(key))
        else:
            pos = (node.lc.line, 0)
        return pos[0] + 1 if pos else 0
    except (AttributeError, KeyError, TypeError, IndexError):
        return 0
