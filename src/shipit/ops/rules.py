"""Prometheus recording and alerting rules from the ``service:`` section.

Recording rules compute each SLO's error ratio (the share of bad events) over every window the
burn-rate alerts and the dashboard need. Alerts follow the Google SRE workbook's multi-window,
multi-burn-rate scheme: an alert fires when both its long and its short window burn the error budget
faster than ``factor`` times the sustainable rate. Each alert also carries what its generated unit
test needs (``Alert.test``), so the tests are derived from the same arithmetic as the rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from shipit.ops.config import (
    RESTARTS_METRIC,
    SLO,
    Dependency,
    ServiceConfig,
    Severity,
    SLOKind,
    cpu_cores,
    memory_bytes,
)
from shipit.ops.policy import BurnWindow
from shipit.ops.promql import duration_seconds, num, selector

#: Windows every SLI is recorded over (the SRE workbook's alert windows, for the dashboard and for
#: comparison with other tools), plus each SLO's own alert windows and SLO window.
SLI_WINDOWS = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]
RUNBOOK_TOPIC = "incidents"


def pascal(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[-_]", name) if part)


def kebab(name: str) -> str:
    """OrdersAvailabilityBudgetBurn1h5m → orders-availability-budget-burn-1h5m; CPUSaturation → cpu-saturation."""
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[a-z]{2})(?=[0-9])", "-", name)
    return s.lower()


def le_matcher(bound: float) -> str:
    """Match a bucket's ``le`` label whichever client wrote it: Go writes ``1``, Python writes ``1.0``."""
    if float(bound).is_integer():
        return f'le=~"{int(bound)}(\\\\.0)?"'
    return f'le="{num(bound)}"'


def quantile_of(objective: float) -> float:
    return round(objective / 100, 6)


def quantile_label(q: float) -> str:
    """0.99 → p99, 0.999 → p999, 0.5 → p50."""
    return "p" + f"{q:.6f}".split(".")[1].rstrip("0").ljust(2, "0")


def sli_record(window: str) -> str:
    return f"slo:sli_error:ratio_rate{window}"


def quantile_record(metric: str, q: float) -> str:
    return f"service:{metric}:{quantile_label(q)}_rate5m"


@dataclass
class Alert:
    name: str
    expr: str
    urgency: str  # page | ticket: how urgent (routes and runbooks); the severity label may use other names
    summary: str
    description: str
    for_: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    # What the runbook section says (rendered by the incidents template).
    meaning: str = ""
    impact: str = ""
    checks: list[str] = field(default_factory=list)  # PromQL to run first
    commands: list[str] = field(default_factory=list)  # shell commands to run first
    mitigation: list[str] = field(default_factory=list)
    category: str = ""
    # What the generated unit test needs to know about the alert (see shipit.ops.unittests): its kind
    # and what it watches, never its threshold (the tests derive that from shipit.yaml on their own).
    test: dict[str, Any] = field(default_factory=dict)

    @property
    def anchor(self) -> str:
        return kebab(self.name)

    @property
    def severity(self) -> str:
        """The value of the alert's severity label."""
        return self.labels["severity"]


@dataclass
class RuleSet:
    service: ServiceConfig
    recording: list[dict[str, Any]]
    alerts: list[Alert]
    windows: dict[str, list[str]]  # SLO name → the windows its SLI is recorded over
    notes: list[str] = field(default_factory=list)  # alerts not generated, and why

    @property
    def recorded_names(self) -> set[str]:
        return {r["record"] for r in self.recording}


def runbook_url(svc: ServiceConfig, topic: str, anchor: str) -> str:
    return f"{svc.handoff_url.rstrip('/')}/runbooks/{topic}.html#{anchor}"


def dashboard_url(svc: ServiceConfig) -> str:
    return f"{svc.grafana_url.rstrip('/')}/d/{svc.uid}/{svc.name}"


def job_matcher(svc: ServiceConfig) -> str:
    return f'job="{svc.job_name}"'


