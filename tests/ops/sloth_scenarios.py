"""Writes tests/ops/fixtures/sloth/scenarios.test.yml: Sloth's and shipit's rules for one SLO, fed the
same series.

    python3 tests/ops/sloth_scenarios.py        # rewrite the file (tests/ops/test_sloth.py checks it)

Scenarios (the issue's): steady 0.08 % and 0.1 % errors, a 20 % spike for 10 minutes, 50 % for 30
minutes, 1 % for 8 hours, 0.5 % for 2 days, each on a 0.08 % baseline. promtool evaluates every minute.
For each scenario the file asserts, over every minute:

- the seven window ratios (5m … 3d) of both tools are equal (their difference is never non-zero);
- Sloth's page alert fires exactly when one of shipit's two page alerts does, and likewise for tickets:
  ``A unless B`` and ``B unless A`` have samples only at *ties*, minutes where a window's ratio is
  exactly factor x 0.1 % as a fraction of whole events (a burn rate of exactly 1x, 3x, ...). There
  Sloth's threshold, written with its budget as 1 - 0.999 = 0.0009999999999999432, sits 57 parts in
  10^18 below the budget and its ``>`` fires, while shipit's (budget 0.001) fires only where float
  rounding would put the ratio above it (at none of the steady 0.1 % run's evaluations). The generator checks that every differing minute is such a tie;
- how many minutes each fires, and its first and last firing minute, as a replay of Prometheus 2's
  ``rate()`` in Python (``expected()`` below) computes them for each tool's own thresholds.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from ruamel.yaml import YAML

HERE = Path(__file__).parent / "fixtures" / "sloth"
#: One file per evaluation interval: every minute for the scenarios of minutes and hours, every five
#: minutes for those of days (their samples are five minutes apart too).
OUTS = {60: HERE / "scenarios.test.yml", 300: HERE / "scenarios.5m.test.yml"}
CHUNK_STEPS = 480  # a query over at most 480 evaluations: promtool caps a query at 10000 samples
SLOTH_RULES = "getting-started.rules.yml"
SHIPIT_RULES = "myservice.rules.yml"  # generated from shipit.yaml next to it by the test
METRIC = "http_request_duration_seconds_count"
EVENTS_PER_MINUTE = 100_000
WINDOWS = {"5m": 300, "30m": 1800, "1h": 3600, "2h": 7200, "6h": 21600, "1d": 86400, "3d": 259200}
SLOTH_SEL = 'sloth_id="myservice-requests-availability"'
SHIPIT_SEL = 'service="myservice",slo="requests-availability"'
SLOTH_BUDGET = 0.0009999999999999432  # as Sloth writes 1 - 0.999
SHIPIT_BUDGET = 0.001  # as shipit writes it (12 significant digits)
PAGE = ((14.4, "1h", "5m"), (6.0, "6h", "30m"))
TICKET = ((3.0, "1d", "2h"), (1.0, "3d", "6h"))
GROUPS = ["sloth-slo-sli-recordings-myservice-requests-availability",
          "sloth-slo-meta-recordings-myservice-requests-availability",
          "sloth-slo-alerts-myservice-requests-availability",
          "myservice-sli-recordings", "myservice-alerts"]
ALERTS = {
    ("sloth", "page"): 'max(ALERTS{alertname="MyServiceHighErrorRate",sloth_severity="page",alertstate="firing"})',
    ("sloth", "ticket"): 'max(ALERTS{alertname="MyServiceHighErrorRate",sloth_severity="ticket",alertstate="firing"})',
    ("shipit", "page"): 'max(ALERTS{alertname=~"MyserviceRequestsAvailabilityBudgetBurn(1h5m|6h30m)",'
                        'alertstate="firing"})',
    ("shipit", "ticket"): 'max(ALERTS{alertname=~"MyserviceRequestsAvailabilityBudgetBurn(1d2h|3d6h)",'
                          'alertstate="firing"})',
}


@dataclass(frozen=True)
class Scenario:
    name: str
    interval: int  # seconds between samples, and between evaluations
    segments: tuple[tuple[int, float], ...]  # (seconds, error ratio), from t=0

    @property
    def end(self) -> int:
        return sum(s for s, _ in self.segments)


H, M = 3600, 60
SCENARIOS = (
    Scenario("steady 0.08% errors for 74h", 300, ((74 * H, 0.0008),)),
    Scenario("steady 0.1% errors for 74h", 300, ((74 * H, 0.001),)),
    Scenario("20% errors for 10 minutes", 60, ((3 * H, 0.0008), (10 * M, 0.2), (3 * H, 0.0008))),
    Scenario("50% errors for 30 minutes", 60, ((3 * H, 0.0008), (30 * M, 0.5), (3 * H, 0.0008))),
    Scenario("1% errors for 8 hours", 60, ((3 * H, 0.0008), (8 * H, 0.01), (8 * H, 0.0008))),
    Scenario("0.5% errors for 2 days", 300, ((6 * H, 0.0008), (48 * H, 0.005), (12 * H, 0.0008))),
)


def counters(s: Scenario) -> tuple[list[int], list[int]]:
    """Cumulative bad and good events at each sample (t = 0, interval, ...)."""
    per_step = EVENTS_PER_MINUTE * s.interval // 60
    bad, good, b, g = [0], [0], 0, 0
    for seconds, ratio in s.segments:
        for _ in range(seconds // s.interval):
            step_bad = round(ratio * per_step)
            b, g = b + step_bad, g + per_step - step_bad
            bad.append(b)
            good.append(g)
    return bad, good


def rate(values: list[int], interval: int, at: int, window: int) -> float | None:
    """Prometheus 2's ``rate(x[window])`` at ``at`` over a regular series, float operation for float
    operation (closed range ``[at-window, at]``, extrapolation, zero point, ``factor /= window``)."""
    first = max(0, -(-(at - window) // interval))
    last = min(len(values) - 1, at // interval)
    if last - first < 1:
        return None
    result = float(values[last] - values[first])
    to_start = float(first * interval - (at - window))
    to_end = float(at - last * interval)
    sampled = float((last - first) * interval)
    average = sampled / (last - first)
    if result > 0 and values[first] >= 0:
        to_zero = sampled * (values[first] / result)
        to_start = min(to_start, to_zero)
    threshold = average * 1.1
    extrapolate = sampled
    extrapolate += to_start if to_start < threshold else average / 2
    extrapolate += to_end if to_end < threshold else average / 2
    factor = extrapolate / sampled
    factor /= window
    return result * factor


def _window_fraction(bad: list[int], good: list[int], interval: int, at: int, window: int) -> Fraction | None:
    """The ratio as whole events: the increments the closed range reads (extrapolation scales both alike)."""
    first = max(0, -(-(at - window) // interval))
    last = min(len(bad) - 1, at // interval)
    db, dg = bad[last] - bad[first], good[last] - good[first]
    return Fraction(db, db + dg) if last > first and db + dg else None


def expected(s: Scenario) -> dict[tuple[str, str], list[int]]:
    """The minutes each tool's page and ticket alert fire, from the replayed ratios; minutes where the two
    differ must be ties (a ratio of exactly factor x 0.1 %)."""
    bad, good = counters(s)
    firing: dict[tuple[str, str], list[int]] = {k: [] for k in ALERTS}
    for at in range(s.interval, s.end + 1, s.interval):
        ratio = {}
        for w, seconds in WINDOWS.items():
            rb, rg = rate(bad, s.interval, at, seconds), rate(good, s.interval, at, seconds)
            ratio[w] = None if rb is None or rg is None else rb / (rb + rg)

        def fires(pairs, budget, ratio=ratio) -> bool:
            return any(ratio[long] is not None and ratio[short] is not None and ratio[long] > factor * budget
                       and ratio[short] > factor * budget for factor, long, short in pairs)

        for kind, pairs in (("page", PAGE), ("ticket", TICKET)):
            sloth, shipit = fires(pairs, SLOTH_BUDGET), fires(pairs, SHIPIT_BUDGET)
            if sloth != shipit:
                ties = [w for factor, long, short in pairs for w in (long, short)
                        if _window_fraction(bad, good, s.interval, at, WINDOWS[w])
                        == Fraction(str(factor)) * Fraction(1, 1000)]
                assert ties, f"{s.name}: {kind} alerts differ at {at}s without a tie"
            if sloth:
                firing[("sloth", kind)].append(at)
            if shipit:
                firing[("shipit", kind)].append(at)
    return firing


def duration(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def values(counter: list[int]) -> str:
    out, i = [], 0
    while i < len(counter):
        j = i + 1
        step = counter[j] - counter[i] if j < len(counter) else 0
        while j + 1 < len(counter) and counter[j + 1] - counter[j] == step:
            j += 1
        if j < len(counter) and j > i + 1:
            out.append(f"{counter[i]}+{step}x{j - i}")
            i = j + 1
        else:
            out.append(str(counter[i]))
            i += 1
    return " ".join(out)


def scenario_test(s: Scenario) -> dict:
    bad, good = counters(s)
    firing = expected(s)
    step = duration(s.interval)
    checks = []
    chunk = CHUNK_STEPS * s.interval
    for stop in range(chunk, s.end + chunk, chunk):
        stop = min(stop, s.end)
        start = stop - min(chunk, stop)
        # From half a step after the chunk's start: its first point is the one after `start` whichever the
        # range convention (Prometheus 2 includes a point on the range's start, Prometheus 3 does not).
        span, at = f"[{duration(stop - start - s.interval // 2)}:{step}]", duration(stop)

        def inside(minutes: list[int], start=start, stop=stop) -> list[int]:
            return [m for m in minutes if start < m <= stop]

        def check(expr: str, value: float | None, at=at) -> None:
            checks.append({"expr": expr, "eval_time": at,
                           "exp_samples": [{"labels": "{}", "value": value}] if value else []})

        for w in WINDOWS:
            check(f"max_over_time(((slo:sli_error:ratio_rate{w}{{{SLOTH_SEL}}} - on() "
                  f"slo:sli_error:ratio_rate{w}{{{SHIPIT_SEL}}}) != 0){span})", None)
        for kind in ("page", "ticket"):
            a, b = ALERTS[("sloth", kind)], ALERTS[("shipit", kind)]
            sloth, shipit = set(inside(firing[("sloth", kind)])), set(inside(firing[("shipit", kind)]))
            check(f"count_over_time(({a} unless on() {b}){span})", len(sloth - shipit))  # ties only
            check(f"count_over_time(({b} unless on() {a}){span})", len(shipit - sloth))
        for (tool, kind), minutes in firing.items():
            mine = inside(minutes)
            alert = ALERTS[(tool, kind)]
            check(f"count_over_time({alert}{span})", len(mine))
            check(f"min_over_time(timestamp({alert}){span})", mine[0] if mine else None)
            check(f"max_over_time(timestamp({alert}){span})", mine[-1] if mine else None)
    return {"name": s.name, "interval": step,
            "input_series": [{"series": f'{METRIC}{{code="500",job="myservice"}}', "values": values(bad)},
                             {"series": f'{METRIC}{{code="200",job="myservice"}}', "values": values(good)}],
            "promql_expr_test": checks}


def document(interval: int) -> dict:
    return {"rule_files": [SLOTH_RULES, SHIPIT_RULES], "evaluation_interval": duration(interval),
            "group_eval_order": GROUPS, "tests": [scenario_test(s) for s in SCENARIOS if s.interval == interval]}


def render(interval: int) -> str:
    import io

    yaml = YAML()
    yaml.width = 4096
    buf = io.StringIO()
    buf.write("# Written by tests/ops/sloth_scenarios.py; see tests/ops/fixtures/sloth/SOURCE.md.\n")
    yaml.dump(document(interval), buf)
    return buf.getvalue()


def summary() -> list[str]:
    out = []
    for s in SCENARIOS:
        got = expected(s)
        parts = []
        for key, minutes in got.items():
            parts.append(f"{key[0]} {key[1]}: " + (f"{len(minutes)} evaluations, {duration(minutes[0])}.."
                                                     f"{duration(minutes[-1])}" if minutes else "never"))
        for kind in ("page", "ticket"):
            differ = sorted(set(got[("sloth", kind)]) ^ set(got[("shipit", kind)]))
            if differ:
                parts.append(f"{kind} differs (ties) at {len(differ)} evaluations")
        out.append(f"{s.name}: " + "; ".join(parts))
    return out


if __name__ == "__main__":
    for interval, path in OUTS.items():
        path.write_text(render(interval))
    print("\n".join(summary()), file=sys.stderr)
