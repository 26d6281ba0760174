"""The service's Grafana dashboard, built with grafana-foundation-sdk (schemaVersion 41).

Rows: RED (rate, errors, duration percentiles), one row per SLO (SLI, error budget remaining, burn
rates), saturation (CPU and memory against limits, instances, restarts) and dependencies. Every query
reads only the service's declared metrics and the recording rules of the rules file, and every
expression comes from the rule builders of :mod:`shipit.ops.rules` (one PromQL source).
"""

from __future__ import annotations

import json
from typing import Any

from shipit.core.errors import ShipitError
from shipit.ops.config import (
    MetricType,
    SLOKind,
    cpu_cores,
    duration_seconds,
    memory_bytes,
)
from shipit.ops.rules import (
    RuleSet,
    cpu_usage,
    dependency_health,
    error_ratio,
    job_matcher,
    memory_usage,
    num,
    quantile_record,
    request_rate,
    restarts,
    selector,
    sli_record,
    targets_up,
)

RATE = "$__rate_interval"
DS_VAR = "datasource"


def _sdk():
    try:
        from grafana_foundation_sdk.builders import (
            dashboard,
            prometheus,
            stat,
            timeseries,
        )
        from grafana_foundation_sdk.cog.encoder import JSONEncoder
        from grafana_foundation_sdk.models import dashboard as dm
    except ImportError:  # pragma: no cover - depends on the environment
        raise ShipitError("grafana-foundation-sdk is not installed",
                          hint="pip install 'grafana-foundation-sdk==1769699379!11.6.0'") from None
    return dashboard, prometheus, stat, timeseries, JSONEncoder, dm


class Layout:
    """Places panels left to right on Grafana's 24-column grid."""

    def __init__(self) -> None:
        self.x = 0
        self.y = 0
        self.row_h = 0
        self.next_id = 1

    def row(self) -> tuple[int, int]:
        if self.x:
            self.y += self.row_h
        self.x, self.row_h = 0, 0
        y = self.y
        self.y += 1
        return y, self._id()

    def place(self, w: int, h: int) -> tuple[int, int, int]:
        if self.x + w > 24:
            self.y += self.row_h
            self.x, self.row_h = 0, 0
        x, y = self.x, self.y
        self.x += w
        self.row_h = max(self.row_h, h)
        return x, y, self._id()

    def _id(self) -> int:
        i = self.next_id
        self.next_id += 1
        return i


