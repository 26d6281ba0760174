"""Offline (``--sql``) SQL per dialect and direction: the whole range at once, and when that fails, each
revision on its own, so one revision that reads the database while it runs (no offline form) does not
hide the SQL of the others.

Input and output are plain data: the SQL text, and for each revision whether it has an offline form and
why not.
"""

from __future__ import annotations

import io
import os
import re
from typing import Any

from .errors import RunnerError
from .project import alembic_config, frame_in, import_error, rel, running, script_directory, version_dirs
from .heads import heads_after
from .steps import migration_steps, run_env

DIALECT_URLS = {"postgresql": "postgresql://", "sqlite": "sqlite://", "mysql": "mysql://"}
_READS_DB = re.compile(r"MockConnection|NoInspectionAvailable|requires a live database connection|"
                       r"'NoneType' object has no attribute '(?:fetch\w*|scalar\w*|first|one\w*|all|mappings|keys)'|"
                       r"cannot proceed in --sql mode", re.I)


def _reason(spec: dict[str, Any], exc: BaseException, dirs) -> dict[str, Any]:
    where = frame_in(exc, dirs=dirs)
    message = " ".join(str(exc).split())
    first = message.split(" [SQL:")[0][:300]
    out = {"error": f"{type(exc).__name__}: {first}", "file": rel(spec, where[0]) if where else "",
           "line": where[1] if where else None,
           "why": ("it reads the database while it runs (inspector, op.get_bind() queries or batch mode on "
                   "SQLite), and --sql mode has no database" if _READS_DB.search(f"{type(exc).__name__} {message}")
                   else "its code fails in --sql mode")}
    return out


def _raise_if_environment(spec: dict[str, Any], exc: Exception, dirs) -> None:
    """An exception raised outside every revision file (env.py, or what it imports) is not a revision without an
    offline form: it is the environment failing, and it is reported as such."""
    if frame_in(exc, dirs=dirs) is not None:
        return
    env_py = os.path.realpath(os.path.join(spec["script_location"], "env.py"))
    where = frame_in(exc, files={env_py})
    if isinstance(exc, ImportError) or where is not None:
        err = import_error(spec, exc, where, "env.py")
        if not isinstance(exc, ImportError):
            err = RunnerError("env", f"{rel(spec, env_py)}:{where[1]}: env.py fails in --sql mode: "
                                     f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}",
                              "`alembic upgrade head --sql` shows the same error")
        raise err from None


def offline_sql(project: dict[str, Any], dialects: list[str], revisions: dict[str, dict[str, Any]],
                upgrade: dict[str, Any], downgrade: dict[str, Any] | None) -> dict[str, Any]:
    """For each dialect: ``{"upgrade": part, "downgrade": part | None}`` where a part is
    ``{"complete": bool, "sql": whole text or None, "revisions": {id: {"sql": text} | {"error": ..., ...}}}``.

    ``upgrade``/``downgrade`` are ``{"start": [version rows before], "steps": [revision ids in order]}``.
    """
    spec = project
    script = script_directory(spec)
    dirs = version_dirs(script)
    out: dict[str, Any] = {}
    for dialect in dialects:
        out[dialect] = {"upgrade": _direction(spec, script, dirs, dialect, "upgrade", revisions, upgrade)}
        out[dialect]["downgrade"] = (_direction(spec, script, dirs, dialect, "downgrade", revisions, downgrade)
                                     if downgrade and downgrade["steps"] else None)
    return out


def _emit(spec, script, dialect: str, action: str, start: list[str], steps: list[str]) -> str:
    buf = io.StringIO()
    cfg = alembic_config(spec, url=DIALECT_URLS[dialect], buffer=buf)
    items = migration_steps(script, [(action, r) for r in steps])
    got = run_env(script, cfg, lambda rev, context: items, as_sql=True, starting_rev=list(start) or None,
                  destination_rev=steps[-1] if steps else None)
    if got is not None and got != dialect and not (dialect == "mysql" and got == "mariadb"):
        raise RunnerError(
            "env_url", f"env.py ignores the URL shipit passes: the offline SQL asked for {dialect} came out for {got} "
                       f"({rel(spec, os.path.join(spec['script_location'], 'env.py'))} sets its own sqlalchemy.url)",
            "make env.py take the URL it is given: config.get_main_option('sqlalchemy.url') (shipit sets it, and "
            "passes it as -x url=...) instead of one built from other variables (DB_HOST, DB_PORT, ...)")
    return buf.getvalue()


def _direction(spec, script, dirs, dialect: str, action: str, revisions, part: dict[str, Any]) -> dict[str, Any]:
    start, steps = list(part["start"]), list(part["steps"])
    if not steps:
        return {"complete": True, "sql": "", "revisions": {}}
    with running(spec, DIALECT_URLS[dialect]):
        try:
            whole = _emit(spec, script, dialect, action, start, steps)
            return {"complete": True, "sql": whole, "revisions": {r: {"sql": None} for r in steps}}
        except RunnerError:
            raise
        except Exception as exc:  # the project's migration code has no offline form: found per revision below
            _raise_if_environment(spec, exc, dirs)
            # one revision or more has no offline form: find which, one by one
        per: dict[str, Any] = {}
        heads = start
        for rev in steps:
            try:
                per[rev] = {"sql": _emit(spec, script, dialect, action, heads, [rev])}
            except RunnerError:
                raise
            except Exception as exc:  # the project's migration code: recorded as this revision's reason
                per[rev] = _reason(spec, exc, dirs)
            heads = heads_after(revisions, heads, action, rev)
    return {"complete": all("error" not in v for v in per.values()), "sql": None, "revisions": per}
