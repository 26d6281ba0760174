"""shipit.core.schemas: the compiled validator follows jsonschema's semantics where the engines differ.

The reference checks run in a fresh interpreter, where jsonschema is imported with every format checker
it has (rfc3987-syntax for IRIs, rfc3339-validator, rfc3986-validator), whatever this process imported.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys

import pytest

from shipit.core.schemas import (
    FORMATS,
    JSONSCHEMA_FORMATS,
    Schema,
    Violation,
    is_iri,
    is_iri_reference,
)

IRIS = [
    "", "#", "?", "/", "//", "///", "a", "a:", ":", "1a:b", "a1+-.:b", "http://example.com",
    "https://pypi.org/simple/alembic/", "http://example.com/a?b#c", "http://a:b@c:80/p?q#f", "//host:8080",
    "//host:port", "../x", "./x:y", "x/y:z", "#frag#frag", "?q?q", "http://h/%41%42", "http://h/%4", "%zz",
    "http://h/a b", "http://h/a\tb", "http://h/a\nb", "http://h/a\\b", "http://h/a^b", "http://h/{x}",
    "http://h/<x>", 'http://h/"x"', "http://h/|x", "http://h/`x`", "mailto:someone@example.com",
    "urn:isbn:0451450523", "pkg:deb/debian/apt@2.6.1?arch=amd64&distro=debian-12",
    "http://[::1]/", "http://[::]/", "http://[1::]/", "http://[1:2:3:4:5:6:7:8]/", "http://[1:2:3:4:5:6:7::]/",
    "http://[::1:2:3:4:5:6:7]/", "http://[1::3:4:5:6:7:8]/", "http://[1:2::4:5:6:7:8]/",
    "http://[1:2:3::5:6:7:8]/", "http://[1:2:3:4::6:7:8]/", "http://[1:2:3:4:5::7:8]/", "http://[1:2:3:4:5:6::8]/",
    "http://[1:2:3:4:5:6:1.2.3.4]/", "http://[1:2:3:4:5:6:1.2.3.256]/", "http://[::2:3:4:5:6:1.2.3.4]/",
    "http://[12345::]/", "http://[v1.x]/", "http://[v1.]/", "http://[vz.x]/", "http://[v1.a:b!]/", "http://[]/",
    "http://[1:2:3:4:5:6:7:8/", "http://]/", "http://[::1]]/", "//[v1.x]:80/p", "a[b]", "http://1.2.3.4/",
    "http://1.2.3.256/", "http://01.2.3.4/", "http://é.example/ü?ä#ö", "http://\u00a0/", "http://\ud7ff/",
    "http://\ud800/", "http://\uf8ff/", "http://\uf900/", "http://\ufdd0/", "http://\ufdf0/", "http://\uffef/",
    "http://\ufff0/", "http://h/?\ue000", "http://h/#\ue000", "http://h/\ue000", "http://\U0001f600/",
    "http://h/?\U0001f600", "é:x", "x:é", "//é@h", "//u:p@h:1/", "//u@[v1.x]", "//@h", "//h:", "x://[v1.é]",
]


def ipv6_literals() -> list[str]:
    """Every count of groups around '::' and without it, with and without an IPv4 tail (the grammar's
    nine forms and their near misses)."""
    out = []
    for before in range(9):
        for after in range(9):
            out.append("http://[" + ":".join(["1"] * before) + "::" + ":".join(["ab"] * after) + "]/")
            out.append("//[" + ":".join(["f"] * before) + "::" + ":".join(["2"] * after) + ":1.2.3.4]")
    for n in range(5, 10):
        out.append("http://[" + ":".join(["1234"] * n) + "]/")
        out.append("http://[" + ":".join(["1"] * n) + ":255.255.255.255]/")
    return out


def random_strings(seed: int, n: int) -> list[str]:
    rnd = random.Random(seed)
    alphabet = list("aZ09:/?#[]@%41f.-_~!$'()*+,;= é\ue000\U0001f600v25\n\\\"<^{|&") + [
        "\ufdd0", "\uf900", "\u00a0", "\ud7ff", "\uffef", "\ufff0"]
    pieces = ["http", "://", "//", "[", "]", "::", ":", "1:2:3:4:5:6", "1.2.3.4", "255", "256", "v1f.", "user@",
              "host", ":8080", "/a", "/", "?q=1", "#f", "%41", "%4", "pkg:deb/x@1", "../", "a", "@", "ff", "::1"]
    out = []
    for _ in range(n):
        if rnd.random() < 0.5:
            s = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 8)))
        else:
            s = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 12)))
        out.append(s)
    return out


REFERENCE_IRI = r"""
import json, sys
from rfc3987_syntax import is_valid_syntax
values = json.load(sys.stdin)
print(json.dumps([[is_valid_syntax("iri", v), is_valid_syntax("iri_reference", v)] for v in values]))
"""


def test_iri_expressions_accept_what_rfc3987_syntax_accepts():
    values = IRIS + ipv6_literals() + random_strings(15, 200)
    proc = subprocess.run([sys.executable, "-c", REFERENCE_IRI], input=json.dumps(values), capture_output=True,
                          text=True, check=True)
    expected = json.loads(proc.stdout)
    got = [[is_iri(v), is_iri_reference(v)] for v in values]
    assert [(v, g, e) for v, g, e in zip(values, got, expected) if g != e] == []
    assert sum(e[1] for e in expected) > 100 and sum(not e[1] for e in expected) > 100  # both ways tested


REFERENCE_FORMATS = r"""
import json, sys
from jsonschema.validators import Draft7Validator
checker = Draft7Validator.FORMAT_CHECKER
cases = json.load(sys.stdin)
print(json.dumps({"known": sorted(checker.checkers),
                  "verdicts": [[f, v, checker.conforms(v, f)] for f, v in cases]}))
