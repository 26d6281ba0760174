"""The project's Alembic script directory: loading it with clear errors, the revision range of a release,
and what each revision's code does (read from its syntax tree, never by guessing from names).

Alembic itself resolves the revision graph (heads, down revisions, ranges); this module only turns its
exceptions into messages that name files and revisions, and reads ``op.*`` calls with :mod:`ast`.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import io
import os
import re
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from alembic.util import CommandError

from shipit.core.errors import ConfigError, ShipitError
from shipit.migrations.config import MigrationsConfig
from shipit.migrations.locate import read_ini

BASE = "base"
HIDDEN_ENV = ("DATABASE_URL", "DB_URL", "SQLALCHEMY_DATABASE_URL", "SQLALCHEMY_DATABASE_URI", "ALEMBIC_DATABASE_URL")
# A revision may declare itself irreversible with a module-level ``irreversible = True`` (or
# ``shipit_irreversible = True``) or a ``# shipit: irreversible`` comment.
MARKER_NAMES = ("irreversible", "shipit_irreversible")
MARKER_COMMENT = re.compile(r"#\s*shipit:\s*irreversible\b", re.IGNORECASE)
_REVISION_RE = re.compile(r"""^revision\s*(?::\s*str\s*)?=\s*['"]([^'"]+)['"]""", re.MULTILINE)


@dataclass
class Finding:
    """Something the plan, the SQL or the round trip found about a revision."""

    severity: str  # error | warning | note
    code: str  # e.g. drop_column, irreversible, missing_downgrade, round_trip_trace, pg_lock
    message: str
    revision: str = ""
    file: str = ""
    line: int | None = None
    table: str = ""
    column: str = ""
    found_by: list[str] = field(default_factory=list)

    def where(self) -> str:
        loc = f"{self.file}:{self.line}" if self.file and self.line else self.file
        rev = f"revision {self.revision}" if self.revision else ""
        return ", ".join(p for p in (loc, rev) if p)

    def as_dict(self) -> dict[str, Any]:
        return {"severity": self.severity, "code": self.code, "message": self.message, "revision": self.revision,
                "file": self.file, "line": self.line, "table": self.table, "column": self.column,
                "found_by": sorted(set(self.found_by))}


@dataclass
class Op:
    """One ``op.<name>(...)`` call (or a call on a ``batch_alter_table`` handle)."""

    name: str
    line: int
    table: str = ""
    column: str = ""
    kwargs: dict[str, Any] = field(default_factory=dict)  # constant keyword values; non-constants → "<expr>"


@dataclass
class Revision:
    id: str
    down: tuple[str, ...]
    message: str
    file: str  # relative to the project directory
    path: Path
    upgrade_ops: list[Op] = field(default_factory=list)
    downgrade_ops: list[Op] = field(default_factory=list)
    has_downgrade: bool = True
    upgrade_empty: bool = False
    downgrade_empty: bool = False
    downgrade_raises: bool = False
    marker: bool = False
    downgrade_line: int | None = None

    @property
    def irreversible_reason(self) -> str:
        reasons = []
        if self.marker:
            reasons.append("marked irreversible")
        if self.downgrade_raises:
            reasons.append("downgrade() raises")
        if self.downgrade_empty and not self.upgrade_empty:
            reasons.append("downgrade() does nothing while upgrade() changes the database")
        return "; ".join(reasons)

    @property
    def irreversible(self) -> bool:
        return bool(self.irreversible_reason) or not self.has_downgrade


@dataclass
class Project:
    """Where the migrations live and how to make an Alembic ``Config`` for them."""

    root: Path  # directory of shipit.yaml
    run_dir: Path  # directory alembic would be run from (the ini's directory)
    ini: Path | None
    script_location: Path
    main_options: dict[str, str]
    ini_section: str = "alembic"

    def rel(self, path: Path) -> str:
        try:
            return Path(os.path.relpath(path, self.root)).as_posix()
        except ValueError:
            return path.as_posix()

    def alembic_config(self, url: str | None = None, buffer: io.StringIO | None = None) -> AlembicConfig:
        """A fresh Alembic Config carrying the ini's main options, the resolved script location and ``url``.

        It has no config file name, so the project's env.py does not reconfigure logging (which would
        print Alembic's INFO lines into our output); every other main option is kept.
        """
        # `-x url=...` too: a common env.py convention (the URL wins over the ini's in such env.py files).
        cmd_opts = argparse.Namespace(x=[f"url={url}"] if url is not None else [])
        cfg = AlembicConfig(ini_section=self.ini_section, output_buffer=buffer, stdout=io.StringIO(),
                            cmd_opts=cmd_opts)
        for key, value in self.main_options.items():
            cfg.set_main_option(key, value.replace("%", "%%"))
        cfg.set_main_option("script_location", str(self.script_location))
        if url is not None:
            cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
        return cfg

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        """Run Alembic as if from the ini's directory (relative ``prepend_sys_path`` etc. resolve as usual).

        Database URL variables are hidden meanwhile: an env.py that prefers ``DATABASE_URL`` over the URL
        shipit passes must never reach a real database during planning or verification.
        """
        saved_path = list(sys.path)
        hidden = {k: os.environ.pop(k) for k in HIDDEN_ENV if k in os.environ}
        with contextlib.chdir(self.run_dir):
            try:
                yield
            finally:
                sys.path[:] = saved_path
                os.environ.update(hidden)


def load_project(cfg: MigrationsConfig, project_dir: Path) -> Project:
    """Find alembic.ini / the script location as configured; ``ConfigError`` when they are missing."""
    project_dir = Path(project_dir).resolve()
    ini: Path | None = None
    if cfg.alembic_ini:
        ini = (project_dir / cfg.alembic_ini).resolve()
        if not ini.is_file():
            raise ConfigError(f"migrations.alembic_ini: {ini} does not exist",
                              hint="point it at the project's alembic.ini (relative to shipit.yaml)")
    elif not cfg.script_location and (project_dir / "alembic.ini").is_file():
        ini = project_dir / "alembic.ini"
    options: dict[str, str] = {}
    section = "alembic"
    facts = read_ini(ini, project_dir, section) if ini is not None else None
    if facts is not None:
        options = dict(facts.options)  # template placeholders ({db_url}) dropped: shipit sets its own values
    run_dir = ini.parent if ini else project_dir
    if cfg.script_location:
        script_dir = (project_dir / cfg.script_location).resolve()
    elif facts is not None and facts.script_dir is not None:
        # relative to the ini's folder, %(here)s, package:path, or the ini's own folder (Flask-Migrate)
        script_dir = facts.script_dir
    elif facts is not None:
        raise ConfigError(f"migrations: {facts.problem}",
                          hint="set migrations.script_location to the folder holding env.py (relative to shipit.yaml)")
    else:
        raise ConfigError("migrations: no Alembic script directory configured",
                          hint="set migrations.alembic_ini (an ini with script_location) or migrations.script_location")
    if not (script_dir / "env.py").is_file():
        raise ConfigError(f"migrations: {script_dir} is not an Alembic script directory (no env.py)",
                          hint="check script_location in alembic.ini or migrations.script_location")
    options.pop("script_location", None)
    return Project(root=project_dir, run_dir=run_dir, ini=ini, script_location=script_dir, main_options=options,
                   ini_section=section)


# --- reading the revision graph -----------------------------------------------------------------------


def _version_dirs(script: ScriptDirectory) -> list[Path]:
    dirs = [Path(d) for d in script._version_locations]  # noqa: SLF001 - Alembic exposes no public accessor
    return [d for d in dirs if d.is_dir()]


def _revision_id_from_text(text: str) -> str:
    m = _REVISION_RE.search(text)
    return m.group(1) if m else "?"


def _check_syntax(project: Project, script: ScriptDirectory) -> None:
    """Compile every revision file first, so a typo is reported with its file, line and revision id."""
    for d in _version_dirs(script):
        for path in sorted(d.glob("*.py")):
            text = path.read_text(encoding="utf-8", errors="replace")
            try:
                ast.parse(text, filename=str(path))
            except SyntaxError as exc:
                raise ShipitError(
                    f"{project.rel(path)}:{exc.lineno}: syntax error in revision {_revision_id_from_text(text)}: "
                    f"{exc.msg}",
                    hint="fix the revision file; `python -m py_compile FILE` shows the same error",
                ) from None


def open_script_directory(project: Project) -> ScriptDirectory:
    with project.running(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Alembic warns before it raises about a missing down revision
        try:
            script = ScriptDirectory.from_config(project.alembic_config())
        except CommandError as exc:
            raise ShipitError(f"cannot open the Alembic script directory: {exc}") from None
        _check_syntax(project, script)
        try:
            revs = list(script.walk_revisions())
        except Exception as exc:  # alembic raises RevisionError/CommandError/KeyError flavours here
            raise ShipitError(_graph_error(project, script, exc),
                              hint="every down_revision must name an existing revision") from None
        if not revs:
            raise ShipitError(f"{project.rel(project.script_location)}: no revisions found",
                              hint="create one with `alembic revision -m MESSAGE`")
        heads = script.get_heads()
        if len(heads) > 1:
            names = ", ".join(f"{h} ({project.rel(Path(script.get_revision(h).path))})" for h in sorted(heads))
            raise ShipitError(
                f"the migrations have {len(heads)} heads: {names}",
                hint="merge them with `alembic merge -m 'merge heads' " + " ".join(sorted(heads)) + "`",
            )
    return script


def _graph_error(project: Project, script: ScriptDirectory, exc: Exception) -> str:
    """Name the file whose down_revision points nowhere, if we can find it."""
    known: dict[str, tuple[str, Path]] = {}
    for d in _version_dirs(script):
        for path in sorted(d.glob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            values = {}
            for node in tree.body:
                target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else (
                    node.target if isinstance(node, ast.AnnAssign) else None)
                if isinstance(target, ast.Name) and getattr(node, "value", None) is not None:
                    with contextlib.suppress(ValueError):
                        values[target.id] = ast.literal_eval(node.value)
            if isinstance(values.get("revision"), str):
                down = values.get("down_revision")
                known[values["revision"]] = (down, path)
    for rev, (down, path) in sorted(known.items()):
        downs = down if isinstance(down, (list, tuple)) else [down]
        for d in downs:
            if d is not None and d not in known:
                return (f"broken revision chain: revision {rev} ({project.rel(path)}) has down_revision "
                        f"{d!r}, which does not exist")
    return f"cannot read the revision graph: {exc}"


def resolve_revision(project: Project, script: ScriptDirectory, rev: str | None, what: str) -> str:
    """A full revision id (or ``base``) for ``rev``; ShipitError when it is unknown."""
    if rev in (None, "", BASE):
        return BASE
    with project.running():
        try:
            found = script.get_revision(rev)
        except Exception as exc:
            raise ShipitError(f"{what}: unknown revision {rev!r}: {exc}",
                              hint="give a revision id that exists in this project's migrations") from None
    if found is None:
        return BASE
    return found.revision


def revision_range(project: Project, script: ScriptDirectory, previous: str) -> list[Revision]:
    """Revisions after ``previous`` up to the head, oldest first, each analysed."""
    head = script.get_current_head()
    with project.running():
        try:
            scripts = list(script.iterate_revisions(head, previous))
        except Exception as exc:
            raise ShipitError(f"revision {previous} is not an ancestor of the head {head}: {exc}",
                              hint="the previous release's head must be in this branch's history; "
                                   "pass --from REV to choose another starting point") from None
    out = []
    for sc in reversed(scripts):
        down = sc.down_revision
        downs = tuple(down) if isinstance(down, (list, tuple)) else ((down,) if down else ())
        path = Path(sc.path)
        rev = Revision(id=sc.revision, down=downs, message=(sc.doc or "").strip().splitlines()[0] if sc.doc else "",
                       file=project.rel(path), path=path)
        analyse(rev)
        out.append(rev)
    return out


def history_ids(project: Project, script: ScriptDirectory, previous: str) -> list[str]:
    """Revision ids from the first one up to ``previous`` (inclusive), oldest first."""
    if previous == BASE:
        return []
    with project.running():
        return [sc.revision for sc in reversed(list(script.iterate_revisions(previous, BASE)))]


# --- reading the code of one revision -------------------------------------------------------------------


def _is_trivial(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Pass):
        return True
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)  # docstring or `...`


def _const(node: ast.AST | None) -> Any:
    if node is None:
        return None
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return "<expr>"


def _call_name(node: ast.AST) -> str:
    """``sa.Integer`` → Integer, ``sa.String(20)`` → String(20) (for messages)."""
    if isinstance(node, ast.Call):
        args = ", ".join(str(_const(a)) for a in node.args)
        return f"{_call_name(node.func)}({args})"
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ast.unparse(node)


def _collect_ops(func: ast.FunctionDef) -> list[Op]:
    """``op.x(...)`` calls and calls on ``with op.batch_alter_table(T) as b`` handles, in source order."""
    handles: dict[str, str] = {}
    for node in ast.walk(func):
        if isinstance(node, ast.With):
            for item in node.items:
                call = item.context_expr
                if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                        and call.func.attr == "batch_alter_table" and isinstance(item.optional_vars, ast.Name)):
                    handles[item.optional_vars.id] = str(_const(call.args[0]) if call.args else
                                                         _const(_kw(call, "table_name")))
    ops = []
    for node in ast.walk(func):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)):
            continue
        owner, name = node.func.value.id, node.func.attr
        if owner == "op":
            args = list(node.args)
            if name == "batch_alter_table":
                continue
            table = _const(args[0]) if args else _const(_kw(node, "table_name"))
            rest = args[1:]
        elif owner in handles:
            table, rest = handles[owner], list(node.args)
        else:
            continue
        kwargs = {k.arg: _const(k.value) for k in node.keywords if k.arg}
        for k in node.keywords:
            if k.arg in ("type_", "existing_type"):
                kwargs[k.arg] = _call_name(k.value)
        column = ""
        if name in ("drop_column", "alter_column") and rest:
            column = str(_const(rest[0]))
        elif name == "add_column" and rest and isinstance(rest[0], ast.Call):
            col = rest[0]
            column = str(_const(col.args[0])) if col.args else ""
            for k in col.keywords:
                if k.arg in ("nullable", "server_default", "primary_key"):
                    kwargs[f"column.{k.arg}"] = _const(k.value)
        elif name == "rename_table" and rest:
            kwargs["new_table_name"] = _const(rest[0])
        elif name == "execute" and args:
            kwargs["sql"] = _const(args[0])
            table = ""
        ops.append(Op(name=name, line=node.lineno, table=str(table or ""), column=column, kwargs=kwargs))
    return sorted(ops, key=lambda o: o.line)


def _kw(call: ast.Call, name: str) -> ast.AST | None:
    for k in call.keywords:
        if k.arg == name:
            return k.value
    return None


def analyse(rev: Revision) -> None:
    """Fill in the code facts of ``rev`` from its file's syntax tree."""
    text = rev.path.read_text(encoding="utf-8")
    tree = ast.parse(text, filename=str(rev.path))
    funcs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name) and t.id in MARKER_NAMES and _const(node.value) is True:
                    rev.marker = True
    if MARKER_COMMENT.search(text):
        rev.marker = True
    up = funcs.get("upgrade")
    if up is not None:
        rev.upgrade_ops = _collect_ops(up)
        rev.upgrade_empty = all(_is_trivial(s) for s in up.body)
    down = funcs.get("downgrade")
    if down is None:
        rev.has_downgrade = False
        return
    rev.downgrade_line = down.lineno
    rev.downgrade_ops = _collect_ops(down)
    body = [s for s in down.body if not _is_trivial(s)]
    rev.downgrade_empty = not body
    rev.downgrade_raises = any(isinstance(s, ast.Raise) for s in body)


