"""The project's Alembic setup (where alembic.ini and the script directory are) and what each revision's
code does, read from its syntax tree (never imported here, never guessed from names).

Importing the revisions and env.py is the runner's job (:mod:`shipit.migrations.runner`).
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipit.core.errors import ConfigError
from shipit.migrations.config import MigrationsConfig
from shipit.migrations.interpreter import Interpreter, discover
from shipit.migrations.locate import read_ini

BASE = "base"
HIDDEN_ENV = ("DATABASE_URL", "DB_URL", "SQLALCHEMY_DATABASE_URL", "SQLALCHEMY_DATABASE_URI", "ALEMBIC_DATABASE_URL")
# A revision may declare itself irreversible with a module-level ``irreversible = True`` (or
# ``shipit_irreversible = True``) or a ``# shipit: irreversible`` comment.
MARKER_NAMES = ("irreversible", "shipit_irreversible")
MARKER_COMMENT = re.compile(r"#\s*shipit:\s*irreversible\b", re.IGNORECASE)


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
    via: str = ""  # the helper function of the revision module the call is in


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
    python_path: list[Path] = field(default_factory=list)
    python: Interpreter | None = None  # the project's interpreter (None: run in shipit's own process)
    flask_app: str = ""
    flask_app_source: str = ""
    env: dict[str, str] = field(default_factory=dict)

    def rel(self, path: Path) -> str:
        try:
            return Path(os.path.relpath(path, self.root)).as_posix()
        except ValueError:
            return path.as_posix()

    def spec(self) -> dict[str, Any]:
        """The plain description the runner works from (see shipit.migrations.runner.project)."""
        return {"root": str(self.root), "run_dir": str(self.run_dir), "script_location": str(self.script_location),
                "main_options": dict(self.main_options), "ini_section": self.ini_section,
                "python_path": [str(p) for p in self.python_path], "hidden_env": list(HIDDEN_ENV),
                "ini": str(self.ini) if self.ini else None, "python": str(self.python.path) if self.python else None,
                "flask_app": self.flask_app or None, "env": dict(self.env), "root_importable": True}


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
    python_path = []
    for entry in cfg.python_path:
        path = (project_dir / entry).resolve()
        if not path.is_dir():
            raise ConfigError(f"migrations.python_path: {entry} is not a directory",
                              hint="list directories (relative to shipit.yaml) that hold the project's own modules")
        python_path.append(path)
    flask_app, flask_source = flask_application(cfg, project_dir, script_dir)
    return Project(root=project_dir, run_dir=run_dir, ini=ini, script_location=script_dir, main_options=options,
                   ini_section=section, python_path=python_path, python=discover(project_dir, cfg.python),
                   flask_app=flask_app, flask_app_source=flask_source, env=dict(cfg.env))


def flask_application(cfg: MigrationsConfig, project_dir: Path, script_dir: Path,
                      environ: dict[str, str] | None = None) -> tuple[str, str]:
    """The Flask application whose context env.py needs: migrations.flask_app, else (when env.py uses
    ``flask.current_app``) FLASK_APP from the environment or the project's .flaskenv."""
    if cfg.flask_app:
        return cfg.flask_app, "migrations.flask_app"
    try:
        env_text = (script_dir / "env.py").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "", ""
    if "current_app" not in env_text:
        return "", ""
    environ = os.environ if environ is None else environ
    if environ.get("FLASK_APP"):
        return environ["FLASK_APP"], "$FLASK_APP"
    for name in (".flaskenv",):
        path = project_dir / name
        if path.is_file():
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                m = re.match(r"""^\s*(?:export\s+)?FLASK_APP\s*=\s*['"]?([^'"#\s]+)""", line)
                if m:
                    return m.group(1), f"FLASK_APP in {name}"
    raise ConfigError(f"migrations: {Path(os.path.relpath(script_dir / 'env.py', project_dir)).as_posix()} uses "
                      "flask.current_app, and no Flask application is named",
                      hint='set migrations.flask_app (Flask\'s --app syntax, e.g. "package.wsgi:app" or '
                           '"package:create_app()"), or FLASK_APP in .flaskenv')


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


