"""Generated ``promtool test rules`` files that test the rules instead of restating them.

Expectations come from ``shipit.yaml`` and the burn-rate policy, never from the rule builder: for a
burn-rate alert the threshold is recomputed here from the SLO's objective and the alert's budget share
(factor = share x SLO window / long window, both written with 12 significant digits as the rules file
writes numbers), and the firing times from a model of the window ratios over the input series. Each
burn-rate alert gets series shaped so that each window matters:

- the long window just above its threshold while the short one is well above (fires), and just below
  it (silent: the alert must not fire on the short window alone);
- the short window just above / just below while the long one is well above (the reverse);
- each window *exactly at* its threshold while the other is well above (silent: ``>`` is not ``>=``);
- a burn that starts after a clean half window and stops: silent until the long window's ratio
  crosses the threshold, firing from then on, silent again once the short window is clean while the
  long window still burns (the short window's job).

The exact-threshold cases build ratios p/q whose floating-point quotient is the threshold's own
double, from counter increments that are whole multiples of the window, so that Prometheus computes
the ratio without rounding. Every case is laid out so that Prometheus 2's closed range ``[t-w, t]``
and Prometheus 3's left-open range ``(t-w, t]`` read the same increments (counters start at zero, or
the increment that only the closed range reads carries no traffic), and each short window spans a
number of steps whose extrapolation factor k/(k-1) is a power-of-two fraction.

Other alerts fire just above their threshold (after their ``for:``, and not before) and stay silent just
below it; expected annotations are rendered from the alert's templates with the value Prometheus
computes, so a test also proves that descriptions show the right number.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from shipit.core.errors import ShipitError
from shipit.ops.config import SLO, ServiceConfig, SLOKind
from shipit.ops.policy import BurnWindow
from shipit.ops.promql import (
    duration_seconds,
    duration_text,
    parse_matchers,
    parse_selector,
)
from shipit.ops.rules import Alert, RuleSet, annotations

BURN_MARGIN = Fraction(1, 1000)  # burn-rate cases: "just above" is threshold x 1.001, "just below" x 0.999
MARGIN = 0.01  # other alerts: fire at threshold x 1.01, stay silent at threshold x 0.99
EVENTS = 1_000_000  # events per input step: ratios are not rounded to whole requests
OFFSET = 10**12  # counters of the onset case start here (no extrapolation towards zero)
MAX_COUNTER = 2**52  # counter values stay integers a float64 holds exactly
INSTANCE = "{service}-0"
STEP_CHOICES = (5, 9, 3, 17, 2, 33, 65)  # steps per short window: k/(k-1) is 1.25, 1.125, 1.5, ...
# Label values tried when a matcher is a regular expression (bad events first, good events after).
_CANDIDATES = ["500", "503", "502", "504", "429", "5xx", "error", "failed", "failure", "true", "timeout", "1",
               "200", "201", "204", "2xx", "ok", "success", "false", "0", "404", "GET", "POST", "x", ""]


# --- numbers as the rules file writes them, recomputed from shipit.yaml ---------------------------


def _twelve(x: Fraction) -> str:
    return f"{float(x):.12g}"


def error_budget(slo: SLO) -> Fraction:
    return (100 - Fraction(str(slo.objective))) / 100


def burn_factor(slo: SLO, bw: BurnWindow) -> Fraction:
    """factor = budget share x SLO window / long window (docs/ops.md, "Burn-rate policy")."""
    return bw.budget_percent / 100 * slo.window_seconds / duration_seconds(bw.long)


def burn_threshold(slo: SLO, bw: BurnWindow) -> float:
    """The threshold Prometheus compares with: the double of (factor * budget) as the rules file writes it."""
    return float(_twelve(burn_factor(slo, bw))) * float(_twelve(error_budget(slo)))


# --- label sets that satisfy (or violate) matchers --------------------------------------------------


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


def labels_for(require: list[tuple[str, str, str]], violate: tuple[str, str, str] | None = None) -> dict[str, str]:
    """A label set satisfying every matcher of ``require`` and, if given, violating ``violate``.
    An empty value leaves the label out (PromQL matches a missing label as "")."""
    constraints: dict[str, list[tuple[str, str, bool]]] = {}
    for label, op, want in require:
        constraints.setdefault(label, []).append((op, want, True))
    if violate is not None:
        constraints.setdefault(violate[0], []).append((violate[1], violate[2], False))
    out: dict[str, str] = {}
    for label, cons in constraints.items():
        candidates = [want for op, want, _ in cons if op == "="] + [_guess(w) for op, w, _ in cons if op in ("=~", "!~")]
        for value in candidates + _CANDIDATES:
            if all(_satisfies(value, op, want) == keep for op, want, keep in cons):
                if value:
                    out[label] = value
                break
        else:
            raise ShipitError(f"cannot derive a test label value for {label} from {cons}",
                              hint='use simple matchers such as code=~"5.." for errors')
    return out


def series(name: str, labels: dict[str, str]) -> str:
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
    return f"{name}{{{inner}}}"


def _escape(v: str) -> str:
    return v.replace("\\", "\\\\").replace('"', '\\"')


def values(start: int, increments: list[int]) -> str:
    """promtool's expanding notation for a counter at ``start`` growing by ``increments`` per step."""
    items, current, i = [str(start)], start, 0
    while i < len(increments):
        d, j = increments[i], i
        while j < len(increments) and increments[j] == d:
            j += 1
        run = j - i
        items.append(f"{current + d}+{d}x{run - 1}" if run > 1 else str(current + d))
        current += d * run
        i = j
    return " ".join(items)


