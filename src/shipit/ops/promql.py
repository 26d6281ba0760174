"""The small pieces of PromQL syntax the ops capability reads and writes: label matchers, selectors,
durations and numbers.

``shipit.yaml`` carries label matchers (``errors: code=~"5.."``, ``selector: route="/orders"``) and
series selectors (``health: pg_up{job="orders-postgres"}``). They are parsed here once: the
configuration checks their labels against the declared metrics, the rule builders write them, and the
unit-test generator derives series that satisfy (or violate) them.
"""

from __future__ import annotations

import re

METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_MATCHER = re.compile(
    r"""\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)\s*(,|$)""")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}

#: Labels Prometheus attaches to every scraped series, whatever the exporter declares.
TARGET_LABELS = ("job", "instance")


class MatcherError(ValueError):
    """Label matchers that cannot be read (the message says where)."""


def parse_matchers(text: str) -> list[tuple[str, str, str]]:
    """``code=~"5..",route="/x"`` → [(code, =~, 5..), (route, =, /x)] (PromQL string escapes undone)."""
    text = text.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    out, pos = [], 0
    while pos < len(text.rstrip()):
        m = _MATCHER.match(text, pos)
        if not m:
            raise MatcherError(f"cannot read label matchers {text!r} at {text[pos:]!r}; "
                               f'write them like code=~"5..",route="/orders"')
        raw = m.group(3)
        value = raw[1:-1] if raw[0] == "`" else re.sub(r"\\(.)", r"\1", raw[1:-1])
        out.append((m.group(1), m.group(2), value))
        pos = m.end()
    return out


def parse_selector(text: str) -> tuple[str, list[tuple[str, str, str]]]:
    """``pg_up{job="db"}`` → ("pg_up", [(job, =, db)])."""
    m = METRIC_NAME.match(text.strip())
    if not m:
        raise MatcherError(f"{text!r} is not a series selector like pg_up{{job=\"db\"}}")
    rest = text.strip()[m.end():].strip()
    if rest and not (rest.startswith("{") and rest.endswith("}")):
        raise MatcherError(f"{text!r} is not a series selector like pg_up{{job=\"db\"}}")
    return m.group(0), parse_matchers(rest) if rest else []


def quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def selector(*matchers: str) -> str:
    """``{a,b}`` from matcher strings, empty ones left out."""
    parts = [m.strip() for m in matchers if m and m.strip()]
    return "{" + ",".join(parts) + "}"


def num(value: float) -> str:
    """A float as PromQL/Go print it, without binary noise (0.1 + 0.2 → 0.3): 12 significant digits."""
    return f"{value:.12g}"


def duration_seconds(text: str) -> int:
    m = re.fullmatch(r"(\d+)(s|m|h|d|w)", text)
    if not m:
        raise ValueError(f"'{text}' is not a Prometheus duration like 5m, 1h, 30d")
    return int(m.group(1)) * _UNIT_SECONDS[m.group(2)]


def duration_text(seconds: int) -> str:
    """Seconds as a Prometheus duration in the largest unit that divides them (86400 → 1d, 20160 → 336m)."""
    for unit in ("d", "h", "m", "s"):
        if seconds % _UNIT_SECONDS[unit] == 0:
            return f"{seconds // _UNIT_SECONDS[unit]}{unit}"
    raise AssertionError("unreachable")  # pragma: no cover - "s" divides every integer
