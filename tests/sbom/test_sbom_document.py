"""The image SBOM writer (shipit.sbom.document) gives, byte for byte, the document cyclonedx-python-lib's
object model serializes for the same packages (shipit.sbom.bom.image_bom + serialize): on a real Debian
image, on busybox, on the catalogue fixtures (apk, distroless, Python metadata in every form) and on a
generated image of several hundred packages with every kind of license declaration."""

from __future__ import annotations

import random

import pytest

from shipit.sbom.bom import image_bom, serialize
from shipit.sbom.scan import scan_image

from .conftest import TS, validate
from .ocitools import entries_layer, write_layout
from .test_sbom_catalog import APK_DB, DEP5, OS_ALPINE, OS_DEBIAN, PY_META


def assert_same_as_library(archive, **kw):
    result = scan_image(archive, name="acme/api", version="2.0.0", timestamp=TS, **kw)
    bom = image_bom(name="acme/api", version="2.0.0",
                    manifest_digest=result.image.manifest_digest, repository=kw.get("repository", ""),
                    packages=result.packages, distro=result.distro, timestamp=TS, supplier=kw.get("supplier", ""))
    expected = serialize(bom, "reference")
    assert result.document == expected
    validate(result.document)
    return result


def test_debian_image(debian_image):
    archive, _digest = debian_image
    result = assert_same_as_library(archive, repository="registry.example.com/acme/api", supplier="ACME")
    assert len(result.packages) > 100


def test_busybox_image(busybox_image):
    assert_same_as_library(busybox_image[0])


FIXTURES = {
    "apk": [("file", "etc/os-release", OS_ALPINE), ("file", "lib/apk/db/installed", APK_DB)],
    "dpkg-and-distroless": [
        ("file", "etc/os-release", OS_DEBIAN),
        ("file", "var/lib/dpkg/status", "Package: libfoo1\nStatus: install ok installed\nArchitecture: amd64\n"
                                        "Version: 1:2.0-3\nMaintainer: Foo <foo@example.org>\nDescription: foo\n"),
        ("file", "var/lib/dpkg/status.d/tzdata", "Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n"),
        ("file", "usr/share/doc/libfoo-common/copyright", DEP5),
        ("symlink", "usr/share/doc/libfoo1", "libfoo-common")],
    "python-everywhere": [
        ("file", "usr/lib/python3/dist-packages/Expr_Pkg-2.0.dist-info/METADATA", PY_META["expr"]),
        ("file", "opt/venv/lib/python3.12/site-packages/classy-0.3.dist-info/METADATA", PY_META["classifier"]),
        ("file", "usr/lib/python3/dist-packages/plain-1.0.egg-info/PKG-INFO", PY_META["plain"]),
        ("file", "srv/app/texty-5.dist-info/METADATA", PY_META["text"])],
    "codename-only-no-os-version": [
        ("file", "etc/os-release", "ID=debian\nVERSION_CODENAME=trixie\n"),
        ("file", "var/lib/dpkg/status", "Package: a\nStatus: install ok installed\nVersion: 1\n")],
    "no-os-release": [("file", "srv/a-1.dist-info/METADATA", "Name: a\nVersion: 1\nLicense: MIT\nLicense: BSD\n")],
    "nothing": [("file", "etc/hostname", "x\n")],
}


@pytest.mark.parametrize("case", sorted(FIXTURES))
@pytest.mark.parametrize("kw", [{}, {"repository": "ghcr.io/acme/api", "supplier": "ACME Ltd"}], ids=["plain", "repo"])
def test_catalogue_fixtures(tmp_path, case, kw):
    archive = tmp_path / "img.oci.tar"
    write_layout(archive, [entries_layer(FIXTURES[case], gz=True)])
    assert_same_as_library(archive, **kw)


LICENSES = ["MIT", "GPL-2+", "BSD-3-Clause", "Apache-2.0 OR MIT", "LGPL-2.1-or-later", "public domain",
            "Apache-2.0 WITH LLVM-exception", "(MIT AND BSD-2-Clause)", "UNKNOWN", "Artistic", "mit", "", "Zlib"]
