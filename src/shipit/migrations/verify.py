"""The proof that the way back works: a live round trip on a fresh database, and the offline SQL files
run through the database's own client (``sqlite3``, ``psql``, ``mysql``).

Round trip, on one fresh database::

    upgrade to the previous head, load seeds, snapshot
    for each revision: upgrade (timed), snapshot; if reversible: downgrade (timed), compare, upgrade again
    downgrade head → lowest reachable revision (timed), compare, upgrade to head again, compare

"Lowest reachable" is the newest irreversible revision in the range, or the previous head when the whole
range is reversible: past an irreversible revision the way back is the backup, and that is what the
plan and ROLLBACK.md say instead of pretending.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from shipit.core.errors import ShipitError
from shipit.core.progress import progress
from shipit.migrations import schema
from shipit.migrations.config import SeedScript
from shipit.migrations.scripts import BASE, Finding, Project, Revision

CLIENTS = {"sqlite": "sqlite3", "postgresql": "psql", "mysql": "mysql"}


def backend_of(url: str) -> str:
    try:
        name = make_url(url).get_backend_name()
    except Exception as exc:  # re-raised with context: SQLAlchemy's URL parser raises several types
        raise ShipitError(f"--database-url: cannot parse {redact(url)!r}: {exc}",
                          hint="use a SQLAlchemy URL, e.g. postgresql+psycopg://user:pw@127.0.0.1:5432/postgres") from None
    return {"mariadb": "mysql"}.get(name, name)


def redact(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError, TypeError):  # what make_url raises for a string that is not a URL
        return "<unparseable URL>"


class Databases:
    """Fresh, throw-away databases: SQLite files in a temporary directory (the embedded default), or
    databases created on the server ``server_url`` points at and dropped afterwards."""

    def __init__(self, server_url: str | None):
        self.server_url = server_url
        self.backend = backend_of(server_url) if server_url else "sqlite"
        # Scratch SQLite files live in memory-backed /dev/shm when there is one: they are thrown away, and
        # the round trip commits hundreds of times (each an fsync on a disk).
        shm = Path("/dev/shm")
        where = str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None
        self._tmp = Path(tempfile.mkdtemp(prefix="shipit-migrations-", dir=where))
        self._created: list[str] = []
        self._token = secrets.token_hex(4)

    def create(self, label: str) -> str:
        if self.server_url is None or self.backend == "sqlite":
            path = self._tmp / f"{label}.db"
            path.unlink(missing_ok=True)
            return f"sqlite:///{path}"
        name = f"shipit_verify_{self._token}_{label}"
        base = make_url(self.server_url)
        engine = create_engine(base, poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(f"CREATE DATABASE {name}"))
        except Exception as exc:  # re-raised with context: any driver's connection error
            raise ShipitError(f"cannot create a scratch database on {redact(self.server_url)}: {exc}",
                              hint="the verify user needs the right to CREATE DATABASE (shipit drops it afterwards)")\
                from None
        finally:
            engine.dispose()
        self._created.append(name)
        return base.set(database=name).render_as_string(hide_password=False)

    def close(self) -> None:
        if self._created:
            engine = create_engine(make_url(self.server_url), poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
            try:
                with engine.connect() as conn:
                    for name in self._created:
                        force = " WITH (FORCE)" if self.backend == "postgresql" else ""
                        conn.execute(text(f"DROP DATABASE IF EXISTS {name}{force}"))
            finally:
                engine.dispose()
        shutil.rmtree(self._tmp, ignore_errors=True)


@dataclass
class VerifyResult:
    backend: str
    round_trip: str = "not run"  # passed | failed | not run
    reachable: str = BASE
    timings: dict[str, dict[str, float | None]] = field(default_factory=dict)
    rollback_seconds: float | None = None
    findings: list[Finding] = field(default_factory=list)
    snapshots: dict[str, dict[str, Any]] = field(default_factory=dict)
    client: dict[str, dict[str, str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Run-independent summary (no timings) for plan.json."""
        return {"database": self.backend, "round_trip": self.round_trip, "reachable_revision": self.reachable,
                "offline_sql": {k: dict(v) for k, v in sorted(self.client.items())}}


class _Stop(Exception):
    """The round trip cannot continue (the finding has been recorded)."""


def _seed(url: str, seed: SeedScript, path: Path) -> None:
    sql = path.read_text(encoding="utf-8")
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


