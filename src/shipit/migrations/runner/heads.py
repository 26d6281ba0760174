"""The version table's rows step by step, as Alembic's HeadMaintainer changes them (pure Python).

``revisions`` is the graph as :func:`runner.project.graph` returns it: ``{id: {"down": [ids], ...}}``.
"""

from __future__ import annotations

from typing import Any

BASE = "base"


def ancestors(revisions: dict[str, dict[str, Any]], rev: str) -> set[str]:
    seen: set[str] = set()
    todo = list(revisions.get(rev, {}).get("down", []))
    while todo:
        r = todo.pop()
        if r not in seen and r in revisions:
            seen.add(r)
            todo.extend(revisions[r]["down"])
    return seen


def heads_after(revisions: dict[str, dict[str, Any]], heads: list[str], action: str, rev: str) -> list[str]:
    """The version table's rows after one step (upgrade or downgrade of ``rev`` alone), given those before."""
    if action == "upgrade":
        anc = ancestors(revisions, rev)
        return sorted({h for h in heads if h not in anc} | {rev})
    rest = [h for h in heads if h != rev]
    covered = set(rest).union(*(ancestors(revisions, h) for h in rest)) if rest else set()
    return sorted(set(rest) | {d for d in revisions[rev]["down"] if d not in covered})


def way_back(revisions: dict[str, dict[str, Any]], head: str, undo: list[str], target: str) -> list[str]:
    """``alembic downgrade`` targets that undo exactly ``undo`` (newest first) from ``head``: ``target`` itself
    (it undoes its descendants), then ``REV@-1`` for each revision of another branch a merge brought in."""
    if not undo:
        return []
    if target == BASE:
        return [BASE]
    applied = ancestors(revisions, head) | {head}
    removed = {r for r in applied if target in ancestors(revisions, r)}
    return [target] + [f"{r}@-1" for r in undo if r not in removed]
