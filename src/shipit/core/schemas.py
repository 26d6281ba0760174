"""JSON Schema validation at native speed, with the ``jsonschema`` package's verdicts and messages.

A schema is compiled once per process by jsonschema-rs (a Rust validator); its verdict is what counts
on the common path, a valid document, in microseconds per component where ``jsonschema`` takes seconds
per document. When a document is invalid, the same schema files are run through ``jsonschema`` (the
validator shipit used before, loaded only then) to name the first problem, so every message is
``jsonschema``'s own, path and reason word for word: ``$.components[3].type: 'bogus' is not one of
[...]``. jsonschema's first error depends on the order it walks the schema, and its messages on its
version; reproducing both in a translation layer would be a second implementation to keep in step.

Where the two engines' semantics differ, the compiled validator is made to follow ``jsonschema``:

* ``pattern`` is searched by the reference validator's own engine: Python's ``re.search`` for
  ``jsonschema`` (the Rust engine's ECMA-262 dialect differs: ``$`` before a final newline, Unicode
  ``\\d``/``\\w``), regress for check-jsonschema;
* ``format`` is checked by the functions ``jsonschema``'s draft-7 format checker uses (rfc3339-validator
  for ``date-time``, rfc3986-validator for ``uri``, ...), see :data:`FORMATS`; a schema using a format
  that is not in the table is refused when compiled, rather than checked with another meaning;
* ``iri``/``iri-reference`` are a regular expression translated rule by rule from rfc3987-syntax's
  grammar (the checker ``jsonschema`` uses), the same language without its Earley parser, which costs
  seconds to import and ~20 ms per value (:func:`is_iri_reference`; tested against rfc3987-syntax);
* a document the compiled validator cannot take (``NaN``, a lone surrogate) goes to ``jsonschema``.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

# --- formats ----------------------------------------------------------------------------------------
# rfc3987-syntax's grammar (syntax_rfc3987.lark), rule by rule. Its language is regular (no rule refers
# to itself), so expressions matched against the whole value accept exactly what its parser accepts,
# including the grammar's own choices: ucschar stops at U+FFEF, and IPv6 literals are the nine forms it
# lists (``[::1]`` is not one of them). Two rewrites keep the expression small enough to compile in a
# few milliseconds, without changing the language:
# * ``ihost = ip_literal | ipv4address | ireg_name``: an IPv4 address is also a reg-name (digits and
#   dots), so the middle alternative adds nothing;
# * ``[`` and ``]`` appear in no other rule, so an IP literal is the one bracketed part of a value: the
#   main expression takes any bracket-free text there, and :func:`_matches` checks it afterwards;
# * ``ucschar`` appears only through ``iunreserved``, where ``~`` is allowed too, and ``~`` appears
#   elsewhere only inside IP literals (checked on the original value): so each ucschar is replaced by
#   ``~`` before matching, and the character classes stay ASCII (Unicode ranges in a dozen classes
#   cost ~50 ms to compile).
_UCS = "\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef"
_PCT = "%[0-9A-Fa-f]{2}"
_UNRESERVED = "A-Za-z0-9\\-._~"
_SUB_DELIMS = "!$&'()*+,;="


def _chars(extra: str) -> str:
    return f"(?:[{_UNRESERVED}{_SUB_DELIMS}{extra}]|{_PCT})"


_IPCHAR = _chars(":@")
_SEGMENT = f"{_IPCHAR}*"
_SEGMENT_NZ = f"{_IPCHAR}+"
_SEGMENT_NZ_NC = f"{_chars('@')}+"
_QUERY = f"(?:{_IPCHAR}|[\ue000-\uf8ff/?])*"
_FRAGMENT = f"(?:{_IPCHAR}|[/?])*"
_SCHEME = "[A-Za-z][A-Za-z0-9+\\-.]*"
_USERINFO = f"{_chars(':')}*"
_REG_NAME = f"{_chars('')}*"
_HOST = f"(?:\\[(?P<g>[^\\[\\]]*)\\]|{_REG_NAME})"
_AUTHORITY = f"(?:{_USERINFO}@)?{_HOST}(?::[0-9]*)?"
_PATH_ABEMPTY = f"(?:/{_SEGMENT})*"
_PATH_ABSOLUTE = f"/(?:{_SEGMENT_NZ}(?:/{_SEGMENT})*)?"
_PATH_NOSCHEME = f"{_SEGMENT_NZ_NC}(?:/{_SEGMENT})*"
_PATH_ROOTLESS = f"{_SEGMENT_NZ}(?:/{_SEGMENT})*"
_TAIL = f"(?:\\?{_QUERY})?(?:#{_FRAGMENT})?"


def _iri(group: str) -> str:
    authority = _AUTHORITY.replace("(?P<g>", f"(?P<{group}>")
    return f"{_SCHEME}:(?://{authority}{_PATH_ABEMPTY}|{_PATH_ABSOLUTE}|{_PATH_ROOTLESS}|){_TAIL}"


def _irelative_ref(group: str) -> str:
    authority = _AUTHORITY.replace("(?P<g>", f"(?P<{group}>")
    return f"(?://{authority}{_PATH_ABEMPTY}|{_PATH_ABSOLUTE}|{_PATH_NOSCHEME}|){_TAIL}"


_DEC_OCTET = "(?:[0-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-5])"
_IPV4 = f"{_DEC_OCTET}\\.{_DEC_OCTET}\\.{_DEC_OCTET}\\.{_DEC_OCTET}"
_H16 = "[0-9A-Fa-f]{1,4}"
_LS32 = f"(?:{_H16}:{_H16}|{_IPV4})"
_IPV6 = "|".join([
    f"(?:{_H16}:){{6}}{_LS32}",
    f"::(?:{_H16}:){{5}}{_LS32}",
    f"{_H16}::(?:{_H16}:){{4}}{_LS32}",
    f"{_H16}:{_H16}::(?:{_H16}:){{3}}{_LS32}",
    f"(?:{_H16}:){{2}}{_H16}::(?:{_H16}:){{2}}{_LS32}",
    f"(?:{_H16}:){{3}}{_H16}::{_H16}:{_LS32}",
    f"(?:{_H16}:){{4}}{_H16}::{_LS32}",
    f"(?:{_H16}:){{5}}{_H16}::{_H16}",
    f"(?:{_H16}:){{6}}{_H16}::",
])
_IPVFUTURE = f"v[0-9A-Fa-f]+\\.[{_UNRESERVED}{_SUB_DELIMS}:]+"


@cache
def _regex(name: str) -> re.Pattern[str]:
    """Compiled when first needed (most documents have no IRI, most IRIs no IP literal)."""
    if name == "ucschar":  # a class of Unicode ranges: ~30 ms to compile, needed only for non-ASCII values
        return re.compile(f"[{_UCS}]")
    if name == "iri":
        return re.compile(_iri("a"))
    if name == "iri-reference":
        return re.compile(f"{_iri('a')}|{_irelative_ref('b')}")
    return re.compile(f"(?:{_IPV6}|{_IPVFUTURE})")


def _matches(name: str, value: str) -> bool:
    match = _regex(name).fullmatch(value if value.isascii() else _regex("ucschar").sub("~", value))
    if match is None:
        return False
    for group in match.groupdict():
        start, end = match.span(group)
        if start >= 0 and _regex("ip-literal").fullmatch(value, start, end) is None:
            return False
    return True


def is_iri(value: str) -> bool:
    """rfc3987-syntax's ``iri`` rule (``jsonschema``'s ``iri`` format)."""
    return _matches("iri", value)


def is_iri_reference(value: str) -> bool:
    """rfc3987-syntax's ``iri_reference`` rule (``jsonschema``'s ``iri-reference`` format)."""
    return _matches("iri-reference", value)


_RE_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)


def _date_time(value: str) -> bool:
    from rfc3339_validator import validate_rfc3339

    return bool(validate_rfc3339(value.upper()))


def _date(value: str) -> bool:
    return bool(_RE_DATE.fullmatch(value) and date.fromisoformat(value))


def _uri(value: str) -> bool:
    from rfc3986_validator import validate_rfc3986

    return bool(validate_rfc3986(value, rule="URI"))


def _uri_reference(value: str) -> bool:
    from rfc3986_validator import validate_rfc3986

    return bool(validate_rfc3986(value, rule="URI_reference"))


def _guarded(check: Callable[[str], bool]) -> Callable[[str], bool]:
    """A format function as jsonschema's FormatChecker runs it: an exception means 'not that format'."""

    def run(value: str) -> bool:
        try:
            return bool(check(value))
        except Exception:  # noqa: BLE001  (FormatChecker: a checker that raises says "not this format")
            return False

    return run