def round_trip(project: Project, revisions: list[Revision], previous: str, url: str, backend: str,
               seeds: list[tuple[SeedScript, Path]], history: list[str] | None = None) -> VerifyResult:
    res = VerifyResult(backend=backend)
    by_rev: dict[str, list[tuple[SeedScript, Path]]] = {}
    default_point = previous if previous != BASE else (revisions[0].id if revisions else BASE)
    for seed, path in seeds:
        by_rev.setdefault(seed.revision or default_point, []).append((seed, path))
    cfg = project.alembic_config(url=url)
    irreversible = [r for r in revisions if r.irreversible]
    res.reachable = irreversible[-1].id if irreversible else previous
    head = revisions[-1].id if revisions else previous

    def step(action: str, rev: Revision | None, target: str) -> float:
        start = time.perf_counter()
        engine = create_engine(url, poolclass=pool.NullPool)
        try:
            with project.running(), warnings.catch_warnings(), engine.connect() as conn:
                warnings.simplefilter("ignore")
                # Alembic's cookbook way to hand env.py a connection; env.py files without it use the URL.
                cfg.attributes["connection"] = conn
                getattr(command, action)(cfg, target)
                conn.commit()
        except Exception as exc:  # the project's own migration code: recorded, then _Stop
            name = rev.id if rev else target
            where = f"revision {name}" + (f" ({rev.file})" if rev else "")
            res.findings.append(Finding("error", f"{action}_failed",
                                        f"{action} {'to' if action == 'upgrade' else 'of'} {where} failed on "
                                        f"{backend}: {type(exc).__name__}: {' '.join(str(exc).split())[:400]}",
                                        rev.id if rev else "", rev.file if rev else "", found_by=[f"live:{backend}"]))
            raise _Stop from None
        finally:
            cfg.attributes.pop("connection", None)
            engine.dispose()
        return time.perf_counter() - start

    def load_seeds(point: str) -> None:
        for seed, path in by_rev.get(point, []):
            try:
                _seed(url, seed, path)
            except Exception as exc:  # the project's seed SQL through any driver: recorded, then _Stop
                res.findings.append(Finding("error", "seed_failed",
                                            f"seed {seed.path} failed at revision {point} on {backend}: "
                                            f"{' '.join(str(exc).split())[:300]}", point, seed.path,
                                            found_by=[f"live:{backend}"]))
                raise _Stop from None

    def compare(expected_at: str, rev: Revision | None, what: str, code: str) -> None:
        differences = schema.diff(res.snapshots[expected_at], schema.snapshot(url))
        if differences:
            res.findings.append(Finding(
                "error", code,
                f"{what}: the schema differs from revision {expected_at}'s: " + "; ".join(differences),
                rev.id if rev else "", rev.file if rev else "", rev.downgrade_line if rev else None,
                found_by=[f"live:{backend}"]))
            raise _Stop  # the database is no longer where the next step expects it

    stack = contextlib.ExitStack()  # holds the progress line of the per-revision round trips
    try:
        for point in history or []:  # seeds written for older schemas are loaded at their revision
            if point != previous and point in by_rev:
                step("upgrade", None, point)
                load_seeds(point)
        if previous != BASE:
            step("upgrade", None, previous)
        load_seeds(previous)
        res.snapshots[previous] = schema.snapshot(url)
        before = previous
        bar = stack.enter_context(progress(f"round trips on {backend}", total=len(revisions)))
        for rev in revisions:
            up = step("upgrade", rev, rev.id)
            res.timings[rev.id] = {"upgrade": up, "downgrade": None}
            if not rev.irreversible:
                after = schema.snapshot(url)
                res.timings[rev.id]["downgrade"] = step("downgrade", rev, before)
                compare(before, rev, f"downgrade() of revision {rev.id} leaves a trace",
                        "round_trip_trace")
                step("upgrade", rev, rev.id)
                again = schema.snapshot(url)
                differences = schema.diff(after, again)
                if differences:
                    res.findings.append(Finding("error", "reupgrade_differs",
                                                f"upgrading revision {rev.id} again gives a different schema: "
                                                + "; ".join(differences), rev.id, rev.file,
                                                found_by=[f"live:{backend}"]))
            load_seeds(rev.id)
            res.snapshots[rev.id] = again if not rev.irreversible and rev.id not in by_rev else schema.snapshot(url)
            before = rev.id
            bar.advance()
        if res.reachable != head:
            res.rollback_seconds = step("downgrade", None, res.reachable)
            compare(res.reachable, None, f"downgrade {head} → {res.reachable}", "round_trip_trace")
            step("upgrade", None, head)
            compare(head, None, f"upgrade {res.reachable} → {head} after the downgrade", "reupgrade_differs")
        recorded = schema.version(url)
        if recorded != ([head] if head != BASE else []):
            res.findings.append(Finding(
                "error", "env_ignores_url",
                f"after the round trip the verify database records {recorded or 'no revision'} instead of {head}: "
                "the project's env.py does not seem to use the sqlalchemy.url shipit gives it",
                found_by=[f"live:{backend}"]))
    except _Stop:
        pass
    finally:
        stack.close()
    res.round_trip = "failed" if any(f.severity == "error" for f in res.findings) else "passed"
    return res