def _kw(call: ast.Call, name: str) -> ast.AST | None:
    for k in call.keywords:
        if k.arg == name:
            return k.value
    return None


def _string_constants(body: list[ast.stmt], deep: bool) -> dict[str, str]:
    """Names assigned exactly once, to a string literal (module level, or anywhere in a function)."""
    counts: dict[str, int] = {}
    values: dict[str, str] = {}
    nodes = [n for stmt in body for n in (ast.walk(stmt) if deep else [stmt])]
    for node in nodes:
        targets: list[ast.AST] = []
        value = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets, value = [node.target], getattr(node, "value", None)
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            targets = [node.target]
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            targets = [i.optional_vars for i in node.items if i.optional_vars is not None]
        for t in targets:
            for name in (n.id for n in ast.walk(t) if isinstance(n, ast.Name)):
                counts[name] = counts.get(name, 0) + 1
                if isinstance(t, ast.Name) and isinstance(value, ast.Constant) and isinstance(value.value, str) \
                        and not isinstance(node, ast.AugAssign):
                    values[name] = value.value
    return {k: v for k, v in values.items() if counts.get(k) == 1}


class _OpCollector:
    """``op.x(...)`` calls, calls on ``with op.batch_alter_table(T) as b`` handles (each handle bound to the
    ``with`` that opened it), and the same inside helper functions the revision module defines."""

    def __init__(self, module_consts: dict[str, str], funcs: dict[str, ast.FunctionDef]):
        self.module_consts = module_consts
        self.funcs = funcs
        self.ops: list[Op] = []

    def collect(self, func: ast.FunctionDef, via: str = "", stack: tuple[str, ...] = ()) -> list[Op]:
        consts = dict(self.module_consts)
        for arg in func.args.args + func.args.kwonlyargs:
            consts.pop(arg.arg, None)  # a parameter is whatever the caller passes
        self._block(func.body, {}, consts, via, stack + (func.name,))
        return self.ops

    def _name(self, node: ast.AST | None, consts: dict[str, str]) -> str | None:
        """A literal name, a constant's value, or None (a variable)."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name) and node.id in consts:
            return consts[node.id]
        return None

    def _block(self, stmts: list[ast.stmt], handles: dict[str, str | None], consts: dict[str, str], via: str,
               stack: tuple[str, ...]) -> None:
        """Statements in order. ``name = "literal"`` holds for the statements after it in the same block (and
        the blocks inside them); a name assigned inside a nested block is unknown after that block."""
        local = dict(consts)
        for stmt in stmts:
            self._visit(stmt, handles, local, via, stack)
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                value = stmt.value
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    local[stmt.targets[0].id] = value.value
                    continue
            for node in ast.walk(stmt):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    local.pop(node.id, None)

    def _visit(self, node: ast.AST, handles: dict[str, str | None], consts: dict[str, str], via: str,
               stack: tuple[str, ...]) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            return  # nested definitions run only when called
        if isinstance(node, (ast.With, ast.AsyncWith)):
            inner = dict(handles)
            for item in node.items:
                self._visit(item.context_expr, handles, consts, via, stack)
                call = item.context_expr
                if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                        and call.func.attr == "batch_alter_table" and isinstance(item.optional_vars, ast.Name)):
                    inner[item.optional_vars.id] = self._name(call.args[0] if call.args else _kw(call, "table_name"),
                                                              consts)
            self._block(node.body, inner, consts, via, stack)
            return
        if isinstance(node, ast.Call):
            self._call(node, handles, consts, via, stack)
        for field_name, value in ast.iter_fields(node):
            if isinstance(value, list) and value and all(isinstance(v, ast.stmt) for v in value):
                self._block(value, handles, consts, via, stack)
            elif isinstance(value, list):
                for v in value:
                    if isinstance(v, ast.AST):
                        self._visit(v, handles, consts, via, stack)
            elif isinstance(value, ast.AST):
                self._visit(value, handles, consts, via, stack)

    def _call(self, node: ast.Call, handles: dict[str, str | None], consts: dict[str, str], via: str,
              stack: tuple[str, ...]) -> None:
        if isinstance(node.func, ast.Name) and node.func.id in self.funcs and node.func.id not in stack:
            helper = self.funcs[node.func.id]
            self.collect(helper, via=via or helper.name, stack=stack)
            return
        if not (isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name)):
            return
        owner, name = node.func.value.id, node.func.attr
        args = list(node.args)
        if owner == "op":
            if name == "batch_alter_table":
                return
            table = self._name(args[0] if args else _kw(node, "table_name"), consts)
            rest = args[1:]
        elif owner in handles:
            table, rest = handles[owner], args
        else:
            return
        kwargs = {k.arg: _const(k.value) for k in node.keywords if k.arg}
        for k in node.keywords:
            if k.arg in ("type_", "existing_type"):
                kwargs[k.arg] = _call_name(k.value)
        column: str | None = ""
        if name in ("drop_column", "alter_column"):
            column = self._name(rest[0] if rest else _kw(node, "column_name"), consts)
        elif name == "add_column" and rest and isinstance(rest[0], ast.Call):
            col = rest[0]
            column = self._name(col.args[0], consts) if col.args else ""
            for k in col.keywords:
                if k.arg in ("nullable", "server_default", "primary_key"):
                    kwargs[f"column.{k.arg}"] = _const(k.value)
        elif name == "rename_table" and rest:
            kwargs["new_table_name"] = self._name(rest[0], consts) or VARIABLE_TABLE
        elif name == "execute" and args:
            kwargs["sql"] = _const(args[0])
            table = ""
        self.ops.append(Op(name=name, line=node.lineno, table=table if table is not None else VARIABLE_TABLE,
                           column=column if column is not None else VARIABLE_COLUMN, kwargs=kwargs, via=via))


VARIABLE_TABLE = "a table named by a variable"
VARIABLE_COLUMN = "a column named by a variable"
#: Alembic's batch mode copies a table into ``_alembic_tmp_<name>``; dropping a leftover one loses nothing.
BATCH_TEMP_PREFIX = "_alembic_tmp_"


def column_label(table: str, column: str) -> str:
    """``t.c``, or which part is named by a variable."""
    if table == VARIABLE_TABLE and column == VARIABLE_COLUMN:
        return "a column of a table, both named by variables"
    if table == VARIABLE_TABLE:
        return f"{column} of {table}"
    if column == VARIABLE_COLUMN:
        return f"{column} of {table}"
    return f"{table}.{column}"


def table_label(table: str) -> str:
    return table if table == VARIABLE_TABLE else f"table {table}"


def _collect_ops(func: ast.FunctionDef, module_consts: dict[str, str] | None = None,
                 funcs: dict[str, ast.FunctionDef] | None = None) -> list[Op]:
    ops = _OpCollector(module_consts or {}, funcs or {}).collect(func)
    return sorted(ops, key=lambda o: (o.via != "", o.via, o.line))


def analyse(rev: Revision) -> None:
    """Fill in the code facts of ``rev`` from its file's syntax tree."""
    text = rev.path.read_text(encoding="utf-8")
    tree = ast.parse(text, filename=str(rev.path))
    funcs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    consts = _string_constants(tree.body, deep=False)
    helpers = {k: v for k, v in funcs.items() if k not in ("upgrade", "downgrade")}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name) and t.id in MARKER_NAMES and _const(node.value) is True:
                    rev.marker = True
    if MARKER_COMMENT.search(text):
        rev.marker = True
    up = funcs.get("upgrade")
    if up is not None:
        rev.upgrade_ops = _collect_ops(up, consts, helpers)
        rev.upgrade_empty = all(_is_trivial(s) for s in up.body)
    down = funcs.get("downgrade")
    if down is None:
        rev.has_downgrade = False
        return
    rev.downgrade_line = down.lineno
    rev.downgrade_ops = _collect_ops(down, consts, helpers)
    body = [s for s in down.body if not _is_trivial(s)]
    rev.downgrade_empty = not body
    rev.downgrade_raises = any(isinstance(s, ast.Raise) for s in body)


