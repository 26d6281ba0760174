"""Burn-rate alert policy: which windows each SLO alerts on, and at which factor.

A multi-window burn-rate alert fires when the share of bad events over both its long and its short
window exceeds ``factor × error budget``. The factor follows from the share of the SLO window's error
budget the alert lets burn within its long window::

    factor = budget share × SLO window / long window

The default table (docs/ops.md, "Burn-rate policy") is the Google SRE workbook's, generalised to any SLO
window: the two page alerts keep the workbook's absolute windows and budget shares (2 % in 1h, 5 % in
6h: someone is woken when the budget would be gone within about 2 or 5 days, however long the SLO
window), and the two ticket alerts keep the workbook's windows *relative* to the SLO window (a 30th and
a tenth of it, 10 % of the budget each: factors 3 and 1). For a 30-day window this is exactly the
workbook's 14.4 / 6 / 3 / 1 over 1h / 6h / 1d / 3d; for a 7-day window it is 3.36 over 1h, 1.4 over 6h,
3 over 336m and 1 over 1008m. Every short window is a twelfth of its long window (5m for 1h).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from shipit.ops.promql import duration_seconds, duration_text


@dataclass(frozen=True)
class PolicyRow:
    """One row of the default table."""

    name: str
    severity: str  # page | ticket
    budget_percent: Fraction  # share of the SLO window's budget spent within the long window
    long_seconds: int | None  # a fixed long window ...
    window_divisor: int | None  # ... or the SLO window divided by this

    def long_for(self, window_s: int) -> int:
        if self.long_seconds is not None:
            return self.long_seconds
        return max(60, round(window_s / self.window_divisor / 60) * 60)


SHORT_DIVISOR = 12  # short window = long window / 12 (the workbook's 5m for 1h, 30m for 6h, 2h for 1d, 6h for 3d)

DEFAULT_POLICY: tuple[PolicyRow, ...] = (
    PolicyRow("fast burn", "page", Fraction(2), 3600, None),
    PolicyRow("slow burn", "page", Fraction(5), 6 * 3600, None),
    PolicyRow("fast ticket", "ticket", Fraction(10), None, 30),
    PolicyRow("slow ticket", "ticket", Fraction(10), None, 10),
)


@dataclass(frozen=True)
class BurnWindow:
    """One burn-rate alert of one SLO, resolved: windows, the budget share and the factor."""

    severity: str  # page | ticket (the urgency; the label value comes from the SLO's severity names)
    long: str
    short: str
    budget_percent: Fraction
    factor: float
    origin: str  # "table" or "shipit.yaml"

    @property
    def long_seconds(self) -> int:
        return duration_seconds(self.long)

    @property
    def short_seconds(self) -> int:
        return duration_seconds(self.short)


def factor_of(budget_percent: Fraction, window_s: int, long_s: int) -> Fraction:
    return budget_percent / 100 * window_s / long_s


def budget_percent_of(factor: float, window_s: int, long_s: int) -> Fraction:
    return Fraction(str(factor)) * 100 * long_s / window_s


def table_windows(window_s: int) -> list[BurnWindow]:
    """The default table for an SLO window of ``window_s`` seconds."""
    out = []
    for row in DEFAULT_POLICY:
        long_s = row.long_for(window_s)
        short_s = max(60, round(long_s / SHORT_DIVISOR / 60) * 60)
        out.append(BurnWindow(row.severity, duration_text(long_s), duration_text(short_s), row.budget_percent,
                              float(factor_of(row.budget_percent, window_s, long_s)), "table"))
    return out


def table_row_for(window_s: int, severity: str, long: str, short: str) -> BurnWindow | None:
    """The table's alert with these windows and severity, if the table has one for this SLO window."""
    for bw in table_windows(window_s):
        if (bw.severity, bw.long_seconds, bw.short_seconds) == (severity, duration_seconds(long),
                                                                 duration_seconds(short)):
            return bw
    return None


def resolve(entries, window_s: int) -> list[BurnWindow]:
    """Burn windows from configured entries (``budget_percent`` and/or ``factor``), or the table when
    there are none. Consistency (a factor that contradicts its share or the table) is checked by the
    configuration, which can point at the line."""
    if entries is None:
        return table_windows(window_s)
    out = []
    for e in entries:
        long_s = duration_seconds(e.long)
        if e.budget_percent is not None:
            share = Fraction(str(e.budget_percent))
            factor = float(Fraction(str(e.factor))) if e.factor is not None else float(factor_of(share, window_s, long_s))
        else:
            factor = float(e.factor)
            share = budget_percent_of(e.factor, window_s, long_s)
        out.append(BurnWindow(e.severity.value, e.long, e.short, share, factor, "shipit.yaml"))
    return out
