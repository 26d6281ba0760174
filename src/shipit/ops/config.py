"""The ``service:`` section of ``shipit.yaml``: what operations needs to know about the running service.

One description drives the alert rules, their unit tests, the Alertmanager routes, the dashboard and
the runbooks. Cross-field checks (a latency threshold must be a histogram bucket, an SLO must name a
declared metric) raise a ``ValidationError`` located at the offending key, so ``load_config`` reports
the exact ``file:line``.
"""

from __future__ import annotations

import math
import re
from enum import StrEnum
from fractions import Fraction

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from shipit.core.config import Model
from shipit.ops import policy
from shipit.ops.promql import (
    TARGET_LABELS,
    MatcherError,
    duration_seconds,
    parse_matchers,
    parse_selector,
)

NAME_RE = r"^[a-z][a-z0-9-]*$"
METRIC_RE = r"^[a-zA-Z_:][a-zA-Z0-9_:]*$"
LABEL_RE = r"^[a-zA-Z_][a-zA-Z0-9_]*$"
#: Alert labels shipit sets itself; an SLO's own labels: cannot replace them.
RESERVED_LABELS = ("alertname", "service", "slo", "severity", "long_window", "short_window", "burn_rate")


def _duration(value: str) -> str:
    if duration_seconds(value) <= 0:
        raise ValueError("a duration must be positive")
    return value


def cpu_cores(text: str | float | int) -> float:
    """Kubernetes CPU quantity → cores ("500m" → 0.5, "2" → 2.0)."""
    s = str(text).strip()
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(m?)", s)
    if not m:
        raise ValueError(f"'{text}' is not a CPU quantity like 500m or 2")
    value = float(m.group(1)) / (1000 if m.group(2) else 1)
    if value <= 0:
        raise ValueError("a CPU quantity must be positive")
    return value


_MEM_UNITS = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12,
              "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def memory_bytes(text: str | int) -> int:
    """Kubernetes memory quantity → bytes ("512Mi" → 536870912)."""
    m = re.fullmatch(r"(\d+)(Ki|Mi|Gi|Ti|k|M|G|T|)", str(text).strip())
    if not m or int(m.group(1)) <= 0:
        raise ValueError(f"'{text}' is not a memory quantity like 512Mi or 2Gi")
    return int(m.group(1)) * _MEM_UNITS[m.group(2)]


class MetricType(StrEnum):
    counter = "counter"
    gauge = "gauge"
    histogram = "histogram"


class Metric(Model):
    """A metric the service exposes (used to check every generated query against real names)."""

    name: str = Field(pattern=METRIC_RE)
    type: MetricType
    help: str = ""
    labels: list[str] = Field(default_factory=list)
    buckets: list[float] = Field(default_factory=list, description="Histogram bucket upper bounds (le), without +Inf.")

    @model_validator(mode="after")
    def _buckets(self) -> Metric:
        if self.type is MetricType.histogram:
            if not self.buckets:
                raise ValueError(f"histogram '{self.name}' needs its bucket bounds (buckets: [0.1, 0.25, ...])")
            if sorted(self.buckets) != self.buckets or len(set(self.buckets)) != len(self.buckets):
                raise ValueError("buckets must be strictly increasing")
        elif self.buckets:
            raise ValueError(f"only histograms have buckets ('{self.name}' is a {self.type})")
        return self


class Endpoint(Model):
    route: str
    method: str = "GET"
    description: str = ""


class SLOKind(StrEnum):
    availability = "availability"
    latency = "latency"


class Severity(StrEnum):
    """How urgent an alert is: a page wakes someone, a ticket waits for working hours."""

    page = "page"
    ticket = "ticket"


class SeverityNames(Model):
    """The ``severity`` label values written on alerts of each urgency (teams route on their own names)."""

    page: str = Field("page", pattern=r"^[^\s\"\\]+$", description="severity label of paging alerts")
    ticket: str = Field("ticket", pattern=r"^[^\s\"\\]+$", description="severity label of ticket alerts")

    @model_validator(mode="after")
    def _distinct(self) -> SeverityNames:
        if self.page == self.ticket:
            raise ValueError(f"page and ticket need different severity names (both are '{self.page}')")
        return self

    def of(self, urgency: str) -> str:
        return self.page if urgency == Severity.page else self.ticket


