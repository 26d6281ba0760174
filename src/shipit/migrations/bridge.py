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

from shipit.core.errors import ShipitError, missing_module
from shipit.migrations import runner

PACKAGE = "shipit_migrations_runner"
#: Started as ``python -c BOOT HOME``: the runner from HOME, the answers on the original stdout, anything the
#: project's code prints on stderr. The current directory is taken off the import path (the runner adds the
#: project's root itself, where the project wants it).
BOOT = r"""
import json, os, sys
home = sys.argv[1]
sys.path[:] = [p for p in sys.path if p not in ("", ".", os.getcwd())]
sys.path.insert(0, home)
answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
os.dup2(2, 1)
sys.stdout = sys.stderr
try:
    import shipit_migrations_runner as runner
    from shipit_migrations_runner.host import serve
except ImportError as exc:  # Alembic or SQLAlchemy missing in the project's environment
    error = {"kind": "environment", "hint": "install the project's dependencies (Alembic, SQLAlchemy) in that "
             "environment, or point migrations.python / $SHIPIT_PROJECT_PYTHON at the one that has them",
             "message": "the project's Python (%s, Python %s) cannot run shipit's migrations runner: %s: %s"
                        % (sys.executable, sys.version.split()[0], type(exc).__name__, exc), "details": {}}
    for line in sys.stdin:
        answers.write(json.dumps({"ok": False, "error": error}) + "\n")
        answers.flush()
    sys.exit(0)
sys.path.remove(home)
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


SETTINGS_PY = """\
# Written by shipit for the project's application while shipit plans and verifies its migrations: the
# application starts on a throw-away SQLite database; shipit points Flask-SQLAlchemy at each scratch
# database itself.
SQLALCHEMY_DATABASE_URI = {url!r}
DATABASE_URI = {url!r}
DATABASE_URL = {url!r}
"""


def expand(spec: dict[str, Any], home: Path, bootstrap: str) -> dict[str, str]:
    """migrations.env with {project_dir} and {settings_py} filled in ({database_url} is the runner's: it
    changes with the database each step works on)."""
    out = {}
    for key, value in (spec.get("env") or {}).items():
        value = str(value).replace("{project_dir}", spec.get("root", ""))
        if "{settings_py}" in value:
            settings = home / "shipit_settings.py"
            settings.write_text(SETTINGS_PY.format(url=bootstrap), encoding="utf-8")
            value = value.replace("{settings_py}", str(settings))
        out[key] = value
    return out


def child_env(env: dict[str, str], url: str | None, bootstrap: str) -> dict[str, str]:
    """The child's environment: migrations.env with {database_url} the operation's database (else the child's
    throw-away one), and SHIPIT_DATABASE_URL."""
    target = url or bootstrap
    out = {k: v.replace("{database_url}", target) for k, v in env.items()}
    out.setdefault("SHIPIT_DATABASE_URL", target)
    return out


def call(op: str, _spec: dict[str, Any] | None = None, **args: Any) -> Any:
    """Run ``op`` where the project's code runs: in a child of the project's interpreter (``spec["python"]``,
    from ``project=`` or ``_spec``), else in this process."""
    spec = args.get("project") or _spec
    python = (spec or {}).get("python")
    if not python:
        try:
            return runner.call(op, **args)
        except runner.RunnerError as exc:
            raise _error(exc.as_dict(), None) from None
    if op == "offline_sql" and len(args.get("dialects") or []) > 1:
        out: dict[str, Any] = {}
        for dialect in args["dialects"]:
            out.update(call(op, _spec=_spec, **{**args, "dialects": [dialect]}))
        return out
    if op == "offline_sql":
        url = _OFFLINE_URLS.get(args["dialects"][0])
    else:
        url = args.get("url")
    home = Path(tempfile.mkdtemp(prefix="shipit-app-"))
    bootstrap = f"sqlite:///{home / 'app.db'}"
    env = expand(spec, home, bootstrap)
    s = Session(python, spec["root"], env=child_env(env, url, bootstrap))
    try:
        if "project" in args:
            args = {**args, "project": {**args["project"], "bootstrap_url": bootstrap, "env": env}}
        answer = s.request(op, args)
    finally:
        s.close()
        shutil.rmtree(home, ignore_errors=True)
    for warning in answer.get("warnings") or []:
        if warning not in _WARNED:
            _WARNED.add(warning)
            _warn(warning)
    if answer.get("ok"):
        return answer["result"]
    error = answer.get("error") or {}
    if error.get("kind") == "internal":
        trace = (error.get("details") or {}).get("traceback", "").strip().splitlines()
        raise ShipitError(f"the migrations runner failed in the project's Python ({python}) while running {op}: "
                          f"{error.get('message')}" + ("\n" + "\n".join(trace[-6:]) if trace else ""),
                          hint="if the project's own `alembic` works in that environment, this is a bug in shipit",
                          exit_code=70)
    raise _error(error, python)


def _error(error: dict[str, Any], python: str | None) -> ShipitError:
    """A runner's error as shipit reports it. A database driver missing from shipit's own Python names the
    extra that brings it; missing from the project's Python, the interpreter to install it into."""
    missing = (error.get("details") or {}).get("missing_module")
    if missing and python is None:
        return missing_module(ModuleNotFoundError(name=missing))
    if missing:
        return ShipitError(error.get("message", ""), hint=f"install {missing} in the project's environment ({python})")
    return ShipitError(error.get("message", "the migrations runner failed"), hint=error.get("hint") or None)


_WARNED: set[str] = set()


@contextlib.contextmanager
def errors() -> Iterator[None]:
    """Runner errors raised by direct use of its classes (the scratch databases) as ShipitError."""
    try:
        yield
    except runner.RunnerError as exc:
        raise _error(exc.as_dict(), None) from None


def caller(spec: dict[str, Any]) -> Callable[..., Any]:
    """``call`` bound to the project's interpreter, also for operations that take no ``project``."""
    return lambda op, **args: call(op, _spec=spec, **args)


def _warn(message: str) -> None:
    from shipit.core.options import (
        err_console,  # the console only when there is something to say
    )

    err_console.print(f"warning: migrations: {message}", markup=False, highlight=False, soft_wrap=True)
