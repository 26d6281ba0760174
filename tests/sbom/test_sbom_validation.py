"""CycloneDX validation: the compiled validator (shipit.sbom.validate) rejects exactly what
cyclonedx-python-lib's JsonStrictValidator (jsonschema) rejects, with the same message (path + reason).

The reference runs in a fresh interpreter: there, jsonschema is imported as cyclonedx-python-lib imports
it, with every format checker it has (rfc3987-syntax for IRIs included), whatever this test process
imported before.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from shipit.sbom.validate import problem, schema_for

BASE = json.loads((Path(__file__).parent / "fixtures" / "validation" / "base.cdx.json").read_text())

REFERENCE = r"""
import json, sys
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from jsonschema.validators import Draft7Validator

# the reference is complete: IRIs, dates and URIs are format-checked as cyclonedx-python-lib does
assert {"iri-reference", "date-time", "uri", "idn-email"} <= set(Draft7Validator.FORMAT_CHECKER.checkers)
out = []
for text in json.load(sys.stdin):
    spec = json.loads(text)["specVersion"]
    error = JsonStrictValidator(SchemaVersion.from_version(spec)).validate_str(text)
    out.append(None if error is None else [error.data.json_path, error.data.message])
print(json.dumps(out))
"""


def at(doc, path: str):
    """The parent container and key of a dotted path ("components.1.hashes.0")."""
    keys = [int(k) if k.isdigit() else k for k in path.split(".")]
    node = doc
    for k in keys[:-1]:
        node = node[k]
    return node, keys[-1]


def put(path: str, value):
    def mutate(doc):
        node, key = at(doc, path)
        node[key] = value
    return mutate


def drop(path: str):
    def mutate(doc):
        node, key = at(doc, path)
        del node[key]
    return mutate


def append(path: str, value):
    def mutate(doc):
        node, key = at(doc, path)
        node[key].append(value)
    return mutate


def both(*mutations):
    def mutate(doc):
        for m in mutations:
            m(doc)
    return mutate


APT, ALEMBIC, OS = 0, 1, 2
# (case, mutation): every one is invalid for jsonschema (the test checks that too)
BROKEN = [
    # wrong types
    ("components-not-an-array", put("components", {"apt": "2.6.1"})),
    ("name-is-a-number", put(f"components.{APT}.name", 42)),
    ("version-is-a-number", put(f"components.{APT}.version", 2.6)),
    ("version-is-NaN", put(f"components.{APT}.version", float("nan"))),
    ("version-is-Infinity", put(f"components.{APT}.version", float("inf"))),
    ("property-value-is-a-list", put(f"components.{APT}.properties.0.value", ["deb"])),
    ("bom-version-is-a-string", put("version", "1")),
    ("bom-version-is-zero", put("version", 0)),
    ("bom-version-is-a-float", put("version", 1.5)),
    ("bom-version-is-true", put("version", True)),
    ("timestamp-is-a-number", put("metadata.timestamp", 1700000000)),
    ("nested-component-type-is-null", put(f"components.{ALEMBIC}.components.0.type", None)),
    ("dependencies-dependsOn-is-a-string", put("dependencies.1.dependsOn", "os:debian@12")),
    ("licenses-is-an-object", put(f"components.{APT}.licenses", {"license": {"id": "MIT"}})),
    # missing required properties
    ("bomFormat-missing", drop("bomFormat")),
    ("component-name-missing", drop(f"components.{APT}.name")),
    ("component-type-missing", drop(f"components.{OS}.type")),
    ("nested-component-name-missing", drop(f"components.{ALEMBIC}.components.0.name")),
    ("property-name-missing", drop(f"components.{APT}.properties.1.name")),
    ("hash-content-missing", drop(f"components.{ALEMBIC}.hashes.0.content")),
    ("external-reference-url-missing", drop(f"components.{ALEMBIC}.externalReferences.0.url")),
    ("dependency-ref-missing", drop("dependencies.0.ref")),
    ("license-has-neither-id-nor-name", put(f"components.{APT}.licenses.0.license", {"acknowledgement": "declared"})),
    # values outside an enumeration
    ("bomFormat-is-SPDX", put("bomFormat", "SPDX")),
    ("component-type-bogus", put(f"components.{APT}.type", "bogus")),
    ("component-type-wrong-case", put(f"components.{APT}.type", "Library")),
    ("metadata-component-type-bogus", put("metadata.component.type", "docker-image")),
    ("license-acknowledgement-maybe", put(f"components.{APT}.licenses.0.license.acknowledgement", "maybe")),
    ("license-id-not-spdx", put(f"components.{APT}.licenses.0.license.id", "GPL-2+")),
    ("hash-alg-MD4", put(f"components.{ALEMBIC}.hashes.0.alg", "MD4")),
    ("external-reference-type-nope", put(f"components.{ALEMBIC}.externalReferences.0.type", "nope")),
    ("scope-sometimes", put(f"components.{APT}.scope", "sometimes")),
    # patterns and formats
    ("serialNumber-not-a-uuid-urn", put("serialNumber", "urn:uuid:not-a-uuid")),
    ("serialNumber-uppercase-hex", put("serialNumber", "urn:uuid:837887D7-BDEA-59AB-9A90-308B44354C48")),
    ("hash-content-wrong-length", put(f"components.{ALEMBIC}.hashes.0.content", "da39a3ee")),
    ("hash-content-not-hex", put(f"components.{ALEMBIC}.hashes.0.content", "z" * 40)),
    ("hash-content-unicode-digits", put(f"components.{ALEMBIC}.hashes.0.content", "\u0663" * 40)),
    ("mime-type-with-spaces", put(f"components.{APT}.mime-type", "text plain")),
    ("timestamp-not-a-date", put("metadata.timestamp", "yesterday")),
    ("timestamp-without-zone", put("metadata.timestamp", "2026-12-03T09:33:49")),
    ("timestamp-february-30", put("metadata.timestamp", "2026-02-30T09:33:49Z")),
    ("url-with-a-space", put(f"components.{ALEMBIC}.externalReferences.0.url", "https://pypi.org/simple/al embic/")),
    ("url-with-bad-percent", put(f"components.{ALEMBIC}.externalReferences.0.url", "https://pypi.org/%zz")),
    ("url-ipv6-loopback", put(f"components.{ALEMBIC}.externalReferences.0.url", "http://[::1]/alembic")),
    ("url-with-emoji", put(f"components.{ALEMBIC}.externalReferences.0.url", "https://example.com/\U0001f600")),
    ("url-with-a-backslash", put(f"components.{ALEMBIC}.externalReferences.1.url", "https:\\\\github.com")),
    ("email-without-at", put("metadata.component.supplier.contact.0.email", "orders.example.com")),
    # properties the strict schema forbids
    ("extra-top-level-property", put("shipit", {"version": "0.1.0"})),
    ("extra-component-property", put(f"components.{APT}.arch", "amd64")),
    ("extra-metadata-property", put("metadata.generator", "shipit")),
    ("extra-license-property", put(f"components.{APT}.licenses.0.license.spdx", "BSD-3-Clause")),
    ("extra-hash-property", put(f"components.{ALEMBIC}.hashes.0.encoding", "hex")),
    ("extra-property-in-expression", put(f"components.{ALEMBIC}.licenses.0.spdx", True)),
    # combinations the schema rules out
    ("license-with-id-and-name", put(f"components.{APT}.licenses.0.license.name", "BSD")),
    ("expression-and-license-mixed", append(f"components.{ALEMBIC}.licenses", {"license": {"id": "MIT"}})),
    ("two-expressions", append(f"components.{ALEMBIC}.licenses", {"expression": "Apache-2.0"})),
    ("duplicate-components", append("components", copy.deepcopy(BASE["components"][OS]))),
    ("duplicate-dependsOn", put("dependencies.1.dependsOn", ["os:debian@12", "os:debian@12"])),
    ("empty-bom-ref", put(f"components.{OS}.bom-ref", "")),
    ("two-problems-first-reported", both(put(f"components.{OS}.type", "bogus"),
                                         put(f"components.{APT}.name", None))),
    ("deep-problem", put(f"components.{ALEMBIC}.externalReferences.1.hashes.0.alg", "CRC32")),
]

# Documents jsonschema accepts, some of them surprising: they must be accepted too.
ACCEPTED = [
    ("base", lambda doc: None),
    ("purl-that-is-not-a-purl", put(f"components.{APT}.purl", "not a purl at all")),
    ("serialNumber-with-final-newline", put("serialNumber", BASE["serialNumber"] + "\n")),
    ("timestamp-lowercase-t-and-z", put("metadata.timestamp", "2026-12-03t09:33:49z")),
    ("url-relative-reference", put(f"components.{ALEMBIC}.externalReferences.0.url", "../alembic/")),
    ("url-ipv6-full", put(f"components.{ALEMBIC}.externalReferences.0.url", "http://[2001:db8:0:0:0:0:2:1]/")),
    ("url-with-unicode", put(f"components.{ALEMBIC}.externalReferences.0.url", "https://bücher.example/ä?q=ü")),
    ("name-with-lone-surrogate", put(f"components.{APT}.name", "apt\ud800")),
    ("version-float-integer", put("version", 2.0)),
    ("email-with-only-an-at", put("metadata.component.supplier.contact.0.email", "@")),
    ("no-components", drop("components")),
]

NO_ACKNOWLEDGEMENT = both(drop(f"components.{APT}.licenses.0.license.acknowledgement"),
                          drop(f"components.{APT}.licenses.1.license.acknowledgement"))
OLDER = [  # other versions' schemas (1.2 and 1.3 have their own strict files)
    ("1.5-valid", "1.5", NO_ACKNOWLEDGEMENT),
    ("1.5-acknowledgement-is-new-in-1.6", "1.5", lambda doc: None),
    ("1.4-valid", "1.4", both(NO_ACKNOWLEDGEMENT, put("metadata.tools", [{"name": "shipit", "version": "0.1.0"}]))),
    ("1.3-tools-as-object", "1.3", lambda doc: None),
    ("1.2-strict-extra-property", "1.2", put("shipit", 1)),
]


def documents() -> list[tuple[str, str]]:
    out = []
    for case, mutate in BROKEN + ACCEPTED:
        doc = copy.deepcopy(BASE)
        mutate(doc)
        out.append((case, json.dumps(doc)))
    for case, spec, mutate in OLDER:
        doc = copy.deepcopy(BASE)
        doc["specVersion"] = spec
        doc.pop("$schema")
        mutate(doc)
        out.append((case, json.dumps(doc)))
    return out


@pytest.fixture(scope="module")
def reference() -> dict[str, list | None]:
    docs = documents()
    proc = subprocess.run([sys.executable, "-c", REFERENCE], input=json.dumps([t for _, t in docs]),
                          capture_output=True, text=True, check=True)
    return dict(zip([c for c, _ in docs], json.loads(proc.stdout)))


def ours(text: str) -> list | None:
    doc = json.loads(text)
    error = problem(doc, doc["specVersion"])
    return None if error is None else [error.path, error.reason]


@pytest.mark.parametrize(("case", "text"), documents(), ids=[c for c, _ in documents()])
def test_same_verdict_and_message_as_jsonschema(case, text, reference):
    assert ours(text) == reference[case]


def test_the_corpus_is_what_it_says(reference):
    """Every broken case is rejected by the reference, every accepted one accepted (the corpus is no
    weaker than it looks), and the older versions' cases differ as named."""
    assert [c for c, _ in BROKEN if reference[c] is None] == []
    assert [c for c, _ in ACCEPTED if reference[c] is not None] == []
    assert reference["1.5-valid"] is None and reference["1.4-valid"] is None
    assert reference["1.5-acknowledgement-is-new-in-1.6"] is not None
    assert reference["1.3-tools-as-object"] is not None
    assert reference["1.2-strict-extra-property"] is not None


def test_messages_name_the_place_and_the_reason():
    doc = copy.deepcopy(BASE)
    doc["components"][APT]["type"] = "bogus"
    error = problem(doc)
    assert error.path == "$.components[0].type"
    assert error.reason.startswith("'bogus' is not one of ['application', 'framework', 'library'")
    assert str(error) == f"{error.path}: {error.reason}"


def test_every_cyclonedx_json_schema_compiles():
    """Each version's strict schema (with the SPDX, JSF and cryptography sub-schemas, resolved locally)
    compiles; every format they use has a checker with jsonschema's meaning, or this would raise."""
    assert all(schema_for(v) is not None for v in ("1.2", "1.3", "1.4", "1.5", "1.6", "1.7"))
    assert schema_for("1.1") is None and schema_for("2.0") is None and schema_for("x") is None
    assert schema_for("1.6") is schema_for("1.6")  # compiled once per process

