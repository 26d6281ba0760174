"""Schema snapshots through SQLAlchemy's inspector, and a readable diff between two of them.

A snapshot is a flat, sorted mapping ``"kind:table[.name]" → facts``, so comparing two is a dict
comparison and every difference names the table and the object.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, inspect, pool, text
from sqlalchemy.exc import CompileError

VERSION_TABLE = "alembic_version"


def _safe(fn, *args, **kwargs) -> list:
    try:
        return fn(*args, **kwargs) or []
    except NotImplementedError:
        return []


def snapshot(url: str, version_table: str = VERSION_TABLE) -> dict[str, Any]:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        insp = inspect(engine)
        dialect = engine.dialect
        out: dict[str, Any] = {}
        for table in sorted(insp.get_table_names()):
            if table == version_table or table.startswith("sqlite_"):
                continue
            out[f"table:{table}"] = True
            for col in insp.get_columns(table):
                try:
                    type_text = col["type"].compile(dialect=dialect)
                except (CompileError, NotImplementedError):  # a reflected type the dialect cannot render back
                    type_text = repr(col["type"])
                default = col.get("default")
                out[f"column:{table}.{col['name']}"] = {
                    "type": str(type_text),
                    "nullable": bool(col.get("nullable")),
                    "default": None if default is None else str(default),
                }
            pk = insp.get_pk_constraint(table) or {}
            if pk.get("constrained_columns"):
                out[f"primary_key:{table}"] = list(pk["constrained_columns"])
            for fk in _safe(insp.get_foreign_keys, table):
                key = f"foreign_key:{table}.({','.join(fk['constrained_columns'])})"
                out[key] = {"references": f"{fk['referred_table']}({','.join(fk['referred_columns'])})",
                            "name": fk.get("name"), "ondelete": (fk.get("options") or {}).get("ondelete")}
            for ix in _safe(insp.get_indexes, table):
                cols = [c if c is not None else "<expr>" for c in ix.get("column_names") or []]
                out[f"index:{table}.{ix.get('name')}"] = {"columns": cols, "unique": bool(ix.get("unique"))}
            for uq in _safe(insp.get_unique_constraints, table):
                out[f"unique:{table}.({','.join(uq['column_names'])})"] = {"name": uq.get("name")}
            for ck in _safe(insp.get_check_constraints, table):
                out[f"check:{table}.{ck.get('name')}"] = {"sql": " ".join(str(ck.get("sqltext", "")).split())}
        return dict(sorted(out.items()))
    finally:
        engine.dispose()


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


def version(url: str, version_table: str = VERSION_TABLE) -> list[str]:
    """The revision(s) recorded in the database's version table (empty when it has none)."""
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table(version_table):
                return []
            return sorted(r[0] for r in conn.execute(text(f"SELECT version_num FROM {version_table}")))
    finally:
        engine.dispose()
