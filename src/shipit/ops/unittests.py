"""Generated ``promtool test rules`` files: every alert fires just above its threshold and stays silent
just below it.

Input series are derived from the same arithmetic as the rules: for a burn-rate alert with factor F on
an SLO with error budget B, a constant bad-event ratio of F*B*(1+margin) must fire and F*B*(1-margin)
must not. Expected annotations are rendered from the alert's templates with the value Prometheus will
compute, so a test also proves that descriptions show the right numbers.
"""

from __future__ import annotations

import math
import re
from typing import Any

from shipit.core.errors import ShipitError
from shipit.ops.config import SLO, ServiceConfig, SLOKind, duration_seconds
from shipit.ops.rules import Alert, RuleSet, annotations, num

MARGIN = 0.01  # fire at threshold x 1.01, stay silent at threshold x 0.99
EVENTS = 10000  # events per input-series step: large, so ratios are not rounded to whole requests
INSTANCE = "{service}-0"
# promtool evaluates every rule at every step from 0 to eval_time; 5m keeps the 3-day burn-rate tests
# to a few seconds while every window still holds real data.
EVAL_INTERVAL = 300

_MATCHER = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*,?')
# Label values tried when a matcher is a regular expression (bad events first, good events after).
_CANDIDATES = ["500", "503", "502", "504", "5xx", "error", "failed", "failure", "true", "timeout", "1",
               "200", "201", "204", "2xx", "ok", "success", "false", "0", "404", "GET", "POST", "x", ""]


_GOOD = ["200", "ok", "success", "false", "0"]


def parse_matchers(text: str) -> list[tuple[str, str, str]]:
    """``code=~"5..",route="/x"`` → [(code, =~, 5..), (route, =, /x)] (PromQL string escapes undone)."""
    text = text.strip().strip("{}")
    out, pos = [], 0
    while pos < len(text):
        m = _MATCHER.match(text, pos)
        if not m:
            raise ShipitError(f"cannot read label matchers {text!r} at {text[pos:]!r}",
                              hint='write matchers like code=~"5..",route="/orders"')
        value = re.sub(r"\\(.)", r"\1", m.group(3))
        out.append((m.group(1), m.group(2), value))
        pos = m.end()
    return out


def _satisfies(value: str, op: str, want: str) -> bool:
    if op == "=":
        return value == want
    if op == "!=":
        return value != want
    matched = re.fullmatch(want, value) is not None
    return matched if op == "=~" else not matched


def _guess(regex: str) -> str:
    """A string a simple regular expression matches: ``/orders.*`` → ``/orders``, ``5..`` → ``500``."""
    g = regex.split("|")[0]
    g = g.replace("\\.", "\0").replace(".*", "").replace(".+", "0").replace(".", "0").replace("\0", ".")
    return re.sub(r"[\^$()?]", "", g)


def labels_matching(matchers: list[tuple[str, str, str]], negate_first: bool = False) -> dict[str, str]:
    """A concrete label set that satisfies ``matchers`` (or, with ``negate_first``, violates them all)."""
    out: dict[str, str] = {}
    for label, op, want in matchers:
        candidates = ([want] if op == "=" and not negate_first else []) + (_GOOD if negate_first else []) + _CANDIDATES
        if op in ("=~", "!~"):
            candidates = [_guess(want)] + candidates
        for value in candidates:
            if _satisfies(value, op, want) != negate_first:
                out[label] = value
                break
        else:
            raise ShipitError(f"cannot derive a test label value for {label}{op}\"{want}\"",
                              hint="use simple matchers such as code=~\"5..\" for errors")
    return out


def series(name: str, labels: dict[str, str]) -> str:
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
    return f"{name}{{{inner}}}"


def _escape(v: str) -> str:
    return v.replace("\\", "\\\\").replace('"', '\\"')


def linear(step: float, n: int) -> str:
    return f"0+{num(step)}x{n}"


def constant(value: float, n: int) -> str:
    return f"{num(value)}+0x{n}"


def minutes(seconds: int) -> str:
    return f"{seconds // 60}m"


