"""CycloneDX JSON validation: cyclonedx-python-lib's own strict schema files, compiled once per version.

The schemas (``bom-1.x.SNAPSHOT.schema.json`` with the SPDX, JSF and cryptography sub-schemas their
``$ref``s name) are the ones the library's ``JsonStrictValidator`` loads, resolved locally, offline.
:class:`shipit.core.schemas.Schema` compiles them (jsonschema-rs) and explains an invalid document with
``jsonschema``'s first error, the one the library's validator reported: same verdicts, same messages.
This module imports nothing of the library but its schema paths and version names (milliseconds),
so ``shipit verify`` and ``shipit sbom show`` do not pay for its object model.
"""

from __future__ import annotations

import json
import threading
from functools import cache
from typing import Any

from shipit.core.schemas import Schema, Violation

_SCHEMA_PREFIX = "http://cyclonedx.org/schema/"
_LOCK = threading.Lock()


@cache
def _compiled(spec_version: str) -> Schema | None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.schema._res import BOM_JSON_STRICT, CRYPTOGRAPHY_DEFS, JSF, SPDX_JSON

    try:
        path = BOM_JSON_STRICT.get(SchemaVersion.from_version(spec_version))
    except ValueError:
        return None
    if path is None:  # 1.0 and 1.1 have no JSON format
        return None

    def load(p: str) -> dict[str, Any]:
        with open(p, encoding="utf-8") as fh:
            return json.load(fh)

    resources = {f"{_SCHEMA_PREFIX}{name}": load(p) for name, p in (
        ("spdx.SNAPSHOT.schema.json", SPDX_JSON), ("jsf-0.82.SNAPSHOT.schema.json", JSF),
        ("cryptography-defs.SNAPSHOT.schema.json", CRYPTOGRAPHY_DEFS))}
    return Schema(load(path), resources=resources, name=f"CycloneDX {spec_version} (strict)")


def schema_for(spec_version: str) -> Schema | None:
    """The compiled strict schema of a CycloneDX version ("1.6"), or None if JSON has none for it."""
    with _LOCK:  # compiled once even when several checks ask at the same time
        return _compiled(spec_version)


def problem(doc: Any, spec_version: str | None = None) -> Violation | None:
    """None if ``doc`` (parsed JSON) is a valid CycloneDX document of its ``specVersion`` (or of
    ``spec_version``); else the first problem, as ``jsonschema`` words it."""
    spec = spec_version or (doc.get("specVersion") if isinstance(doc, dict) else None)
    schema = schema_for(str(spec)) if isinstance(spec, str) else None
    if schema is None:
        return Violation("$.specVersion", f"{spec!r} is not a CycloneDX version with a JSON schema")
    return schema.first_error(doc)
