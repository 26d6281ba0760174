"""The runner's one error type: plain data (kind, message, hint, details), so it crosses a process boundary."""

from __future__ import annotations

from typing import Any


class RunnerError(Exception):
    """A problem the user can fix, described as data. ``kind`` names the family (import, graph, connection, ...)."""

    def __init__(self, kind: str, message: str, hint: str = "", **details: Any):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.hint = hint
        self.details = details

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message, "hint": self.hint, "details": self.details}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunnerError:
        return cls(data.get("kind", "error"), data.get("message", ""), data.get("hint", ""),
                   **(data.get("details") or {}))


class ScratchViolation(BaseException):
    """A connection to a database other than the scratch one. A BaseException on purpose: a revision's or
    env.py's ``except Exception`` must not swallow it."""

    def __init__(self, message: str, url: str):
        super().__init__(message)
        self.url = url
