"""Helpers of the ops tests."""

from __future__ import annotations

import re
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
FULL = FIXTURES / "shipit.yaml"
SMALL = FIXTURES / "small.yaml"

PROMQL_WORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset",
    "inf", "nan", "atan2",
}


def metric_names(expr: str) -> set[str]:
    """Series names a PromQL expression reads (strings, label matchers, ranges and grouping removed).

    Written for these tests, independently of the generator: identifiers that are not followed by
    '(' (functions, aggregations), not PromQL keywords and not numbers."""
    e = expr.replace("$__rate_interval", "1m")
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', e)
    e = re.sub(r"\{[^}]*\}", " ", e)
    e = re.sub(r"\[[^\]]*\]", " ", e)
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", e)
    names = set()
    for m in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", e):
        rest = e[m.end():].lstrip()
        word = m.group(0)
        if rest.startswith("(") or word.lower() in PROMQL_WORDS:
            continue
        if re.fullmatch(r"e\d*", word) and e[max(0, m.start() - 1)].isdigit():
            continue  # exponent of a number like 1e3
        names.add(word)
    return names
