"""pytest fixtures of the handoff-site tests (helpers in site_helpers.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.site.site_helpers import cut, cut_demo, make_demo_project, make_project


@pytest.fixture(scope="session")
def fixture_release(tmp_path_factory) -> Path:
    """One complete release (every page has content), shared read-only by the tests."""
    root = tmp_path_factory.mktemp("site-release")
    return cut(make_project(root), root / "release")


@pytest.fixture
def release_copy(fixture_release, tmp_path) -> Path:
    """A private copy of the fixture release that a test may sign off or tamper with."""
    dest = tmp_path / "release" / fixture_release.name
    shutil.copytree(fixture_release, dest)
    return dest


@pytest.fixture(scope="session")
def signing_keys(tmp_path_factory) -> dict[str, Path]:
    """Two EC P-256 key pairs (PEM): the signer's and someone else's."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    d = tmp_path_factory.mktemp("keys")
    out = {}
    for name in ("signer", "other"):
        key = ec.generate_private_key(ec.SECP256R1())
        (d / f"{name}.key").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption()))
        (d / f"{name}.pub").write_bytes(key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
        out[name], out[f"{name}_pub"] = d / f"{name}.key", d / f"{name}.pub"
    return out


@pytest.fixture(scope="session")
def demo_release(tmp_path_factory, signing_keys) -> Path:
    """The demo service's release, signed with the signer key: real migrations, pipeline, ops, site and sign
    stages (images and SBOM stood in), shared read-only by the tests."""
    root = tmp_path_factory.mktemp("demo-release")
    return cut_demo(make_demo_project(root), root / "release", signing_keys["signer"])


@pytest.fixture
def demo_copy(demo_release, tmp_path) -> Path:
    """A private copy of the demo release that a test may sign off."""
    dest = tmp_path / "release" / demo_release.name
    shutil.copytree(demo_release, dest)
    return dest
