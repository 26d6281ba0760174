"""The two consoles and how shipit prints on them.

Commands print results on ``out_console`` (stdout) and progress, warnings and errors on ``err_console``
(stderr). Everything that comes from a user (a config value, a path, a tool's output, an exception's
text) is printed as text, never as Rich markup: :func:`safe` escapes markup and makes control
characters (ANSI escapes, NUL) visible; :func:`error` and :func:`warn` apply it, and :func:`table`
makes tables whose cells are text unless built with :func:`styled`.

Error and warning lines are printed with ``soft_wrap``: never hard-wrapped at the console width, so a
``shipit.yaml:12:5: ...`` line stays one line in a CI log.

Verbosity is global (``-v`` / ``-q`` may be given before or after the subcommand): ``-v`` adds logs
and tracebacks, ``-q`` keeps only results, warnings and errors.
"""

from __future__ import annotations

import functools
import re
import time
from typing import Any

from rich.console import Console, ConsoleDimensions
from rich.markup import escape
from rich.text import Text

#: Width when the output is not a terminal (a CI log, a pipe): lines and table rows are never wrapped
#: there, so every message stays on one line that grep finds. COLUMNS is not consulted then: CI runners
#: and test runners export COLUMNS=80 for a terminal that is not there.
UNWRAPPED_WIDTH = 10_000


class _Console(Console):
    """A Rich console that wraps only for a terminal."""

    @property
    def size(self) -> ConsoleDimensions:
        size = super().size
        if not self.is_terminal:
            return ConsoleDimensions(UNWRAPPED_WIDTH, size.height)
        return size

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        Console.size.fset(self, new_size)


out_console: Console = _Console()
err_console: Console = _Console(stderr=True)

_state = {"verbose": False, "quiet": False}


def set_verbosity(*, verbose: bool | None = None, quiet: bool | None = None) -> None:
    if verbose is not None:
        _state["verbose"] = verbose
    if quiet is not None:
        _state["quiet"] = quiet


def is_verbose() -> bool:
    return _state["verbose"]


def is_quiet() -> bool:
    return _state["quiet"]


# C0 controls but tab and newline, DEL, and the C1 block (ESC starts ANSI sequences; NUL ends C strings).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def visible(text: Any) -> str:
    """``text`` with control characters shown as ``\\x1b``-style escapes (no terminal tricks)."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


def safe(text: Any) -> str:
    """User text for a markup string: markup escaped, control characters made visible."""
    return escape(visible(text))


def styled(text: Any, style: str = "") -> Text:
    """A table cell or line with a style, whose text is never read as markup."""
    return Text(visible(text), style=style)


def error(message: str, hint: str | None = None, *, console: Console | None = None) -> None:
    console = console or err_console
    console.print(f"[bold red]error:[/] {safe(message)}", highlight=False, soft_wrap=True)
    if hint:
        console.print(f"[bold]hint:[/] {safe(hint)}", highlight=False, soft_wrap=True)


def warn(message: str, *, console: Console | None = None) -> None:
    (console or err_console).print(f"[yellow]warning:[/] {safe(message)}", highlight=False, soft_wrap=True)


def log(message: str, *, console: Console | None = None) -> None:
    """A ``-v`` detail line: the time and ``message`` as plain text (the caller checks the verbosity)."""
    stamp = time.strftime("%H:%M:%S")
    (console or err_console).print(f"[dim]{stamp}[/] {safe(message)}", highlight=False, soft_wrap=True)


def info(markup: Any, *, console: Console | None = None) -> None:
    """A progress or summary line (trusted markup; user parts go through :func:`safe`); not with -q."""
    if not is_quiet():
        (console or err_console).print(markup, highlight=False, soft_wrap=isinstance(markup, str))


@functools.cache
def _safe_table() -> type:
    from rich.table import (
        Table,  # imported when a table is printed (keeps `shipit --help` fast)
    )

    class SafeTable(Table):
        """``add_row`` takes str cells as text, not markup; pass :func:`styled` cells for colour."""

        def add_row(self, *renderables, **kwargs):
            cells = [Text(visible(c)) if isinstance(c, str) else c for c in renderables]
            return super().add_row(*cells, **kwargs)

    return SafeTable


def table(title: str, *columns: str, **options: Any):
    """A Rich table whose str cells are plain text, not markup; long values fold, never vanish."""
    out = _safe_table()(title=Text(visible(title), style="table.title") if title else None, **options)
    for column in columns:
        out.add_column(column, overflow="fold")
    return out