"""

SAMPLES = {
    "date-time": ["2026-12-03T09:33:49+00:00", "2026-12-03t09:33:49z", "2026-12-03T09:33:49", "2026-02-30T00:00:00Z",
                  "2026-12-03T24:00:00Z", "2026-12-03 09:33:49Z", "2026-12-03T09:33:49.123456+05:30", "", "x"],
    "date": ["2026-12-03", "2026-02-29", "2024-02-29", "2026-13-01", "2026-1-01", "20261203", "\u0662026-12-03", ""],
    "email": ["a@b", "@", "ab", ""],
    "idn-email": ["é@ü", "ü", ""],
    "uri": ["http://example.com", "example.com", "urn:x", "http://h/a b", "http://é.com", ""],
    "uri-reference": ["../x", "#f", "http://h/a b", "", "%zz"],
    "iri": ["http://é.com", "é.com", ""],
    "iri-reference": ["é.com", "http://[::1]", ""],
}


def test_format_checkers_agree_with_jsonschemas():
    cases = [[f, v] for f, values in SAMPLES.items() for v in values]
    proc = subprocess.run([sys.executable, "-c", REFERENCE_FORMATS], input=json.dumps(cases),
                          capture_output=True, text=True, check=True)
    reference = json.loads(proc.stdout)
    assert set(reference["known"]) == JSONSCHEMA_FORMATS
    assert set(SAMPLES) == set(FORMATS)
    got = [[f, v, FORMATS[f](v)] for f, v in cases]
    assert [(g, e) for g, e in zip(got, reference["verdicts"]) if g != e] == []


def test_patterns_are_pythons_as_in_jsonschema():
    """Python's '$' also matches before a final newline and its '\\d' is Unicode: the Rust engine's
    ECMA-262 dialect disagrees on both, jsonschema does not."""
    schema = Schema({"properties": {"a": {"pattern": "^[a-z]+$"}, "d": {"pattern": "^\\d+$"}}})
    assert schema.first_error({"a": "abc\n", "d": "\u0663\u0664"}) is None
    assert schema.first_error({"a": "ab1"}) == Violation("$.a", "'ab1' does not match '^[a-z]+$'")


def test_a_format_jsonschema_checks_without_an_equivalent_here_is_refused():
    with pytest.raises(ValueError, match="hostname"):
        Schema({"format": "hostname"})
    assert Schema({"format": "string"}).first_error("anything") is None  # jsonschema checks no such format


def test_values_json_has_no_room_for_are_judged_by_jsonschema():
    schema = Schema({"type": "object", "properties": {"n": {"type": "number"}, "s": {"maxLength": 1}}})
    assert schema.first_error({"n": float("nan"), "s": "\ud800"}) is None
    assert schema.first_error({"n": "1"}) == Violation("$.n", "'1' is not of type 'number'")


def test_invalid_documents_get_every_jsonschema_error():
    schema = Schema({"type": "object", "required": ["a", "b"]})
    assert list(schema.iter_errors({"a": 1, "b": 2})) == []
    assert [e.message for e in schema.iter_errors({})] == ["'a' is a required property", "'b' is a required property"]