def windows_for(svc: ServiceConfig, slo: SLO) -> list[str]:
    """The windows ``slo``'s SLI is recorded over: the standard ones up to the SLO window, its alert
    windows and the SLO window itself (one name per duration: 1d, not 24h)."""
    window_s = slo.window_seconds
    by_seconds = {duration_seconds(w): w for w in SLI_WINDOWS if duration_seconds(w) <= window_s}
    for bw in svc.burn_windows(slo):
        by_seconds.setdefault(bw.long_seconds, bw.long)
        by_seconds.setdefault(bw.short_seconds, bw.short)
    by_seconds.setdefault(window_s, slo.window)
    return [by_seconds[k] for k in sorted(by_seconds)]


def window_name(svc: ServiceConfig, slo: SLO, window: str) -> str:
    """The recorded name of ``window`` for ``slo`` (24h and 1d are one window, recorded as one name)."""
    want = duration_seconds(window)
    return next(w for w in windows_for(svc, slo) if duration_seconds(w) == want)


def error_ratio(metric: str, bad: str, total: str, window: str) -> str:
    """The share of requests matching ``bad`` among those matching ``total`` over ``window``."""
    # `or vector(0)`: with no failed request at all the error series does not exist yet, and the
    # ratio must read 0 (perfect), not "no data".
    return (f"(sum(rate({metric}{bad}[{window}])) or vector(0))\n/\n"
            f"sum(rate({metric}{total}[{window}]))")


def request_rate(svc: ServiceConfig, metric: str, window: str, by: tuple[str, ...] = ()) -> str:
    """Requests per second of ``metric``, summed by the labels ``by`` (only labels the metric has)."""
    missing = [b for b in by if b not in svc.labels_of(metric)]
    if missing:
        raise ValueError(f"{metric} has no label {', '.join(missing)}")  # a bug: callers pick declared labels
    grouping = f" by ({', '.join(by)})" if by else ""
    return f"sum{grouping} (rate({metric}{selector(job_matcher(svc))}[{window}]))"


def quantile_expr(svc: ServiceConfig, metric: str, q: float, window: str, matchers: str = "") -> str:
    """The ``q`` quantile of histogram ``metric``'s observations over ``window``."""
    return (f"histogram_quantile({num(q)}, sum by (le) "
            f"(rate({metric}_bucket{selector(job_matcher(svc), matchers)}[{window}])))")


def data_coverage(svc: ServiceConfig, window: str) -> str:
    """Seconds of the service's samples Prometheus holds within ``window`` (less than the window when the
    retention is shorter or the service younger), to the hour: from ``up``, which every scrape writes
    (a target younger than the last full hour counts from now)."""
    up = targets_up(svc)
    return f"time() - min(min_over_time(timestamp({up})[{window}:1h]) or timestamp({up}))"


def declared(svc: ServiceConfig, metric: str, wanted: tuple[str, ...]) -> tuple[str, ...]:
    """The labels of ``wanted`` that ``metric`` is declared with, in the order asked."""
    m = svc.metric(metric)
    have = set(m.labels) if m else set()
    return tuple(w for w in wanted if w in have)


def sli_expr(svc: ServiceConfig, slo: SLO, window: str) -> str:
    job = job_matcher(svc)
    if slo.kind is SLOKind.availability:
        return error_ratio(slo.metric, selector(job, slo.selector, slo.errors), selector(job, slo.selector), window)
    good = selector(job, slo.selector, le_matcher(slo.threshold))
    total = selector(job, slo.selector)
    return (f"1 - (\n  sum(rate({slo.metric}_bucket{good}[{window}]))\n  /\n"
            f"  sum(rate({slo.metric}_count{total}[{window}]))\n)")


def slo_labels(svc: ServiceConfig, slo: SLO) -> dict[str, str]:
    return {"service": svc.name, "slo": slo.name}


def slo_selector(svc: ServiceConfig, slo: SLO) -> str:
    """Selects the recording rules of one SLO."""
    return selector(f'service="{svc.name}"', f'slo="{slo.name}"')


_slo_sel = slo_selector


def burn_threshold(slo: SLO, bw: BurnWindow) -> str:
    """``(factor * budget)``, both written with 12 significant digits."""
    return f"({num(bw.factor)} * {num(slo.error_budget)})"


def burn_expr(svc: ServiceConfig, slo: SLO, bw: BurnWindow) -> str:
    """The multi-window condition: both windows' error ratio above factor x budget."""
    sel = slo_selector(svc, slo)
    thr = burn_threshold(slo, bw)
    long, short = window_name(svc, slo, bw.long), window_name(svc, slo, bw.short)
    return f"{sli_record(long)}{sel} > {thr}\nand\n{sli_record(short)}{sel} > {thr}"