class BurnRate(Model):
    """One multi-window burn-rate alert: fire when both windows burn faster than the factor.

    The factor follows from ``budget_percent`` (the share of the SLO window's error budget the alert
    lets burn within its long window): factor = budget_percent / 100 x SLO window / long window. A bare
    ``factor`` is accepted, but on the windows of the default table it must equal the table's factor
    (a typo such as 1.44 for 14.4 is refused); say ``budget_percent`` to mean a different share."""

    long: str
    short: str
    severity: Severity
    budget_percent: float | None = Field(None, gt=0, le=100, description="share of the SLO window's budget "
                                                                         "spent within the long window")
    factor: float | None = Field(None, gt=0, description="burn rate; derived from budget_percent when omitted")

    @field_validator("long", "short")
    @classmethod
    def _durations(cls, v: str) -> str:
        return _duration(v)

    @model_validator(mode="after")
    def _order(self) -> BurnRate:
        if duration_seconds(self.short) >= duration_seconds(self.long):
            raise ValueError(f"short window {self.short} must be shorter than long window {self.long}")
        if self.budget_percent is None and self.factor is None:
            raise ValueError("a burn rate needs budget_percent: (share of the SLO's error budget spent within "
                             "the long window) or factor:")
        return self


class SLO(Model):
    """A service level objective over a ratio SLI.

    availability: errors / total over a counter (``errors`` is a label matcher on the same counter).
    latency: fraction of requests slower than ``threshold`` seconds, from a histogram's buckets.
    """

    name: str = Field(pattern=NAME_RE)
    kind: SLOKind
    description: str = ""
    objective: float = Field(description="Target percentage of good events, e.g. 99.9 (must be below 100).")
    window: str = Field("30d", description="SLO compliance window.")
    metric: str = Field(pattern=METRIC_RE, description="Counter (availability) or histogram (latency) to use.")
    errors: str = Field('code=~"5.."', description="availability: label matcher(s) selecting failed requests.")
    threshold: float | None = Field(None, description="latency: seconds; must be one of the histogram's buckets.")
    selector: str = Field("", description="Extra label matchers for both sides, e.g. route=\"/orders\".")
    burn_rates: list[BurnRate] | None = Field(None, description="This SLO's burn-rate alerts (default: "
                                                                "service.burn_rates, else the policy table).")
    labels: dict[str, str] = Field(default_factory=dict, description="Extra labels on this SLO's alerts "
                                                                      "(teams route on them).")
    severities: SeverityNames | None = Field(None, description="severity label values of this SLO's alerts "
                                                               "(default: service.severities).")

    @field_validator("objective")
    @classmethod
    def _objective(cls, v: float) -> float:
        if not 0 < v < 100:
            raise PydanticCustomError("objective", "objective is a percentage strictly between 0 and 100, e.g. 99.9; "
                                      "100 would leave no error budget to alert on")
        return v

    @field_validator("window")
    @classmethod
    def _window(cls, v: str) -> str:
        return _duration(v)

    @field_validator("labels")
    @classmethod
    def _labels(cls, v: dict[str, str]) -> dict[str, str]:
        for name in v:
            if not re.match(LABEL_RE, name):
                raise ValueError(f"'{name}' is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)")
            if name.startswith("__"):
                raise ValueError(f"label '{name}': names starting with __ are reserved by Prometheus")
            if name in RESERVED_LABELS:
                raise ValueError(f"label '{name}' is set by shipit on every SLO alert "
                                 f"({', '.join(RESERVED_LABELS)}); use severities: for severity names")
        return v

    @model_validator(mode="after")
    def _kind_fields(self) -> SLO:
        if self.kind is SLOKind.latency and self.threshold is None:
            raise ValueError("a latency SLO needs threshold: (seconds, one of the histogram's buckets)")
        if self.kind is SLOKind.availability and self.threshold is not None:
            raise ValueError("threshold: only applies to latency SLOs")
        if self.kind is SLOKind.availability and not self.errors.strip():
            raise ValueError("an availability SLO needs errors: (label matchers selecting failed requests)")
        return self

    @property
    def error_budget(self) -> float:
        return 1 - self.objective / 100

    @property
    def window_seconds(self) -> int:
        return duration_seconds(self.window)


