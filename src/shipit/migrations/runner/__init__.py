"""The migrations runner: the one layer that imports the project's Alembic code (env.py, revision modules)
and talks to databases.

It is self-contained on purpose: it imports nothing from shipit outside this package (relative imports
only), needs only Alembic and SQLAlchemy (plus the project's own dependencies and database driver), and
every operation takes and returns plain JSON data. Today shipit calls it in its own process through
:func:`call`; the same requests can be sent to another interpreter (the project's own virtualenv) by
running this package as a program::

    PYTHONPATH=<dir holding this package's parent> python -m runner  < request.json  > response.json

with ``{"op": NAME, "args": {...}}`` in and ``{"ok": true, "result": ...}`` or
``{"ok": false, "error": {"kind", "message", "hint", "details"}}`` out.

Operations (see each function's docstring):
    graph             revisions, head, the range after a previous revision, the history up to it
    offline_sql       --sql output per dialect and direction, whole or revision by revision
    round_trip        the live proof on a scratch database, under the scratch-only guard
    upgrade_to        bring a scratch database to a revision (before running SQL files with a client)
    inspect_database  version rows and schema snapshot of a database
    create_database / drop_databases   scratch databases on a server
    diff              compare two snapshots (pure)
"""

from __future__ import annotations

import json
from typing import Any

from .errors import RunnerError


def _ops() -> dict[str, Any]:
    from . import compare, live, offline, project

    return {
        "graph": project.graph,
        "offline_sql": offline.offline_sql,
        "round_trip": live.round_trip,
        "upgrade_to": live.upgrade_to,
        "inspect_database": live.inspect_database,
        "create_database": live.create_database,
        "drop_databases": live.drop_databases,
        "diff": compare.diff,
    }


def handle(request: dict[str, Any]) -> dict[str, Any]:
    """One request → one response, both plain data. A RunnerError becomes ``{"ok": false, "error": ...}``;
    anything else is a bug and propagates."""
    op = _ops().get(request.get("op", ""))
    if op is None:
        return {"ok": False, "error": RunnerError("request", f"unknown operation {request.get('op')!r}").as_dict()}
    try:
        return {"ok": True, "result": op(**request.get("args", {}))}
    except RunnerError as exc:
        return {"ok": False, "error": exc.as_dict()}


def call(op: str, **args: Any) -> Any:
    """In-process call with the same contract as the program: arguments and result go through JSON, so
    nothing but plain data crosses (a RunnerError is raised back)."""
    response = json.loads(json.dumps(handle(json.loads(json.dumps({"op": op, "args": args})))))
    if not response["ok"]:
        raise RunnerError.from_dict(response["error"])
    return response["result"]


__all__ = ["RunnerError", "call", "handle"]