def days(seconds: float) -> str:
    d = seconds / 86400
    return f"{d:.1f} days" if d >= 1 else f"{seconds / 3600:.1f} hours"


def build_rules(svc: ServiceConfig) -> RuleSet:
    windows = {slo.name: windows_for(svc, slo) for slo in svc.slos}
    recording: list[dict[str, Any]] = []
    notes: list[str] = []
    for slo in svc.slos:
        for w in windows[slo.name]:
            recording.append({"record": sli_record(w), "expr": sli_expr(svc, slo, w), "labels": slo_labels(svc, slo)})
    for metric in sorted({s.metric for s in svc.slos if s.kind is SLOKind.latency}):
        for q in (0.5, 0.95, 0.99):
            recording.append({
                "record": quantile_record(metric, q),
                "expr": quantile_expr(svc, metric, q, "5m"),
                "labels": {"service": svc.name},
            })
    alerts: list[Alert] = []
    for slo in svc.slos:
        alerts += burn_rate_alerts(svc, slo)
    for slo in svc.slos:
        if slo.kind is SLOKind.latency:
            alerts.append(latency_alert(svc, slo))
    if svc.resources is not None:
        alerts += saturation_alerts(svc)
    else:
        notes.append(f"no {pascal(svc.name)}CPUSaturation / MemorySaturation alerts: service.resources "
                     f"(limits and the metrics to compare with them) is not set")
    for dep in svc.dependencies:
        alerts.append(dependency_alert(svc, dep))
    alerts.append(target_down_alert(svc))
    if svc.restarts_metric is not None:
        alerts.append(restarts_alert(svc))
    else:
        notes.append(f"no {pascal(svc.name)}Restarting alert: {RESTARTS_METRIC} (gauge) is not declared "
                     f"under service.metrics")
    for a in alerts:
        slo = next((s for s in svc.slos if s.name == a.labels.get("slo")), None)
        custom = dict(slo.labels) if slo is not None else {}
        a.labels = {"severity": svc.severity_names(slo).of(a.urgency), "service": svc.name, "team": svc.team,
                    **custom, **a.labels}
    return RuleSet(svc, recording, alerts, windows, notes)


def burn_rate_alerts(svc: ServiceConfig, slo: SLO) -> list[Alert]:
    out = []
    sel = slo_selector(svc, slo)
    window_s = slo.window_seconds
    what = "requests failed" if slo.kind is SLOKind.availability else f"requests took longer than {slo.threshold:g}s"
    for bw in svc.burn_windows(slo):
        factor = num(bw.factor)
        threshold = bw.factor * slo.error_budget
        exhausted = days(window_s / bw.factor)
        share = f"{float(bw.budget_percent):.3g}%"
        long, short = window_name(svc, slo, bw.long), window_name(svc, slo, bw.short)
        out.append(Alert(
            name=f"{pascal(svc.name)}{pascal(slo.name)}BudgetBurn{bw.long}{bw.short}",
            expr=burn_expr(svc, slo, bw),
            urgency=bw.severity,
            labels={"slo": slo.name, "long_window": bw.long, "short_window": bw.short, "burn_rate": factor},
            summary=f"{svc.name}: {slo.name} SLO error budget burning {factor}x too fast ({bw.long}/{bw.short})",
            description=(f"{{{{ $value | humanizePercentage }}}} of {svc.name} {what} over the last {bw.long} "
                         f"(and over {bw.short}); the {slo.objective:g}% {slo.name} objective allows "
                         f"{num(slo.error_budget * 100)}%. At {factor}x the {slo.window} error budget is gone "
                         f"in {exhausted}."),
            meaning=(f"Over both the last {bw.long} and the last {bw.short}, the share of bad events of the "
                     f"'{slo.name}' SLO is above {factor} x {num(slo.error_budget * 100)}% = "
                     f"{num(threshold * 100)}%: {share} of the {slo.window} error budget burns within {bw.long} "
                     f"at this rate, and the rest lasts {exhausted}. The short window makes the alert clear "
                     f"soon after the errors stop."),
            impact=(f"Users are affected: {what} far more often than the '{slo.name}' SLO allows"
                    + (f" ({slo.description.rstrip('.')})." if slo.description else ".")) + (
                " This pages: act now." if bw.severity == Severity.page else
                " This opens a ticket: fix within working hours."),
            checks=[f"{sli_record(w)}{sel}" for w in (short, long)] + _slo_checks(svc, slo),
            mitigation=_slo_mitigation(slo),
            category="slo",
            test={"kind": "burn", "slo": slo.name, "long": bw.long, "short": bw.short},
        ))
    return out