class DependencyKind(StrEnum):
    postgres = "postgres"
    mysql = "mysql"
    redis = "redis"
    memcached = "memcached"
    http = "http"
    grpc = "grpc"
    queue = "queue"
    kafka = "kafka"
    rabbitmq = "rabbitmq"
    nats = "nats"
    s3 = "s3"
    smtp = "smtp"


#: The exporter metric that usually shows a dependency's health (1 = up), when none is given.
DEFAULT_HEALTH_METRIC = {
    DependencyKind.postgres: "pg_up",
    DependencyKind.mysql: "mysql_up",
    DependencyKind.redis: "redis_up",
    DependencyKind.memcached: "memcached_up",
    DependencyKind.http: "probe_success",
    DependencyKind.grpc: "probe_success",
    DependencyKind.kafka: "kafka_brokers",
    DependencyKind.rabbitmq: "rabbitmq_up",
    DependencyKind.nats: "gnatsd_varz_connections",
}


class Dependency(Model):
    name: str = Field(pattern=NAME_RE)
    kind: DependencyKind
    description: str = ""
    address: str = Field("", description="Host:port or URL, shown in the runbook's first checks.")
    health: str = Field("", description="PromQL selector whose value is 1 when healthy and 0 when down "
                                        "(default: the kind's usual exporter metric).")
    critical: bool = Field(True, description="A critical dependency pages when down; others open a ticket.")
    for_: str = Field("2m", alias="for", description="How long it must be down before alerting.")

    @field_validator("for_")
    @classmethod
    def _for(cls, v: str) -> str:
        return _duration(v)

    @model_validator(mode="after")
    def _health(self) -> Dependency:
        if not self.health:
            default = DEFAULT_HEALTH_METRIC.get(self.kind)
            if default is None:
                raise ValueError(f"dependency '{self.name}' of kind {self.kind} has no usual health metric; "
                                 f"set health: to a selector that is 1 when it is up")
            self.__dict__["health"] = default
        try:
            parse_selector(self.health)
        except MatcherError:
            raise ValueError(f"health must be a metric selector like pg_up{{instance=\"db:5432\"}} "
                             f"(got {self.health!r})") from None
        return self

    @property
    def health_metric(self) -> str:
        return parse_selector(self.health)[0]

    @property
    def health_matchers(self) -> list[tuple[str, str, str]]:
        return parse_selector(self.health)[1]


class Scaling(Model):
    min_replicas: int = Field(2, ge=1)
    max_replicas: int = Field(6, ge=1)
    cpu_target_percent: int | None = Field(70, ge=1, le=100)
    rps_target: float | None = Field(None, gt=0, description="Requests per second per replica to scale at.")
    notes: str = ""

    @model_validator(mode="after")
    def _range(self) -> Scaling:
        if self.max_replicas < self.min_replicas:
            raise ValueError(f"max_replicas ({self.max_replicas}) is below min_replicas ({self.min_replicas})")
        return self


class Resources(Model):
    cpu_request: str = "250m"
    cpu_limit: str = "1"
    memory_request: str = "256Mi"
    memory_limit: str = "512Mi"
    saturation_threshold: float = Field(0.9, gt=0, le=1, description="Alert when usage / limit exceeds this.")
    cpu_metric: str = Field("process_cpu_seconds_total", pattern=METRIC_RE, description="CPU seconds counter per instance.")
    memory_metric: str = Field("process_resident_memory_bytes", pattern=METRIC_RE, description="Memory gauge per instance.")

    @field_validator("cpu_request", "cpu_limit", mode="before")
    @classmethod
    def _cpu(cls, v):
        cpu_cores(v)
        return str(v)

    @field_validator("memory_request", "memory_limit", mode="before")
    @classmethod
    def _mem(cls, v):
        memory_bytes(v)
        return str(v)