def _rebuilt(ops: list[Op]) -> dict[str, str]:
    """Tables dropped and replaced by renaming a copy (copy-and-swap): {dropped table: the copy's name}."""
    renamed = {o.kwargs.get("new_table_name"): o.table for o in ops if o.name == "rename_table"}
    return {o.table: renamed[o.table] for o in ops if o.name == "drop_table" and o.table in renamed
            and o.table != VARIABLE_TABLE}


def code_findings(rev: Revision, allow_destructive: bool) -> list[Finding]:
    """Destructive operations in ``upgrade()`` (read from the code, helper functions included)."""
    sev = "warning" if allow_destructive else "error"
    out: list[Finding] = []
    rebuilt = _rebuilt(rev.upgrade_ops)

    def add(code: str, op: Op, message: str, column: str = "") -> None:
        if op.via:
            message += f" (in {op.via}())"
        out.append(Finding(sev, code, message, rev.id, rev.file, op.line, op.table, column or op.column,
                           ["code"]))

    for op in rev.upgrade_ops:
        kw = op.kwargs
        t, c = op.table, op.column
        if op.name == "drop_table":
            if t.startswith(BATCH_TEMP_PREFIX):
                continue  # a leftover of Alembic's batch mode: a copy, not data
            if t in rebuilt:
                add("rebuild_table", op, f"rebuilds table {t} (copied into {rebuilt[t]}, dropped, the copy renamed "
                                         f"back): rows or columns the copy leaves out are lost")
            else:
                add("drop_table", op, f"drops {table_label(t)}: every row in it is lost")
        elif op.name == "drop_column":
            add("drop_column", op, f"drops column {column_label(t, c)}: its data is lost")
        elif op.name == "alter_column":
            if "type_" in kw:
                add("type_change", op, f"changes the type of {column_label(t, c)} to {kw['type_']}: values may be "
                                       "truncated or fail to convert")
            if kw.get("nullable") is False and "server_default" not in kw:
                add("set_not_null", op, f"makes {column_label(t, c)} NOT NULL without a server default: fails if any "
                                        "row holds NULL")
            elif kw.get("nullable") == "<expr>" and "server_default" not in kw:
                add("set_not_null", op, f"may make {column_label(t, c)} NOT NULL (nullable= is computed) without a "
                                        "server default: fails if any row holds NULL")
            if kw.get("new_column_name"):
                add("rename_column", op, f"renames {column_label(t, c)} to {kw['new_column_name']}: code that still "
                                         "uses the old name breaks")
        elif op.name == "add_column":
            if kw.get("column.nullable") is False and "column.server_default" not in kw \
                    and not kw.get("column.primary_key"):
                add("add_not_null", op, f"adds NOT NULL column {column_label(t, c)} without a server default: fails on a "
                                        "table that has rows")
        elif op.name == "rename_table":
            new = kw.get("new_table_name")
            if new in rebuilt:
                continue  # the copy of a rebuild takes the old name back: reported as the rebuild
            add("rename_table", op, f"renames {table_label(t)} to {new}: code that still uses the old name breaks")
    return out


