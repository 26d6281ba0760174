"""Inspect the SQL Alembic emits: destructive statements and PostgreSQL locking hazards, per revision.

This complements reading the ``op.*`` calls: raw ``op.execute("DELETE ...")`` or a ``TRUNCATE`` only show
up in the SQL, and the locking behaviour depends on the statement the dialect really runs. The patterns
below match Alembic's own output (one statement per ``;``-terminated paragraph), not arbitrary SQL;
a full SQL parser would not add much for these few statement shapes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shipit.migrations.scripts import VARIABLE_TABLE, Finding, Revision

# "-- Running upgrade a1 -> b2"; a merge lists its parents: "-- Running upgrade p1, p2 -> m3"
_MARKER = re.compile(r"^-- Running (upgrade|downgrade) (.*?) -> (.*?)\s*$", re.MULTILINE)
_NAME = r'("[^"]+"|`[^`]+`|\[[^\]]+\]|[\w$.]+)'
_STMT_END = re.compile(r";[ \t]*\n")


def _ident(raw: str) -> str:
    raw = raw.strip()
    if raw[:1] in '"`[':
        raw = raw[1:-1]
    return raw.rsplit(".", 1)[-1] if "." in raw and raw[:1] not in '"`[' else raw


@dataclass
class Statement:
    revision: str
    text: str  # whitespace collapsed

    @property
    def upper(self) -> str:
        return self.text.upper()


def split_by_revision(sql: str, direction: str = "upgrade") -> list[Statement]:
    """Statements of an offline script, each tagged with the revision whose section it is in."""
    out: list[Statement] = []
    marks = list(_MARKER.finditer(sql))
    for i, m in enumerate(marks):
        rev = m.group(3) if direction == "upgrade" else m.group(2)
        end = marks[i + 1].start() if i + 1 < len(marks) else len(sql)
        chunk = sql[m.end():end]
        for raw in _STMT_END.split(chunk):
            text = " ".join(line for line in raw.split("\n") if not line.strip().startswith("--"))
            text = re.sub(r"\s+", " ", text).strip()
            if not text or text.upper() in ("BEGIN", "COMMIT"):
                continue
            if re.search(r"\balembic_version\b", text, re.IGNORECASE):
                continue
            out.append(Statement(rev, text))
    return out


_RULES: list[tuple[str, re.Pattern, str]] = [
    ("drop_table", re.compile(rf"^DROP TABLE (?:IF EXISTS )?{_NAME}", re.I), "drops table {t}: every row in it is lost"),
    # DROP CONSTRAINT / INDEX / KEY / DEFAULT / NOT NULL ... drop no data: only a column is a column
    ("drop_column", re.compile(rf"^ALTER TABLE (?:ONLY )?{_NAME} DROP (?:COLUMN )?(?:IF EXISTS )?"
                               rf"(?!(?:CONSTRAINT|INDEX|KEY|PRIMARY|FOREIGN|UNIQUE|CHECK|DEFAULT|NOT|PARTITION)\b)"
                               rf"{_NAME}", re.I),
     "drops column {t}.{c}: its data is lost"),
    ("type_change", re.compile(rf"^ALTER TABLE {_NAME} ALTER COLUMN {_NAME} (?:SET DATA )?TYPE\b", re.I),
     "changes the type of {t}.{c}: values may be truncated or fail to convert"),
    ("type_change", re.compile(rf"^ALTER TABLE {_NAME} MODIFY (?:COLUMN )?{_NAME}", re.I),
     "redefines {t}.{c} (MODIFY): type or nullability changes"),
    ("set_not_null", re.compile(rf"^ALTER TABLE {_NAME} ALTER COLUMN {_NAME} SET NOT NULL", re.I),
     "makes {t}.{c} NOT NULL: fails if any row holds NULL"),
    ("rename_table", re.compile(rf"^ALTER TABLE {_NAME} RENAME TO {_NAME}", re.I),
     "renames table {t}: code that still uses the old name breaks"),
    ("rename_table", re.compile(rf"^RENAME TABLE {_NAME} TO {_NAME}", re.I),
     "renames table {t}: code that still uses the old name breaks"),
    ("rename_column", re.compile(rf"^ALTER TABLE {_NAME} RENAME (?:COLUMN )?{_NAME} TO", re.I),
     "renames column {t}.{c}: code that still uses the old name breaks"),
    ("delete_rows", re.compile(rf"^TRUNCATE (?:TABLE )?{_NAME}", re.I), "empties table {t} (TRUNCATE)"),
    ("delete_rows", re.compile(rf"^DELETE FROM {_NAME}", re.I), "deletes rows from {t}"),
]
_ADD_COLUMN = re.compile(rf"^ALTER TABLE {_NAME} ADD (?:COLUMN )?{_NAME} (.*)$", re.I)
_CREATE_TABLE = re.compile(rf"^CREATE TABLE (?:IF NOT EXISTS )?{_NAME}", re.I)


_RENAME_TO = [re.compile(rf"^ALTER TABLE {_NAME} RENAME TO {_NAME}", re.I),
              re.compile(rf"^RENAME TABLE {_NAME} TO {_NAME}", re.I)]
_BATCH_TEMP = "_alembic_tmp_"


def destructive_statements(statements: list[Statement], dialect: str, revisions: dict[str, Revision],
                           allow_destructive: bool) -> list[Finding]:
    sev = "warning" if allow_destructive else "error"
    out = []
    # copy-and-swap: a table dropped and replaced, in the same revision, by renaming a copy to its name
    swapped: dict[tuple[str, str], str] = {}
    for st in statements:
        for pattern in _RENAME_TO:
            m = pattern.match(st.text)
            if m:
                swapped[(st.revision, _ident(m.group(2)))] = _ident(m.group(1))
    for st in statements:
        rev = revisions.get(st.revision)
        file = rev.file if rev else ""
        for code, pattern, message in _RULES:
            m = pattern.match(st.text)
            if m:
                t = _ident(m.group(1))
                c = _ident(m.group(2)) if code in ("drop_column", "type_change", "set_not_null",
                                                   "rename_column") else ""
                if code == "drop_table" and t.startswith(_BATCH_TEMP):
                    break  # a leftover copy of Alembic's batch mode
                if code == "drop_table" and (st.revision, t) in swapped:
                    code, message = "rebuild_table", (f"rebuilds table {{t}} (copied into {swapped[(st.revision, t)]}, "
                                                      "dropped, the copy renamed back): rows or columns the copy "
                                                      "leaves out are lost")
                if code == "rename_table" and any(k[0] == st.revision and v == t for k, v in swapped.items()) \
                        and any(f.code == "rebuild_table" and f.revision == st.revision for f in out):
                    break  # the copy of a rebuild takes the old name back: reported as the rebuild
                out.append(Finding(sev, code, message.format(t=t, c=c), st.revision, file, None, t, c,
                                   [f"sql:{dialect}"]))
                break
        m = _ADD_COLUMN.match(st.text)
        if m:
            rest = m.group(3).upper()
            if "NOT NULL" in rest and "DEFAULT" not in rest and "PRIMARY KEY" not in rest:
                t, c = _ident(m.group(1)), _ident(m.group(2))
                out.append(Finding(sev, "add_not_null", f"adds NOT NULL column {t}.{c} without a default: fails "
                                   "on a table that has rows", st.revision, file, None, t, c, [f"sql:{dialect}"]))
    return out


def postgresql_lock_notes(statements: list[Statement], revisions: dict[str, Revision]) -> list[Finding]:
    """Statements that take strong locks or scan/rewrite a table that already has rows.

    Tables created earlier in the same range are empty when these run, so they get no note.
    """
    created: set[str] = set()
    out: list[Finding] = []

    def note(st: Statement, table: str, message: str, code: str = "pg_lock") -> None:
        rev = revisions.get(st.revision)
        out.append(Finding("note", code, message, st.revision, rev.file if rev else "", None, table,
                           found_by=["sql:postgresql"]))

    for st in statements:
        u = st.upper
        m = _CREATE_TABLE.match(st.text)
        if m:
            created.add(_ident(m.group(1)))
            continue
        m = re.match(rf"^CREATE (UNIQUE )?INDEX (CONCURRENTLY )?(?:IF NOT EXISTS )?{_NAME} ON (?:ONLY )?{_NAME}",
                     st.text, re.I)
        if m:
            table = _ident(m.group(4))
            if not m.group(2) and table not in created:
                note(st, table, f"CREATE INDEX {_ident(m.group(3))} on {table} without CONCURRENTLY blocks writes "
                                f"to {table} (SHARE lock) while the index builds; for a large table use "
                                "op.create_index(..., postgresql_concurrently=True) inside "
                                "op.get_context().autocommit_block()")
            continue
        m = re.match(rf"^ALTER TABLE (?:ONLY )?{_NAME} (.*)$", st.text, re.I)
        if m:
            table, action = _ident(m.group(1)), m.group(2).upper()
            if table in created:
                continue
            if "SET NOT NULL" in action:
                note(st, table, f"SET NOT NULL on {table} scans the whole table under an ACCESS EXCLUSIVE lock; "
                                "on a large table add a CHECK (col IS NOT NULL) NOT VALID constraint, VALIDATE it, "
                                "then set NOT NULL")
            if re.search(r"\bTYPE\b", action) and "ALTER COLUMN" in action:
                note(st, table, f"changing a column type on {table} rewrites the table (and its indexes) under "
                                "an ACCESS EXCLUSIVE lock unless the types are binary-compatible")
            if re.search(r"\bADD (COLUMN )?", action) and "NOT NULL" in action and "DEFAULT" not in action:
                note(st, table, f"adding a NOT NULL column without a default to {table} fails as soon as the "
                                "table has rows")
            if "ADD CONSTRAINT" in action or action.startswith("ADD FOREIGN KEY") or action.startswith("ADD CHECK"):
                if ("FOREIGN KEY" in action or "CHECK" in action) and "NOT VALID" not in action:
                    note(st, table, f"adding a FOREIGN KEY/CHECK constraint to {table} validates every row while "
                                    "holding a lock that blocks writes; add it NOT VALID and VALIDATE CONSTRAINT "
                                    "separately")
                elif "UNIQUE" in action or "PRIMARY KEY" in action:
                    note(st, table, f"adding a UNIQUE/PRIMARY KEY constraint to {table} builds an index under an "
                                    "ACCESS EXCLUSIVE lock; build the index CONCURRENTLY first and add the "
                                    "constraint USING INDEX")
            continue
        if u.startswith("UPDATE "):
            m = re.match(rf"^UPDATE {_NAME}", st.text, re.I)
            table = _ident(m.group(1)) if m else ""
            if table not in created:
                note(st, table, f"UPDATE of {table} rewrites the matching rows in one transaction (row locks held "
                                "until COMMIT, table bloat); batch it for a large table", code="pg_bulk_update")
    return out


def merge(findings: list[Finding]) -> list[Finding]:
    """One finding per (revision, code, table, column); ``found_by`` lists every source that saw it."""
    merged: dict[tuple, Finding] = {}
    order = {"code": 0}
    # The code may only know "a table named by a variable" where the SQL names the table: one finding.
    literal = {(f.revision, f.code, f.column): f.table for f in findings
               if "code" not in f.found_by and f.table and f.table != VARIABLE_TABLE}
    findings = [Finding(**{**f.__dict__, "table": literal[(f.revision, f.code, f.column)]})
                if f.table == VARIABLE_TABLE and (f.revision, f.code, f.column) in literal else f for f in findings]
    for f in findings:
        key = (f.revision, f.code, f.table, f.column) if f.code not in ("pg_lock", "pg_bulk_update") else (
            f.revision, f.code, f.table, f.message)
        if key in merged:
            prev = merged[key]
            prev.found_by = sorted(set(prev.found_by) | set(f.found_by), key=lambda s: (order.get(s, 1), s))
            prev.line = prev.line or f.line
            if "code" in f.found_by:
                prev.message = f.message  # the code's wording names the new type/name
        else:
            merged[key] = Finding(**{**f.__dict__, "found_by": list(f.found_by)})
    return list(merged.values())