class Receiver(Model):
    """Where alerts of one severity go (Alertmanager receiver). Secrets are referenced by file, never inlined."""

    email: list[str] = Field(default_factory=list)
    slack_channel: str = ""
    slack_api_url_file: str = ""
    pagerduty_routing_key_file: str = ""
    webhook_url: str = ""

    @model_validator(mode="after")
    def _slack(self) -> Receiver:
        if bool(self.slack_channel) != bool(self.slack_api_url_file):
            raise ValueError("slack needs both slack_channel and slack_api_url_file")
        return self


class EscalationStep(Model):
    """One level of the escalation policy (its level is its position: the first step is level 1)."""

    after: str = Field("0m", description="Time since the page when this step applies.")
    contact: str = Field(description="Who is escalated to: a person or a role, ideally a name under contacts.")
    reach: str = Field("", description="How to reach them when they are not listed under contacts "
                                       "(pager handle, phone, e-mail).")

    @field_validator("after")
    @classmethod
    def _after(cls, v: str) -> str:
        duration_seconds(v)
        return v


class Contact(Model):
    name: str
    role: str = ""
    email: str = ""
    phone: str = ""
    chat: str = ""
    contact: str = Field("", description="Any other way to reach them (pager handle, phone bridge, URL).")


class OnCall(Model):
    """The on-call facts, stated once: the runbooks (oncall, incidents) and the handoff site's On-call page
    render them (shipit.ops.oncall). A site.oncall file may add facts missing here; one that states a fact
    differently is a configuration error naming both places."""

    rotation: str = Field("", description="e.g. weekly, handover Monday 09:00 UTC")
    hours: str = Field("", description="When the on-call is reachable, e.g. 24/7 for page-severity alerts.")
    channel: str = Field("", description="The team's incident chat channel.")
    schedule_url: str = ""
    notes: str = Field("", description="Anything else the on-call must know (Markdown).")
    escalation: list[EscalationStep] = Field(default_factory=list)
    contacts: list[Contact] = Field(default_factory=list)
    receivers: dict[Severity, Receiver] = Field(default_factory=dict)
    smtp_smarthost: str = Field("", description="host:port for e-mail receivers")
    smtp_from: str = ""

    @model_validator(mode="after")
    def _smtp(self) -> OnCall:
        if any(r.email for r in self.receivers.values()) and not (self.smtp_smarthost and self.smtp_from):
            raise ValueError("e-mail receivers need smtp_smarthost and smtp_from")
        return self


class Logging(Model):
    destination: str = Field("stdout (JSON lines), collected by the platform's log shipper")
    format: str = "json"
    retention: str = "30d"
    required_fields: list[str] = Field(default_factory=lambda: ["timestamp", "level", "message", "request_id"])
    query_hint: str = Field("", description="How to find this service's logs, e.g. a LogQL query.")


class Lifecycle(Model):
    command: str = ""
    order: list[str] = Field(default_factory=list, description="Steps in order (e.g. run migrations, start web).")
    grace_period: str = "30s"
    readiness: str = Field("", description="Readiness check, e.g. GET /healthz returns 200.")
    notes: str = ""

    @field_validator("grace_period")
    @classmethod
    def _grace(cls, v: str) -> str:
        duration_seconds(v)
        return v


class Backup(Model):
    what: str = ""
    schedule: str = ""
    command: str = ""
    retention: str = ""
    location: str = ""


class Restore(Model):
    command: str = ""
    verify: str = ""
    rto: str = Field("", description="Recovery time objective.")
    rpo: str = Field("", description="Recovery point objective.")


