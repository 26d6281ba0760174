"""Alertmanager configuration: one route per severity of this service's alerts, to the receivers named
in ``service.oncall.receivers``. Secrets (Slack URL, PagerDuty key) are referenced by file path only."""

from __future__ import annotations

from typing import Any

from shipit.ops.config import Receiver, ServiceConfig, Severity
from shipit.ops.rules import target_down_name

# How long to wait/repeat per severity: pages are grouped briefly and repeated often.
TIMING = {
    Severity.page: {"group_wait": "30s", "group_interval": "5m", "repeat_interval": "1h"},
    Severity.ticket: {"group_wait": "5m", "group_interval": "30m", "repeat_interval": "12h"},
}


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
                                 "title": '{{ .CommonLabels.alertname }} ({{ .CommonLabels.severity }})',
                                 "text": '{{ range .Alerts }}{{ .Annotations.description }}\n'
                                         'Runbook: {{ .Annotations.runbook_url }}\n{{ end }}'}]
    if r.pagerduty_routing_key_file:
        doc["pagerduty_configs"] = [{"routing_key_file": r.pagerduty_routing_key_file, "send_resolved": True}]
    if r.webhook_url:
        doc["webhook_configs"] = [{"url": r.webhook_url, "send_resolved": True}]
    return doc


def routes_document(svc: ServiceConfig) -> dict[str, Any]:
    """A complete Alertmanager config (``amtool check-config`` accepts it); operators merge the
    ``route.routes`` entries and ``receivers`` into their own configuration."""
    oc = svc.oncall
    glob: dict[str, Any] = {"resolve_timeout": "5m"}
    if oc.smtp_smarthost:
        glob.update({"smtp_smarthost": oc.smtp_smarthost, "smtp_from": oc.smtp_from, "smtp_require_tls": True})
    routes = []
    receivers = [{"name": f"{svc.name}-default"}]
    for sev in Severity:
        name = receiver_name(svc, sev.value)
        routes.append({
            "receiver": name,
            "matchers": [f'service="{svc.name}"', f'severity="{sev.value}"'],
            "group_by": ["alertname", "service", "slo"],
            **TIMING[sev],
            "continue": False,
        })
        receivers.append(receiver_document(name, oc.receivers.get(sev), sev))
    return {
        "global": glob,
        "route": {"receiver": f"{svc.name}-default", "group_by": ["alertname", "service"], "routes": routes},
        "inhibit_rules": [{
            # While the service's targets are down, its SLO and dependency alerts are noise.
            "source_matchers": [f'service="{svc.name}"', f'alertname="{target_down_name(svc)}"'],
            "target_matchers": [f'service="{svc.name}"', 'severity="ticket"'],
            "equal": ["service"],
        }],
        "receivers": receivers,
    }
