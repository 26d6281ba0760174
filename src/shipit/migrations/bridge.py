"""shipit's side of the runner: calls it and turns its errors into ShipitError. Everything that imports the
project's code or talks to a database goes through here (see :mod:`shipit.migrations.runner`)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from shipit.core.errors import ShipitError
from shipit.migrations import runner


def call(op: str, **args: Any) -> Any:
    with errors():
        return runner.call(op, **args)


@contextlib.contextmanager
def errors() -> Iterator[None]:
    """Runner errors raised by direct use of its classes (the scratch databases) as ShipitError."""
    try:
        yield
    except runner.RunnerError as exc:
        raise ShipitError(exc.message, hint=exc.hint or None) from None
