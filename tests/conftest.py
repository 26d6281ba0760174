"""Shared test helpers. Tests that need an engine the machine lacks skip with the reason locally;
under CI (``CI=true``) a missing engine is a failure, because CI installs everything."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
DEMO = REPO / "examples" / "orders-service"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(condition: bool, reason: str) -> None:
    """Skip (locally) or fail (in CI) unless ``condition`` holds."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI must provide this: {reason}")
    pytest.skip(reason)


def require_tool(*names: str) -> None:
    for name in names:
        require(shutil.which(name) is not None, f"{name} is not installed (scripts/install-deps.sh installs it)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(cmd: list[str], ready_url: str, log: Path, what: str, timeout: float = 30,
           **popen) -> Iterator[subprocess.Popen]:
    """Run a loopback server for a test: its output goes to ``log``; ready once ``ready_url`` answers 2xx
    (the test fails with the log's tail if it exits or is not ready within ``timeout``); stopped after."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, **popen)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    urllib.request.urlopen(ready_url, timeout=1).close()
                    break
                except (OSError, urllib.error.URLError):
                    if proc.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(f"{what} did not start:\n{log.read_text(errors='replace')[-3000:]}")
                    time.sleep(0.2)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def shipit_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("SOURCE_DATE_EPOCH", "1700000000")
    env["NO_MKDOCS_2_WARNING"] = "1"
    env.update(extra)
    return env


def run_shipit(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 600,
               check: bool = False) -> subprocess.CompletedProcess:
    """Run the real CLI in a subprocess (``python -m shipit``) and capture its output."""
    proc = subprocess.run([sys.executable, "-m", "shipit", *args], cwd=cwd, env=env or shipit_env(),
                          capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"shipit {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


DEMO_BASE = Path.home() / ".cache" / "shipit" / "bases" / "debian-bookworm-python3-orders"


DEMO_BASE_ARM64 = DEMO_BASE.with_name(DEMO_BASE.name + "-arm64")


@pytest.fixture(scope="session")
def debian_base() -> Path:
    """The demo image's Debian bases, as `make base` builds them: linux/amd64 (scripts/build-debian-base.sh;
    ~2 minutes once) and its linux/arm64 twin next to it (scripts/build-debian-base-arm64.sh, ~1 minute
    once), then cached. Returns the amd64 one; the arm64 one is ``DEMO_BASE_ARM64``.

    Tests using it must carry ``@pytest.mark.xdist_group("demo-base")`` so one worker builds it."""
    require_tool("debootstrap", "tar", "apt-get", "dpkg-deb")
    require(os.geteuid() == 0, "debootstrap needs root")
    for cmd in ([str(REPO / "scripts" / "build-debian-base.sh"), str(DEMO_BASE), str(DEMO / "requirements.txt")],
                [str(REPO / "scripts" / "build-debian-base-arm64.sh"), str(DEMO_BASE), str(DEMO_BASE_ARM64),
                 str(DEMO / "requirements.txt")]):
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return DEMO_BASE


@pytest.fixture(scope="session")
def demo_evidence() -> Path:
    """The demo's validation evidence (scripts/demo-evidence.sh: its own tests under coverage, and the
    pipeline review as SARIF), which its shipit.yaml's evidence: section reads. Same xdist group as
    ``debian_base``: the reports are written inside examples/orders-service/reports/."""
    proc = subprocess.run([str(REPO / "scripts" / "demo-evidence.sh")], env=shipit_env(PYTHON=sys.executable),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return DEMO / "reports"


@pytest.fixture
def source_date(monkeypatch) -> int:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    return 1700000000


@pytest.fixture
def make_project(tmp_path):
    """Write a minimal project with a shipit.yaml; returns its directory."""

    def _make(config: str | None = None, files: dict[str, str] | None = None, git: bool = True) -> Path:
        proj = tmp_path / "proj"
        proj.mkdir(exist_ok=True)
        (proj / "shipit.yaml").write_text(config or "schema_version: 1\nproject:\n  name: demo\n")
        for rel, text in (files or {}).items():
            p = proj / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text)
        if git:
            env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
                   "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
                   "GIT_AUTHOR_DATE": "2023-11-14T22:13:20Z", "GIT_COMMITTER_DATE": "2023-11-14T22:13:20Z"}
            subprocess.run(["git", "init", "-q", "-b", "main"], cwd=proj, check=True, env=env)
            subprocess.run(["git", "add", "-A"], cwd=proj, check=True, env=env)
            subprocess.run(["git", "commit", "-qm", "feat: initial"], cwd=proj, check=True, env=env)
        return proj

    return _make
