"""A real Debian image (debootstrap minbase + python3 + pip-installed wheels): the SBOM lists exactly
what dpkg and the image's own Python see — 100% recall, no phantom components."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from shipit.sbom.scan import scan_image

from .conftest import TS, load, validate

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("sbom-debian")]


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@pytest.fixture(scope="module")
def scanned(debian_image):
    archive, digest = debian_image
    result = scan_image(archive, name="orders-api", version="1.4.0", timestamp=TS, manifest_digest=digest,
                        repository="registry.example.com/acme/orders-api")
    return result, load(result.document)


def test_recall_equals_dpkg_query_and_pip_list(debian_root, scanned):
    _, doc = scanned
    proc = subprocess.run(["dpkg-query", "--admindir", str(debian_root / "var/lib/dpkg"), "-W",
                           "-f", "${Package} ${Version} ${db:Status-Status}\n"],
                          capture_output=True, text=True, check=True)
    expected_deb = {tuple(line.split()[:2]) for line in proc.stdout.splitlines() if line.endswith(" installed")}
    pip = subprocess.run(["chroot", str(debian_root), "python3", "-m", "pip", "list", "--format=json",
                          "--disable-pip-version-check"], capture_output=True, text=True, check=True)
    expected_py = {(_norm(d["name"]), d["version"]) for d in json.loads(pip.stdout)}
    assert len(expected_deb) > 80 and {("six", "1.16.0"), ("attrs", "23.2.0"), ("pip", "23.0.1")} <= expected_py

    got_deb = {(c["name"], c["version"]) for c in doc["components"] if c.get("purl", "").startswith("pkg:deb/")}
    got_py = {(_norm(c["name"]), c["version"]) for c in doc["components"] if c.get("purl", "").startswith("pkg:pypi/")}
    assert got_deb == expected_deb, (f"missing {sorted(expected_deb - got_deb)[:10]}, "
                                     f"phantom {sorted(got_deb - expected_deb)[:10]}")
    assert got_py == expected_py, f"missing {sorted(expected_py - got_py)}, phantom {sorted(got_py - expected_py)}"
    # nothing else but the OS itself
    others = [c for c in doc["components"] if not c.get("purl", "").startswith(("pkg:deb/", "pkg:pypi/"))]
    assert [(c["type"], c["name"], c["version"]) for c in others] == [("operating-system", "debian", "12")]


def test_document_is_valid_cyclonedx_16(scanned):
    result, doc = scanned
    validate(result.document)
    assert doc["specVersion"] == "1.6" and doc["bomFormat"] == "CycloneDX"


def test_subject_purls_properties_and_licenses(scanned, debian_image):
    _, digest = debian_image
    _, doc = scanned
    subject = doc["metadata"]["component"]
    assert subject["type"] == "container" and subject["version"] == "1.4.0"
    assert subject["purl"] == f"pkg:oci/orders-api@{digest}?repository_url=registry.example.com/acme/orders-api"
    assert doc["metadata"]["timestamp"].startswith("2023-11-14T22:13:20")
    by_name = {c["name"]: c for c in doc["components"]}
    apt = by_name["apt"]
    assert re.fullmatch(r"pkg:deb/debian/apt@[^?]+\?arch=amd64&distro=debian-12", apt["purl"])
    props = {p["name"]: p["value"] for p in apt["properties"]}
    assert props["shipit:sbom:location"] == "/var/lib/dpkg/status"
    manifest_layers = _layers(debian_image[0])
    assert props["shipit:sbom:layer_digest"] == manifest_layers[0]
    six = by_name["six"]
    assert six["purl"] == "pkg:pypi/six@1.16.0"
    six_props = {p["name"]: p["value"] for p in six["properties"]}
    assert six_props["shipit:sbom:location"] == "/usr/local/lib/python3.11/dist-packages/six-1.16.0.dist-info/METADATA"
    assert six_props["shipit:sbom:layer_digest"] == manifest_layers[1]
    # Python: License / classifiers → SPDX id; Debian: DEP-5 copyright License fields
    assert {"license": {"acknowledgement": "declared", "id": "MIT"}} in six["licenses"]
    apt_licenses = {lic["license"].get("id") or lic["license"].get("name") for lic in apt["licenses"]}
    assert "GPL-2+" in apt_licenses or "GPL-2" in apt_licenses


def test_two_runs_identical_bytes(debian_image, scanned):
    archive, digest = debian_image
    again = scan_image(archive, name="orders-api", version="1.4.0", timestamp=TS, manifest_digest=digest,
                       repository="registry.example.com/acme/orders-api")
    assert again.document == scanned[0].document
    assert json.loads(again.document)["serialNumber"] == scanned[1]["serialNumber"]


def _layers(archive):
    import tarfile

    with tarfile.open(archive) as tar:
        index = json.load(tar.extractfile("index.json"))
        digest = index["manifests"][0]["digest"]
        manifest = json.load(tar.extractfile(f"blobs/sha256/{digest[7:]}"))
    return [layer["digest"] for layer in manifest["layers"]]