class ServiceConfig(Model):
    """What operations needs to know about the running service (``service:``)."""

    name: str = Field(pattern=NAME_RE, description="Service name (lowercase, digits, -).")
    team: str
    description: str = ""
    job: str = Field("", description="Prometheus job label of the service's targets (default: name).")
    handoff_url: str = Field("", description="Base URL of the handoff site; runbook links are built from it.")
    grafana_url: str = Field("", description="Base URL of Grafana; dashboard links are built from it.")
    dashboard_uid: str = Field("", pattern=r"^$|^[a-zA-Z0-9_-]{1,40}$", description="Stable dashboard uid (default: <name>-service).")
    endpoints: list[Endpoint] = Field(default_factory=list)
    metrics: list[Metric] = Field(default_factory=list, description="Metrics the service (and its exporters) "
                                                                    "expose; every generated query is checked against them.")
    target_labels: list[str] = Field(default_factory=list, description="Labels the scrape configuration attaches "
                                                                        "to every target besides job and instance.")
    slos: list[SLO] = Field(default_factory=list)
    burn_rates: list[BurnRate] | None = Field(None, description="Burn-rate alerts of every SLO (default: the "
                                                                "policy table of docs/ops.md).")
    severities: SeverityNames = Field(default_factory=SeverityNames)
    latency_alert_for: str = Field("10m", description="How long a high percentile must last before alerting.")
    restarts_per_hour: int = Field(2, ge=1, description="Alert when instances restart more often than this per hour.")
    dependencies: list[Dependency] = Field(default_factory=list)
    scaling: Scaling = Field(default_factory=Scaling)
    resources: Resources | None = Field(None, description="Requests and limits; the saturation alerts need them.")
    oncall: OnCall = Field(default_factory=OnCall)
    logging: Logging = Field(default_factory=Logging)
    startup: Lifecycle = Field(default_factory=Lifecycle)
    shutdown: Lifecycle = Field(default_factory=Lifecycle)
    backup: Backup = Field(default_factory=Backup)
    restore: Restore = Field(default_factory=Restore)

    @property
    def job_name(self) -> str:
        return self.job or self.name

    @property
    def uid(self) -> str:
        return self.dashboard_uid or f"{self.name}-service"[:40]

    def metric(self, name: str) -> Metric | None:
        return next((m for m in self.metrics if m.name == name), None)

    def labels_of(self, metric: str) -> set[str]:
        """Labels a query may use on ``metric``: its declared labels and the target labels."""
        m = self.metric(metric)
        return set(m.labels if m else ()) | set(TARGET_LABELS) | set(self.target_labels)

    def burn_windows(self, slo: SLO) -> list[policy.BurnWindow]:
        """The burn-rate alerts of ``slo``: its own burn_rates, else the service's, else the policy table."""
        entries = slo.burn_rates if slo.burn_rates is not None else self.burn_rates
        return policy.resolve(entries, slo.window_seconds)

    def severity_names(self, slo: SLO | None = None) -> SeverityNames:
        return (slo.severities if slo is not None and slo.severities is not None else None) or self.severities

    @property
    def restarts_metric(self) -> Metric | None:
        m = self.metric(RESTARTS_METRIC)
        return m if m is not None and m.type is MetricType.gauge else None

    @model_validator(mode="after")
    def _cross_checks(self) -> ServiceConfig:
        errors: list[InitErrorDetails] = []

        def err(loc: tuple, kind: str, message: str, value) -> None:
            errors.append(InitErrorDetails(type=PydanticCustomError(kind, message), loc=loc, input=value))

        names = [m.name for m in self.metrics]
        for i, dup in enumerate(names):
            if names.index(dup) != i:
                err(("metrics", i, "name"), "duplicate", f"metric '{dup}' is declared twice", dup)
        for i, label in enumerate(self.target_labels):
            if not re.match(LABEL_RE, label):
                err(("target_labels", i), "label", f"'{label}' is not a Prometheus label name", label)
        seen: set[str] = set()
        for i, slo in enumerate(self.slos):
            if slo.name in seen:
                err(("slos", i, "name"), "duplicate", f"SLO '{slo.name}' is declared twice", slo.name)
            seen.add(slo.name)
            metric = self.metric(slo.metric)
            want = MetricType.counter if slo.kind is SLOKind.availability else MetricType.histogram
            if metric is None:
                err(("slos", i, "metric"), "unknown_metric",
                    f"metric '{slo.metric}' is not declared under service.metrics "
                    f"(declared: {', '.join(names) or 'none'})", slo.metric)
                continue
            if metric.type is not want:
                err(("slos", i, "metric"), "metric_type",
                    f"a {slo.kind} SLO needs a {want} metric; '{metric.name}' is a {metric.type}", slo.metric)
                continue
            fields = ("errors", "selector") if slo.kind is SLOKind.availability else ("selector",)
            for key in fields:
                self._check_matchers(err, ("slos", i, key), getattr(slo, key), metric.name, forbid=(
                    ("le",) if slo.kind is SLOKind.latency else ()))
            if slo.kind is SLOKind.latency:
                t = slo.threshold
                if not any(math.isclose(t, b) for b in metric.buckets):
                    err(("slos", i, "threshold"), "not_a_bucket",
                        f"latency threshold {t:g}s is not one of the buckets of histogram '{metric.name}' "
                        f"({', '.join(f'{b:g}' for b in metric.buckets)}); a ratio SLI can only be read at a "
                        f"bucket boundary: pick one of them or add the bucket to the service", t)
                elif math.isclose(t, metric.buckets[-1]):
                    err(("slos", i, "threshold"), "last_bucket",
                        f"latency threshold {t:g}s is the largest finite bucket of '{metric.name}'; the percentile "
                        f"alert cannot see slower requests above it: add a larger bucket or pick a smaller threshold", t)
            self._check_burn_rates(err, i, slo)
        deps: set[str] = set()
        for i, dep in enumerate(self.dependencies):
            if dep.name in deps:
                err(("dependencies", i, "name"), "duplicate", f"dependency '{dep.name}' is declared twice", dep.name)
            deps.add(dep.name)
            key = "health" if "health" in dep.model_fields_set else "kind"
            health = self.metric(dep.health_metric)
            if health is None:
                usual = "" if key == "health" else f" (the usual health metric of a {dep.kind} dependency)"
                err(("dependencies", i, key), "unknown_metric",
                    f"dependency '{dep.name}' reads {dep.health_metric}{usual}, which is not declared under "
                    f"service.metrics (declared: {', '.join(names) or 'none'}); declare the exporter's metric "
                    f"there (name, type: gauge, labels) or set health: to a declared one", dep.health_metric)
            else:
                self._check_matchers(err, ("dependencies", i, key), dep.health, health.name, selector=True)
        if self.resources is not None:
            for key, want in (("cpu_metric", MetricType.counter), ("memory_metric", MetricType.gauge)):
                name = getattr(self.resources, key)
                m = self.metric(name)
                if m is None or m.type is not want:
                    what = "is not declared under service.metrics" if m is None else f"is a {m.type}"
                    err(("resources", key), "unknown_metric",
                        f"the saturation alerts read {name}, which {what}; declare it as a {want} "
                        f"(the client library's process collector usually exposes it) or name another", name)
        if errors:
            raise ValidationError.from_exception_data("service", errors)
        return self

    def _check_matchers(self, err, loc: tuple, text: str, metric: str, forbid: tuple[str, ...] = (),
                        selector: bool = False) -> None:
        """Every label a matcher names must exist on ``metric``: declared, or a target label."""
        try:
            matchers = parse_selector(text)[1] if selector else parse_matchers(text)
        except MatcherError as exc:
            err(loc, "matchers", str(exc), text)
            return
        declared = self.metric(metric).labels if self.metric(metric) else []
        allowed = self.labels_of(metric)
        for label, _, _ in matchers:
            if label in forbid:
                err(loc, "label", f"label '{label}' cannot be matched here (the latency threshold sets it)", text)
            elif label not in allowed:
                targets = ", ".join([*TARGET_LABELS, *self.target_labels])
                err(loc, "undeclared_label",
                    f"label '{label}' is not declared on metric '{metric}' (declared labels: "
                    f"{', '.join(declared) or 'none'}; target labels: {targets}); a selector on a label the "
                    f"series do not have matches nothing. Add '{label}' to the metric's labels: under "
                    f"service.metrics, or to service.target_labels if the scrape configuration sets it", text)

    def _check_burn_rates(self, err, i: int, slo: SLO) -> None:
        own = slo.burn_rates is not None
        entries = slo.burn_rates if own else self.burn_rates
        base = ("slos", i, "burn_rates") if own else ("burn_rates",)
        window_s = slo.window_seconds
        budget = slo.error_budget
        if entries is None:
            for bw in policy.table_windows(window_s):
                problem = _burn_problem(bw.factor, budget, bw.long_seconds, window_s)
                if problem:
                    err(("slos", i, "window"), "window",
                        f"the policy table's {bw.severity} alert over {bw.long}/{bw.short} ({float(bw.budget_percent):g}% "
                        f"of the budget) gives SLO '{slo.name}' ({slo.window}) a factor of {bw.factor:.3g}: "
                        f"{problem}; set burn_rates: for this SLO", slo.window)
            return
        for j, e in enumerate(entries):
            loc = (*base, j)
            long_s = duration_seconds(e.long)
            if long_s > window_s:
                err((*loc, "long"), "window",
                    f"burn-rate window {e.long} is longer than SLO '{slo.name}' window {slo.window}", e.long)
                continue
            if e.budget_percent is not None:
                derived = float(policy.factor_of(Fraction(str(e.budget_percent)), window_s, long_s))
                if e.factor is not None and not math.isclose(e.factor, derived, rel_tol=5e-3):
                    err((*loc, "factor"), "factor",
                        f"factor {e.factor:g} does not match budget_percent {e.budget_percent:g} over {e.long} of "
                        f"SLO '{slo.name}' ({slo.window}): that share is a factor of {derived:.4g}; drop factor: "
                        f"(it is derived) or fix one of them", e.factor)
                    continue
            else:
                row = policy.table_row_for(window_s, e.severity.value, e.long, e.short)
                if row is not None and not math.isclose(e.factor, row.factor, rel_tol=5e-3):
                    share = policy.budget_percent_of(e.factor, window_s, long_s)
                    err((*loc, "factor"), "factor",
                        f"factor {e.factor:g} over {e.long}/{e.short} for SLO '{slo.name}' ({slo.window}) spends "
                        f"{float(share):.3g}% of the error budget in {e.long}; the policy table's {e.severity} "
                        f"alert on these windows spends {float(row.budget_percent):g}% (factor {row.factor:.4g}). "
                        f"Write budget_percent: {float(share):.3g} instead of factor: if that share is meant", e.factor)
                    continue
                derived = e.factor
            problem = _burn_problem(derived, budget, long_s, window_s)
            if problem:
                err((*loc, "factor" if e.budget_percent is None else "budget_percent"), "factor",
                    f"SLO '{slo.name}': factor {derived:.4g} over {e.long}: {problem}", e.factor or e.budget_percent)


#: The gauge whose changes count process restarts (client libraries' process collector).
RESTARTS_METRIC = "process_start_time_seconds"


def _burn_problem(factor: float, budget: float, long_s: int, window_s: int) -> str:
    if factor < 1:
        return ("below 1, so it fires while the SLO is met (a burn rate of 1 spends exactly the budget "
                "over the SLO window)")
    if factor * budget >= 1:
        return (f"factor x error budget = {factor * budget:.3g}, at least 100% of events failing, so the "
                f"alert can never fire")
    return ""


#: The shipit.yaml sections this capability owns (assembled by shipit.config).
SECTIONS = {"service": (ServiceConfig | None, Field(None, description="What operations needs: SLOs, alerts, runbooks (ops stage)."))}
