"""Build, validate and serialize CycloneDX 1.6 documents with cyclonedx-python-lib's object model.

The source SBOM is built this way (cyclonedx-bom's builders hand over a library ``Bom``). Image SBOMs
are written by :mod:`shipit.sbom.document`, which emits the same bytes without the model's cost;
:func:`image_bom` is the model's version of that document, the reference the tests compare it with.

Determinism: every bom-ref is set explicitly (the library would otherwise invent random ones), the
serial number is a uuid5 of the subject's digest, the timestamp is the release's source date, and
components are kept in the library's sorted sets.
"""

from __future__ import annotations

import json
import uuid
import warnings
from datetime import datetime

from cyclonedx.model import Property
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.contact import OrganizationalEntity
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL

from shipit import __version__
from shipit.core.errors import ShipitError
from shipit.sbom.catalog import Distro, Package
from shipit.sbom.document import (  # noqa: F401  (re-exported: the helpers both writers share)
    PROP_ECOSYSTEM,
    PROP_LAYER,
    PROP_PATH,
    SERIAL_NAMESPACE,
    licenses_for,
    normalize_pypi,
    purl_for,
    serial_for,
)


def shipit_tool() -> Component:
    return Component(type=ComponentType.APPLICATION, name="shipit", version=__version__,
                     bom_ref=f"shipit@{__version__}")


def new_bom(subject: Component, *, timestamp: datetime, serial: uuid.UUID) -> Bom:
    bom = Bom(serial_number=serial)
    bom.metadata.timestamp = timestamp
    bom.metadata.component = subject
    bom.metadata.tools.components.add(shipit_tool())
    return bom


# --- components ----------------------------------------------------------------------------------------


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


def image_component(name: str, version: str, manifest_digest: str, repository: str = "",
                    architecture: str = "") -> Component:
    qualifiers = {k: v for k, v in (("repository_url", repository), ("arch", architecture)) if v} or None
    purl = PackageURL(type="oci", name=name.rsplit("/", 1)[-1].lower(), version=manifest_digest,
                      qualifiers=qualifiers)
    return Component(type=ComponentType.CONTAINER, name=name, version=version, purl=purl,
                     bom_ref=purl.to_string())


def image_bom(*, name: str, version: str, manifest_digest: str, repository: str, packages: list[Package],
              distro: Distro, timestamp: datetime, supplier: str = "", architecture: str = "") -> Bom:
    """The SBOM of one image manifest (of one platform: ``architecture`` is then the purl's ``arch``)."""
    subject = image_component(name, version, manifest_digest, repository, architecture)
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
