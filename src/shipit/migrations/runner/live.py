"""Live runs on scratch databases: creating and dropping them, the round trip, bringing a database to a
revision, reading its version and schema, and the guard that keeps every connection on the scratch database.

The guard: while the project's code runs, every connection SQLAlchemy is about to open (the ``do_connect``
event of every engine, fired before the driver connects) is compared with the scratch database(s) shipit
created; any other target raises before the driver connects, so not a single statement reaches it.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import make_url

from . import compare, schema
from .errors import RunnerError, ScratchViolation
from .guard import ScratchGuard
from .host import FUTURE, branchable, redacted, usable_url
from .project import alembic_config, running, script_directory
from .steps import command_fn, migration_steps, run_env

BASE = "base"
ENV_HINT = ("make env.py take the URL shipit passes: use config.get_main_option('sqlalchemy.url') (shipit sets it, and "
            "passes it as -x url=...) or the connection in config.attributes['connection'], instead of a URL built "
            "from other variables (DB_HOST, DB_PORT, DB_NAME, ...)")




def backend_of(url: str) -> str:
    try:
        name = make_url(url).get_backend_name()
    except Exception as exc:  # re-raised with context: the URL parser and dialect loading raise several types
        raise RunnerError("url", f"database URL: cannot parse {redacted(url)!r}: {exc}",
                          "use a SQLAlchemy URL, e.g. postgresql+psycopg://user:pw@127.0.0.1:5432/postgres") from None
    return {"mariadb": "mysql"}.get(name, name)


# --- connection errors that say what was tried ----------------------------------------------------------------


def connection_error(exc: BaseException, url: str, doing: str) -> RunnerError:
    u = make_url(url)
    msg = " ".join(str(exc).split())
    low = msg.lower()
    tried = (f"{u.host or 'the local socket'}:{u.port or 'default port'}" if u.get_backend_name() != "sqlite"
             else (u.database or ":memory:"))
    short = msg.split(" (Background on this error")[0][:400]
    if isinstance(exc, ModuleNotFoundError):
        hint = f"install the database driver ({exc.name}) where shipit runs"
    elif "permission denied to create database" in low or "access denied" in low and "create" in low:
        hint = "the verify user needs the right to CREATE DATABASE (shipit drops its scratch databases afterwards)"
    elif "password authentication failed" in low or "authentication failed" in low or "access denied" in low:
        hint = f"check the user name and password in the URL (tried user {u.username!r} on {tried})"
    elif "does not exist" in low and "database" in low:
        hint = (f"the URL must name a database that exists on the server (tried {u.database!r}); shipit creates "
                "its scratch databases beside it, e.g. use /postgres")
    elif any(s in low for s in ("connection refused", "could not connect", "no such file", "timeout", "timed out",
                                "could not translate host", "name or service not known", "connection failed")):
        hint = (f"nothing answered on {tried}: is the server running and listening there? (check host and port in "
                "--database-url / SHIPIT_VERIFY_DATABASE_URL)")
    else:
        hint = f"tried {tried} as user {u.username!r}"
    missing = {"missing_module": exc.name} if isinstance(exc, ModuleNotFoundError) and exc.name else {}
    return RunnerError("connection", f"{doing} on {redacted(url)} failed (tried {tried}): {type(exc).__name__}: "
                                     f"{short}", hint, url=redacted(url), **missing)


# --- scratch databases ------------------------------------------------------------------------------------------


def create_database(server_url: str | None, label: str, token: str, tmp_dir: str) -> str:
    """A fresh database: a SQLite file in ``tmp_dir`` (no server), or ``CREATE DATABASE`` on the server."""
    if server_url is None or backend_of(server_url) == "sqlite":
        path = Path(tmp_dir) / f"{label}.db"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    name = f"shipit_verify_{token}_{label}"
    base = make_url(server_url)
    try:
        engine = create_engine(base, poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(f"CREATE DATABASE {name}"))
        finally:
            engine.dispose()
    except Exception as exc:  # re-raised with context: any driver's connection error
        raise connection_error(exc, server_url, "creating a scratch database") from None
    return base.set(database=name).render_as_string(hide_password=False)


def drop_databases(server_url: str, names: list[str]) -> None:
    engine = create_engine(make_url(server_url), poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
    force = " WITH (FORCE)" if backend_of(server_url) == "postgresql" else ""
    try:
        with engine.connect() as conn:
            for name in names:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name}{force}"))
    finally:
        engine.dispose()


class Databases:
    """Throw-away databases: SQLite files in a temporary directory (the embedded default), or databases
    created on the server ``server_url`` points at and dropped afterwards."""

    def __init__(self, server_url: str | None):
        self.server_url = server_url
        self.backend = backend_of(server_url) if server_url else "sqlite"
        # Scratch SQLite files live in memory-backed /dev/shm when there is one: they are thrown away, and
        # the round trip commits hundreds of times (each an fsync on a disk).
        shm = Path("/dev/shm")
        where = str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None
        self.tmp = tempfile.mkdtemp(prefix="shipit-migrations-", dir=where)
        self.token = secrets.token_hex(4)
        self.created: list[str] = []

    def create(self, label: str) -> str:
        url = create_database(self.server_url, label, self.token, self.tmp)
        if not url.startswith("sqlite"):
            self.created.append(make_url(url).database)
        return url

    def close(self) -> None:
        try:
            if self.created and self.server_url:
                drop_databases(self.server_url, self.created)
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)


# --- seeds -------------------------------------------------------------------------------------------------------


def _seed(url: str, path: str) -> None:
    sql = Path(path).read_text(encoding="utf-8")
    if url.startswith("sqlite"):
        # executescript runs a whole script; the driver-level API is used because seeds are plain SQL files.
        conn = sqlite3.connect(make_url(url).database)
        try:
            conn.executescript(sql)
            conn.commit()
        finally:
            conn.close()
        return
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute(sql)  # psycopg runs a multi-statement string when it has no parameters
            raw.commit()
        finally:
            raw.close()
    finally:
        engine.dispose()


# --- runs -------------------------------------------------------------------------------------------------------


def _tidy(text_: str) -> str:
    """One line, without SQLAlchemy's "(Background on this error at: URL)" trailers."""
    return re.sub(r"\s*\(Background on this error at: [^)]*\)", "", " ".join(text_.split()))


