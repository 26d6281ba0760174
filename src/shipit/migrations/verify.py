"""The proof that the way back works, in the order that fails fastest:

1. the offline SQL files through the database's own client (``sqlite3``, ``psql``, ``mysql``) on a fresh
   database brought to the previous head: seconds, and the commonest failure;
2. the live round trip on another fresh database (:func:`shipit.migrations.runner.live.round_trip`): each
   revision upgraded, downgraded alone and compared with the schema before it, upgraded again; then the way
   back ROLLBACK.md gives, compared, and the upgrade to head again, compared;
3. the client's schemas compared with the live run's.

Step 2 does not start when step 1 failed. Everything that imports the project's code or talks to a
database goes through the runner; this module runs the clients and keeps the results.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from shipit.migrations.runner.compare import diff
from shipit.migrations.scripts import BASE, Finding

CLIENTS = {"sqlite": "sqlite3", "postgresql": "psql", "mysql": "mysql"}


@dataclass
class VerifyResult:
    backend: str
    round_trip: str = "not run"  # passed | failed | not run
    reachable: str = BASE
    timings: dict[str, dict[str, float | None]] = field(default_factory=dict)
    rollback_seconds: float | None = None
    findings: list[Finding] = field(default_factory=list)
    snapshots: dict[str, dict[str, Any]] = field(default_factory=dict)  # previous, reachable, head
    client: dict[str, dict[str, str]] = field(default_factory=dict)
    not_run_reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Run-independent summary (no timings) for plan.json."""
        out = {"database": self.backend, "round_trip": self.round_trip, "reachable_revision": self.reachable,
               "offline_sql": {k: dict(v) for k, v in sorted(self.client.items())}}
        if self.not_run_reason:
            out["round_trip_not_run"] = self.not_run_reason
        return out


def finding(data: dict[str, Any]) -> Finding:
    return Finding(data["severity"], data["code"], data["message"], data.get("revision", ""), data.get("file", ""),
                   data.get("line"), found_by=list(data.get("found_by", [])))


# --- the offline SQL through the database's own client ------------------------------------------------------


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


@dataclass
class ClientRun:
    """What one client run saw, kept until the live run gives something to compare with."""

    dialect: str
    status: dict[str, str]
    after_upgrade: dict[str, Any] | None = None
    after_downgrade: dict[str, Any] | None = None


def run_offline_files(call, project: dict[str, Any], dialect: str, url: str, previous: str, upgrade: Path,
                      downgrade: Path | None, head: str, target_heads: list[str], allowed: list[str],
                      downgrade_note: str = "") -> tuple[ClientRun, list[Finding]]:
    """Bring a fresh database to ``previous`` (with Alembic), run upgrade.sql (and downgrade.sql) with the client,
    check the version rows after each and keep the schemas for the comparison with the live run."""
    tool = CLIENTS[dialect]
    findings: list[Finding] = []

    def fail(code: str, message: str) -> tuple[ClientRun, list[Finding]]:
        findings.append(Finding("error", code, message, found_by=[f"client:{tool}"]))
        return ClientRun(dialect, {"status": "failed", "client": tool, "detail": message}), findings

    if previous != BASE:
        prep = call("upgrade_to", project=project, url=url, target=previous, allowed=allowed)
        if not prep["ok"]:
            findings.extend(finding(f) for f in prep["findings"])
            return ClientRun(dialect, {"status": "failed", "client": tool,
                                       "detail": f"could not bring the scratch database to {previous} to run "
                                                 f"{dialect}/upgrade.sql"}), findings
    ok, out = run_client(dialect, url, upgrade)
    if not ok:
        return fail("offline_sql_failed", f"{tool} failed on {dialect}/upgrade.sql: {out}")
    got = call("inspect_database", url=url)
    expected = [head] if head != BASE else []
    if got["version"] != expected:
        return fail("offline_sql_failed", f"after {dialect}/upgrade.sql the database records {got['version']} "
                                          f"instead of {expected}")
    run = ClientRun(dialect, {}, after_upgrade=got["snapshot"])
    ran = "upgrade.sql"
    if downgrade is not None:
        ok, out = run_client(dialect, url, downgrade)
        if not ok:
            return fail("offline_sql_failed", f"{tool} failed on {dialect}/downgrade.sql: {out}")
        got = call("inspect_database", url=url)
        if got["version"] != sorted(target_heads):
            return fail("offline_sql_failed", f"after {dialect}/downgrade.sql the database records {got['version']} "
                                              f"instead of {sorted(target_heads)}")
        run.after_downgrade = got["snapshot"]
        ran = "upgrade.sql and downgrade.sql"
    detail = f"{ran} ran with {tool}" + ("" if downgrade is not None else
                                         f" ({downgrade_note or 'no downgrade SQL to run'})")
    run.status = {"status": "passed", "client": tool, "detail": detail}
    return run, findings


def compare_client(run: ClientRun, live: VerifyResult, head: str, reachable: str) -> list[Finding]:
    """The client's schemas against the live run's (after the round trip passed)."""
    tool = run.status["client"]
    compared = []
    for what, snap, at in (("upgrade", run.after_upgrade, head), ("downgrade", run.after_downgrade, reachable)):
        if snap is None or at not in live.snapshots or live.backend != run.dialect:
            continue
        differences = diff(live.snapshots[at], snap)
        if differences:
            message = (f"{run.dialect}/upgrade.sql gives a different schema than the live upgrade: " if what == "upgrade"
                       else f"{run.dialect}/downgrade.sql does not restore revision {at}'s schema: ")
            message += "; ".join(differences)
            run.status = {"status": "failed", "client": tool, "detail": message}
            return [Finding("error", "offline_sql_differs", message, found_by=[f"client:{tool}"])]
        compared.append(what)
    if compared:
        run.status["detail"] += "; the resulting schema equals the live run's (" + ", ".join(compared) + ")"
    return []
