"""Running Alembic migration steps through the project's env.py, one revision at a time when needed.

Alembic's commands (``upgrade``, ``downgrade``) build a list of ``MigrationStep`` objects and hand it to
env.py through an ``EnvironmentContext``. Doing the same here, with one ScriptDirectory for the whole run,
lets shipit run *one* revision's upgrade or downgrade (a merge, or a revision on one branch, included)
and emit or execute exactly that step, offline or online.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationStep
from alembic.script import ScriptDirectory

BASE = "base"


def migration_steps(script: ScriptDirectory, steps: Iterable[tuple[str, str]]) -> list[MigrationStep]:
    """``[("upgrade", rev), ("downgrade", rev)]`` → Alembic's step objects."""
    out = []
    for action, rev in steps:
        sc = script.get_revision(rev)
        make = MigrationStep.upgrade_from_script if action == "upgrade" else MigrationStep.downgrade_from_script
        out.append(make(script.revision_map, sc))
    return out


def command_fn(script: ScriptDirectory, action: str, target: str) -> Callable:
    """What ``alembic upgrade TARGET`` / ``alembic downgrade TARGET`` run (the same calls as alembic.command)."""
    if action == "upgrade":
        return lambda rev, context: script._upgrade_revs(target, rev)  # noqa: SLF001 - alembic.command does this
    return lambda rev, context: script._downgrade_revs(target, rev)  # noqa: SLF001


def _offline_dialect(env: EnvironmentContext, url: str) -> None:
    """Offline SQL is written for the dialect shipit asks for, whatever URL env.py passes to
    ``context.configure()`` (one it reads from the application's settings): in ``--sql`` mode the URL only
    chooses the dialect, no database is opened."""
    configure = env.configure

    def pinned(*args: Any, **kwargs: Any) -> Any:
        if "connection" not in kwargs:
            kwargs.pop("dialect_name", None)
            kwargs["url"] = url
        return configure(*args, **kwargs)

    env.configure = pinned  # alembic.context forwards to the instance's attribute


def _dialect_carrier(url: str):
    """For env.py files that always pass ``config.attributes['connection']`` to ``context.configure()`` (they are
    written for a connection handed over by their own tooling): in ``--sql`` mode Alembic takes only the
    connection's dialect and writes the SQL out, so a mock connection of the dialect asked for does."""
    try:
        from sqlalchemy import create_mock_engine
    except ImportError:  # SQLAlchemy < 1.4
        return None
    return create_mock_engine(url, lambda *args, **kwargs: None)


def run_env(script: ScriptDirectory, cfg, fn: Callable, *, as_sql: bool, starting_rev: Any = None,
            destination_rev: str | None = None) -> str | None:
    """Run env.py once with ``fn`` as the work; the dialect name env.py configured (None if it did not)."""
    with EnvironmentContext(cfg, script, fn=fn, as_sql=as_sql, starting_rev=starting_rev,
                            destination_rev=destination_rev) as env:
        pinned = getattr(cfg, "_shipit_pinned", None)
        handed = False
        if as_sql and pinned:
            _offline_dialect(env, pinned)
            if "connection" not in cfg.attributes:
                mock = _dialect_carrier(pinned)
                if mock is not None:
                    cfg.attributes["connection"] = mock
                    handed = True
        try:
            script.run_env()
        finally:
            if handed:
                cfg.attributes.pop("connection", None)
        try:
            return env.get_context().dialect.name
        except Exception:  # env.py never called context.configure()
            return None