def linear(step: float, n: int) -> str:
    return f"0+{_g(step)}x{n}"


def constant(value: float, n: int) -> str:
    return f"{_g(value)}+0x{n}"


def _g(value: float) -> str:
    return f"{value:.12g}"


def minutes(seconds: int) -> str:
    return duration_text(seconds) if seconds else "0s"


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


def _pct(v: float) -> str:
    return "%.4g" % (v * 100)


# --- test cases --------------------------------------------------------------------------------------


@dataclass
class Check:
    at: int  # seconds after the start of the series
    value: float | None  # None: the alert must not be firing; else the value its annotations show
    labels: dict[str, str] = field(default_factory=dict)  # labels the alert takes from the series


@dataclass
class Case:
    title: str
    interval: int
    input_series: list[dict[str, str]]
    checks: list[Check]


@dataclass
class Timeline:
    """Counter increments per input step (step j runs from sample j-1 to sample j)."""

    interval: int
    total: list[int]
    bad: list[int]
    offset: int = 0

    def ratio(self, at: int, window: int, left_open: bool) -> Fraction | None:
        """Bad / total over the increments a range ``[at-window, at]`` (Prometheus 2) or
        ``(at-window, at]`` (Prometheus 3) reads; extrapolation scales both alike."""
        m = at // self.interval
        first = m - window // self.interval + (2 if left_open else 1)
        if left_open and at - window < 0:
            first = 1  # the sample at 0 is inside the range either way
        steps = range(max(1, first), m + 1)
        tot = sum(self.total[j - 1] for j in steps)
        return Fraction(sum(self.bad[j - 1] for j in steps), tot) if tot else None

    def samples(self, increments: list[int], offset: int) -> list[tuple[int, float]]:
        out, v = [(0, float(offset))], offset
        for j, d in enumerate(increments, 1):
            v += d
            out.append((j * self.interval, float(v)))
        return out

    def sli(self, at: int, window: int, left_open: bool, latency: bool) -> float | None:
        """The recorded SLI as Prometheus computes it (floats, not fractions)."""
        good = [t - b for t, b in zip(self.total, self.bad, strict=True)]
        if latency:
            g = prom_rate(self.samples(good, self.offset // 2), at, window, left_open)
            t = prom_rate(self.samples(self.total, self.offset), at, window, left_open)
            return None if g is None or t is None else 1 - g / t
        b = prom_rate(self.samples(self.bad, self.offset), at, window, left_open)
        g = prom_rate(self.samples(good, self.offset), at, window, left_open)
        return None if b is None or g is None else b / (b + g)


def prom_rate(samples: list[tuple[int, float]], at: int, window: int, left_open: bool) -> float | None:
    """``rate(x[window])`` at ``at`` as Prometheus computes it, float operation for float operation:
    the closed range of Prometheus 2 or the left-open one of Prometheus 3 (whose order of the
    zero-point and threshold checks it also follows)."""
    start = at - window
    pts = [(t, v) for t, v in samples if (t > start if left_open else t >= start) and t <= at]
    if len(pts) < 2:
        return None
    result = pts[-1][1] - pts[0][1]
    to_start, to_end = float(pts[0][0] - start), float(at - pts[-1][0])
    sampled = float(pts[-1][0] - pts[0][0])
    average = sampled / (len(pts) - 1)
    threshold = average * 1.1
    if left_open and to_start >= threshold:
        to_start = average / 2
    if result > 0 and pts[0][1] >= 0:
        to_zero = sampled * (pts[0][1] / result)
        to_start = min(to_start, to_zero)
    extrapolate = sampled
    extrapolate += to_start if (left_open or to_start < threshold) else average / 2
    extrapolate += to_end if to_end < threshold else average / 2
    factor = extrapolate / sampled
    factor /= window
    return result * factor


def _step(short_s: int, long_s: int) -> tuple[int, int]:
    """(input interval, steps per short window) for a burn-rate pair."""
    for k in STEP_CHOICES:
        if short_s % k == 0 and long_s % (short_s // k) == 0 and long_s // (short_s // k) >= k + 3:
            return short_s // k, k
    step = math.gcd(short_s, long_s)
    if long_s // step >= short_s // step + 3:
        return step, short_s // step
    raise ShipitError(f"cannot lay out unit-test series for burn-rate windows {duration_text(long_s)}/"
                      f"{duration_text(short_s)}", hint="use a long window at least 2 short windows long")


def _split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + 1] * extra + [base] * (parts - extra)


def _convergents(x: Fraction, max_q: int) -> list[Fraction]:
    """The continued-fraction convergents of ``x`` with denominators up to ``max_q``, closest first."""
    out: list[Fraction] = []
    h0, h1, k0, k1, y = 0, 1, 1, 0, x
    while True:
        a = math.floor(y)
        h0, h1, k0, k1 = h1, a * h1 + h0, k1, a * k1 + k0
        if k1 > max_q:
            break
        out.append(Fraction(h1, k1))
        if y == a:
            break
        y = 1 / (y - a)
    return out[::-1]


def exact_candidates(target: float, latency: bool) -> list[Fraction]:
    """Bad-event shares p/q close to ``target`` with small denominators: Prometheus's float operations
    over such counts may land exactly on the threshold's double (the cases check that they do). For a
    latency SLI (1 minus the good share, and 1 - x is exact for x in [0.5, 1]) only doubles that are
    multiples of 2**-53 can be reached; for others there is no such case."""
    if latency and (1 - (1 - target) != target or target >= 0.5):
        return []
    return [f for f in _convergents(Fraction(target), 10**9) if f > 0][:6]


class BurnCases:
    """The cases of one burn-rate alert."""

    def __init__(self, svc: ServiceConfig, alert: Alert, slo: SLO, bw: BurnWindow, eval_s: int):
        self.svc, self.alert, self.slo, self.bw = svc, alert, slo, bw
        self.threshold = burn_threshold(slo, bw)
        self.t = Fraction(self.threshold)  # the exact value of the double the rule compares with
        if self.t >= 1:
            raise ShipitError(f"{alert.name}: factor x budget is {self.threshold:g}; it can never fire")
        self.long, self.short = duration_seconds(bw.long), duration_seconds(bw.short)
        self.interval, self.k = _step(self.short, self.long)
        self.n = self.long // self.interval
        # Check times of the onset case: every short window when that is a multiple of the evaluation
        # interval (then a quiet step after each check time makes both range conventions agree),
        # else every common multiple of the input and evaluation intervals.
        if self.short % eval_s == 0 and self.long % self.short == 0:
            self.grid, self.quiet = self.short, True
        else:
            self.grid, self.quiet = math.lcm(self.interval, eval_s), False
        self.latency = slo.kind is SLOKind.latency
        base = {"job": svc.job_name, **labels_for(parse_matchers(slo.selector))}
        if self.latency:
            self.names = (f"{slo.metric}_count", f"{slo.metric}_bucket")
            self.labels = (base, {**base, "le": f"{slo.threshold:.12g}"})
        else:
            errors = parse_matchers(slo.errors)
            good = labels_for(parse_matchers(slo.selector), errors[0])
            self.names = (slo.metric, slo.metric)
            self.labels = ({**base, **labels_for(parse_matchers(slo.selector) + errors)}, {**base, **good})
        self.high = min(2 * self.t, (1 + self.t) / 2)  # "well above"

    def short_high(self, long_target: Fraction) -> Fraction:
        """A short-window ratio well above the threshold that still lets the long window's other steps
        hold ``long_target`` overall."""
        return min(self.high, (self.t + long_target * (self.n - 1) / self.k) / 2)

    # series --------------------------------------------------------------------------------------
    def inputs(self, tl: Timeline) -> list[dict[str, str]]:
        good_inc = [t - b for t, b in zip(tl.total, tl.bad, strict=True)]
        if max(tl.offset + sum(tl.total), 0) >= MAX_COUNTER:
            raise ShipitError(f"{self.alert.name}: unit-test counters would exceed 2^52")  # pragma: no cover
        if self.latency:  # bad = total - requests in the threshold's bucket
            return [{"series": series(self.names[0], self.labels[0]), "values": values(tl.offset, tl.total)},
                    {"series": series(self.names[1], self.labels[1]), "values": values(tl.offset // 2, good_inc)}]
        return [{"series": series(self.names[0], self.labels[0]), "values": values(tl.offset, tl.bad)},
                {"series": series(self.names[1], self.labels[1]), "values": values(tl.offset, good_inc)}]

    def fires(self, tl: Timeline) -> Check:
        """Firing at the end of the long window, showing the long window's ratio."""
        v = tl.sli(self.long, self.long, False, self.latency)
        if not _stable(_pct, v):
            raise _Unstable
        return Check(self.long, v)

    def _layout(self, long_bad: int, short_bad: int, per_step: int, short_total: int | None = None,
                long_total: int | None = None) -> Timeline:
        """Zero start: no traffic in step 1, the long window's other steps hold ``long_total`` events
        (``long_bad`` bad), the last k steps ``short_total`` each (``short_bad`` bad)."""
        n, k = self.n, self.k
        short_total = per_step if short_total is None else short_total
        long_total = per_step * (n - 1) if long_total is None else long_total
        base_total = long_total - k * short_total
        base_bad = long_bad - k * short_bad
        totals = _split(base_total, n - 1 - k)
        bads = _split(base_bad, n - 1 - k)
        if base_bad < 0 or any(b > t for b, t in zip(bads, totals, strict=True)):
            raise _Unstable
        return Timeline(self.interval, [0, *totals, *[short_total] * k], [0, *bads, *[short_bad] * k])

    def _check_ratios(self, tl: Timeline, long_is, short_is) -> None:
        """The generator's own guard: the laid-out windows hold the ratios the case claims."""
        for left_open in (False, True):
            lr = tl.ratio(self.long, self.long, left_open)
            sr = tl.ratio(self.long, self.short, left_open)
            assert long_is(lr) and short_is(sr), (self.alert.name, float(lr), float(sr), self.threshold)

    # the cases ------------------------------------------------------------------------------------
    def cases(self) -> list[Case]:
        for per_step in range(EVENTS, EVENTS + 50):
            try:
                return self._cases(per_step)
            except _Unstable:
                continue
        raise ShipitError(f"cannot find stable unit-test values for {self.alert.name}")  # pragma: no cover

    def _cases(self, N: int) -> list[Case]:
        t, n, k = self.t, self.n, self.k
        above, below = t * (1 + BURN_MARGIN), t * (1 - BURN_MARGIN)
        out = []
        # long window just above / just below, short window well above
        short_high = self.short_high(below)
        if short_high <= t * (1 + 10 * BURN_MARGIN):
            raise _Unstable  # pragma: no cover - the step choice keeps n - 1 >= 2k
        s_bad = math.ceil(short_high * N)
        for name, target, fire in (("long window just above its threshold, short window well above", above, True),
                                   ("long window just below its threshold, short window well above", below, False)):
            lb = math.ceil(target * (n - 1) * N) if fire else math.floor(target * (n - 1) * N)
            tl = self._layout(lb, s_bad, N)
            self._check_ratios(tl, (lambda r: r > t) if fire else (lambda r: r < t), lambda r: r > t)
            check = self.fires(tl) if fire else Check(self.long, None)
            out.append(Case(name, self.interval, self.inputs(tl), [check]))
        # short window just above / just below, long window well above
        for name, target, fire in (("short window just above its threshold, long window well above", above, True),
                                   ("short window just below its threshold, long window well above", below, False)):
            sb = math.ceil(target * N) if fire else math.floor(target * N)
            lb = math.ceil(self.high * (n - 1 - k) * N) + k * sb
            tl = self._layout(lb, sb, N)
            self._check_ratios(tl, lambda r: r > t * (1 + 5 * BURN_MARGIN), (lambda r: r > t) if fire else (lambda r: r < t))
            check = self.fires(tl) if fire else Check(self.long, None)
            out.append(Case(name, self.interval, self.inputs(tl), [check]))
        # each window exactly at its threshold: `>` must not fire
        out += self.exact_cases()
        out.append(self.onset(N))
        return out

    def exact_cases(self) -> list[Case]:
        """Counts whose ratio Prometheus computes as exactly the threshold's double. Shares p/q close to
        it are scaled by c = 1, 2, ... : rate()'s own rounding (it multiplies by 1/window) then moves the
        computed ratio by an ulp or two either way, until its float operations, under both range
        conventions, give exactly the threshold."""
        t, n, k = self.t, self.n, self.k
        candidates = [(c.numerator, c.denominator) for c in exact_candidates(self.threshold, self.latency)]
        out = []
        for p, q in candidates:
            tl = self._exact_search(lambda c, p=p, q=q: self._layout(
                p * c, math.ceil(self.short_high(t) * (q * c // (n - 1))), 0,
                short_total=q * c // (n - 1), long_total=q * c), q, n, self.long, self.short)
            if tl is not None:
                out.append(Case("long window exactly at its threshold, short window well above",
                                self.interval, self.inputs(tl), [Check(self.long, None)]))
                break
        for p, q in candidates:
            tl = self._exact_search(lambda c, p=p, q=q: self._layout(
                math.ceil(self.high * (n - 1 - k) * q * c) + k * p * c, p * c, q * c), q, k, self.short, self.long)
            if tl is not None:
                out.append(Case("short window exactly at its threshold, long window well above",
                                self.interval, self.inputs(tl), [Check(self.long, None)]))
                break
        return out

    def _exact_search(self, layout, q: int, steps: int, exact_window: int, other_window: int) -> Timeline | None:
        first = max(1, -(-10**6 // q))
        for c in range(first, first + 2000):
            if q * c * self.n * 2 >= MAX_COUNTER // 4:
                return None
            try:
                tl = layout(c)
            except _Unstable:
                continue
            if self._exactly(tl, exact_window) and all(
                    tl.sli(self.long, other_window, lo, self.latency) > self.threshold for lo in (False, True)):
                return tl
        return None

    def _exactly(self, tl: Timeline, window: int) -> bool:
        return all(tl.sli(self.long, window, lo, self.latency) == self.threshold for lo in (False, True))

    def onset(self, N: int) -> Case:
        """Clean traffic (a quarter of the threshold) for half a long window, a burn at twice the
        threshold for three quarters of one, then clean again. No traffic in the first step after
        each check time, so both range conventions read the same increments."""
        t, n, k = self.t, self.n, self.k
        g = self.grid // self.interval
        clean, burn = t / 4, self.high
        phases = [(n // 2, clean), (3 * n // 4, burn), (4 * k + 2 * g, clean)]
        total, bad = [], []
        for steps, ratio in phases:
            for _ in range(steps):
                j = len(total) + 1
                quiet = self.quiet and j % g == 1
                total.append(0 if quiet else N)
                bad.append(0 if quiet else math.ceil(ratio * N))
        tl = Timeline(self.interval, total, bad, OFFSET)
        burn_start, burn_end = phases[0][0] * self.interval, (phases[0][0] + phases[1][0]) * self.interval
        states = []  # (time, firing, long ratio)
        for at in range(self.grid, len(total) * self.interval + 1, self.grid):
            got = []
            for left_open in (False, True):
                lr, sr = tl.ratio(at, self.long, left_open), tl.ratio(at, self.short, left_open)
                if lr is None or sr is None or min(abs(lr - t), abs(sr - t)) < t * Fraction(1, 10**6):
                    got.append(None)
                else:
                    got.append((lr > t and sr > t, lr))
            if got[0] is not None and got[0] == got[1]:
                states.append((at, got[0][0], got[0][1]))
        on = next(i for i, s in enumerate(states) if s[1] and s[0] > burn_start)
        off = next(i for i, s in enumerate(states) if i > on and not s[1] and s[0] > burn_end)
        if on == 0 or states[on - 1][1] or not states[off - 1][1]:
            raise ShipitError(f"cannot place the onset checks of {self.alert.name}")  # pragma: no cover
        checks = [Check(states[on - 1][0], None), self._fire_at(states[on]), self._fire_at(states[off - 1]),
                  Check(states[off][0], None)]
        still = tl.ratio(states[off][0], self.long, False) > t
        title = (f"clean, then a burn from {minutes(burn_start)} to {minutes(burn_end)}: fires at "
                 f"{minutes(states[on][0])}, clears at {minutes(states[off][0])}"
                 + (" (short window clean, long window still above)" if still else ""))
        return Case(title, self.interval, self.inputs(tl), checks)

    def _fire_at(self, state) -> Check:
        v = float(state[2])
        if not _stable(_pct, v):
            raise _Unstable
        return Check(state[0], v)


class _Unstable(Exception):
    """The chosen numbers sit on a rounding edge of the rendered value; try others."""


# --- the other alerts ------------------------------------------------------------------------------


def _grid_up(seconds: int, eval_s: int) -> int:
    return -(-seconds // eval_s) * eval_s


def _for_checks(for_s: int, true_from: int, eval_s: int, value: float, labels: dict[str, str],
                recover_after: int) -> tuple[list[Check], int]:
    """Pending (silent) one evaluation before ``for`` has elapsed, firing once it has, silent after
    the input recovers at ``recover_at`` (returned) plus ``recover_after``."""
    fire = _grid_up(true_from + for_s, eval_s)
    checks = ([Check(fire - eval_s, None, labels)] if fire - eval_s >= true_from and for_s else [])
    checks.append(Check(fire, value, labels))
    recover_at = fire + eval_s
    checks.append(Check(_grid_up(recover_at + recover_after, eval_s), None, labels))
    return checks, recover_at


def latency_cases(svc: ServiceConfig, alert: Alert, slo: SLO, eval_s: int) -> list[Case]:
    """Put a share f of requests just above the threshold bucket: the quantile q crosses the threshold
    exactly when f exceeds 1-q (histogram_quantile interpolates inside the next bucket)."""
    t = alert.test
    q, thr, buckets = t["quantile"], t["threshold"], t["buckets"]
    nxt = next(b for b in buckets if b > thr and not math.isclose(b, thr))
    prev = max([b for b in buckets if b < thr and not math.isclose(b, thr)], default=0.0)
    for_s = duration_seconds(t["for"])
    base = {"job": svc.job_name, **labels_for(parse_matchers(slo.selector))}

    def quantile(f: float) -> float:
        below = 1 - f
        if q <= below:
            return prev + (thr - prev) * q / below
        return thr + (nxt - thr) * (q - below) / f

    fmt = lambda v: "%.3f" % v
    f_fire = (1 - q) * (1 + MARGIN)
    while not _stable(fmt, quantile(f_fire)):
        f_fire *= 1.0007
    f_silent = (1 - q) * (1 - MARGIN)
    checks, recover_at = _for_checks(for_s, eval_s, eval_s, quantile(f_fire), {}, 300)
    end = checks[-1].at
    n = end // 60 + 1

    def inputs(f: float, recover: bool) -> list[dict[str, str]]:
        out = []
        for b in [*buckets, math.inf]:
            le = "+Inf" if b == math.inf else f"{b:.12g}"
            incs = []
            for j in range(1, n + 1):
                share = 0.0 if recover and j * 60 > recover_at else f
                if b < thr and not math.isclose(b, thr):
                    incs.append(0)
                elif math.isclose(b, thr):
                    incs.append(round((1 - share) * EVENTS))
                else:
                    incs.append(EVENTS)
            out.append({"series": series(f"{slo.metric}_bucket", {**base, "le": le}), "values": values(0, incs)})
        return out

    return [Case(f"fires {duration_text(for_s)} after its quantile goes just above {thr:g}s, clears when it "
                 f"recovers", 60, inputs(f_fire, True), checks),
            Case(f"stays silent just below {thr:g}s", 60, inputs(f_silent, False), [Check(checks[-2].at, None)])]


def saturation_cases(svc: ServiceConfig, alert: Alert, eval_s: int) -> list[Case]:
    t = alert.test
    inst = {"job": svc.job_name, "instance": INSTANCE.format(service=svc.name)}
    fire = t["threshold"] * (1 + MARGIN)
    while not _stable(_pct, fire):
        fire *= 1.0007
    silent = t["threshold"] * (1 - MARGIN)
    labels = {"instance": inst["instance"]}
    rate_based = t["kind"] == "cpu"

    def value(u: float) -> float:
        return round(u * t["bytes"]) / t["bytes"] if t["kind"] == "memory" else u

    checks, recover_at = _for_checks(600, eval_s if rate_based else 0, eval_s, value(fire), labels,
                                     300 if rate_based else 0)
    n = checks[-1].at // 60 + 1

    def inputs(u: float, recover: bool) -> list[dict[str, str]]:
        use = [0.0 if recover and j * 60 >= recover_at else u for j in range(n + 1)]
        if rate_based:  # CPU seconds: a counter growing by cores x use per second
            cum, vals = 0.0, []
            for j in range(n + 1):
                cum += 60 * t["cores"] * use[j] if j else 0.0
                vals.append(_g(cum))
            return [{"series": series(t["metric"], inst), "values": " ".join(vals)}]
        return [{"series": series(t["metric"], inst), "values": " ".join(str(round(x * t["bytes"])) for x in use)}]

    return [Case("fires after 10m just above its threshold, clears when usage drops", 60, inputs(fire, True), checks),
            Case("stays silent just below its threshold", 60, inputs(silent, False), [Check(checks[-2].at, None)])]


def dependency_cases(svc: ServiceConfig, alert: Alert, eval_s: int) -> list[Case]:
    t = alert.test
    name, matchers = parse_selector(t["health"])
    s = series(name, labels_for(matchers))
    checks, recover_at = _for_checks(duration_seconds(t["for"]), 0, eval_s, 0.0, {}, 0)
    n = checks[-1].at // 60
    down = " ".join("1" if j * 60 >= recover_at else "0" for j in range(n + 1))
    return [Case(f"fires {t['for']} after the health metric drops to 0, clears when it is back", 60,
                 [{"series": s, "values": down}], checks),
            Case("stays silent while the health metric is 1", 60, [{"series": s, "values": constant(1, n)}],
                 [Check(checks[-2].at, None)])]


def up_cases(svc: ServiceConfig, alert: Alert, eval_s: int) -> list[Case]:
    inst = {"job": svc.job_name, "instance": INSTANCE.format(service=svc.name)}
    s = series("up", inst)
    checks, recover_at = _for_checks(120, 0, eval_s, 0.0, inst, 0)
    n = checks[-1].at // 60
    down = " ".join("1" if j * 60 >= recover_at else "0" for j in range(n + 1))
    return [Case("fires 2m after a target goes down, clears when it is back", 60, [{"series": s, "values": down}],
                 checks),
            Case("stays silent while the target is up", 60, [{"series": s, "values": constant(1, n)}],
                 [Check(checks[-2].at, None, inst)])]


def restart_cases(svc: ServiceConfig, alert: Alert, eval_s: int) -> list[Case]:
    """A start time that changes (max + 1) times within the hour fires; max times stays silent."""
    limit = alert.test["max"]
    inst = {"job": svc.job_name, "instance": INSTANCE.format(service=svc.name)}

    def vals(changes: int) -> str:
        start, out = 1_000_000, []
        every = max(1, 50 // (changes + 1))
        for i in range(61):
            if 5 <= i and (i - 5) % every == 0 and (i - 5) // every < changes:
                start += 60 * every
            out.append(str(start))
        return " ".join(out)

    s = series("process_start_time_seconds", inst)
    labels = {"instance": inst["instance"]}
    return [Case(f"fires at {limit + 1} restarts within the hour", 60, [{"series": s, "values": vals(limit + 1)}],
                 [Check(3600, float(limit + 1), labels)]),
            Case(f"stays silent at {limit} restarts within the hour", 60, [{"series": s, "values": vals(limit)}],
                 [Check(3600, None, labels)])]


# --- the file --------------------------------------------------------------------------------------


#: Evaluation interval of the alerts that are not burn-rate alerts (their ``for:`` is checked to it).
OTHER_EVAL = 300


def eval_interval(alert: Alert, rs: RuleSet) -> int:
    """How often promtool evaluates the rules for this alert's cases: a burn-rate alert's checks fall on
    multiples of its short window, so that is enough (the 1d/2h alert's day-long cases take 12 steps a
    day instead of 288); the other alerts are checked every 5 minutes."""
    if alert.test.get("kind") != "burn":
        return OTHER_EVAL
    long_s, short_s = duration_seconds(alert.test["long"]), duration_seconds(alert.test["short"])
    return short_s if long_s % short_s == 0 else math.gcd(long_s, short_s)


def cases_for(rs: RuleSet, alert: Alert, eval_s: int) -> list[Case]:
    """The cases of one alert, for an evaluation every ``eval_s`` seconds."""
    svc = rs.service
    kind = alert.test.get("kind")
    if kind == "burn":
        slo = next(s for s in svc.slos if s.name == alert.test["slo"])
        bw = next(b for b in svc.burn_windows(slo) if (b.long, b.short) == (alert.test["long"], alert.test["short"]))
        return BurnCases(svc, alert, slo, bw, eval_s).cases()
    if kind == "latency":
        slo = next(s for s in svc.slos if s.name == alert.labels.get("slo"))
        return latency_cases(svc, alert, slo, eval_s)
    if kind in ("cpu", "memory"):
        return saturation_cases(svc, alert, eval_s)
    if kind == "dependency":
        return dependency_cases(svc, alert, eval_s)
    if kind == "up":
        return up_cases(svc, alert, eval_s)
    if kind == "restarts":
        return restart_cases(svc, alert, eval_s)
    raise ShipitError(f"no unit test generator for alert {alert.name} (kind {kind!r})")


def test_file_name(service: str, eval_s: int) -> str:
    """``<service>.rules.test.yml`` for the 5-minute evaluation, ``<service>.rules.<interval>.test.yml`` else."""
    return f"{service}.rules.test.yml" if eval_s == OTHER_EVAL else f"{service}.rules.{duration_text(eval_s)}.test.yml"


def tests_documents(rs: RuleSet, rules_file: str) -> dict[str, dict[str, Any]]:
    """The ``promtool test rules`` files, one per evaluation interval (file name → document)."""
    svc = rs.service
    by_interval: dict[int, list[dict[str, Any]]] = {OTHER_EVAL: []}
    for alert in rs.alerts:
        eval_s = eval_interval(alert, rs)
        tests = by_interval.setdefault(eval_s, [])
        for case in cases_for(rs, alert, eval_s):
            checks = []
            for check in case.checks:
                expected = []
                if check.value is not None:
                    labels = {**check.labels, **alert.labels}
                    anns = {k: render_annotation(v, check.value, labels) for k, v in annotations(svc, alert).items()}
                    expected.append({"exp_labels": dict(sorted(labels.items())), "exp_annotations": anns})
                checks.append({"eval_time": minutes(check.at), "alertname": alert.name, "exp_alerts": expected})
            tests.append({"name": f"{alert.name}: {case.title}", "interval": minutes(case.interval),
                          "input_series": case.input_series, "alert_rule_test": checks})
    # Recordings first: an alert must read the ratios recorded at the same evaluation, not one interval
    # before (promtool's order of groups is otherwise undefined).
    order = [f"{svc.name}-sli-recordings", f"{svc.name}-alerts"] if rs.recording else [f"{svc.name}-alerts"]
    return {test_file_name(svc.name, eval_s): {"rule_files": [rules_file], "evaluation_interval": minutes(eval_s),
                                               "group_eval_order": order, "tests": tests}
            for eval_s, tests in sorted(by_interval.items()) if tests}
