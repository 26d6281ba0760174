"""The README's "Use shipit on your project" works as written, command by command, on a real project
(ihatemoney 7.2.1, fetched as docs/getting-started.md fetches it), from a fresh virtualenv: shipit is
installed from this repository into a new venv under a fresh HOME, nothing of the test's own shipit is on
the path, and the block runs under ``bash -euo pipefail``. Only its first two lines (where shipit's source
and the project are) are replaced."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO, require_tool

pytestmark = pytest.mark.slow

SECTION = "## Use shipit on your project"


def sh_block(markdown: Path, heading: str) -> str:
    text = markdown.read_text(encoding="utf-8")
    start = text.index(heading)
    m = re.search(r"```sh\n(.*?)```", text[start:], re.DOTALL)
    assert m, f"no ```sh block under {heading!r} in {markdown.name}"
    return m.group(1)


def _bash(script: str, cwd: Path, env: dict[str, str], timeout: int) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)


def test_readme_section_as_written_on_ihatemoney(tmp_path: Path):
    require_tool("git", "bash", "/usr/bin/python3")
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
           "GIT_AUTHOR_NAME": "Release Manager", "GIT_AUTHOR_EMAIL": "rm@example.com",
           "GIT_COMMITTER_NAME": "Release Manager", "GIT_COMMITTER_EMAIL": "rm@example.com",
           "NO_MKDOCS_2_WARNING": "1"}
    for key in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_CERT", "SSL_CERT_FILE",
                "REQUESTS_CA_BUNDLE", "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "https_proxy", "http_proxy"):
        if key in os.environ:
            env[key] = os.environ[key]

    fetch = sh_block(REPO / "docs" / "getting-started.md", "## 0. The project")
    proc = _bash(fetch, home, env, 600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    project = home / "src" / "ihatemoney-7.2.1"
    assert (project / "ihatemoney" / "migrations" / "alembic.ini").is_file()

    block = sh_block(REPO / "README.md", SECTION)
    lines = block.splitlines()
    assert lines[0].startswith("SHIPIT_SRC=/path/to/shipit") and lines[1].startswith("cd ~/src/your-service")
    lines[0], lines[1] = f"SHIPIT_SRC={REPO}", f"cd {project}"
    proc = _bash("\n".join(lines) + "\n", home, env, 3000)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-6000:]
    assert "Traceback" not in out
    # the shipit that ran is the fresh venv's, not the test's
    assert (home / ".local" / "share" / "shipit" / "bin" / "shipit").is_file()
    snapshots = list((project / "release").glob("0.1.0-snapshot+*"))
    assert len(snapshots) == 1 and (project / "release" / "0.1.0" / "SHA256SUMS.sig").is_file()
    assert not list(snapshots[0].glob("SHA256SUMS.sig"))  # the try was unsigned, and said so
    plan = json.loads((snapshots[0] / "migrations" / "plan.json").read_text())
    assert plan["verification"]["round_trip"] == "passed" and plan["head_revision"] == "c941aaca38c2"
    assert "release verified" in out
    assert proc.stdout.rstrip().splitlines()[-1].strip() == "GO"