def _slo_checks(svc: ServiceConfig, slo: SLO) -> list[str]:
    """What to look at first: the SLO's bad events split by the labels the metric has."""
    job = job_matcher(svc)
    if slo.kind is SLOKind.availability:
        by = declared(svc, slo.metric, ("route", "handler", "path", "method", "code", "status"))
        grouping = f" by ({', '.join(by)})" if by else ""
        return [f"sum{grouping} (rate({slo.metric}{selector(job, slo.selector, slo.errors)}[5m]))"]
    by = ("le", *declared(svc, slo.metric, ("route", "handler", "path", "method")))
    return [(f"histogram_quantile({num(quantile_of(slo.objective))}, sum by ({', '.join(by)}) "
             f"(rate({slo.metric}_bucket{selector(job, slo.selector)}[5m])))")]


def _slo_mitigation(slo: SLO) -> list[str]:
    common = ["If a release went out in the last hours, roll it back (see the [rollback runbook](rollback.md#rollback)).",
              "Check the dependency panels of the dashboard; a failing dependency shows up here first."]
    if slo.kind is SLOKind.availability:
        return common + ["Look at the error logs for the failing routes and the first stack trace."]
    return common + ["Look for saturation (CPU, memory) and scale out if the service is at its limit."]


def latency_alert(svc: ServiceConfig, slo: SLO) -> Alert:
    q = quantile_of(slo.objective)
    ql = quantile_label(q)
    metric = svc.metric(slo.metric)
    expr = f"{quantile_expr(svc, slo.metric, q, '5m', slo.selector)} > {num(slo.threshold)}"
    return Alert(
        name=f"{pascal(svc.name)}{pascal(slo.name)}{ql.upper()}High",
        expr=expr,
        for_=svc.latency_alert_for,
        urgency="ticket",
        labels={"slo": slo.name},
        summary=f"{svc.name}: {ql} latency above {num(slo.threshold)}s",
        description=(f"The {ql} of {svc.name} request durations is {{{{ printf \"%.3f\" $value }}}}s over the last "
                     f"5m (threshold {num(slo.threshold)}s for {svc.latency_alert_for}); more than "
                     f"{num((1 - q) * 100)}% of requests are slower than the '{slo.name}' SLO allows."),
        meaning=(f"More than {num((1 - q) * 100)}% of requests took longer than {num(slo.threshold)}s over 5 minutes, "
                 f"for {svc.latency_alert_for}. The budget-burn alerts of the '{slo.name}' SLO say whether this "
                 f"threatens the objective."),
        impact="Users wait longer than promised; slow requests may time out upstream.",
        checks=_slo_checks(svc, slo) + ([cpu_usage(svc, "5m")] if svc.resources is not None else []),
        mitigation=_slo_mitigation(slo),
        category="latency",
        test={"kind": "latency", "metric": slo.metric, "quantile": q, "threshold": slo.threshold,
              "buckets": list(metric.buckets) if metric else [], "for": svc.latency_alert_for},
    )


def cpu_usage(svc: ServiceConfig, window: str) -> str:
    """CPU seconds per second of each instance (the numerator of CPU saturation)."""
    return f"sum by (instance) (rate({svc.resources.cpu_metric}{selector(job_matcher(svc))}[{window}]))"


def memory_usage(svc: ServiceConfig) -> str:
    """Resident memory of each instance (the numerator of memory saturation)."""
    return f"max by (instance) ({svc.resources.memory_metric}{selector(job_matcher(svc))})"


def targets_up(svc: ServiceConfig) -> str:
    return f"up{selector(job_matcher(svc))}"


def restarts(svc: ServiceConfig) -> str:
    """Process restarts of each instance over the last hour."""
    return f"changes({RESTARTS_METRIC}{selector(job_matcher(svc))}[1h])"


def dependency_health(dep: Dependency) -> str:
    return f"max({dep.health})"