def queries(rs: RuleSet) -> list[tuple[str, str, list[tuple[str, str]], str, str]]:
    """(row, title, [(expr, legend)], unit, kind) for every panel, in order."""
    svc = rs.service
    job = job_matcher(svc)
    out: list[tuple[str, str, list[tuple[str, str]], str, str]] = []
    avail = next((s for s in svc.slos if s.kind is SLOKind.availability), None)
    latency = next((s for s in svc.slos if s.kind is SLOKind.latency), None)
    counter = avail.metric if avail else next((m.name for m in svc.metrics if m.type is MetricType.counter), None)
    histogram = latency.metric if latency else next(
        (m.name for m in svc.metrics if m.type is MetricType.histogram), None)

    if counter:
        out.append(("Requests (RED)", "Request rate by route",
                    [(request_rate(svc, counter, RATE), "{{route}}")], "reqps", "timeseries"))
        if avail:
            out.append(("Requests (RED)", "Error ratio",
                        [(error_ratio(counter, selector(job, avail.errors), selector(job), RATE), "errors")],
                        "percentunit", "timeseries"))
    if histogram:
        if latency:
            targets = [(f'{quantile_record(histogram, q)}{{service="{svc.name}"}}', f"p{int(q * 100)}")
                       for q in (0.5, 0.95, 0.99)]
        else:
            targets = [(f"histogram_quantile({q}, sum by (le) (rate({histogram}_bucket{selector(job)}[{RATE}])))",
                        f"p{int(q * 100)}") for q in (0.5, 0.95, 0.99)]
        out.append(("Requests (RED)", "Duration p50 / p95 / p99", targets, "s", "timeseries"))

    for slo in svc.slos:
        row = f"SLO: {slo.name} ({slo.objective:g}% over {slo.window})"
        sel = selector(f'service="{svc.name}"', f'slo="{slo.name}"')
        budget = num(slo.error_budget)
        out.append((row, f"SLI over {slo.window}", [(f"1 - {sli_record(slo.window)}{sel}", "SLI")], "percentunit", "stat"))
        out.append((row, "Error budget remaining",
                    [(f"1 - {sli_record(slo.window)}{sel} / {budget}", "remaining")], "percentunit", "stat"))
        wins = sorted({w for br in svc.burn_rates for w in (br.long, br.short)}, key=duration_seconds)
        out.append((row, "Burn rate (1 = budget lasts exactly the window)",
                    [(f"{sli_record(w)}{sel} / {budget}", w) for w in wins], "none", "timeseries"))

    res = svc.resources
    out.append(("Saturation", f"CPU / limit ({res.cpu_limit} CPU)",
                [(f"{cpu_usage(svc, RATE)} / {num(cpu_cores(res.cpu_limit))}", "{{instance}}")],
                "percentunit", "timeseries"))
    out.append(("Saturation", f"Memory / limit ({res.memory_limit})",
                [(f"{memory_usage(svc)} / {memory_bytes(res.memory_limit)}", "{{instance}}")], "percentunit",
                "timeseries"))
    out.append(("Saturation", "Instances up", [(f"sum({targets_up(svc)})", "up")], "none", "timeseries"))
    out.append(("Saturation", "Restarts in the last hour", [(restarts(svc), "{{instance}}")], "none", "timeseries"))
    if svc.dependencies:
        out.append(("Dependencies", "Dependency health (1 = up)",
                    [(dependency_health(d), f"{d.name} ({d.kind})") for d in svc.dependencies], "none", "timeseries"))
    return out


def build_dashboard(rs: RuleSet) -> dict[str, Any]:
    dashboard, prometheus, stat, timeseries, JSONEncoder, dm = _sdk()
    svc = rs.service
    ds = dm.DataSourceRef(type_val="prometheus", uid="${" + DS_VAR + "}")
    board = (dashboard.Dashboard(f"{svc.name} service")
             .uid(svc.uid)
             .description(svc.description or f"RED, SLO, saturation and dependencies of {svc.name}")
             .tags(["shipit", svc.name, svc.team])
             .refresh("1m")
             .time("now-6h", "now")
             .timezone("utc")
             .editable()
             .with_variable(dashboard.DatasourceVariable(DS_VAR).label("Data source").type("prometheus")))
    if svc.handoff_url:
        board = board.link(dashboard.DashboardLink("Runbooks").type(dm.DashboardLinkType.LINK)
                           .url(f"{svc.handoff_url.rstrip('/')}/runbooks/incidents.html").target_blank(True))
    layout = Layout()
    current_row = None
    for row, title, targets, unit, kind in queries(rs):
        if row != current_row:
            y, pid = layout.row()
            board = board.with_row(dashboard.Row(row).id(pid).grid_pos(dm.GridPos(h=1, w=24, x=0, y=y)))
            current_row = row
        w, h = (6, 6) if kind == "stat" else (12, 8)
        x, y, pid = layout.place(w, h)
        panel = (stat.Panel() if kind == "stat" else timeseries.Panel())
        panel = panel.id(pid).title(title).unit(unit).datasource(ds).grid_pos(dm.GridPos(h=h, w=w, x=x, y=y))
        for i, (expr, legend) in enumerate(targets):
            panel = panel.with_target(prometheus.Dataquery().expr(expr).legend_format(legend)
                                      .ref_id(chr(ord("A") + i)).datasource(ds))
        board = board.with_panel(panel)
    data = json.loads(JSONEncoder(sort_keys=True).encode(board.build()))
    return data


def panel_queries(dashboard: dict[str, Any]) -> list[str]:
    """Every PromQL expression of a dashboard (rows included)."""
    out = []
    for panel in dashboard.get("panels", []):
        for sub in [panel, *panel.get("panels", [])]:
            out += [t["expr"] for t in sub.get("targets", []) if t.get("expr")]
    return out
