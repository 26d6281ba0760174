"""Cataloguers on fixture images: Alpine apk database, distroless dpkg status.d, Python metadata in
every form and place, Debian copyright licenses; and a busybox image with no packages at all."""

from __future__ import annotations

import pytest

from shipit.sbom.scan import scan_image

from .conftest import TS, load, validate
from .ocitools import entries_layer, write_layout

APK_DB = """\
C:Q1abc=
P:musl
V:1.2.4_git20230717-r4
A:x86_64
S:383152
I:622592
T:the musl c library (libc) implementation
U:https://musl.libc.org/
L:MIT
o:musl
m:Timo Teräs <timo.teras@iki.fi>
F:lib
R:ld-musl-x86_64.so.1

C:Q1def=
P:busybox
V:1.36.1-r15
A:x86_64
T:Size optimized toolbox of many common UNIX utilities
U:https://busybox.net/
L:GPL-2.0-only
o:busybox

C:Q1ghi=
P:ca-certificates-bundle
V:20240226-r0
A:x86_64
L:MPL-2.0 AND MIT

"""

OS_ALPINE = 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="Alpine Linux v3.19"\n'
OS_DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n'

DEP5 = """\
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: libfoo

Files: *
Copyright: 2020 Foo
License: GPL-2+ or Artistic

Files: debian/*
License: MIT

License: GPL-2+
 This program is free software...
"""


def scan(tmp_path, layers, **kw):
    archive = tmp_path / "img.oci.tar"
    digest = write_layout(archive, layers)
    warnings = []
    result = scan_image(archive, name="fixture", version="2.0.0", timestamp=TS, warn=warnings.append, **kw)
    validate(result.document)
    return result, load(result.document), warnings, digest


def test_busybox_image_has_no_packages(busybox_image):
    archive, digest = busybox_image
    result = scan_image(archive, name="busybox", version="1.0.0", timestamp=TS)
    validate(result.document)
    doc = load(result.document)
    assert result.packages == []
    assert doc.get("components", []) == []
    assert doc["metadata"]["component"]["purl"] == f"pkg:oci/busybox@{digest}"


def test_apk_database(tmp_path):
    result, doc, warnings, _ = scan(tmp_path, [entries_layer([
        ("file", "etc/os-release", OS_ALPINE), ("file", "lib/apk/db/installed", APK_DB)], gz=True)])
    assert warnings == []
    comps = {c["name"]: c for c in doc["components"]}
    assert comps["musl"]["purl"] == "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19.1"
    assert comps["musl"]["licenses"] == [{"license": {"acknowledgement": "declared", "id": "MIT"}}]
    assert comps["busybox"]["licenses"][0]["license"]["id"] == "GPL-2.0-only"
    assert comps["ca-certificates-bundle"]["licenses"] == [{"expression": "MPL-2.0 AND MIT",
                                                            "acknowledgement": "declared"}]
    assert comps["alpine"]["type"] == "operating-system" and comps["alpine"]["version"] == "3.19.1"
    assert sorted((p.name, p.version) for p in result.packages) == [
        ("busybox", "1.36.1-r15"), ("ca-certificates-bundle", "20240226-r0"), ("musl", "1.2.4_git20230717-r4")]


def test_dpkg_status_states_and_distroless_status_d(tmp_path):
    status = ("Package: base-files\nStatus: install ok installed\nArchitecture: amd64\nVersion: 12.4+deb12u5\n\n"
              "Package: removed\nStatus: deinstall ok config-files\nVersion: 1.0\n\n"
              "Package: gone\nStatus: purge ok not-installed\n\n"
              "Package: libfoo1\nStatus: install ok installed\nArchitecture: amd64\nMulti-Arch: same\n"
              "Version: 1:2.0-3\nSource: libfoo\nDescription: foo library\n more text\n\n")
    distroless = "Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n"
    result, doc, _, _ = scan(tmp_path, [entries_layer([
        ("file", "etc/os-release", OS_DEBIAN),
        ("file", "var/lib/dpkg/status", status),
        ("file", "var/lib/dpkg/status.d/tzdata", distroless),
        ("file", "var/lib/dpkg/status.d/tzdata.md5sums", "abc  usr/share/zoneinfo/UTC\n"),
        ("file", "usr/share/doc/libfoo-common/copyright", DEP5),
        ("symlink", "usr/share/doc/libfoo1", "libfoo-common"),
        ("file", "usr/share/doc/base-files/copyright", "This is free-form, not machine-readable.\n"),
    ])])
    got = sorted((p.name, p.version, p.path) for p in result.packages)
    assert got == [("base-files", "12.4+deb12u5", "/var/lib/dpkg/status"),
                   ("libfoo1", "1:2.0-3", "/var/lib/dpkg/status"),
                   ("tzdata", "2024a-0+deb12u1", "/var/lib/dpkg/status.d/tzdata")]
    comps = {c["name"]: c for c in doc["components"]}
    assert comps["libfoo1"]["purl"] == "pkg:deb/debian/libfoo1@1:2.0-3?arch=amd64&distro=debian-12"
    names = sorted(lic["license"].get("id") or lic["license"].get("name") for lic in comps["libfoo1"]["licenses"])
    assert names == ["Artistic", "GPL-2+", "MIT"]
    assert "licenses" not in comps["base-files"]