def _anything(_value: str) -> bool:
    return True


#: The draft-7 formats ``jsonschema`` checks (with cyclonedx-python-lib's ``jsonschema[format-nongpl]``
#: extra installed) that shipit's schemas use, each with the same meaning as jsonschema's checker.
FORMATS: dict[str, Callable[[str], bool]] = {name: _guarded(check) for name, check in {
    "date-time": _date_time,
    "date": _date,
    "email": lambda value: "@" in value,
    "idn-email": lambda value: "@" in value,
    "iri": is_iri,
    "iri-reference": is_iri_reference,
    "uri": _uri,
    "uri-reference": _uri_reference,
}.items()}

#: Every format ``jsonschema``'s draft-7 checker knows (with the ``format-nongpl`` extra). A schema may
#: name others (CycloneDX 1.2 says ``"format": "string"``): jsonschema checks nothing for them, and
#: neither does the compiled validator.
JSONSCHEMA_FORMATS = frozenset({
    "date", "date-time", "email", "hostname", "idn-email", "idn-hostname", "ipv4", "ipv6", "iri",
    "iri-reference", "json-pointer", "regex", "relative-json-pointer", "time", "uri", "uri-reference",
    "uri-template"})


# --- the compiled schema ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Violation:
    """The first thing wrong with a document: where (a JSONPath) and what, in ``jsonschema``'s words."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def python_search(pattern: str) -> Callable[[str], Any]:
    """``pattern`` as ``jsonschema`` runs it: Python's ``re.search``."""
    return re.compile(pattern).search