@dataclass(frozen=True)
class _Saturation:
    """One saturation alert: a resource's use per instance against its limit."""

    title: str  # in the alert's name: CPU, Memory
    resource: str  # in sentences: CPU, memory
    usage: str  # PromQL of the use per instance
    limit: str  # the limit in the usage's unit, as PromQL
    limit_text: str  # the limit as shipit.yaml gives it
    unit: str  # after limit_text in the description
    consequence: str  # what happens near the limit (follows the limit in the description)
    impact: str
    mitigation: tuple[str, ...]
    test: dict[str, Any]


def _saturations(svc: ServiceConfig) -> list[_Saturation]:
    res = svc.resources
    cores, mem = cpu_cores(res.cpu_limit), memory_bytes(res.memory_limit)
    pct = f"{res.saturation_threshold:.0%}"
    return [
        _Saturation("CPU", "CPU", cpu_usage(svc, "5m"), num(cores), res.cpu_limit, " CPU",
                    f" over 5m; above {pct} requests slow down as the CPU is throttled.",
                    "Throttling raises latency; if all instances are busy the service needs more replicas.",
                    ("Scale out (see the scaling runbook); the autoscaler may already be at max_replicas.",
                     "If one instance is hot while others idle, look for a stuck request or a hot key."),
                    {"kind": "cpu", "metric": res.cpu_metric, "cores": cores,
                     "threshold": res.saturation_threshold}),
        _Saturation("Memory", "memory", memory_usage(svc), str(mem), res.memory_limit, "",
                    "; at 100% it is killed (OOM).",
                    "The instance will be OOM-killed and restarted; in-flight requests fail.",
                    ("Restart the instance to buy time, then look for a leak (memory growing steadily since start).",
                     "Raise the memory limit only with the owning team's agreement."),
                    {"kind": "memory", "metric": res.memory_metric, "bytes": mem,
                     "threshold": res.saturation_threshold}),
    ]


def saturation_alerts(svc: ServiceConfig) -> list[Alert]:
    thr = num(svc.resources.saturation_threshold)
    pct = f"{svc.resources.saturation_threshold:.0%}"
    return [Alert(
        name=f"{pascal(svc.name)}{s.title}Saturation",
        expr=f"{s.usage} / {s.limit} > {thr}",
        for_="10m",
        urgency="ticket",
        summary=f"{svc.name}: {s.resource} above {pct} of its limit",
        description=(f"{{{{ $labels.instance }}}} uses {{{{ $value | humanizePercentage }}}} of its {s.resource} "
                     f"limit ({s.limit_text}{s.unit}){s.consequence}"),
        meaning=f"An instance has used more than {pct} of its {s.resource} limit ({s.limit_text}) for 10 minutes.",
        impact=s.impact,
        checks=[s.usage],
        commands=["kubectl top pods -l app=" + svc.name],
        mitigation=list(s.mitigation),
        category="saturation",
        test=dict(s.test),
    ) for s in _saturations(svc)]


DEPENDENCY_COMMANDS = {
    "postgres": "pg_isready -h {host} -p {port}",
    "mysql": "mysqladmin -h {host} -P {port} ping",
    "redis": "redis-cli -h {host} -p {port} ping",
    "memcached": "printf 'stats\\nquit\\n' | nc {host} {port}",
    "http": "curl -fsS -o /dev/null -w '%{{http_code}}\\n' {address}",
    "grpc": "grpc_health_probe -addr={address}",
    "kafka": "kafka-broker-api-versions.sh --bootstrap-server {address}",
    "rabbitmq": "rabbitmq-diagnostics -n {host} check_running",
    "nats": "curl -fsS http://{host}:8222/healthz",
    "s3": "aws s3 ls {address}",
    "smtp": "nc -vz {host} {port}",
    "queue": "nc -vz {host} {port}",
}


def dependency_command(dep: Dependency) -> str:
    address = dep.address or f"<{dep.name} address>"
    host, _, port = address.rpartition(":") if ":" in address and "//" not in address else (address, "", "")
    return DEPENDENCY_COMMANDS[dep.kind.value].format(address=address, host=host or address, port=port or "<port>")


