"""Errors a user can cause, and how the other failures become clear messages: an OSError names the path and
the cause, a missing package names the extra that brings it, anything else is an internal error (exit 70).
The CLI prints them without a traceback (``-v`` shows it)."""

from __future__ import annotations

import errno
import os
import re


class ShipitError(Exception):
    """A problem the user can fix: a message, an optional hint, an exit code."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None, *, exit_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(ShipitError):
    """Wrong command-line usage or conflicting state the user must resolve (exit 2)."""

    exit_code = 2


class ConfigError(ShipitError):
    """``shipit.yaml`` is malformed or invalid (exit 2)."""

    exit_code = 2


class StageError(ShipitError):
    """A release stage failed (exit 1)."""

    exit_code = 1


class InternalError(ShipitError):
    """An unexpected exception: a bug in shipit (exit 70, EX_SOFTWARE); the traceback is shown with -v."""

    exit_code = 70

    def __init__(self, exc: BaseException, where: str = ""):
        text = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
        what = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
        super().__init__(f"internal error{' in ' + where if where else ''}: {what}",
                         hint="this is a bug in shipit; rerun with -v for the traceback and report it")
        self.original = exc


#: Optional parts of shipit (``pip install 'shipit[EXTRA]'``), by the top-level module they bring.
EXTRAS = {"psycopg": "postgres"}

_OS_HINTS = {
    errno.ENOSPC: "free space on that file system (or write the release elsewhere with --output) and rerun; "
                  "nothing was released",
    errno.EDQUOT: "the disk quota is exhausted; free space and rerun; nothing was released",
    errno.EROFS: "that file system is read-only; choose a writable location (e.g. --output DIR)",
    errno.EACCES: "check the permissions of that path (or choose another location)",
    errno.EPERM: "check the permissions of that path (or choose another location)",
    errno.EMFILE: "too many open files; raise the limit (ulimit -n) and rerun",
}


def display_path(path: object) -> str:
    """A path as the user would type it: relative to the working directory when it is inside it."""
    text = os.fsdecode(path) if isinstance(path, (str, bytes, os.PathLike)) else str(path)
    try:
        rel = os.path.relpath(text)
    except ValueError:
        return text
    return rel if not rel.startswith("..") else text


def os_error(exc: OSError, where: object = None) -> ShipitError:
    """A clear error for an OSError: ``no space left on device: release/.staging-1.2.0-x/images/...``.

    ``where`` names the place being written when the error carries no file name (a failed ``write``)."""
    copied = exc.args[0] if exc.args and isinstance(exc.args[0], list) else None
    if copied and all(isinstance(c, tuple) and len(c) == 3 for c in copied):
        # shutil.copytree/move: one (source, destination, why) per file that failed; the first says it all
        _src, dst, why = copied[0]
        found = re.match(r"\[Errno (\d+)\] ([^:]+)", str(why))
        more = f" (and {len(copied) - 1} more files)" if len(copied) > 1 else ""
        if found:
            code = int(found.group(1))
            return ShipitError(f"{found.group(2)[:1].lower()}{found.group(2)[1:]}: {display_path(dst)}{more}",
                               hint=_OS_HINTS.get(code))
        return ShipitError(f"cannot copy to {display_path(dst)}: {why}{more}")
    cause = exc.strerror or str(exc) or type(exc).__name__
    cause = cause[:1].lower() + cause[1:]
    paths = [p for p in (exc.filename, exc.filename2) if p is not None]
    if paths:
        message = f"{cause}: " + " -> ".join(display_path(p) for p in paths)
    elif where is not None:
        message = f"{cause} (while writing under {display_path(where)})"
    else:
        message = cause
    return ShipitError(message, hint=_OS_HINTS.get(exc.errno))


def missing_module(exc: ModuleNotFoundError) -> ShipitError:
    """A clear error for a Python package shipit needs that is not installed."""
    top = (exc.name or "").split(".")[0] or "?"
    extra = EXTRAS.get(top)
    if top == "psycopg2":  # SQLAlchemy's default driver for postgresql:// URLs; the extra brings psycopg 3
        return ShipitError("a postgresql:// URL needs the psycopg2 driver, which is not installed",
                           hint="pip install 'shipit[postgres]' and write the URL as postgresql+psycopg://...")
    if extra:
        return ShipitError(f"this needs the Python package '{top}', which is not installed",
                           hint=f"install shipit's '{extra}' extra: pip install 'shipit[{extra}]'")
    return ShipitError(f"shipit's dependency '{top}' is not installed (incomplete installation)",
                       hint="reinstall shipit: pip install --force-reinstall shipit")
