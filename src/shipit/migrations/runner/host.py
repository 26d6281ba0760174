"""What the runner needs to run a real project's code the way the project runs it, in the project's own
interpreter (Python 3.8 or later, Alembic and SQLAlchemy of any version the project pins):

* the Alembic Config is made from the project's alembic.ini (so ``fileConfig(config.config_file_name)`` in
  env.py works), and the database URL shipit gives it is *pinned*: env.py files that overwrite
  ``sqlalchemy.url`` with their application's URL (every Flask-Migrate template does) cannot redirect the
  run to another database;
* ``migrations.env`` variables, with ``{database_url}`` the database being migrated and ``{project_dir}``
  the project's directory, are set while the project's code runs (and ``SHIPIT_DATABASE_URL``);
* a Flask application (``migrations.flask_app``, Flask's ``--app`` syntax) is loaded once and its
  context is pushed while env.py runs, its Flask-SQLAlchemy engine pointed at the database being migrated;
* a URL naming a driver the project does not have (``postgresql+psycopg`` where it has psycopg2) is
  switched to one it has;
* a logging configuration in the ini that cannot be applied (a formatter class that does not import) is
  reported and skipped instead of stopping the run.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import logging.config
import os
import sys
import traceback
from typing import Any

import sqlalchemy
from alembic.config import Config as AlembicConfig

#: Drivers tried, in order, when the URL's own driver is not installed in the project's environment.
DRIVERS = {"postgresql": ("psycopg2", "psycopg", "pg8000", "asyncpg"),
           "mysql": ("pymysql", "mysqldb", "mysqlconnector", "asyncmy", "aiomysql")}
_MODULES = {"psycopg2": "psycopg2", "psycopg": "psycopg", "pg8000": "pg8000", "asyncpg": "asyncpg",
            "pymysql": "pymysql", "mysqldb": "MySQLdb", "mysqlconnector": "mysql.connector", "asyncmy": "asyncmy",
            "aiomysql": "aiomysql"}
_DEFAULT_DRIVER = {"postgresql": "psycopg2", "mysql": "mysqldb"}
PLACEHOLDER = "{database_url}"
PROJECT_DIR = "{project_dir}"

#: SQLAlchemy 1.4 (a project may pin it) needs ``future=True`` for 2.0-style connections (``commit()``).
FUTURE = {"future": True} if sqlalchemy.__version__.split(".")[0] == "1" else {}

#: What shipit's process asked (set by :func:`serve`): warnings for the shipit side to show.
WARNINGS: list[str] = []


@contextlib.contextmanager
def chdir(path: str):
    """``contextlib.chdir`` (Python 3.11) for older interpreters."""
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


class PinnedConfig(AlembicConfig):
    """An Alembic Config whose ``sqlalchemy.url`` stays the one shipit set, whatever env.py sets."""

    _shipit_pinned: str | None = None
    _shipit_bootstrap: str | None = None

    def pin_url(self, url: str) -> None:
        AlembicConfig.set_main_option(self, "sqlalchemy.url", url.replace("%", "%%"))
        self._shipit_pinned = url

    def set_main_option(self, name: str, value: str) -> None:
        if name == "sqlalchemy.url" and self._shipit_pinned is not None:
            self._kept(value)
            return
        AlembicConfig.set_main_option(self, name, value)

    def set_section_option(self, section: str, name: str, value: str) -> None:
        if (name == "sqlalchemy.url" and self._shipit_pinned is not None
                and section == self.config_ini_section):
            self._kept(value)
            return
        AlembicConfig.set_section_option(self, section, name, value)

    def _kept(self, value: str) -> None:
        value = str(value).replace("%%", "%")
        if value in (self._shipit_pinned, self._shipit_bootstrap):  # ours, or the app's throw-away database
            return
        WARNINGS.append(f"env.py sets sqlalchemy.url itself (to {redacted(str(value).replace('%%', '%'))}): shipit "
                        "kept the URL of the database it works on, so the project's own database is never used")


def make_config(spec: dict[str, Any], **kwargs: Any) -> PinnedConfig:
    """The project's own alembic.ini when it has one (its logging sections for env.py's fileConfig)."""
    ini = spec.get("ini")
    cfg = PinnedConfig(ini, **kwargs) if ini else PinnedConfig(**kwargs)
    cfg._shipit_bootstrap = spec.get("bootstrap_url")
    return cfg


def redacted(url: str) -> str:
    """A URL without its password (for messages)."""
    try:
        return sqlalchemy.engine.make_url(url).render_as_string(hide_password=True)
    except (sqlalchemy.exc.ArgumentError, ValueError, TypeError):  # make_url's errors for a non-URL
        return "<a URL shipit cannot parse>"


# --- database URLs --------------------------------------------------------------------------------------------


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def usable_url(url: str) -> str:
    """``url`` with a driver that this interpreter has (the scratch server's URL comes from shipit's side)."""
    if url.startswith("sqlite") or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    backend, _, driver = scheme.partition("+")
    family = {"postgres": "postgresql", "mariadb": "mysql"}.get(backend, backend)
    if family not in DRIVERS:
        return url
    wanted = driver or _DEFAULT_DRIVER[family]
    if _installed(_MODULES.get(wanted, wanted)):
        return url
    for candidate in DRIVERS[family]:
        if _installed(_MODULES[candidate]):
            return f"{backend}+{candidate}://{rest}"
    return url  # nothing better: the driver error names what to install


def dialect_only(url: str | None) -> bool:
    """A URL that names only a dialect (offline SQL), not a database."""
    return bool(url) and "://" in url and url.split("://", 1)[1] == ""


# --- environment variables -------------------------------------------------------------------------------------


@contextlib.contextmanager
def environment(spec: dict[str, Any], url: str | None):
    """``migrations.env`` set (``{database_url}`` → ``url``, or the session's bootstrap database)."""
    target = url or spec.get("bootstrap_url") or ""
    values = {k: str(v).replace(PLACEHOLDER, target).replace(PROJECT_DIR, spec.get("root", ""))
              for k, v in (spec.get("env") or {}).items()}
    if target:
        values.setdefault("SHIPIT_DATABASE_URL", target)
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


# --- Flask ---------------------------------------------------------------------------------------------------------

_APPS: dict[str, Any] = {}


def flask_app(spec: dict[str, Any]):
    """The project's Flask application (loaded once per process, as ``flask --app VALUE`` loads it)."""
    from .errors import RunnerError

    value = spec.get("flask_app")
    if not value:
        return None
    if value in _APPS:
        return _APPS[value]
    try:
        from flask.cli import ScriptInfo
    except ImportError as exc:
        raise RunnerError("flask", f"migrations.flask_app is {value!r}, but Flask does not import in the project's "
                                   f"Python ({sys.executable}): {exc}",
                          "install the project's dependencies in that environment") from None
    from .errors import ScratchViolation
    from .guard import ScratchGuard

    bootstrap = spec.get("bootstrap_url")
    with environment(spec, None), chdir(spec["root"]):
        try:
            try:
                info = ScriptInfo(app_import_path=value, set_debug_flag=False)
            except TypeError:  # Flask < 2.2
                info = ScriptInfo(app_import_path=value)
            # The application may open its database while it starts (some upgrade it right away): only the
            # session's throw-away database may be opened here.
            with ScratchGuard([bootstrap] if bootstrap else []):
                app = info.load_app()
        except ScratchViolation as exc:
            raise RunnerError("flask", f"the Flask application {value!r} opened its database while it started: "
                                       f"{exc}".replace("the project's env.py opened", "it opened"),
                              "point the settings the application reads at {database_url} with migrations.env "
                              "(e.g. a settings file whose database URL is $SHIPIT_DATABASE_URL): while shipit "
                              "loads the app, that is a throw-away SQLite file") from None
        except Exception as exc:  # the project's own application factory: re-raised with where it failed
            where = _project_frame(exc, spec["root"])
            raise RunnerError("flask", f"the Flask application {value!r} (migrations.flask_app) could not be loaded"
                                       f"{' at ' + where if where else ''}: {type(exc).__name__}: "
                                       f"{' '.join(str(exc).split())[:400]}",
                              "check migrations.flask_app (Flask's --app syntax: module:name or "
                              "module:factory()), and migrations.env for the settings the app reads when it "
                              "starts") from None
    _APPS[value] = app
    return app


def _project_frame(exc: BaseException, root: str) -> str:
    found = ""
    for fr in traceback.extract_tb(exc.__traceback__):
        path = os.path.realpath(fr.filename)
        if path.startswith(os.path.realpath(root) + os.sep) and "site-packages" not in path:
            found = f"{os.path.relpath(path, root)}:{fr.lineno}"
    return found


@contextlib.contextmanager
def flask_context(spec: dict[str, Any], url: str | None):
    """The application context pushed, Flask-SQLAlchemy's engine pointed at ``url`` (a live database)."""
    app = flask_app(spec)
    if app is None:
        yield
        return
    ctx = app.app_context()
    ctx.push()
    restore = []
    try:
        if url and not dialect_only(url):
            restore = _retarget(app, url)
        yield
    finally:
        for fn in reversed(restore):
            with contextlib.suppress(Exception):
                fn()
        ctx.pop()


def _retarget(app, url: str) -> list:
    """Point Flask-SQLAlchemy (2.x: the URI in the config; 3.x: the engines of this app) at ``url``."""
    undo = []
    old_uri = app.config.get("SQLALCHEMY_DATABASE_URI")
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    undo.append(lambda: app.config.__setitem__("SQLALCHEMY_DATABASE_URI", old_uri))
    ext = app.extensions.get("sqlalchemy")
    engines = None
    with contextlib.suppress(Exception):
        engines = ext.engines  # Flask-SQLAlchemy 3: a dict for the current app, {bind_key: engine}
    if isinstance(engines, dict) and None in engines:
        from sqlalchemy import create_engine, pool

        old = engines[None]
        new = create_engine(url, poolclass=pool.NullPool)
        engines[None] = new

        def put_back():
            engines[None] = old
            new.dispose()

        undo.append(put_back)
    return undo


# --- the connection handed to env.py ----------------------------------------------------------------------------


class _Branch:
    """``with connection.connect() as c``: the same connection, not closed at the end (SQLAlchemy 1.x's
    "branching", which env.py files written for an Engine in config.attributes['connection'] rely on)."""

    def __init__(self, conn):
        self.conn = conn

    def __enter__(self):
        return self.conn

    def __exit__(self, *exc):
        return False


def branchable(conn):
    """The connection shipit hands env.py, also usable where env.py expects an Engine (``.connect()``)."""
    if hasattr(conn, "connect"):
        return conn
    base = type(conn)
    cls = _BRANCHABLE.get(base)
    if cls is None:
        cls = _BRANCHABLE[base] = type(f"Branchable{base.__name__}", (base,), {"connect": lambda self: _Branch(self)})
    try:
        conn.__class__ = cls
    except TypeError:
        pass
    return conn


_BRANCHABLE: dict = {}


# --- logging ---------------------------------------------------------------------------------------------------


def tolerate_logging_config() -> None:
    """env.py's ``fileConfig(...)`` with a handler or formatter that cannot be built (its class does not import in
    this environment) becomes a warning: logging has no bearing on what the migrations do."""
    original = logging.config.fileConfig

    def file_config(fname, *args, **kwargs):
        try:
            return original(fname, *args, **kwargs)
        except Exception as exc:  # the project's logging ini: reported as a warning, logging falls back
            WARNINGS.append(f"the logging configuration in {fname} was not applied: {type(exc).__name__}: "
                            f"{' '.join(str(exc).split())[:200]}")
            logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
            return None

    logging.config.fileConfig = file_config


# --- the session ---------------------------------------------------------------------------------------------------


def serve(handle, requests, answers) -> int:
    """One JSON request per line in, one JSON answer per line out, until the input ends."""
    tolerate_logging_config()
    for line in requests:
        if not line.strip():
            continue
        del WARNINGS[:]
        try:
            answer = handle(json.loads(line))
        except Exception as exc:  # a bug of the runner (or a broken environment): described, never silent
            answer = {"ok": False, "error": {"kind": "internal", "message": f"{type(exc).__name__}: {exc}",
                                             "hint": "", "details": {"traceback": traceback.format_exc()}}}
        except BaseException as exc:  # SystemExit from the project's code, KeyboardInterrupt
            answer = {"ok": False, "error": {"kind": "internal", "message": f"the project's code stopped the "
                                                                            f"runner: {type(exc).__name__}: {exc}",
                                             "hint": "", "details": {"traceback": traceback.format_exc()}}}
        answer["warnings"] = list(WARNINGS)
        answers.write(json.dumps(answer) + "\n")
        answers.flush()
    return 0
