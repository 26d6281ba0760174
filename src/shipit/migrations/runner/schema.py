"""Schema snapshots in one round of queries per snapshot (SQLAlchemy 2's ``Inspector.get_multi_*``).

Reading a PostgreSQL schema table by table costs a few queries per table (seconds for a few dozen
tables); the ``get_multi_*`` calls read every table's columns, keys, indexes and constraints at once.
"""

from __future__ import annotations

import warnings
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

VERSION_TABLE = "alembic_version"


def sqlite_affinity(declared: str) -> str:
    """The type SQLite stores a column's values with (its affinity, sqlite.org/datatype3.html 3.1): SQLite
    enforces neither lengths nor type names, so VARCHAR(128) and VARCHAR(256) are the same column there."""
    t = declared.upper()
    if "INT" in t:
        return "INTEGER"
    if "CHAR" in t or "CLOB" in t or "TEXT" in t:
        return "TEXT"
    if "BLOB" in t or not t.strip():
        return "BLOB"
    if "REAL" in t or "FLOA" in t or "DOUB" in t:
        return "REAL"
    return "NUMERIC"


def _multi(fn, **kw) -> dict:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SQLite reflection notes (e.g. an unnamed FK it parses twice)
            return fn(**kw) or {}
    except NotImplementedError:
        return {}


class _PerTable:
    """``get_multi_*`` for SQLAlchemy 1.4 (the project's environment may pin it): the same answers, a table at a
    time."""

    def __init__(self, insp):
        self.insp = insp
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.tables = list(insp.get_table_names())

    def _each(self, method: str) -> dict:
        out = {}
        for table in self.tables:
            try:
                out[(None, table)] = getattr(self.insp, method)(table)
            except NotImplementedError:
                return {}
        return out

    def __getattr__(self, name: str):
        if not name.startswith("get_multi_"):
            raise AttributeError(name)
        return lambda **kw: self._each("get_" + name[len("get_multi_"):])


def snapshot(conn: Connection, version_table: str = VERSION_TABLE) -> dict[str, Any]:
    insp = inspect(conn)  # a fresh inspector: its cache must not outlive this snapshot
    if not hasattr(insp, "get_multi_columns"):  # SQLAlchemy < 2.0
        insp = _PerTable(insp)
    dialect = conn.dialect
    columns = _multi(insp.get_multi_columns)
    names = sorted(t for (_s, t) in columns if t != version_table and not t.startswith("sqlite_"))
    keep = set(names)
    out: dict[str, Any] = {f"table:{t}": True for t in names}
    for (_s, table), cols in columns.items():
        if table not in keep:
            continue
        for col in cols:
            try:
                type_text = col["type"].compile(dialect=dialect)
            except Exception:  # a reflected type the dialect cannot render back
                type_text = repr(col["type"])
            default = col.get("default")
            if dialect.name == "sqlite":
                type_text = sqlite_affinity(str(type_text))
            out[f"column:{table}.{col['name']}"] = {"type": str(type_text), "nullable": bool(col.get("nullable")),
                                                    "default": None if default is None else str(default)}
    for (_s, table), pk in _multi(insp.get_multi_pk_constraint).items():
        if table in keep and pk and pk.get("constrained_columns"):
            out[f"primary_key:{table}"] = list(pk["constrained_columns"])
    for (_s, table), fks in _multi(insp.get_multi_foreign_keys).items():
        for fk in fks if table in keep else ():
            key = f"foreign_key:{table}.({','.join(fk['constrained_columns'])})"
            out[key] = {"references": f"{fk['referred_table']}({','.join(fk['referred_columns'])})",
                        "name": fk.get("name"), "ondelete": (fk.get("options") or {}).get("ondelete")}
    for (_s, table), ixs in _multi(insp.get_multi_indexes).items():
        for ix in ixs if table in keep else ():
            cols = [c if c is not None else "<expr>" for c in ix.get("column_names") or []]
            out[f"index:{table}.{ix.get('name')}"] = {"columns": cols, "unique": bool(ix.get("unique"))}
    for (_s, table), uqs in _multi(insp.get_multi_unique_constraints).items():
        for uq in uqs if table in keep else ():
            out[f"unique:{table}.({','.join(uq['column_names'])})"] = {"name": uq.get("name")}
    for (_s, table), cks in _multi(insp.get_multi_check_constraints).items():
        for ck in cks if table in keep else ():
            out[f"check:{table}.{ck.get('name')}"] = {"sql": " ".join(str(ck.get("sqltext", "")).split())}
    return dict(sorted(out.items()))


def version(conn: Connection, version_table: str = VERSION_TABLE) -> list[str]:
    """The revision(s) recorded in the database's version table (empty when it has none)."""
    if not inspect(conn).has_table(version_table):
        return []
    return sorted(r[0] for r in conn.execute(text(f"SELECT version_num FROM {version_table}")))
