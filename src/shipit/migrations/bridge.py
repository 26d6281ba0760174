"""shipit's side of the runner: calls it and turns its errors into ShipitError. Everything that imports the
project's code or talks to a database goes through here (see :mod:`shipit.migrations.runner`).

The runner runs in the project's own interpreter (:mod:`shipit.migrations.interpreter`), so env.py, the
revisions and the application import the project's dependencies, not shipit's: a child process started with
``python -c BOOT HOME``, where HOME is a private copy of the runner package (nothing else of shipit is
importable there), answering JSON requests, one per line. What the project's code prints goes to the child's
stderr, kept in a file and quoted when the child fails.

One child per operation and database: a project's settings are often read once and cached (``@lru_cache
def get_settings()``), so the ``migrations.env`` values that name the database (``{database_url}``) are in the
child's environment from its start, and offline SQL for two dialects comes from two children.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from shipit.core.errors import ShipitError
from shipit.migrations import runner

PACKAGE = "shipit_migrations_runner"
#: Started as ``python -c BOOT HOME``: the runner from HOME, the answers on the original stdout, anything the
#: project's code prints on stderr. The current directory is taken off the import path (the runner adds the
#: project's root itself, where the project wants it).
BOOT = r"""
import os, sys
home = sys.argv[1]
sys.path[:] = [p for p in sys.path if p not in ("", ".")]
sys.path.insert(0, home)
import shipit_migrations_runner as runner
from shipit_migrations_runner.host import serve
sys.path.remove(home)
answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
os.dup2(2, 1)
sys.stdout = sys.stderr
sys.exit(serve(runner.handle, sys.stdin, answers))
"""
#: Variables of shipit's own environment that are not the project's (its interpreter would misread them).
DROPPED_ENV = ("PYTHONHOME", "PYTHONSTARTUP", "PYTHONSAFEPATH", "PYTHONEXECUTABLE")


class Session:
    """The runner in one interpreter, for one project directory, with one environment."""

    def __init__(self, python: str, root: str, env: dict[str, str] | None = None):
        self.python, self.root = python, root
        self.home = tempfile.mkdtemp(prefix="shipit-runner-")
        shutil.copytree(Path(runner.__file__).parent, Path(self.home) / PACKAGE,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        self.log_path = Path(self.home) / "stderr.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in close()
        child_env = {k: v for k, v in os.environ.items() if k not in DROPPED_ENV}
        child_env.update(PYTHONIOENCODING="utf-8", PYTHONDONTWRITEBYTECODE="1")
        child_env.update(env or {})
        try:
            self.proc = subprocess.Popen([python, "-c", BOOT, self.home], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=self._log, cwd=root, env=child_env,
                                         text=True, encoding="utf-8", bufsize=1)
        except OSError as exc:
            self.close()
            raise ShipitError(f"the project's Python {python} does not start: {exc}",
                              hint="check migrations.python / $SHIPIT_PROJECT_PYTHON (`shipit check` shows which "
                                   "interpreter is used)") from None

    def stderr_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.strip().splitlines()[-lines:])

    def request(self, op: str, args: dict[str, Any]) -> dict[str, Any]:
        line = json.dumps({"op": op, "args": args})
        try:
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
            answer = self.proc.stdout.readline()
        except (BrokenPipeError, OSError):
            answer = ""
        if not answer:
            code = self.proc.wait()
            tail = self.stderr_tail()
            raise ShipitError(
                f"the project's Python ({self.python}) stopped while running {op} (exit {code})"
                + (f":\n{tail}" if tail else ""),
                hint="it must have Alembic and SQLAlchemy installed and run Python 3.8 or later; `shipit check` "
                     "says which interpreter is used and what imports there")
        try:
            return json.loads(answer)
        except ValueError:
            raise ShipitError(f"the project's Python ({self.python}) answered something that is not JSON while "
                              f"running {op}: {answer[:200]!r}") from None

    def close(self) -> None:
        proc = getattr(self, "proc", None)
        if proc is not None and proc.poll() is None:
            try:
                proc.stdin.close()
                proc.wait(timeout=60)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()
                proc.wait()
        if proc is not None and proc.stdout is not None:
            proc.stdout.close()
        if hasattr(self, "_log"):
            self._log.close()
        shutil.rmtree(self.home, ignore_errors=True)


#: The database each operation works on: its environment's {database_url}.
_OFFLINE_URLS = {"postgresql": "postgresql://", "sqlite": "sqlite://", "mysql": "mysql://"}

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
