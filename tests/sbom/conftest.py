"""Fixtures for the SBOM tests: real images packed as OCI layouts from real root filesystems."""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import cyclonedx.validation.json  # noqa: F401  (jsonschema complete, before shipit imports it; see validate)
import pytest

from tests.conftest import require, require_tool
from tests.sbom.ocitools import tree_layer, write_layout
from tests.sbom.rootfs import SITE, busybox_rootfs, debian_rootfs

TS = datetime.fromtimestamp(1700000000, tz=timezone.utc)


@pytest.fixture(scope="session")
def debian_root() -> Path:
    require_tool("debootstrap", "chroot")
    require(os.geteuid() == 0, "debootstrap and chroot need root")
    return debian_rootfs()


@pytest.fixture(scope="session")
def debian_image(debian_root, tmp_path_factory) -> tuple[Path, str]:
    """The Debian rootfs as a two-layer OCI archive: the OS (plain tar) and pip's site directory (gzip)."""
    out = tmp_path_factory.mktemp("debian-image")
    site = SITE + "/"
    base = tree_layer(debian_root, out / "base.tar", include=lambda rel: not rel.startswith(site))
    pips = tree_layer(debian_root, out / "pip.tar.gz", include=lambda rel: rel.startswith(site), gz=True)
    digest = write_layout(out / "debian.oci.tar", [base, pips])
    (out / "base.tar").unlink()
    return out / "debian.oci.tar", digest


@pytest.fixture(scope="session")
def busybox_image(tmp_path_factory) -> tuple[Path, str]:
    require_tool("busybox")
    out = tmp_path_factory.mktemp("busybox-image")
    root = busybox_rootfs(out / "root")
    digest = write_layout(out / "busybox.oci.tar", [tree_layer(root, out / "layer.tar.gz", gz=True)])
    shutil.rmtree(root)
    return out / "busybox.oci.tar", digest


def load(doc: bytes) -> dict:
    return json.loads(doc)


def validate(doc: bytes | str) -> None:
    """Independent check: cyclonedx-python-lib's strict CycloneDX 1.6 JSON schema validator (jsonschema,
    with every format checker: shipit imports jsonschema without rfc3987-syntax when it explains an
    invalid document, so make sure this process has the complete one)."""
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator
    from jsonschema.validators import Draft7Validator

    assert "iri-reference" in Draft7Validator.FORMAT_CHECKER.checkers, "jsonschema lacks its IRI checker"
    text = doc.decode() if isinstance(doc, bytes) else doc
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert error is None, f"invalid CycloneDX 1.6: {error}"