def ecma_search(pattern: str) -> Callable[[str], Any]:
    """``pattern`` as check-jsonschema runs it by default: regress, ECMA-262 with the ``u`` flag."""
    import regress

    return regress.Regex(pattern, flags="u").find


def _pattern_keyword(search: Callable[[str], Callable[[str], Any]]) -> type:
    class Pattern:
        """The ``pattern`` keyword, run by the reference validator's own regular expression engine."""

        def __init__(self, _parent: dict[str, Any], value: str, _path: list[Any]):
            self.pattern, self.search = value, search(value)

        def validate(self, instance: Any) -> None:
            if isinstance(instance, str) and not self.search(instance):
                raise ValueError(f"{instance!r} does not match {self.pattern!r}")

    return Pattern


def used(schema: Any, keyword: str) -> list[Any]:
    """Every value of ``keyword`` anywhere in a schema (e.g. the formats it names), outside of data."""
    found: list[Any] = []
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key == keyword:
                    found.append(value)
                if key not in ("enum", "const", "examples", "default"):
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _import_jsonschema():
    """``jsonschema``, without letting it import rfc3987-syntax (seconds to build its parser): the IRI
    formats are checked by :func:`is_iri_reference` here. Other code that imports rfc3987-syntax itself
    afterwards still can."""
    if "jsonschema.validators" in sys.modules:
        return sys.modules["jsonschema.validators"]
    blocked = "rfc3987_syntax" not in sys.modules
    if blocked:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]
    try:
        import jsonschema.validators
    finally:
        if blocked and sys.modules.get("rfc3987_syntax", 0) is None:
            del sys.modules["rfc3987_syntax"]
    return jsonschema.validators