# --- the offline SQL through the database's own client ------------------------------------------------


def client_command(dialect: str, url: str, sql_file: Path) -> tuple[list[str], dict[str, str], Path | None]:
    """argv, extra environment and stdin file to run ``sql_file`` with the dialect's own client."""
    u = make_url(url)
    if dialect == "sqlite":
        return ["sqlite3", "-bail", u.database], {}, sql_file
    if dialect == "postgresql":
        conn = u.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
        env = {"PGPASSWORD": u.password} if u.password else {}
        return ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", conn, "-f", str(sql_file)], env, None
    args = ["mysql", f"--host={u.host or '127.0.0.1'}", f"--port={u.port or 3306}", f"--user={u.username or 'root'}",
            f"--database={u.database}"]
    return args, ({"MYSQL_PWD": u.password} if u.password else {}), sql_file


def run_client(dialect: str, url: str, sql_file: Path) -> tuple[bool, str]:
    argv, env, stdin = client_command(dialect, url, sql_file)
    if shutil.which(argv[0]) is None:
        return False, f"{argv[0]} is not installed"
    full_env = {**os.environ, **env}
    with open(stdin, "rb") if stdin else open(os.devnull, "rb") as fh:
        proc = subprocess.run(argv, stdin=fh, capture_output=True, text=True, env=full_env, timeout=600)
    out = (proc.stderr or proc.stdout).strip()
    return proc.returncode == 0, out


@contextmanager
def _tempfile(text_: str) -> Iterator[Path]:
    fd, name = tempfile.mkstemp(suffix=".sql", prefix="shipit-")
    with os.fdopen(fd, "w") as fh:
        fh.write(text_)
    try:
        yield Path(name)
    finally:
        os.unlink(name)


def run_offline_files(dialect: str, url: str, prepare_sql: str | None, upgrade: Path, downgrade: Path | None,
                      head: str, reachable: str, live: VerifyResult | None) -> tuple[dict[str, str], list[Finding]]:
    """Run upgrade.sql (and downgrade.sql) with the client on a fresh database; compare with the live run."""
    findings: list[Finding] = []
    tool = CLIENTS[dialect]

    def fail(code: str, message: str) -> tuple[dict[str, str], list[Finding]]:
        findings.append(Finding("error", code, message, found_by=[f"client:{tool}"]))
        return {"status": "failed", "client": tool, "detail": message}, findings

    if prepare_sql is not None:
        with _tempfile(prepare_sql) as prep:
            ok, out = run_client(dialect, url, prep)
        if not ok:
            return fail("offline_sql_failed", f"{tool} could not bring the scratch database to the previous head: {out}")
    ok, out = run_client(dialect, url, upgrade)
    if not ok:
        return fail("offline_sql_failed", f"{tool} failed on {dialect}/upgrade.sql: {out}")
    expected = [head] if head != BASE else []
    if schema.version(url) != expected:
        return fail("offline_sql_failed", f"after {dialect}/upgrade.sql the database records "
                                          f"{schema.version(url)} instead of {expected}")
    compared = []
    if live is not None and live.backend == dialect and head in live.snapshots:
        differences = schema.diff(live.snapshots[head], schema.snapshot(url))
        if differences:
            return fail("offline_sql_differs", f"{dialect}/upgrade.sql gives a different schema than the live "
                                               "upgrade: " + "; ".join(differences))
        compared.append("upgrade")
    if downgrade is not None:
        ok, out = run_client(dialect, url, downgrade)
        if not ok:
            return fail("offline_sql_failed", f"{tool} failed on {dialect}/downgrade.sql: {out}")
        expected = [reachable] if reachable != BASE else []
        if schema.version(url) != expected:
            return fail("offline_sql_failed", f"after {dialect}/downgrade.sql the database records "
                                              f"{schema.version(url)} instead of {expected}")
        if live is not None and live.backend == dialect and reachable in live.snapshots:
            differences = schema.diff(live.snapshots[reachable], schema.snapshot(url))
            if differences:
                return fail("offline_sql_differs", f"{dialect}/downgrade.sql does not restore revision "
                                                   f"{reachable}'s schema: " + "; ".join(differences))
            compared.append("downgrade")
    ran = "upgrade.sql and downgrade.sql" if downgrade is not None else "upgrade.sql (no downgrade SQL to run)"
    detail = f"{ran} ran with {tool}"
    if compared:
        detail += "; the resulting schema equals the live run's (" + ", ".join(compared) + ")"
    return {"status": "passed", "client": tool, "detail": detail}, findings
