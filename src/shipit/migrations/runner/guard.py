"""The scratch-only guard: while active, a connection SQLAlchemy opens to anything but the scratch
database(s) raises :class:`ScratchViolation` before the driver connects, so a project's env.py that builds
its own URL can never reach another database."""

from __future__ import annotations

import os

from sqlalchemy import event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.engine.url import URL

from .errors import ScratchViolation


def _identity(dialect: Dialect, cargs, cparams) -> tuple:
    if dialect.name == "sqlite":
        db = (cargs[0] if cargs else cparams.get("database")) or ":memory:"
        return ("sqlite", db if db == ":memory:" or str(db).startswith("file:") else os.path.realpath(db))
    host = cparams.get("host") or cparams.get("unix_socket") or ""
    port = str(cparams.get("port") or "")
    db = cparams.get("dbname") or cparams.get("database") or cparams.get("db") or ""
    return (dialect.name, str(host), port, str(db))


def _describe(dialect: Dialect, cargs, cparams) -> str:
    if dialect.name == "sqlite":
        return f"sqlite:///{cargs[0] if cargs else cparams.get('database') or ''}"
    url = URL.create(f"{dialect.name}+{dialect.driver}", username=cparams.get("user") or cparams.get("username"),
                     password=cparams.get("password") or None,
                     host=cparams.get("host") or None, port=int(cparams["port"]) if cparams.get("port") else None,
                     database=cparams.get("dbname") or cparams.get("database") or cparams.get("db"))
    return url.render_as_string(hide_password=True)


class ScratchGuard:
    """While active, a connection SQLAlchemy opens to anything but ``allowed`` raises ScratchViolation before
    the driver connects."""

    def __init__(self, allowed: list[str]):
        self.allowed = [make_url(u) for u in allowed]
        self.violation: ScratchViolation | None = None
        self._active = 0

    def _allowed_identities(self, dialect: Dialect) -> set[tuple]:
        out = set()
        for u in self.allowed:
            if u.get_backend_name() != dialect.name:
                continue
            cargs, cparams = dialect.create_connect_args(u)
            out.add(_identity(dialect, cargs, cparams))
        return out

    def _check(self, dialect, conn_rec, cargs, cparams):
        if _identity(dialect, cargs, cparams) in self._allowed_identities(dialect):
            return None
        where = _describe(dialect, cargs, cparams)
        scratch = ", ".join(u.render_as_string(hide_password=True) for u in self.allowed)
        self.violation = ScratchViolation(
            f"the project's env.py tried to connect to {where}, not to the scratch database shipit created "
            f"({scratch}): stopped before the driver connected, so no statement was sent", where)
        raise self.violation

    def __enter__(self) -> ScratchGuard:
        if not self._active:
            event.listen(Dialect, "do_connect", self._check)
        self._active += 1
        return self

    def __exit__(self, *exc) -> None:
        self._active -= 1
        if not self._active:
            event.remove(Dialect, "do_connect", self._check)