class _Stop(Exception):
    """The run cannot continue (the finding has been recorded)."""


class _Run:
    """One scratch database, the project's env.py and the guard; records findings as plain dicts."""

    def __init__(self, spec: dict[str, Any], url: str, backend: str, allowed: list[str]):
        url = usable_url(url)
        self.spec, self.url, self.backend = spec, url, backend
        self.script = script_directory(spec)
        self.cfg = alembic_config(spec, url=url)
        self.engine = create_engine(url, poolclass=pool.NullPool, **FUTURE)
        self.guard = ScratchGuard(sorted(set(allowed) | {url}))
        self.findings: list[dict[str, Any]] = []

    def finding(self, code: str, message: str, rev: dict[str, Any] | None = None, line: int | None = None,
                severity: str = "error") -> None:
        self.findings.append({"severity": severity, "code": code, "message": message,
                              "revision": rev["id"] if rev else "", "file": rev["file"] if rev else "",
                              "line": line, "found_by": [f"live:{self.backend}"]})

    def _violated(self, v: ScratchViolation) -> None:
        self.finding("scratch_guard", str(v))
        raise _Stop from None

    def run(self, fn, action: str, label: str, rev: dict[str, Any] | None) -> float:
        start = time.perf_counter()
        printed = None
        try:
            with running(self.spec, self.url) as printed, self.guard, self.engine.connect() as conn:
                # Alembic's cookbook way to hand env.py a connection; env.py files without it use the URL.
                self.cfg.attributes["connection"] = branchable(conn)
                run_env(self.script, self.cfg, fn, as_sql=False)
                conn.commit()
        except ScratchViolation as v:
            self._violated(v)
        except Exception as exc:  # the project's own migration code: recorded with what it printed, then stopped
            if self.guard.violation is not None:
                self._violated(self.guard.violation)
            where = (f"revision {rev['id']} ({rev['file']})" if rev else label)
            said = _tidy(printed.getvalue() if printed else "")
            self.finding(f"{action}_failed", f"{action} {'to' if action == 'upgrade' else 'of'} {where} failed on "
                                             f"{self.backend}: {type(exc).__name__}: {_tidy(str(exc))[:400]}"
                                             + (f" (it printed before: {said[-300:]})" if said else ""),
                         rev)
            raise _Stop from None
        finally:
            self.cfg.attributes.pop("connection", None)
        if self.guard.violation is not None:  # raised inside env.py and swallowed there
            self._violated(self.guard.violation)
        return time.perf_counter() - start

    def step(self, action: str, rev: dict[str, Any]) -> float:
        items = migration_steps(self.script, [(action, rev["id"])])
        return self.run(lambda r, context: items, action, rev["id"], rev)

    def command(self, action: str, target: str) -> float:
        return self.run(command_fn(self.script, action, target), action, f"`alembic {action} {target}`", None)

    def snapshot(self) -> dict[str, Any]:
        with self.guard, self.engine.connect() as conn:
            return schema.snapshot(conn)

    def version(self) -> list[str]:
        with self.guard, self.engine.connect() as conn:
            return schema.version(conn)

    def close(self) -> None:
        self.engine.dispose()


def upgrade_to(project: dict[str, Any], url: str, target: str, allowed: list[str]) -> dict[str, Any]:
    """``alembic upgrade TARGET`` on a scratch database (to prepare it for the offline SQL client run)."""
    run = _Run(project, url, backend_of(url), allowed)
    try:
        if target != BASE:
            run.command("upgrade", target)
    except _Stop:
        pass
    finally:
        run.close()
    return {"ok": not run.findings, "findings": run.findings}


