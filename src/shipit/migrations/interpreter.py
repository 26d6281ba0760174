"""Which Python runs the project's own code (its env.py, its revisions, its Flask app).

shipit may live in its own virtualenv or in pipx; the project's dependencies live in the project's
environment. The interpreter is, in this order: ``migrations.python`` in shipit.yaml (a python executable
or a virtualenv directory, relative to shipit.yaml), ``$SHIPIT_PROJECT_PYTHON``, the active virtualenv
(``$VIRTUAL_ENV``), a virtualenv in the project (``.venv``, ``venv``, ``.virtualenv``, ``env``), and last
shipit's own interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ENV = "SHIPIT_PROJECT_PYTHON"
PROJECT_VENVS = (".venv", "venv", ".virtualenv", "env")
PROBE_TIMEOUT = 60

# What the probe prints: versions of Python, Alembic, SQLAlchemy (and Flask, Flask-Migrate when asked).
_PROBE = r"""
import json, sys
DISTS = {"alembic": "alembic", "sqlalchemy": "SQLAlchemy", "flask": "Flask", "flask_migrate": "Flask-Migrate"}
out = {"python": sys.version.split()[0], "executable": sys.executable}
for mod in sys.argv[1:]:
    try:
        m = __import__(mod)
    except Exception as exc:  # any import failure in the project's Python is reported, not raised
        out[mod] = None
        out[mod + ".error"] = "%s: %s" % (type(exc).__name__, exc)
        continue
    version = getattr(m, "__version__", "")
    try:
        from importlib import metadata
        version = metadata.version(DISTS.get(mod, mod))
    except Exception:  # no distribution metadata: the module's own __version__ (or 'installed') is kept
        pass
    out[mod] = version or "installed"
print(json.dumps(out))
"""


@dataclass(frozen=True)
class Interpreter:
    path: Path
    source: str  # where the choice came from, for messages
    own: bool = False  # shipit's own interpreter (nothing else was found)

    def describe(self) -> str:
        return f"{self.path} ({self.source})"


def _python_in(venv: Path) -> Path | None:
    for rel in ("bin/python", "bin/python3", "Scripts/python.exe"):
        if (venv / rel).exists():
            return venv / rel
    return None


def _resolve(value: str, base: Path, what: str) -> Path:
    from shipit.core.errors import ConfigError

    path = Path(os.path.expandvars(value)).expanduser()
    if not path.is_absolute():
        path = base / path
    if path.is_dir():
        found = _python_in(path)
        if found is None:
            raise ConfigError(f"{what}: {path} is a directory without bin/python",
                              hint="give the project's python executable or its virtualenv directory")
        return found
    if not path.exists():
        raise ConfigError(f"{what}: {path} does not exist",
                          hint="give the project's python executable (e.g. .venv/bin/python) or its virtualenv "
                               "directory; create one with `python3 -m venv .venv && .venv/bin/pip install -r "
                               "requirements.txt`")
    return path


def discover(project_dir: Path, configured: str | None, environ: dict[str, str] | None = None) -> Interpreter:
    """The interpreter that runs the project's code; ``ConfigError`` when a configured one is missing."""
    environ = os.environ if environ is None else environ
    project_dir = Path(project_dir).resolve()
    if configured:
        return Interpreter(_resolve(configured, project_dir, "migrations.python"), "migrations.python in shipit.yaml")
    if environ.get(ENV):
        return Interpreter(_resolve(environ[ENV], Path.cwd(), f"${ENV}"), f"${ENV}")
    active = environ.get("VIRTUAL_ENV")
    if active:
        found = _python_in(Path(active))
        if found is not None:
            return Interpreter(found, f"the active virtualenv $VIRTUAL_ENV={active}")
    for name in PROJECT_VENVS:
        venv = project_dir / name
        if (venv / "pyvenv.cfg").is_file():
            found = _python_in(venv)
            if found is not None:
                return Interpreter(found, f"{name} in the project")
    return Interpreter(Path(sys.executable), "shipit's own interpreter: no migrations.python, "
                       f"${ENV}, active virtualenv or .venv in the project", own=True)


def probe(interpreter: Interpreter, modules: tuple[str, ...] = ("alembic", "sqlalchemy"),
          cwd: Path | None = None) -> dict:
    """Versions of ``modules`` as the interpreter sees them (None for a module that does not import);
    ``{"error": ...}`` when the interpreter does not run."""
    try:
        proc = subprocess.run([str(interpreter.path), "-c", _PROBE, *modules], capture_output=True, text=True,
                              timeout=PROBE_TIMEOUT, cwd=cwd, check=False, env=_clean_env())
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"error": f"{interpreter.path} does not run: {exc}"}
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"{interpreter.path} exited {proc.returncode}: {last}"}
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"error": f"{interpreter.path} printed no answer"}


def _clean_env() -> dict[str, str]:
    """The environment for the project's interpreter: shipit's own PYTHONPATH/PYTHONHOME are not the project's."""
    env = dict(os.environ)
    for key in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONSAFEPATH"):
        env.pop(key, None)
    return env


def summary(info: dict) -> str:
    if "error" in info:
        return info["error"]
    parts = [f"Python {info.get('python')}"]
    for mod, label in (("alembic", "alembic"), ("sqlalchemy", "SQLAlchemy"), ("flask", "Flask"),
                       ("flask_migrate", "Flask-Migrate")):
        if mod in info:
            parts.append(f"{label} {info[mod]}" if info[mod] else f"{label} does not import "
                         f"({info.get(mod + '.error', '')})")
    return ", ".join(parts)