def dependency_alert(svc: ServiceConfig, dep: Dependency) -> Alert:
    return Alert(
        name=f"{pascal(svc.name)}{pascal(dep.name)}Down",
        expr=f"{dependency_health(dep)} < 1",
        for_=dep.for_,
        urgency="page" if dep.critical else "ticket",
        labels={"dependency": dep.name},
        summary=f"{svc.name}: dependency {dep.name} ({dep.kind}) is down",
        description=(f"No instance reports {dep.name} ({dep.kind}{', ' + dep.address if dep.address else ''}) "
                     f"as healthy for {dep.for_} ({dep.health} = {{{{ $value }}}})."),
        meaning=f"The health metric of {dep.kind} dependency '{dep.name}' has been below 1 for {dep.for_}.",
        impact=(f"Requests that need {dep.name} fail or degrade."
                + (" It is critical: the service cannot work without it." if dep.critical else
                   " It is not critical: the service should degrade gracefully.")),
        checks=[dep.health],
        commands=[dependency_command(dep)],
        mitigation=[f"Check {dep.name}'s own dashboard and its owners' status page; escalate to them.",
                    "If the dependency recovered but the service did not, restart the service's instances."],
        category="dependency",
        test={"kind": "dependency", "health": dep.health, "for": dep.for_},
    )


def target_down_name(svc: ServiceConfig) -> str:
    return f"{pascal(svc.name)}TargetDown"


def target_down_alert(svc: ServiceConfig) -> Alert:
    up = targets_up(svc)
    return Alert(
        name=target_down_name(svc),
        expr=f"{up} == 0",
        for_="2m",
        urgency="page",
        summary=f"{svc.name}: a target cannot be scraped",
        description=("Prometheus cannot scrape {{ $labels.instance }} of job {{ $labels.job }} "
                     "(up = {{ $value }}) for 2m: the instance is down or unreachable."),
        meaning="Prometheus could not scrape an instance of the service for 2 minutes.",
        impact="The instance is down or unreachable: its share of traffic fails, and its metrics are blind.",
        checks=[up, f"count({up} == 1)"],
        commands=[f"kubectl get pods -l app={svc.name} -o wide", f"kubectl describe pod <pod of {svc.name}>"],
        mitigation=["Look at the instance's last logs and its exit reason; restart it if it hangs.",
                    "If all instances are down, follow the startup runbook."],
        category="availability",
        test={"kind": "up"},
    )


def restarts_alert(svc: ServiceConfig) -> Alert:
    n = svc.restarts_per_hour
    return Alert(
        name=f"{pascal(svc.name)}Restarting",
        expr=f"max by (instance) ({restarts(svc)}) > {n}",
        urgency="ticket",
        summary=f"{svc.name}: an instance restarts repeatedly",
        description=(f"{{{{ $labels.instance }}}} restarted {{{{ $value }}}} times in the last hour "
                     f"(more than {n})."),
        meaning=f"An instance restarted more than {n} times within an hour (crash loop or OOM kills).",
        impact="Requests in flight during each restart fail; capacity is reduced while it starts.",
        checks=[restarts(svc)] + ([memory_usage(svc)] if svc.resources is not None else []),
        commands=[f"kubectl get pods -l app={svc.name}", "kubectl logs --previous <pod>"],
        mitigation=["Read the previous instance's last log lines for the crash reason.",
                    "If it is OOM, see the memory saturation section; if it fails at start, see the startup runbook."],
        category="availability",
        test={"kind": "restarts", "max": n},
    )


def rules_document(rs: RuleSet) -> dict[str, Any]:
    """The rules file (Prometheus rule groups format)."""
    svc = rs.service
    groups = []
    if rs.recording:
        groups.append({"name": f"{svc.name}-sli-recordings", "rules": rs.recording})
    alert_rules = []
    for a in rs.alerts:
        rule: dict[str, Any] = {"alert": a.name, "expr": a.expr}
        if a.for_:
            rule["for"] = a.for_
        rule["labels"] = dict(a.labels)
        rule["annotations"] = annotations(svc, a)
        alert_rules.append(rule)
    groups.append({"name": f"{svc.name}-alerts", "rules": alert_rules})
    return {"groups": groups}


def annotations(svc: ServiceConfig, a: Alert) -> dict[str, str]:
    return {
        "summary": a.summary,
        "description": a.description,
        "runbook_url": runbook_url(svc, RUNBOOK_TOPIC, a.anchor),
        "dashboard_url": dashboard_url(svc),
    }
