"""Comparing two schema snapshots (pure Python: no database, no SQLAlchemy).

A snapshot is a flat, sorted mapping ``"kind:table[.name]" → facts``, so comparing two is a dict comparison
and every difference names the table and the object.
"""

from __future__ import annotations

from typing import Any


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Human-readable differences from ``before`` to ``after`` (empty when the schemas are equal)."""
    out = []
    whole = {k.split(":", 1)[1] for k in set(before) ^ set(after) if k.startswith("table:")}
    for key in sorted(set(before) | set(after)):
        kind, _, name = key.partition(":")
        if kind != "table" and name.split(".", 1)[0] in whole:
            continue  # the table itself is reported
        if key not in after:
            out.append(f"{kind} {name} is missing")
        elif key not in before:
            out.append(f"{kind} {name} is left behind")
        elif before[key] != after[key]:
            b, a = before[key], after[key]
            if isinstance(b, dict) and isinstance(a, dict):
                changes = ", ".join(f"{k} {b.get(k)!r} → {a.get(k)!r}" for k in sorted(set(a) | set(b))
                                    if a.get(k) != b.get(k))
            else:
                changes = f"{b!r} → {a!r}"
            out.append(f"{kind} {name} changed: {changes}")
    return out


def tables(snap: dict[str, Any]) -> list[str]:
    return sorted(k.split(":", 1)[1] for k in snap if k.startswith("table:"))
