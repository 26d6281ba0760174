"""Alertmanager configuration: one page route and one ticket route per SLO, then one of each for the
service's other alerts, to the receivers named in ``service.oncall.receivers``. Secrets (Slack URL,
PagerDuty key) are referenced by file path only.

One outage, one page: page notifications are grouped by ``service`` and ``slo`` only (never by
``alertname``), so the fast- and slow-burn alerts of an SLO that fire together make one notification
(and one PagerDuty incident: its dedup key is the group). A target that is down inhibits only what it
explains: the restart and saturation alerts of the same instance, not the SLO alerts (users feel those).

``route_tests`` lists, for every generated alert, the receiver its labels must reach; ``shipit ops test``
runs each through ``amtool config routes test --verify.receivers``.
"""

from __future__ import annotations

from typing import Any

from shipit.ops.config import SLO, Receiver, ServiceConfig, Severity
from shipit.ops.promql import quote
from shipit.ops.rules import RuleSet, target_down_name

# How long to wait/repeat per severity: pages are grouped briefly and repeated often.
TIMING = {
    Severity.page: {"group_wait": "30s", "group_interval": "5m", "repeat_interval": "1h"},
    Severity.ticket: {"group_wait": "5m", "group_interval": "30m", "repeat_interval": "12h"},
}
#: Grouping of the notifications: one per service and SLO (pages and SLO tickets), one per service and
#: alert for the tickets that belong to no SLO (a saturated instance and a restarting one are two problems).
GROUP_BY = {
    Severity.page: ["service", "slo"],
    Severity.ticket: ["service", "slo"],
}
OTHER_TICKETS_GROUP_BY = ["service", "alertname"]


def receiver_name(svc: ServiceConfig, severity: str) -> str:
    return f"{svc.name}-{severity}"


def receiver_document(name: str, r: Receiver | None, severity: Severity) -> dict[str, Any]:
    doc: dict[str, Any] = {"name": name}
    if r is None:
        return doc  # a receiver without integrations: alerts are visible in Alertmanager only
    resolved = severity is Severity.page
    if r.email:
        doc["email_configs"] = [{"to": addr, "send_resolved": resolved} for addr in r.email]
    if r.slack_channel:
        doc["slack_configs"] = [{"channel": r.slack_channel, "api_url_file": r.slack_api_url_file,
                                 "send_resolved": True,
                                 "title": '{{ .CommonLabels.service }} {{ .CommonLabels.slo }} '
                                          '({{ .CommonLabels.severity }}): {{ len .Alerts.Firing }} firing',
                                 "text": '{{ range .Alerts }}{{ .Labels.alertname }}: {{ .Annotations.description }}\n'
                                         'Runbook: {{ .Annotations.runbook_url }}\n{{ end }}'}]
    if r.pagerduty_routing_key_file:
        doc["pagerduty_configs"] = [{"routing_key_file": r.pagerduty_routing_key_file, "send_resolved": True}]
    if r.webhook_url:
        doc["webhook_configs"] = [{"url": r.webhook_url, "send_resolved": True}]
    return doc


def _slo_matchers(svc: ServiceConfig, slo: SLO, severity: Severity) -> list[str]:
    names = svc.severity_names(slo)
    custom = [f"{k}={quote(v)}" for k, v in sorted(slo.labels.items())]
    return [f"service={quote(svc.name)}", f"slo={quote(slo.name)}", f"severity={quote(names.of(severity))}", *custom]


def routes_document(svc: ServiceConfig, rs: RuleSet | None = None) -> dict[str, Any]:
    """A complete Alertmanager config (``amtool check-config`` accepts it); operators merge the
    ``route.routes`` entries and ``receivers`` into their own configuration."""
    oc = svc.oncall
    glob: dict[str, Any] = {"resolve_timeout": "5m"}
    if oc.smtp_smarthost:
        glob.update({"smtp_smarthost": oc.smtp_smarthost, "smtp_from": oc.smtp_from, "smtp_require_tls": True})
    routes = []
    for slo in svc.slos:
        for sev in Severity:
            routes.append({"receiver": receiver_name(svc, sev.value), "matchers": _slo_matchers(svc, slo, sev),
                           "group_by": GROUP_BY[sev], **TIMING[sev], "continue": False})
    for sev in Severity:  # the alerts of no SLO: targets, dependencies, saturation, restarts
        routes.append({"receiver": receiver_name(svc, sev.value),
                       "matchers": [f"service={quote(svc.name)}", f"severity={quote(svc.severities.of(sev))}"],
                       "group_by": GROUP_BY[sev] if sev is Severity.page else OTHER_TICKETS_GROUP_BY,
                       **TIMING[sev], "continue": False})
    receivers = [{"name": f"{svc.name}-default"}]
    receivers += [receiver_document(receiver_name(svc, sev.value), oc.receivers.get(sev), sev) for sev in Severity]
    doc: dict[str, Any] = {
        "global": glob,
        "route": {"receiver": f"{svc.name}-default", "group_by": ["service", "slo"], "routes": routes},
    }
    explained = _explained_by_target_down(rs) if rs is not None else []
    if explained:
        # A target that is down explains its own restarts and saturation, nothing else: SLO alerts measure
        # what users see and stay on (if one instance of three is down, users may still be fine or not).
        doc["inhibit_rules"] = [{
            "source_matchers": [f"service={quote(svc.name)}", f"alertname={quote(target_down_name(svc))}"],
            "target_matchers": [f"service={quote(svc.name)}", f"alertname=~{quote('|'.join(explained))}"],
            "equal": ["service", "instance"],
        }]
    doc["receivers"] = receivers
    return doc


def _explained_by_target_down(rs: RuleSet) -> list[str]:
    return sorted(a.name for a in rs.alerts if a.test.get("kind") in ("cpu", "memory", "restarts"))


def route_tests(rs: RuleSet) -> list[dict[str, Any]]:
    """Per generated alert: its labels and the receiver they must reach."""
    svc = rs.service
    out = []
    for a in rs.alerts:
        labels = {"alertname": a.name, **a.labels}
        if a.test.get("kind") in ("cpu", "memory", "restarts", "up"):
            labels["instance"] = f"{svc.name}-0:8000"
        out.append({"alert": a.name, "labels": dict(sorted(labels.items())),
                    "receiver": receiver_name(svc, a.urgency)})
    return out


def route_tests_document(rs: RuleSet, routes_file: str) -> dict[str, Any]:
    return {
        "routes_file": routes_file,
        "how": "amtool config routes test --config.file <routes_file> --verify.receivers=<receiver> <labels>",
        "cases": route_tests(rs),
    }
