"""`pip install shipit` without extras gives every command: a fresh virtual environment installs the
repository, then runs `shipit --help`, `shipit pipeline validate` and the demo release (every stage, signed)
and verifies it. The one optional part, the PostgreSQL driver, is named by its extra when it is missing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DEMO, REPO, require


def _run(exe: Path, *args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([str(exe), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900,
                          stdin=subprocess.DEVNULL)


@pytest.mark.slow
@pytest.mark.xdist_group("demo-base")
def test_plain_install_runs_every_command(tmp_path, debian_base, demo_evidence):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    pip = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                          str(REPO)], capture_output=True, text=True, timeout=1800)
    require(pip.returncode == 0 or "Could not find a version" not in pip.stderr,
            f"PyPI is not reachable: {pip.stderr[-500:]}")
    assert pip.returncode == 0, pip.stderr[-3000:]
    installed = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "list", "--format=json"],
                               capture_output=True, text=True, check=True).stdout
    names = {p["name"].lower() for p in json.loads(installed)}
    assert "psycopg" not in names  # the one extra was not installed: this is the plain install

    shipit = venv / "bin" / "shipit"
    # a clean environment: nothing from the machine's site-packages or this checkout's src/
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "COLUMNS")}
    env.update(SOURCE_DATE_EPOCH="1700000000", NO_MKDOCS_2_WARNING="1", SHIPIT_KEY_PASSWORD="only-for-this-test",
               SHIPIT_SIGNING_KEY=str(tmp_path / "key" / "cosign.key"), PATH=f"{venv / 'bin'}:{env['PATH']}")
    demo = tmp_path / "orders-service"
    shutil.copytree(DEMO, demo, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    assert (demo / "reports" / "junit.xml").is_file()  # the evidence the demo's shipit.yaml reads

    helped = _run(shipit, "--help", cwd=demo, env=env)
    assert helped.returncode == 0 and "release" in helped.stdout, helped.stderr
    validated = _run(shipit, "pipeline", "validate", cwd=demo, env=env)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert "Traceback" not in validated.stderr

    assert _run(shipit, "keygen", "--output-dir", str(tmp_path / "key"), cwd=demo, env=env).returncode == 0
    released = _run(shipit, "release", "--version", "1.0.0", "-o", str(tmp_path / "release"), "--json",
                    cwd=demo, env=env)
    assert released.returncode == 0, released.stderr
    stages = {s["name"]: s["status"] for s in json.loads(released.stdout)["stages"]}
    assert stages == {"images": "passed", "sbom": "passed", "migrations": "passed", "pipeline": "passed",
                      "ops": "passed", "site": "passed", "manifest": "passed", "checksums": "passed",
                      "sign": "passed", "publish": "skipped"}
    verified = _run(shipit, "verify", str(tmp_path / "release" / "1.0.0"), "--key", str(tmp_path / "key" / "cosign.pub"),
                    cwd=demo, env=env)
    assert verified.returncode == 0, verified.stdout + verified.stderr

    # The PostgreSQL driver is the one extra: asking for it without it names the extra, no traceback.
    pg = _run(shipit, "migrations", "verify", "--database-url", "postgresql+psycopg://shipit@127.0.0.1:1/none",
              cwd=demo, env=env)
    assert pg.returncode == 1 and "pip install 'shipit[postgres]'" in pg.stderr, pg.stderr
    assert "Traceback" not in pg.stderr
