"""Rich tables for the terminal: the plan and the findings."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from shipit.core.console import styled
from shipit.core.console import table as text_table
from shipit.migrations.build import DESTRUCTIVE, Plan


def plan_table(plan: Plan) -> Table:
    v = plan.verification
    table = text_table(f"Migrations {plan.previous} → {plan.head} (previous head from {plan.previous_source})",
                       "revision", "message", "file", "downgrade", "irreversible", "destructive", "offline SQL",
                       "notes")
    if v:
        table.add_column("up", justify="right")
        table.add_column("down", justify="right")
    for rev in plan.revisions:
        found = [f for f in plan.findings if f.revision == rev.id]
        destructive = sorted({f.code for f in found if f.code in DESTRUCTIVE})
        notes = sum(1 for f in found if f.code.startswith("pg_"))
        down = "missing" if not rev.has_downgrade else ("raises" if rev.downgrade_raises else
                                                         ("empty" if rev.downgrade_empty else "yes"))
        row = [rev.id, rev.message, rev.file, down,
               styled(rev.irreversible_reason or "no downgrade()", "yellow") if rev.irreversible else "no",
               styled(", ".join(destructive), "red") if destructive else "",
               _offline_cell(plan, rev.id),
               f"{notes} locking note(s)" if notes else ""]
        if v:
            t = v.timings.get(rev.id, {})
            row += [f"{t['upgrade']:.3f}s" if t.get("upgrade") is not None else "",
                    f"{t['downgrade']:.3f}s" if t.get("downgrade") is not None else ""]
        table.add_row(*row)
    return table


def findings_table(plan: Plan) -> Table:
    table = text_table("Findings", "severity", "code", "where", "message", "found by")
    colors = {"error": "red", "warning": "yellow", "note": "cyan"}
    for f in plan.sorted_findings():
        table.add_row(styled(f.severity, colors.get(f.severity, "white")), f.code, f.where(), f.message,
                      ", ".join(f.found_by))
    return table


def _offline_cell(plan: Plan, rev: str) -> str | Text:
    status = plan.offline_status(rev)
    missing = [d for d in ("upgrade", "downgrade") if status.get(d) is False]
    if not missing:
        return "yes"
    dialects = sorted({r["dialect"] for r in status["reasons"]})
    return styled(f"no {' / '.join(missing)} ({', '.join(dialects)})", "yellow")


def offline_warning(plan: Plan) -> str:
    """One line for stderr when some revisions have no offline SQL form (empty when all have one)."""
    ids = [r.id for r in plan.revisions if plan.offline_status(r.id)["reasons"]]
    if not ids or plan.cfg.require_offline_sql:
        return ""
    shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
    return (f"{len(ids)} revision(s) have no offline SQL form ({shown}): the SQL files say at the top what they "
            "cannot contain; apply and roll back with alembic (ROLLBACK.md, way A). Set "
            "migrations.require_offline_sql: true to make this an error.")