def code_findings(rev: Revision, allow_destructive: bool) -> list[Finding]:
    """Destructive operations in ``upgrade()`` (read from the code) and the reversibility verdict."""
    sev = "warning" if allow_destructive else "error"
    out: list[Finding] = []

    def add(code: str, op: Op, message: str, column: str = "") -> None:
        out.append(Finding(sev, code, message, rev.id, rev.file, op.line, op.table, column or op.column,
                           ["code"]))

    for op in rev.upgrade_ops:
        kw = op.kwargs
        t, c = op.table, op.column
        if op.name == "drop_table":
            add("drop_table", op, f"drops table {t}: every row in it is lost")
        elif op.name == "drop_column":
            add("drop_column", op, f"drops column {t}.{c}: its data is lost")
        elif op.name == "alter_column":
            if "type_" in kw:
                add("type_change", op, f"changes the type of {t}.{c} to {kw['type_']}: values may be "
                                       "truncated or fail to convert")
            if kw.get("nullable") is False and "server_default" not in kw:
                add("set_not_null", op, f"makes {t}.{c} NOT NULL without a server default: fails if any row "
                                        "holds NULL")
            if kw.get("new_column_name"):
                add("rename_column", op, f"renames {t}.{c} to {kw['new_column_name']}: code that still uses "
                                         "the old name breaks")
        elif op.name == "add_column":
            if kw.get("column.nullable") is False and "column.server_default" not in kw \
                    and not kw.get("column.primary_key"):
                add("add_not_null", op, f"adds NOT NULL column {t}.{c} without a server default: fails on a "
                                        "table that has rows")
        elif op.name == "rename_table":
            add("rename_table", op, f"renames table {t} to {kw.get('new_table_name')}: code that still uses "
                                    "the old name breaks")
    return out


def reversibility_findings(rev: Revision, allow_irreversible: bool) -> list[Finding]:
    """A missing ``downgrade()`` is an error (nobody decided); an irreversible one follows the policy."""
    if not rev.has_downgrade:
        return [Finding("error", "missing_downgrade",
                        f"revision {rev.id} has no downgrade() function; write one, or make it raise "
                        "to declare the revision irreversible", rev.id, rev.file, None, found_by=["code"])]
    if rev.irreversible_reason:
        return [Finding("warning" if allow_irreversible else "error", "irreversible",
                        f"revision {rev.id} is irreversible ({rev.irreversible_reason}): the way back past it is "
                        "restoring the backup", rev.id, rev.file, rev.downgrade_line, found_by=["code"])]
    return []


def downgrade_data_loss(rev: Revision) -> list[str]:
    """What rolling ``rev`` back throws away (for ROLLBACK.md's warnings)."""
    out = []
    for op in rev.downgrade_ops:
        if op.name == "drop_table":
            out.append(f"drops table {op.table} and every row written to it since the upgrade")
        elif op.name == "drop_column":
            out.append(f"drops column {op.table}.{op.column} and the values written to it since the upgrade")
    return out
