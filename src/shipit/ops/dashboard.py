"""The service's Grafana dashboard, built with grafana-foundation-sdk (schemaVersion 41).

Rows: RED (rate, errors, duration percentiles), one row per SLO (SLI, error budget remaining, burn
rates, and how much of the SLO window the data covers), saturation (CPU and memory against limits,
instances, restarts) and dependencies. Every expression comes from the rule builders of
:mod:`shipit.ops.rules` (one PromQL source: the error-ratio panel is the SLI's own expression), reads
only the service's declared metrics, ``up`` and the recording rules, groups only by declared labels,
and every panel says which window it covers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from shipit.core.errors import ShipitError
from shipit.ops.config import (
    MetricType,
    SLOKind,
    cpu_cores,
    memory_bytes,
)
from shipit.ops.rules import (
    RuleSet,
    cpu_usage,
    data_coverage,
    declared,
    dependency_health,
    memory_usage,
    num,
    quantile_expr,
    quantile_record,
    request_rate,
    restarts,
    sli_expr,
    sli_record,
    slo_selector,
    targets_up,
    window_name,
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


@dataclass(frozen=True)
class Panel:
    row: str
    title: str
    targets: list[tuple[str, str]]  # (PromQL, legend)
    unit: str
    kind: str  # timeseries | stat
    description: str  # what it shows and over which window


RATE_WINDOW = ("over Grafana's $__rate_interval (about four scrape intervals, longer when zoomed out), "
               "at each point of the time range")


def queries(rs: RuleSet) -> list[Panel]:
    """Every panel, in order."""
    svc = rs.service
    out: list[Panel] = []
    avail = [s for s in svc.slos if s.kind is SLOKind.availability]
    latency = [s for s in svc.slos if s.kind is SLOKind.latency]
    counter = avail[0].metric if avail else next((m.name for m in svc.metrics if m.type is MetricType.counter), None)
    histogram = latency[0].metric if latency else next(
        (m.name for m in svc.metrics if m.type is MetricType.histogram), None)
    red = "Requests (RED)"
    if counter:
        by = declared(svc, counter, ("route",))
        out.append(Panel(red, "Request rate" + (" by route" if by else ""),
                         [(request_rate(svc, counter, RATE, by), "{{route}}" if by else "requests")], "reqps",
                         "timeseries", f"Requests per second ({counter}), {RATE_WINDOW}."))
    if avail:
        out.append(Panel(red, "Error ratio", [(sli_expr(svc, slo, RATE), slo.name) for slo in avail], "percentunit",
                         "timeseries", "Share of failed requests, each line the SLI of an availability SLO (its "
                                       f"errors and selector), {RATE_WINDOW}."))
    if histogram:
        if latency:
            targets = [(f'{quantile_record(histogram, q)}{{service="{svc.name}"}}', f"p{int(q * 100)}")
                       for q in (0.5, 0.95, 0.99)]
            window = "over the last 5m (recording rules), at each point of the time range"
        else:
            targets = [(quantile_expr(svc, histogram, q, RATE), f"p{int(q * 100)}") for q in (0.5, 0.95, 0.99)]
            window = RATE_WINDOW
        out.append(Panel(red, "Duration p50 / p95 / p99", targets, "s", "timeseries",
                         f"Request duration percentiles ({histogram}), {window}."))

    for slo in svc.slos:
        row = f"SLO: {slo.name} ({slo.objective:g}% over {slo.window})"
        sel = slo_selector(svc, slo)
        budget = num(slo.error_budget)
        record = f"{sli_record(window_name(svc, slo, slo.window))}{sel}"
        out.append(Panel(row, f"SLI over {slo.window}", [(f"1 - {record}", "SLI")], "percentunit", "stat",
                         f"Share of good events over the last {slo.window} (the SLO window), as of the end of the "
                         f"time range. It covers less when Prometheus holds less: see the data panel."))
        out.append(Panel(row, f"Error budget remaining ({slo.window})", [(f"1 - {record} / {budget}", "remaining")],
                         "percentunit", "stat", f"Share of the {slo.window} error budget ({budget} of events) not "
                                                f"spent over the last {slo.window}, as of the end of the time range."))
        out.append(Panel(row, f"Data in the {slo.window} window", [(data_coverage(svc, slo.window), "covered")],
                         "s", "stat", f"How far back Prometheus holds samples of job {svc.job_name} within the "
                                      f"last {slo.window}. When this is less than {slo.window} (a retention "
                                      f"shorter than the SLO window - Prometheus keeps 15d by default - or a "
                                      f"younger service) the SLI and budget panels cover only this much."))
        wins = sorted({(bw.long_seconds, bw.long) for bw in svc.burn_windows(slo)}
                      | {(bw.short_seconds, bw.short) for bw in svc.burn_windows(slo)})
        out.append(Panel(row, f"Burn rate (1 = the budget lasts exactly {slo.window})",
                         [(f"{sli_record(window_name(svc, slo, w))}{sel} / {budget}", w) for _, w in wins], "none",
                         "timeseries", "Error ratio divided by the error budget, one line per alert window (the "
                                       "legend names the window each line is computed over)."))

    if svc.resources is not None:
        res = svc.resources
        out.append(Panel("Saturation", f"CPU / limit ({res.cpu_limit} CPU)",
                         [(f"{cpu_usage(svc, RATE)} / {num(cpu_cores(res.cpu_limit))}", "{{instance}}")],
                         "percentunit", "timeseries", f"CPU used per instance against its limit, {RATE_WINDOW}."))
        out.append(Panel("Saturation", f"Memory / limit ({res.memory_limit})",
                         [(f"{memory_usage(svc)} / {memory_bytes(res.memory_limit)}", "{{instance}}")],
                         "percentunit", "timeseries", "Resident memory per instance against its limit, at each "
                                                      "point of the time range."))
    out.append(Panel("Saturation", "Instances up", [(f"sum({targets_up(svc)})", "up")], "none", "timeseries",
                     "Targets of the job Prometheus scraped successfully, at each point of the time range."))
    if svc.restarts_metric is not None:
        out.append(Panel("Saturation", "Restarts in the last hour", [(restarts(svc), "{{instance}}")], "none",
                         "timeseries", "Process restarts per instance over the hour before each point."))
    if svc.dependencies:
        out.append(Panel("Dependencies", "Dependency health (1 = up)",
                         [(dependency_health(d), f"{d.name} ({d.kind})") for d in svc.dependencies], "none",
                         "timeseries", "Each dependency's health metric (its exporter's), at each point of the "
                                       "time range."))
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
    for p in queries(rs):
        row, title, targets, unit, kind = p.row, p.title, p.targets, p.unit, p.kind
        if row != current_row:
            y, pid = layout.row()
            board = board.with_row(dashboard.Row(row).id(pid).grid_pos(dm.GridPos(h=1, w=24, x=0, y=y)))
            current_row = row
        w, h = (6, 6) if kind == "stat" else (12, 8)
        x, y, pid = layout.place(w, h)
        panel = (stat.Panel() if kind == "stat" else timeseries.Panel())
        panel = (panel.id(pid).title(title).description(p.description).unit(unit).datasource(ds)
                 .grid_pos(dm.GridPos(h=h, w=w, x=x, y=y)))
        for i, (expr, legend) in enumerate(targets):
            query = prometheus.Dataquery().expr(expr).legend_format(legend).ref_id(chr(ord("A") + i)).datasource(ds)
            if kind == "stat":  # one value as of the end of the time range: one evaluation, not one per step
                query = query.instant()
            panel = panel.with_target(query)
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
