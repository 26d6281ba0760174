"""Build, validate and serialize CycloneDX 1.6 documents with cyclonedx-python-lib.

Determinism: every bom-ref is set explicitly (the library would otherwise invent random ones), the
serial number is a uuid5 of the subject's digest, the timestamp is the release's source date, and
components are kept in the library's sorted sets.
"""

from __future__ import annotations

import json
import re
import uuid
import warnings
from datetime import datetime
from functools import lru_cache

from cyclonedx.contrib.license.factories import LicenseFactory
from cyclonedx.model import Property
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.contact import OrganizationalEntity
from cyclonedx.model.license import (
    DisjunctiveLicense,
    LicenseAcknowledgement,
    LicenseExpression,
)
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL

from shipit import __version__
from shipit.core.errors import ShipitError
from shipit.sbom.catalog import Distro, Package

PROP_LAYER = "shipit:sbom:layer_digest"
PROP_PATH = "shipit:sbom:location"
PROP_ECOSYSTEM = "shipit:sbom:package_type"
SERIAL_NAMESPACE = uuid.UUID("6f1e8a4c-3d0b-5a57-9b61-5f3e2c0d9a11")  # shipit's uuid5 namespace for SBOMs
_ACK = LicenseAcknowledgement.DECLARED


def serial_for(digest: str) -> uuid.UUID:
    """A stable serial number for the SBOM of the thing with this digest."""
    return uuid.uuid5(SERIAL_NAMESPACE, digest)


def normalize_pypi(name: str) -> str:
    """PEP 503 normalized name (the purl spec's form for pypi)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def shipit_tool() -> Component:
    return Component(type=ComponentType.APPLICATION, name="shipit", version=__version__,
                     bom_ref=f"shipit@{__version__}")


def new_bom(subject: Component, *, timestamp: datetime, serial: uuid.UUID) -> Bom:
    bom = Bom(serial_number=serial)
    bom.metadata.timestamp = timestamp
    bom.metadata.component = subject
    bom.metadata.tools.components.add(shipit_tool())
    return bom


# --- licenses ----------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _lfac() -> LicenseFactory:
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
    """CycloneDX licenses: one expression, or a set of SPDX ids / names (never both, per the spec)."""
    fac = _lfac()
    if pkg.license_expression:  # PEP 639: the expression supersedes License and classifiers
        return [fac.make_from_string(pkg.license_expression, license_acknowledgement=_ACK)]
    raw = list(pkg.licenses)
    if pkg.ecosystem == "pypi":
        raw = [v for v in raw if "\n" not in v.strip() and len(v) <= 120]  # full license texts are not names
        raw += _classifier_licenses(pkg.classifiers)
    made = [fac.make_from_string(v.strip(), license_acknowledgement=_ACK) for v in raw if v.strip()]
    expressions = [m for m in made if isinstance(m, LicenseExpression)]
    if expressions and len(made) == 1:
        return expressions
    if expressions:  # several declarations, some compound: keep them all as one AND-ed expression
        values = sorted({m.value if isinstance(m, LicenseExpression) else (m.id or m.name) for m in made})
        joined = " AND ".join(f"({v})" if " " in v else v for v in values)
        return [fac.make_from_string(joined, license_acknowledgement=_ACK)]
    unique: dict[tuple, DisjunctiveLicense] = {}
    for m in made:
        unique.setdefault((m.id, m.name), m)
    return [unique[k] for k in sorted(unique, key=lambda k: (k[0] or "", k[1] or ""))]


# --- components ----------------------------------------------------------------------------------------


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


def component_for(pkg: Package, distro: Distro) -> Component:
    purl = purl_for(pkg, distro)
    comp = Component(
        type=ComponentType.LIBRARY,
        name=pkg.name,
        version=pkg.version,
        purl=purl,
        bom_ref=f"{purl.to_string()}#{pkg.path}",
        description=pkg.summary or None,
        publisher=pkg.supplier or None,
        licenses=licenses_for(pkg),
        properties=[Property(name=PROP_ECOSYSTEM, value=pkg.ecosystem),
                    Property(name=PROP_LAYER, value=pkg.layer),
                    Property(name=PROP_PATH, value=pkg.path)],
    )
    return comp


def os_component(distro: Distro) -> Component | None:
    if not distro.id:
        return None
    return Component(type=ComponentType.OPERATING_SYSTEM, name=distro.id,
                     version=distro.version_id or distro.codename or None,
                     description=distro.pretty or None, bom_ref=f"os:{distro.id}@{distro.version_id}")


def image_component(name: str, version: str, manifest_digest: str, repository: str = "") -> Component:
    qualifiers = {"repository_url": repository} if repository else None
    purl = PackageURL(type="oci", name=name.rsplit("/", 1)[-1].lower(), version=manifest_digest,
                      qualifiers=qualifiers)
    return Component(type=ComponentType.CONTAINER, name=name, version=version, purl=purl,
                     bom_ref=purl.to_string())


def image_bom(*, name: str, version: str, manifest_digest: str, repository: str, packages: list[Package],
              distro: Distro, timestamp: datetime, supplier: str = "") -> Bom:
    subject = image_component(name, version, manifest_digest, repository)
    if supplier:
        subject.supplier = OrganizationalEntity(name=supplier)
    bom = new_bom(subject, timestamp=timestamp, serial=serial_for(manifest_digest))
    comps = [component_for(p, distro) for p in packages]
    osc = os_component(distro)
    if osc is not None:
        comps.append(osc)
    for c in comps:
        bom.components.add(c)
    bom.register_dependency(subject, comps)
    return bom


# --- output ----------------------------------------------------------------------------------------------


def validate_json(text: str, what: str) -> None:
    """Validate against the CycloneDX 1.6 strict schema (the library's schema files, compiled once)."""
    from shipit.sbom.validate import problem

    error = problem(json.loads(text), "1.6")
    if error is not None:
        raise ShipitError(f"{what}: the generated CycloneDX document is not valid: {error}",
                          hint="this is a bug in shipit; rerun with -v and report it")


def serialize(bom: Bom, what: str) -> bytes:
    """CycloneDX 1.6 JSON, validated; byte-identical for equal inputs."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the library warns about incomplete dependency graphs
        text = JsonV1Dot6(bom).output_as_string(indent=2)
    validate_json(text, what)
    return (text.rstrip("\n") + "\n").encode("utf-8")