class Schema:
    """One JSON Schema (draft 7), compiled once; ``resources`` are the documents its ``$ref``s name by URI.

    ``reference`` builds the ``jsonschema`` validator that explains invalid documents (default: a
    ``Draft7Validator`` over the same schema and resources with :data:`FORMATS` and Python's regular
    expressions). To follow another tool's validator, give it as ``reference`` with the same meaning in
    ``formats`` and ``search`` (how a ``pattern`` is searched, e.g. :func:`ecma_search` for
    check-jsonschema). ``patternProperties`` are matched by the compiled engine's ECMA-262 dialect, so a
    schema that has them needs an ECMA ``search`` (with Python's dialect it is refused).
    """

    def __init__(self, schema: dict[str, Any], *, resources: Mapping[str, dict[str, Any]] | None = None,
                 formats: Mapping[str, Callable[[str], bool]] | None = None,
                 search: Callable[[str], Callable[[str], Any]] = python_search,
                 reference: Callable[[], Any] | None = None, name: str = "schema"):
        import jsonschema_rs

        self.schema = schema
        self.resources = dict(resources or {})
        self.formats = dict(FORMATS if formats is None else formats)
        self.name = name
        documents = [schema, *self.resources.values()]
        named = {f for doc in documents for f in used(doc, "format") if isinstance(f, str)}
        unknown = named & JSONSCHEMA_FORMATS - set(self.formats)
        if unknown:
            raise ValueError(f"{name}: no checker with jsonschema's meaning for format(s) {sorted(unknown)}")
        checks = {f: self.formats.get(f, _anything) for f in named}
        if search is python_search and any(used(doc, "patternProperties") for doc in documents):
            raise ValueError(f"{name}: patternProperties with Python regex semantics are not supported")
        registry = jsonschema_rs.Registry(list(self.resources.items())) if self.resources else None
        self._compiled = jsonschema_rs.Draft7Validator(
            schema, validate_formats=True, formats=checks,
            registry=registry, keywords={"pattern": _pattern_keyword(search)})
        self._reference_factory = reference
        self._reference = None
        self._lock = threading.Lock()

    def _compiled_verdict(self, instance: Any) -> bool | None:
        try:
            return self._compiled.is_valid(instance)
        except Exception:  # noqa: BLE001  NaN, Infinity, lone surrogates: values JSON has no room for; jsonschema decides
            return None

    def is_valid(self, instance: Any) -> bool:
        verdict = self._compiled_verdict(instance)
        return verdict if verdict is not None else self.first_error(instance) is None

    def first_error(self, instance: Any) -> Violation | None:
        """None if ``instance`` is valid, else ``jsonschema``'s first error (the one its ``iter_errors``
        yields first, as cyclonedx-python-lib's validator reports)."""
        if self._compiled_verdict(instance):
            return None
        error = next(iter(self.reference().iter_errors(instance)), None)
        return None if error is None else Violation(error.json_path, error.message)

    def iter_errors(self, instance: Any) -> Iterator[Any]:
        """Every ``jsonschema`` error of ``instance`` (none, at compiled speed, when it is valid)."""
        if self._compiled_verdict(instance):
            return iter(())
        return iter(self.reference().iter_errors(instance))

    def reference(self) -> Any:
        """The ``jsonschema`` validator that names the errors (built on first use, once)."""
        with self._lock:
            if self._reference is None:
                self._reference = (self._reference_factory or self._default_reference)()
            return self._reference

    def _default_reference(self) -> Any:
        validators = _import_jsonschema()
        from jsonschema import FormatChecker
        from referencing import Registry
        from referencing.jsonschema import DRAFT7

        checker = FormatChecker(formats=())
        for name, check in self.formats.items():
            checker.checks(name, raises=(ValueError, TypeError))(
                lambda value, check=check: not isinstance(value, str) or check(value))
        registry = Registry().with_resources(
            [(uri, DRAFT7.create_resource(doc)) for uri, doc in self.resources.items()])
        return validators.Draft7Validator(self.schema, registry=registry, format_checker=checker)