def settle(for_s: int, warmup_s: int = 300) -> int:
    """An eval time by which an alert true since ``warmup_s`` has been pending for ``for_s`` and fired,
    on the evaluation-interval grid."""
    needed = warmup_s + for_s + 2 * EVAL_INTERVAL
    return -(-needed // EVAL_INTERVAL) * EVAL_INTERVAL


# --- Go template rendering of the few forms the rules use --------------------------------------------


def go_float(v: float) -> str:
    """Go's %v for a float64 (shortest representation; integers without a decimal point)."""
    if float(v).is_integer() and abs(v) < 1e21:
        return str(int(v))
    return repr(v)


def render_annotation(text: str, value: float, labels: dict[str, str]) -> str:
    def sub(m: re.Match) -> str:
        expr = m.group(1).strip()
        if expr == "$value | humanizePercentage":
            return "%.4g%%" % (value * 100)
        if expr == 'printf "%.3f" $value':
            return "%.3f" % value
        if expr == "$value":
            return go_float(value)
        lm = re.fullmatch(r"\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)", expr)
        if lm:
            return labels.get(lm.group(1), "")
        raise ShipitError(f"the test generator cannot render template {{{{ {expr} }}}}")

    return re.sub(r"\{\{(.*?)\}\}", sub, text)


def _stable(text_of, value: float) -> bool:
    """True when tiny floating-point noise cannot change the rendered text."""
    return text_of(value * (1 - 1e-9)) == text_of(value * (1 + 1e-9))


# --- one fire / silent pair per alert --------------------------------------------------------------


class Case:
    def __init__(self, interval: str, eval_time: str, input_series: list[dict[str, str]], value: float | None,
                 alert_labels: dict[str, str]):
        self.interval = interval
        self.eval_time = eval_time
        self.input_series = input_series
        self.value = value  # None: the alert must stay silent
        self.alert_labels = alert_labels


def _margins(render, threshold: float, up: bool = True) -> float:
    """The fire multiplier: 1 + MARGIN, nudged until the rendered value is free of rounding noise."""
    m = 1 + MARGIN
    for _ in range(50):
        if _stable(render, threshold * m):
            return m
        m += 0.0007
    return m


def burn_cases(svc: ServiceConfig, alert: Alert, slo: SLO) -> tuple[Case, Case]:
    t = alert.test
    step_s = max(60, duration_seconds(t["short"]) // 10 // 60 * 60)
    eval_s = settle(0, duration_seconds(t["long"]) + duration_seconds(t["short"]))
    n = eval_s // step_s + 2
    base = {"job": svc.job_name, **labels_matching(parse_matchers(slo.selector))}
    pct = lambda v: "%.4g" % (v * 100)  # noqa: E731
    fire_ratio = t["threshold"] * _margins(pct, t["threshold"])
    silent_ratio = t["threshold"] * (1 - MARGIN)

    def inputs(ratio: float) -> list[dict[str, str]]:
        if slo.kind is SLOKind.availability:
            bad = {**base, **labels_matching(parse_matchers(slo.errors))}
            good = {**base, **labels_matching(parse_matchers(slo.errors), negate_first=True)}
            return [{"series": series(slo.metric, bad), "values": linear(ratio * EVENTS, n)},
                    {"series": series(slo.metric, good), "values": linear((1 - ratio) * EVENTS, n)}]
        le = num(slo.threshold)
        return [{"series": series(f"{slo.metric}_bucket", {**base, "le": le}), "values": linear((1 - ratio) * EVENTS, n)},
                {"series": series(f"{slo.metric}_count", base), "values": linear(EVENTS, n)}]

    labels = {"service": svc.name, "slo": slo.name}
    return (Case(minutes(step_s), minutes(eval_s), inputs(fire_ratio), fire_ratio, labels),
            Case(minutes(step_s), minutes(eval_s), inputs(silent_ratio), None, labels))


def latency_cases(svc: ServiceConfig, alert: Alert, slo: SLO) -> tuple[Case, Case]:
    """Put a share f of requests just above the threshold bucket: the quantile q crosses the threshold
    exactly when f exceeds 1-q (histogram_quantile interpolates inside the next bucket)."""
    t = alert.test
    q, thr, buckets = t["quantile"], t["threshold"], t["buckets"]
    nxt = next(b for b in buckets if b > thr and not math.isclose(b, thr))
    prev = max([b for b in buckets if b < thr and not math.isclose(b, thr)], default=0.0)
    for_s = duration_seconds(t["for"])
    eval_s = settle(for_s)
    n = eval_s // 60 + 2
    base = {"job": svc.job_name, **labels_matching(parse_matchers(slo.selector))}

    def quantile(f: float) -> float:
        rank = q
        below = 1 - f
        if rank <= below:
            return prev + (thr - prev) * rank / below
        return thr + (nxt - thr) * (rank - below) / f

    fmt = lambda v: "%.3f" % v  # noqa: E731
    f_fire = (1 - q) * (1 + MARGIN)
    while not _stable(fmt, quantile(f_fire)):
        f_fire *= 1.0007
    f_silent = (1 - q) * (1 - MARGIN)

    def inputs(f: float) -> list[dict[str, str]]:
        out = []
        for b in [*buckets, math.inf]:
            if b < thr and not math.isclose(b, thr):
                cum = 0.0
            elif math.isclose(b, thr):
                cum = (1 - f) * EVENTS
            else:
                cum = EVENTS
            le = "+Inf" if b == math.inf else num(b)
            out.append({"series": series(f"{slo.metric}_bucket", {**base, "le": le}), "values": linear(cum, n)})
        return out

    return (Case("1m", minutes(eval_s), inputs(f_fire), quantile(f_fire), {}),
            Case("1m", minutes(eval_s), inputs(f_silent), None, {}))


def saturation_cases(svc: ServiceConfig, alert: Alert) -> tuple[Case, Case]:
    t = alert.test
    inst = {"job": svc.job_name, "instance": INSTANCE.format(service=svc.name)}
    pct = lambda v: "%.4g" % (v * 100)  # noqa: E731
    fire = t["threshold"] * _margins(pct, t["threshold"])
    silent = t["threshold"] * (1 - MARGIN)
    eval_s = settle(600)
    n = eval_s // 60 + 2

    def inputs(u: float) -> list[dict[str, str]]:
        if t["kind"] == "cpu":
            return [{"series": series(t["metric"], inst), "values": linear(60 * t["cores"] * u, n)}]
        return [{"series": series(t["metric"], inst), "values": constant(round(u * t["bytes"]), n)}]

    def value(u: float) -> float:
        return round(u * t["bytes"]) / t["bytes"] if t["kind"] == "memory" else u

    labels = {"instance": inst["instance"]}
    return (Case("1m", minutes(eval_s), inputs(fire), value(fire), labels),
            Case("1m", minutes(eval_s), inputs(silent), None, labels))


def dependency_cases(svc: ServiceConfig, alert: Alert) -> tuple[Case, Case]:
    t = alert.test
    name, _, rest = t["health"].partition("{")
    labels = labels_matching(parse_matchers(rest.rstrip("}"))) if rest else {}
    eval_s = settle(duration_seconds(t["for"]))
    n = eval_s // 60 + 2
    s = series(name, labels)
    return (Case("1m", minutes(eval_s), [{"series": s, "values": constant(0, n)}], 0.0, {}),
            Case("1m", minutes(eval_s), [{"series": s, "values": constant(1, n)}], None, {}))


def up_cases(svc: ServiceConfig, alert: Alert) -> tuple[Case, Case]:
    inst = {"job": svc.job_name, "instance": INSTANCE.format(service=svc.name)}
    s = series("up", inst)
    eval_s = settle(120)
    n = eval_s // 60 + 2
    return (Case("1m", minutes(eval_s), [{"series": s, "values": constant(0, n)}], 0.0, inst),
            Case("1m", minutes(eval_s), [{"series": s, "values": constant(1, n)}], None, inst))


def restart_cases(svc: ServiceConfig, alert: Alert) -> tuple[Case, Case]:
    """A start time that changes (max + 1) times within the hour fires; max times stays silent."""
    limit = alert.test["max"]
    inst = {"job": svc.job_name, "instance": INSTANCE.format(service=svc.name)}

    def values(changes: int) -> str:
        start, out = 1_000_000, []
        every = max(1, 50 // (changes + 1))
        for i in range(61):
            if 5 <= i and (i - 5) % every == 0 and (i - 5) // every < changes:
                start += 60 * every
            out.append(str(start))
        return " ".join(out)

    s = series("process_start_time_seconds", inst)
    return (Case("1m", "60m", [{"series": s, "values": values(limit + 1)}], float(limit + 1),
                 {"instance": inst["instance"]}),
            Case("1m", "60m", [{"series": s, "values": values(limit)}], None, {"instance": inst["instance"]}))


def cases_for(svc: ServiceConfig, alert: Alert) -> tuple[Case, Case]:
    kind = alert.test.get("kind")
    slo = next((s for s in svc.slos if s.name == alert.test.get("slo")), None)
    if kind == "burn":
        return burn_cases(svc, alert, slo)
    if kind == "latency":
        slo = next(s for s in svc.slos if s.name == alert.labels.get("slo"))
        return latency_cases(svc, alert, slo)
    if kind in ("cpu", "memory"):
        return saturation_cases(svc, alert)
    if kind == "dependency":
        return dependency_cases(svc, alert)
    if kind == "up":
        return up_cases(svc, alert)
    if kind == "restarts":
        return restart_cases(svc, alert)
    raise ShipitError(f"no unit test generator for alert {alert.name} (kind {kind!r})")


def tests_document(rs: RuleSet, rules_file: str) -> dict[str, Any]:
    svc = rs.service
    tests = []
    for alert in rs.alerts:
        fire, silent = cases_for(svc, alert)
        for case, what in ((fire, "fires just above"), (silent, "stays silent just below")):
            expected = []
            if case.value is not None:
                labels = {**case.alert_labels, **alert.labels}
                anns = {k: render_annotation(v, case.value, labels) for k, v in annotations(svc, alert).items()}
                expected.append({"exp_labels": dict(sorted(labels.items())), "exp_annotations": anns})
            tests.append({
                "name": f"{alert.name} {what} its threshold",
                "interval": case.interval,
                "input_series": case.input_series,
                "alert_rule_test": [{"eval_time": case.eval_time, "alertname": alert.name, "exp_alerts": expected}],
            })
    return {"rule_files": [rules_file], "evaluation_interval": minutes(EVAL_INTERVAL), "tests": tests}
