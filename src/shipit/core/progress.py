"""Progress for long work: a bar with counts when the total is known, a spinner otherwise.

Capabilities call :func:`progress` around a loop and ``advance()`` per item::

    with progress(f"layers of {image.name}", total=len(layers)) as bar:
        for layer in layers:
            ...
            bar.advance()

While the release runner shows a stage (:func:`activity`), the bar is a line under that stage's
spinner in the same live display; outside a release, it is a display of its own. Nothing is drawn when
stderr is not a terminal (CI logs stay clean) or with ``-q``. ``advance`` may be called from threads.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from shipit.core import console as ui

_lock = threading.Lock()
_current: dict[str, Any] = {"progress": None}


class Tracker:
    """One line of progress; a no-op when nothing is drawn."""

    def __init__(self, progress: Any = None, task: Any = None):
        self._progress, self._task = progress, task
        self.completed = 0

    def advance(self, n: float = 1) -> None:
        self.completed += n
        if self._progress is not None:
            self._progress.advance(self._task, n)

    def update(self, *, total: float | None = None, description: str | None = None) -> None:
        if self._progress is not None:
            kwargs: dict[str, Any] = {"total": total}
            if description is not None:
                kwargs["description"] = ui.safe(description)
            self._progress.update(self._task, **kwargs)


def _drawing(console) -> bool:
    return console.is_terminal and not ui.is_quiet()


def _new_progress(console):
    from rich.progress import (  # imported when something is drawn (keeps `shipit --help` fast)
        BarColumn,
        Progress,
        ProgressColumn,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.text import Text

    class Counts(ProgressColumn):
        """``12/40`` when the total is known, nothing otherwise."""

        def render(self, task):
            return Text("" if task.total is None else f"{int(task.completed)}/{int(task.total)}",
                        style="progress.download")

    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), Counts(), TimeElapsedColumn(),
                    console=console, transient=True)


@contextmanager
def activity(description: str, console=None) -> Iterator[Tracker]:
    """A spinner for one piece of work (a release stage) under which :func:`progress` bars appear."""
    console = console or ui.err_console
    if not _drawing(console) or _current["progress"] is not None:
        yield Tracker()
        return
    prog = _new_progress(console)
    task = prog.add_task(description, total=None)
    with _lock:
        _current["progress"] = prog
    try:
        with prog:
            yield Tracker(prog, task)
    finally:
        with _lock:
            _current["progress"] = None


@contextmanager
def progress(description: str, total: float | None = None, console=None) -> Iterator[Tracker]:
    """A progress line for ``total`` items (None: unknown), removed when the block ends."""
    description = ui.safe(description)
    with _lock:
        prog = _current["progress"]
    if prog is not None:
        task = prog.add_task(f"  {description}", total=total)
        try:
            yield Tracker(prog, task)
        finally:
            prog.remove_task(task)
        return
    console = console or ui.err_console
    if not _drawing(console):
        yield Tracker()
        return
    own = _new_progress(console)
    task = own.add_task(description, total=total)
    with own:
        yield Tracker(own, task)
