"""Virtualenvs for the corpus projects, built from tests/projects/venvs/<project>.txt (the project's declared
dependencies, pinned) and cached under ~/.cache/shipit/test-venvs (or $SHIPIT_TEST_VENVS), keyed by the
hash of that file and the Python version: CI pays for each once, and a changed pin builds a new one.

A line ``# no-deps: NAME==VERSION`` installs the project itself from PyPI without its dependencies (for
projects that read their own installed metadata)."""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SPECS = Path(__file__).parent / "venvs"
CACHE = Path(os.environ.get("SHIPIT_TEST_VENVS", Path.home() / ".cache" / "shipit" / "test-venvs"))
BUILD_TIMEOUT = 1800


def spec_path(project: str) -> Path:
    return SPECS / f"{project}.txt"


def project_python(project: str, base_python: str = sys.executable) -> Path:
    """The python of the project's cached virtualenv, built on first use (fails the test if pip fails)."""
    spec = spec_path(project).read_text(encoding="utf-8")
    version = subprocess.run([base_python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    key = hashlib.sha256(f"{version}\n{spec}".encode()).hexdigest()[:16]
    target = CACHE / f"{project}-py{version}-{key}"
    python = target / "bin" / "python"
    if (target / ".complete").is_file():
        return python
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f".{project}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / ".complete").is_file():
            return python
        shutil.rmtree(target, ignore_errors=True)
        log = []
        steps = [[base_python, "-m", "venv", str(target)],
                 [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r",
                  str(spec_path(project))]]
        no_deps = re.findall(r"^# no-deps: (\S+)", spec, re.MULTILINE)
        if no_deps:
            steps.append([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps",
                          *no_deps])
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PIP_REQUIRE_VIRTUALENV")}
        for argv in steps:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=BUILD_TIMEOUT, env=env, check=False)
            log.append(f"$ {' '.join(argv)}\n{proc.stdout}{proc.stderr}")
            if proc.returncode != 0:
                shutil.rmtree(target, ignore_errors=True)
                pytest.fail(f"building the virtualenv of {project} failed:\n" + "\n".join(log)[-4000:])
        (target / ".complete").write_text("\n".join(log))
    return python
