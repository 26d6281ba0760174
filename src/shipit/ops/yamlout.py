"""Deterministic YAML output: keys in the order built, multi-line strings as literal blocks, no wrapping."""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import LiteralScalarString


def _prepare(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _prepare(v) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return [_prepare(v) for v in node]
    if isinstance(node, str) and "\n" in node:
        return LiteralScalarString(node if node.endswith("\n") else node + "\n")
    return node


def dump(data: Any, header: str = "") -> str:
    yaml = YAML(typ="rt", pure=True)
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    buf = io.StringIO()
    yaml.dump(_prepare(data), buf)
    return (header + buf.getvalue()) if header else buf.getvalue()