def inspect_database(url: str) -> dict[str, Any]:
    url = usable_url(url)
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return {"version": schema.version(conn), "snapshot": schema.snapshot(conn)}
    except Exception as exc:  # re-raised with context: any driver's error
        raise connection_error(exc, url, "reading the schema") from None
    finally:
        engine.dispose()


def round_trip(project: dict[str, Any], url: str, previous: str, head: str, revisions: list[dict[str, Any]],
               undo: dict[str, Any] | None, seeds: list[dict[str, Any]], history: list[str],
               allowed: list[str]) -> dict[str, Any]:
    """Upgrade to ``previous`` (loading seeds on the way), then each revision of the range: upgrade it alone;
    when it is reversible, downgrade it alone, compare with the schema before its upgrade, upgrade it again.
    Then the way back as ROLLBACK.md gives it (``undo["commands"]``), compared with the schema at
    ``undo["target"]``, and ``alembic upgrade head``, compared with the head's schema.

    ``revisions``: ``[{"id", "file", "reversible", "line"}]`` in upgrade order. ``seeds``:
    ``[{"path", "label", "at"}]``. One snapshot per point a comparison needs (and previous/target/head).
    """
    backend = backend_of(url)
    run = _Run(project, url, backend, allowed)
    url = run.url  # with a driver the project's environment has
    res: dict[str, Any] = {"backend": backend, "timings": {}, "rollback_seconds": None, "snapshots": {},
                           "findings": run.findings}
    at: dict[str, list[dict[str, Any]]] = {}
    default_point = previous if previous != BASE else (revisions[0]["id"] if revisions else BASE)
    for seed in seeds:
        at.setdefault(seed.get("at") or default_point, []).append(seed)
    target = undo["target"] if undo else head
    keep = {previous, target, head}

    def load_seeds(point: str) -> None:
        for seed in at.get(point, []):
            try:
                with run.guard:
                    _seed(url, seed["path"])
            except Exception as exc:  # the project's seed SQL: recorded as a finding, then stopped
                run.finding("seed_failed", f"seed {seed['label']} failed at revision {point} on {backend}: "
                                           f"{' '.join(str(exc).split())[:300]}")
                raise _Stop from None

    def compare_with(expected: dict[str, Any], what: str, code: str, rev: dict[str, Any] | None,
                     at_rev: str) -> dict[str, Any]:
        now = run.snapshot()
        differences = compare.diff(expected, now)
        if differences:
            run.finding(code, f"{what}: the schema differs from revision {at_rev}'s: " + "; ".join(differences),
                        rev, rev.get("line") if rev else None)
            raise _Stop
        return now

    try:
        for point in history:  # seeds written for older schemas are loaded at their revision
            if point != previous and point in at:
                run.command("upgrade", point)
                load_seeds(point)
        if previous != BASE:
            run.command("upgrade", previous)
        load_seeds(previous)
        state = run.snapshot()
        res["snapshots"][previous] = state
        for i, rev in enumerate(revisions):
            t = res["timings"][rev["id"]] = {"upgrade": run.step("upgrade", rev), "downgrade": None}
            before = revisions[i - 1]["id"] if i else previous
            if rev["reversible"]:
                t["downgrade"] = run.step("downgrade", rev)
                compare_with(state, f"downgrade() of revision {rev['id']} leaves a trace", "round_trip_trace",
                             rev, before)
                run.step("upgrade", rev)
            load_seeds(rev["id"])
            nxt = revisions[i + 1] if i + 1 < len(revisions) else None
            if (nxt and nxt["reversible"]) or rev["id"] in keep:
                state = run.snapshot()
                if rev["id"] in keep:
                    res["snapshots"][rev["id"]] = state
        if undo:
            start = time.perf_counter()
            for cmd in undo["commands"]:
                run.command("downgrade", cmd)
            res["rollback_seconds"] = time.perf_counter() - start
            what = "`" + "`, then `".join(f"alembic downgrade {c}" for c in undo["commands"]) + "`"
            compare_with(res["snapshots"][target], f"the way back ({what})", "round_trip_trace", None, target)
            rows = run.version()
            if rows != sorted(undo["heads"]):
                run.finding("round_trip_trace", f"the way back ({what}) leaves the version table at {rows} instead "
                                                f"of {sorted(undo['heads'])}")
                raise _Stop
            run.command("upgrade", head)
            compare_with(res["snapshots"][head], f"upgrade {target} → {head} after the way back", "reupgrade_differs",
                         None, head)
        recorded = run.version()
        if recorded != ([head] if head != BASE else []):
            run.finding("env_ignores_url", f"after the round trip the verify database records "
                                           f"{recorded or 'no revision'} instead of {head}: the project's env.py does "
                                           f"not seem to use the sqlalchemy.url shipit gives it")
    except _Stop:
        pass
    finally:
        run.close()
    res["round_trip"] = "failed" if any(f["severity"] == "error" for f in run.findings) else "passed"
    return res

