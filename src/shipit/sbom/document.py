"""An image's CycloneDX 1.6 document, written as JSON directly.

cyclonedx-python-lib's object model costs milliseconds per component and grows quadratically
(``Bom.register_dependency`` searches the dependency list for every component; ``Bom.validate`` walks
it again), so an image of 5,000 packages took minutes. This module writes the same document, byte for
byte, as plain dicts: keys in the order the library's serializer emits them, lists in the order of its
sorted sets (components by type, name, version, bom-ref; licenses with an expression first, then by
acknowledgement, id, name; properties by name and value; dependencies by ref), and ``json.dumps`` with
the library's settings. License strings still go through the library's ``LicenseFactory`` (SPDX ids,
expressions, names), once per distinct string. ``tests/sbom/test_sbom_document.py`` proves the bytes
equal :func:`shipit.sbom.bom.image_bom` + :func:`shipit.sbom.bom.serialize` (the library's own path)
on real and synthetic images.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from functools import cache
from json.encoder import encode_basestring_ascii  # type: ignore[attr-defined]  (json's C string encoder)
from typing import Any

from packageurl import PackageURL

from shipit import __version__
from shipit.sbom.catalog import Distro, Package

SCHEMA_URI = "http://cyclonedx.org/schema/bom-1.6.schema.json"
PROP_LAYER = "shipit:sbom:layer_digest"
PROP_PATH = "shipit:sbom:location"
PROP_ECOSYSTEM = "shipit:sbom:package_type"
SERIAL_NAMESPACE = uuid.UUID("6f1e8a4c-3d0b-5a57-9b61-5f3e2c0d9a11")  # shipit's uuid5 namespace for SBOMs


def serial_for(digest: str) -> uuid.UUID:
    """A stable serial number for the SBOM of the thing with this digest."""
    return uuid.uuid5(SERIAL_NAMESPACE, digest)


def normalize_pypi(name: str) -> str:
    """PEP 503 normalized name (the purl spec's form for pypi)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def purl_for(pkg: Package, distro: Distro) -> PackageURL:
    if pkg.ecosystem == "pypi":
        return PackageURL(type="pypi", name=normalize_pypi(pkg.name), version=pkg.version)
    namespace = distro.id or ("debian" if pkg.ecosystem == "deb" else "alpine")
    qualifiers = {}
    if pkg.arch:
        qualifiers["arch"] = pkg.arch
    if distro.qualifier:
        qualifiers["distro"] = distro.qualifier
    return PackageURL(type=pkg.ecosystem, namespace=namespace, name=pkg.name, version=pkg.version,
                      qualifiers=qualifiers or None)


# --- licenses ----------------------------------------------------------------------------------------


@cache
def _lfac():
    from cyclonedx.contrib.license.factories import (
        LicenseFactory,  # the library's SPDX id/expression rules
    )

    return LicenseFactory()


def _classifier_licenses(classifiers: list[str]) -> list[str]:
    from shipit.sbom._cdxpy import license_trove2spdx

    out = []
    for c in classifiers:
        spdx = license_trove2spdx(c)
        if spdx:
            out.append(spdx)
        elif c.count("::") >= 2 and not c.rstrip().endswith(":: OSI Approved"):
            out.append(c.rsplit("::", 1)[1].strip())
    return out


def licenses_for(pkg: Package) -> list:
    """CycloneDX licenses (the library's objects): one expression, or a set of SPDX ids / names (never
    both, per the spec)."""
    from cyclonedx.model.license import LicenseAcknowledgement, LicenseExpression

    ack = LicenseAcknowledgement.DECLARED
    fac = _lfac()
    if pkg.license_expression:  # PEP 639: the expression supersedes License and classifiers
        return [fac.make_from_string(pkg.license_expression, license_acknowledgement=ack)]
    raw = list(pkg.licenses)
    if pkg.ecosystem == "pypi":
        raw = [v for v in raw if "\n" not in v.strip() and len(v) <= 120]  # full license texts are not names
        raw += _classifier_licenses(pkg.classifiers)
    made = [fac.make_from_string(v.strip(), license_acknowledgement=ack) for v in raw if v.strip()]
    expressions = [m for m in made if isinstance(m, LicenseExpression)]
    if expressions and len(made) == 1:
        return expressions
    if expressions:  # several declarations, some compound: keep them all as one AND-ed expression
        values = sorted({m.value if isinstance(m, LicenseExpression) else (m.id or m.name) for m in made})
        joined = " AND ".join(f"({v})" if " " in v else v for v in values)
        return [fac.make_from_string(joined, license_acknowledgement=ack)]
    unique: dict[tuple, Any] = {}
    for m in made:
        unique.setdefault((m.id, m.name), m)
    return [unique[k] for k in sorted(unique, key=lambda k: (k[0] or "", k[1] or ""))]


# --- the document --------------------------------------------------------------------------------------


@cache
def _license_dicts(expression: str, raw: tuple[str, ...], classifiers: tuple[str, ...], ecosystem: str) -> tuple:
    """The ``licenses`` list of a component (JSON), from the library's license objects (bom.licenses_for)."""
    from cyclonedx.model.license import LicenseExpression

    made = licenses_for(Package(ecosystem, "", "", "", "", licenses=list(raw), license_expression=expression,
                                classifiers=list(classifiers)))
    out = []
    for lic in made:
        ack = str(lic.acknowledgement.value) if lic.acknowledgement is not None else None
        if isinstance(lic, LicenseExpression):
            entry = {"acknowledgement": ack, "expression": lic.value}
            key = (0, ack, lic.value, None)
        else:
            entry = {"license": {"acknowledgement": ack, "id": lic.id, "name": lic.name}}
            key = (1, ack, lic.id, lic.name)
        out.append((key, _strip(entry)))
    return tuple(entry for _key, entry in sorted(out, key=lambda kv: _none_last(kv[0])))


def _none_last(values: tuple) -> tuple:
    """A sort key that orders like the library's ComparableTuple: None after any value."""
    return tuple((1, "") if v is None else (0, v) for v in values)


def _strip(d: dict[str, Any]) -> dict[str, Any]:
    return {k: (_strip(v) if isinstance(v, dict) else v) for k, v in d.items() if v is not None}


def component(pkg: Package, distro: Distro) -> dict[str, Any]:
    purl = purl_for(pkg, distro).to_string()
    licenses = _license_dicts(pkg.license_expression, tuple(pkg.licenses),
                              tuple(pkg.classifiers) if pkg.ecosystem == "pypi" else (), pkg.ecosystem)
    props = sorted([(PROP_ECOSYSTEM, pkg.ecosystem), (PROP_LAYER, pkg.layer), (PROP_PATH, pkg.path)])
    return _strip({
        "bom-ref": f"{purl}#{pkg.path}",
        "description": pkg.summary or None,
        "licenses": list(licenses) or None,
        "name": pkg.name,
        "properties": [{"name": n, "value": v} for n, v in props],
        "publisher": pkg.supplier or None,
        "purl": purl,
        "type": "library",
        "version": pkg.version,
    })


def image_document(*, name: str, version: str, manifest_digest: str, repository: str, packages: list[Package],
                   distro: Distro, timestamp: datetime, supplier: str = "", architecture: str = "") -> dict[str, Any]:
    """The CycloneDX 1.6 document of an image (what ``bom.image_bom`` + ``bom.serialize`` write); of one
    platform's manifest when ``architecture`` is given (the subject purl's ``arch``)."""
    qualifiers = {k: v for k, v in (("repository_url", repository), ("arch", architecture)) if v} or None
    subject_purl = PackageURL(type="oci", name=name.rsplit("/", 1)[-1].lower(), version=manifest_digest,
                              qualifiers=qualifiers).to_string()
    subject = _strip({"bom-ref": subject_purl, "name": name, "purl": subject_purl,
                      "supplier": {"name": supplier} if supplier else None, "type": "container",
                      "version": version})
    comps = [component(p, distro) for p in packages]
    if distro.id:
        comps.append(_strip({"bom-ref": f"os:{distro.id}@{distro.version_id}", "description": distro.pretty or None,
                             "name": distro.id, "type": "operating-system",
                             "version": distro.version_id or distro.codename or None}))
    comps.sort(key=lambda c: _none_last((c["type"], c["name"], c.get("version"), c["bom-ref"])))
    refs = sorted(c["bom-ref"] for c in comps)
    deps = [{"ref": r} for r in refs] + [{"dependsOn": refs, "ref": subject_purl} if refs else {"ref": subject_purl}]
    deps.sort(key=lambda d: d["ref"])
    tool = {"bom-ref": f"shipit@{__version__}", "name": "shipit", "type": "application", "version": __version__}
    doc: dict[str, Any] = {}
    if comps:
        doc["components"] = comps
    doc["dependencies"] = deps
    doc["metadata"] = {"component": subject, "timestamp": timestamp.isoformat(), "tools": {"components": [tool]}}
    doc["serialNumber"] = serial_for(manifest_digest).urn
    doc["version"] = 1
    doc.update({"$schema": SCHEMA_URI, "bomFormat": "CycloneDX", "specVersion": "1.6"})
    return doc


def dumps(doc: dict[str, Any]) -> bytes:
    """The bytes written: what the library's ``json.dumps(doc, indent=2)`` gives, and one final newline.

    With ``indent`` set, ``json.dumps`` runs its pure-Python encoder; this writes the same text (same
    separators, ASCII escapes by json's own C string encoder) in half the time."""
    out: list[str] = []
    _write(doc, "", out.append)
    return ("".join(out) + "\n").encode("ascii")


def _write(o: Any, indent: str, emit) -> None:
    if isinstance(o, str):
        emit(encode_basestring_ascii(o))
    elif isinstance(o, dict):
        if not o:
            emit("{}")
            return
        inner = indent + "  "
        sep = "{\n" + inner
        for key, value in o.items():
            emit(sep + encode_basestring_ascii(key) + ": ")
            _write(value, inner, emit)
            sep = ",\n" + inner
        emit("\n" + indent + "}")
    elif isinstance(o, list):
        if not o:
            emit("[]")
            return
        inner = indent + "  "
        sep = "[\n" + inner
        for value in o:
            emit(sep)
            _write(value, inner, emit)
            sep = ",\n" + inner
        emit("\n" + indent + "]")
    elif o is True or o is False or o is None or isinstance(o, (int, float)):
        emit(json.dumps(o))
    else:
        raise TypeError(f"not JSON: {type(o).__name__}")