def reversibility_findings(rev: Revision, allow_irreversible: bool, upgrade_only: bool = False) -> list[Finding]:
    """A missing ``downgrade()`` is an error (nobody decided), unless the project declares its migrations
    upgrade-only; an irreversible revision follows the policy."""
    if not rev.has_downgrade and upgrade_only:
        return [Finding("warning" if allow_irreversible else "error", "irreversible",
                        f"revision {rev.id} has no downgrade() (migrations.upgrade_only: the project's migrations go "
                        "forward only): the way back past it is restoring the backup", rev.id, rev.file, None,
                        found_by=["code"])]
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
    """What rolling ``rev`` back throws away (for ROLLBACK.md's warnings), one line per table or column."""
    out: list[str] = []
    rebuilt = _rebuilt(rev.downgrade_ops)
    for op in rev.downgrade_ops:
        if op.name == "drop_table" and not op.table.startswith(BATCH_TEMP_PREFIX):
            line = (f"rebuilds table {op.table} from a copy: rows or columns the copy leaves out are lost"
                    if op.table in rebuilt else
                    f"drops {table_label(op.table)} and every row written to it since the upgrade")
        elif op.name == "drop_column":
            line = f"drops column {column_label(op.table, op.column)} and the values written to it since the upgrade"
        else:
            continue
        if line not in out:
            out.append(line)
    return out