PY_META = {
    "expr": "Metadata-Version: 2.4\nName: Expr_Pkg\nVersion: 2.0\nLicense-Expression: Apache-2.0 OR MIT\n"
            "License: ignored because an expression exists\n",
    "classifier": "Metadata-Version: 2.1\nName: classy\nVersion: 0.3\n"
                  "Classifier: License :: OSI Approved :: BSD License\n"
                  "Classifier: Programming Language :: Python\n",
    "plain": "Metadata-Version: 1.2\nName: plain\nVersion: 1.0\nLicense: MIT\nAuthor: Jürgen Müller\n"
             "Summary: Ünïcode – everywhere\n",
    "text": "Metadata-Version: 2.1\nName: texty\nVersion: 5\nLicense: Permission is hereby granted...\n"
            "        a whole license text on many lines\n",
}


def test_python_metadata_everywhere(tmp_path):
    result, doc, warnings, _ = scan(tmp_path, [entries_layer([
        ("file", "usr/lib/python3/dist-packages/Expr_Pkg-2.0.dist-info/METADATA", PY_META["expr"]),
        ("file", "opt/venv/lib/python3.12/site-packages/classy-0.3.dist-info/METADATA", PY_META["classifier"]),
        ("symlink", "opt/venv/lib64", "lib"),  # venvs have this; must not double-count
        ("file", "usr/lib/python3/dist-packages/plain-1.0.egg-info/PKG-INFO", PY_META["plain"]),
        ("file", "usr/lib/python2.7/dist-packages/legacy-0.9.egg-info",
         "Metadata-Version: 1.0\nName: legacy\nVersion: 0.9\n"),
        ("file", "srv/app/texty-5.dist-info/METADATA", PY_META["text"]),
        ("file", "srv/app/broken-1.dist-info/METADATA", "not metadata at all\n"),
        ("file", "srv/app/notmeta-1.dist-info/RECORD", "x"),
    ])])
    got = sorted((p.name, p.version, p.path) for p in result.packages)
    assert got == [
        ("Expr_Pkg", "2.0", "/usr/lib/python3/dist-packages/Expr_Pkg-2.0.dist-info/METADATA"),
        ("classy", "0.3", "/opt/venv/lib/python3.12/site-packages/classy-0.3.dist-info/METADATA"),
        ("legacy", "0.9", "/usr/lib/python2.7/dist-packages/legacy-0.9.egg-info"),
        ("plain", "1.0", "/usr/lib/python3/dist-packages/plain-1.0.egg-info/PKG-INFO"),
        ("texty", "5", "/srv/app/texty-5.dist-info/METADATA"),
    ]
    assert any("broken-1.dist-info" in w for w in warnings)
    comps = {c["name"]: c for c in doc["components"]}
    assert comps["Expr_Pkg"]["purl"] == "pkg:pypi/expr-pkg@2.0"
    assert comps["Expr_Pkg"]["licenses"] == [{"expression": "Apache-2.0 OR MIT", "acknowledgement": "declared"}]
    assert comps["classy"]["licenses"][0]["license"]["name"] == "BSD License"
    assert comps["plain"]["licenses"][0]["license"]["id"] == "MIT"
    assert comps["plain"]["publisher"] == "Jürgen Müller" and comps["plain"]["description"] == "Ünïcode – everywhere"
    assert "licenses" not in comps["texty"]  # a license text is not a license name


@pytest.mark.parametrize("repository", ["", "ghcr.io/acme/api"])
def test_serial_number_depends_only_on_the_image(tmp_path, repository):
    layer = entries_layer([("file", "srv/a-1.dist-info/METADATA", "Name: a\nVersion: 1\n")])
    _, doc1, _, digest = scan(tmp_path, [layer], repository=repository)
    import uuid

    from shipit.sbom.bom import SERIAL_NAMESPACE

    assert doc1["serialNumber"] == f"urn:uuid:{uuid.uuid5(SERIAL_NAMESPACE, digest)}"
    assert doc1["metadata"]["component"]["purl"].endswith(f"?repository_url={repository}" if repository else digest)


def test_image_built_by_umoci_with_its_whiteouts(tmp_path):
    """An image written by a tool we did not write (umoci): busybox, two Python dists, one whited out."""
    import shutil
    import subprocess
    import tarfile

    from tests.conftest import require_tool

    require_tool("umoci", "busybox")
    lay = tmp_path / "layout"

    def umoci(*args):
        subprocess.run(["umoci", *args], check=True, capture_output=True)

    umoci("init", "--layout", str(lay))
    umoci("new", "--image", f"{lay}:1.0")
    site = "usr/lib/python3/site-packages"
    r1, r2 = tmp_path / "r1", tmp_path / "r2"
    (r1 / "bin").mkdir(parents=True)
    shutil.copy(shutil.which("busybox"), r1 / "bin" / "busybox")
    for name in ("foo", "bar"):
        d = r2 / site / f"{name}-1.0.dist-info"
        d.mkdir(parents=True)
        (d / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\nLicense: MIT\n")
    umoci("insert", "--rootless", "--image", f"{lay}:1.0", str(r1), "/")
    umoci("insert", "--rootless", "--image", f"{lay}:1.0", str(r2), "/")
    umoci("insert", "--rootless", "--image", f"{lay}:1.0", "--whiteout", f"/{site}/foo-1.0.dist-info")
    archive = tmp_path / "img.oci.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(lay, arcname=".")
    for source in (lay, archive):
        warnings = []
        result = scan_image(source, name="umoci", version="1.0", timestamp=TS, warn=warnings.append)
        validate(result.document)
        assert [(p.name, p.version, p.path) for p in result.packages] == \
            [("bar", "1.0", f"/{site}/bar-1.0.dist-info/METADATA")]
        assert len(result.image.layers) == 3 and warnings == []
        assert result.packages[0].layer == result.image.layers[1].digest
