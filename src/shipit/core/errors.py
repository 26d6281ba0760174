"""Errors a user can cause. The CLI prints them without a traceback (``-v`` shows it)."""

from __future__ import annotations


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
