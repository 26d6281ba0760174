"""Fixtures of the migrations tests: fixture projects, and a PostgreSQL cluster for the session."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import IN_CI, free_port
from tests.migrations.support import PG_BIN, build_project, pg_tools_present


@pytest.fixture
def fixture_project(tmp_path):
    def _make(name: str, shipit_yaml: str | None = None, subdir: str = "proj") -> Path:
        return build_project(name, tmp_path / subdir, shipit_yaml)

    return _make


@pytest.fixture(scope="session")
def postgres_url():
    """A throw-away PostgreSQL 15 cluster on 127.0.0.1 (trust auth), stopped and removed at the end.

    We run as root, so the server runs as the ``postgres`` user via runuser.
    """
    if not pg_tools_present():
        if IN_CI:
            pytest.fail("CI must provide PostgreSQL 15 (scripts/install-deps.sh installs it)")
        pytest.skip("PostgreSQL 15 server binaries are not installed")
    base = Path(tempfile.mkdtemp(prefix="shipit-pg-"))
    data = base / "data"
    port = free_port()
    as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_pg:
        shutil.chown(base, "postgres", "postgres")
    subprocess.run([*as_pg, str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                    "--no-sync"], check=True, capture_output=True)
    opts = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run([*as_pg, str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(base / "log"), "-w",
                    "start"], check=True, capture_output=True)
    try:
        deadline = time.time() + 20
        while subprocess.run(["psql", "-X", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-c", "select 1"],
                             capture_output=True).returncode != 0:
            if time.time() > deadline:
                raise RuntimeError((base / "log").read_text())
            time.sleep(0.2)
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_pg, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)
