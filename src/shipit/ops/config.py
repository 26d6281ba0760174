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

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from shipit.core.config import Model

DURATION_RE = re.compile(r"^(\d+)(s|m|h|d|w)$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
NAME_RE = r"^[a-z][a-z0-9-]*$"
METRIC_RE = r"^[a-zA-Z_:][a-zA-Z0-9_:]*$"


def duration_seconds(text: str) -> int:
    m = DURATION_RE.match(text)
    if not m:
        raise ValueError(f"'{text}' is not a Prometheus duration like 5m, 1h, 30d")
    return int(m.group(1)) * _UNIT_SECONDS[m.group(2)]


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

    @model_validator(mode="after")
    def _kind_fields(self) -> SLO:
        if self.kind is SLOKind.latency and self.threshold is None:
            raise ValueError("a latency SLO needs threshold: (seconds, one of the histogram's buckets)")
        if self.kind is SLOKind.availability and self.threshold is not None:
            raise ValueError("threshold: only applies to latency SLOs")
        return self

    @property
    def error_budget(self) -> float:
        return 1 - self.objective / 100


class Severity(StrEnum):
    page = "page"
    ticket = "ticket"


class BurnRate(Model):
    """One multi-window burn-rate alert: fire when both windows burn faster than ``factor``."""

    factor: float = Field(gt=0)
    long: str
    short: str
    severity: Severity

    @field_validator("long", "short")
    @classmethod
    def _durations(cls, v: str) -> str:
        return _duration(v)

    @model_validator(mode="after")
    def _order(self) -> BurnRate:
        if duration_seconds(self.short) >= duration_seconds(self.long):
            raise ValueError(f"short window {self.short} must be shorter than long window {self.long}")
        return self


#: The Google SRE workbook's multi-window, multi-burn-rate defaults (for a 30-day window).
DEFAULT_BURN_RATES = [
    BurnRate(factor=14.4, long="1h", short="5m", severity=Severity.page),
    BurnRate(factor=6, long="6h", short="30m", severity=Severity.page),
    BurnRate(factor=3, long="1d", short="2h", severity=Severity.ticket),
    BurnRate(factor=1, long="3d", short="6h", severity=Severity.ticket),
]


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
        if not re.match(r"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})?$", self.health):
            raise ValueError(f"health must be a metric selector like pg_up{{instance=\"db:5432\"}} (got {self.health!r})")
        return self

    @property
    def health_metric(self) -> str:
        return self.health.split("{", 1)[0]


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
    metrics: list[Metric] = Field(default_factory=list, description="Metrics the service exposes.")
    slos: list[SLO] = Field(default_factory=list)
    burn_rates: list[BurnRate] = Field(default_factory=lambda: list(DEFAULT_BURN_RATES))
    latency_alert_for: str = Field("10m", description="How long a high percentile must last before alerting.")
    restarts_per_hour: int = Field(2, ge=1, description="Alert when instances restart more often than this per hour.")
    dependencies: list[Dependency] = Field(default_factory=list)
    scaling: Scaling = Field(default_factory=Scaling)
    resources: Resources = Field(default_factory=Resources)
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

    @model_validator(mode="after")
    def _cross_checks(self) -> ServiceConfig:
        errors: list[InitErrorDetails] = []

        def err(loc: tuple, kind: str, message: str, value) -> None:
            errors.append(InitErrorDetails(type=PydanticCustomError(kind, message), loc=loc, input=value))

        names = [m.name for m in self.metrics]
        for i, dup in enumerate(names):
            if names.index(dup) != i:
                err(("metrics", i, "name"), "duplicate", f"metric '{dup}' is declared twice", dup)
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
        deps: set[str] = set()
        for i, dep in enumerate(self.dependencies):
            if dep.name in deps:
                err(("dependencies", i, "name"), "duplicate", f"dependency '{dep.name}' is declared twice", dep.name)
            deps.add(dep.name)
        for i, br in enumerate(self.burn_rates):
            for j, slo in enumerate(self.slos):
                if duration_seconds(br.long) > duration_seconds(slo.window):
                    err(("burn_rates", i, "long"), "window",
                        f"burn-rate window {br.long} is longer than SLO '{slo.name}' window {slo.window}", br.long)
        if errors:
            raise ValidationError.from_exception_data("service", errors)
        return self


#: The shipit.yaml sections this capability owns (assembled by shipit.config).
SECTIONS = {"service": (ServiceConfig | None, Field(None, description="What operations needs: SLOs, alerts, runbooks (ops stage)."))}