CLASSIFIERS = ["License :: OSI Approved :: MIT License", "License :: OSI Approved :: BSD License",
               "License :: OSI Approved", "License :: Other/Proprietary License",
               "License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)"]


def generated_entries(n: int, seed: int) -> list[tuple]:
    """Several hundred packages: duplicate names at different versions and places, names that sort
    differently by case, every combination of License / License-Expression / classifiers, and
    non-ASCII text (the writer must escape it as the library's serializer does)."""
    rnd = random.Random(seed)
    status, entries = [], [("file", "etc/os-release", OS_DEBIAN)]
    for i in range(n):
        name = rnd.choice(["lib", "Lib", "python3-", "zz", "a"]) + f"pkg{i % (n // 3)}"
        version = f"{rnd.randint(0, 3)}.{rnd.randint(0, 9)}"
        if rnd.random() < 0.5:
            status.append(f"Package: {name}\nStatus: install ok installed\nArchitecture: "
                          f"{rnd.choice(['amd64', 'all', 'arm64'])}\nVersion: {version}-{i}\n"
                          f"Maintainer: Mäintainer {i} <m{i}@example.org>\nDescription: lib {i} — ok\n")
            if rnd.random() < 0.7:
                lic = " or ".join(rnd.sample(LICENSES[:8], rnd.randint(1, 3)))
                entries.append(("file", f"usr/share/doc/{name}/copyright",
                                f"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n"
                                f"Files: *\nCopyright: 2020 X\nLicense: {lic}\n"))
        else:
            meta = [f"Metadata-Version: 2.{rnd.randint(1, 4)}", f"Name: {name.replace('-', '_')}", f"Version: {version}"]
            if rnd.random() < 0.2:
                meta.append(f"License-Expression: {rnd.choice(LICENSES[:8])}")
            for lic in rnd.sample(LICENSES, rnd.randint(0, 2)):
                meta.append(f"License: {lic}")
            for c in rnd.sample(CLASSIFIERS, rnd.randint(0, 2)):
                meta.append(f"Classifier: {c}")
            if rnd.random() < 0.5:
                meta.append(f"Summary: Paquet n°{i}")
            site = rnd.choice(["usr/lib/python3/dist-packages", "opt/venv/lib/python3.12/site-packages", "srv"])
            entries.append(("file", f"{site}/{name}-{version}.dist-info/METADATA", "\n".join(meta) + "\n"))
    entries.append(("file", "var/lib/dpkg/status", "\n".join(status)))
    return entries


@pytest.mark.parametrize("seed", [1, 2])
def test_generated_image_of_many_packages(tmp_path, seed):
    archive = tmp_path / "img.oci.tar"
    write_layout(archive, [entries_layer(generated_entries(400, seed), gz=True)])
    result = assert_same_as_library(archive, repository="registry.example.com/acme/api")
    assert len(result.packages) > 300


def test_the_attestation_check_rebuilds_the_signed_payload_byte_for_byte(tmp_path):
    """`shipit verify` accepts an SBOM attestation without parsing its payload when the payload is,
    byte for byte, the statement the sign stage makes of the SBOM; the fast writer (orjson) must give
    those bytes for shipit's SBOMs (non-ASCII text included), or every verify takes the slow path."""
    import json

    from shipit.sbom.checks import _statement_bytes
    from shipit.signing import provenance as prov

    archive = tmp_path / "img.oci.tar"
    write_layout(archive, [entries_layer(generated_entries(200, 3), gz=True)])
    result = scan_image(archive, name="acme/api", version="2.0.0", timestamp=TS)
    statement = prov.sbom_statement("acme/api", result.image.manifest_digest, json.loads(result.document))
    assert any(ord(ch) > 127 for ch in result.document.decode("unicode_escape"))
    assert _statement_bytes(statement) == prov.statement_bytes(statement)
