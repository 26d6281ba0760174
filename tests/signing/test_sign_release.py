"""The sign stage's outputs, each checked by a verifier shipit did not write: openssl, securesystemslib,
sigstore's bundle models and in-toto statement parser, and @sigstore/verify (node)."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from securesystemslib.dsse import Envelope
from securesystemslib.signer import SSlibKey

from shipit.core.checksums import parse_sums
from shipit.signing.keys import key_hint, load_public_key_file
from tests.conftest import REPO, require, require_tool, run_shipit, shipit_env
from tests.signing.conftest import PASSWORD, cut, signing_yaml

NODE_DIR = REPO / "tests" / "node"


def _sig_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.sig") if p.is_file())


def test_layout(signed_release):
    root = signed_release["dir"]
    sums = parse_sums((root / "SHA256SUMS").read_text())
    assert set(sums) == {"manifest.json", "images/api.oci.tar", "sbom/api.cdx.json", "docs/notes.md"}
    for rel in list(sums) + ["SHA256SUMS"]:
        assert (root / f"{rel}.sig").is_file() and (root / f"{rel}.sigstore.json").is_file(), rel
    for rel in ("attestations/provenance.intoto.jsonl", "attestations/provenance.sigstore.json",
                "attestations/sbom-api.intoto.jsonl", "attestations/sbom-api.sigstore.json"):
        assert (root / rel).is_file(), rel
    # signatures are written after SHA256SUMS, so they are not in it
    assert not any(k.endswith((".sig", ".sigstore.json")) or k.startswith("attestations/") for k in sums)


def test_every_sig_verifies_with_openssl(signed_release, tmp_path):
    require_tool("openssl")
    root, pub = signed_release["dir"], signed_release["pub"]
    sigs = _sig_files(root)
    assert len(sigs) == 5
    for sig in sigs:
        der = tmp_path / "sig.der"
        der.write_bytes(base64.b64decode(sig.read_bytes()))
        blob = sig.with_name(sig.name[: -len(".sig")])
        proc = subprocess.run(["openssl", "dgst", "-sha256", "-verify", str(pub), "-signature", str(der), str(blob)],
                              capture_output=True, text=True)
        assert proc.returncode == 0 and "Verified OK" in proc.stdout, (sig, proc.stdout, proc.stderr)
    # and openssl rejects a signature over another file
    proc = subprocess.run(["openssl", "dgst", "-sha256", "-verify", str(pub), "-signature", str(der),
                           str(root / "SHA256SUMS")], capture_output=True, text=True)
    assert proc.returncode != 0


def test_bundles_parse_as_sigstore_bundle_v03(signed_release):
    from sigstore_models.bundle.v1 import Bundle

    root = signed_release["dir"]
    hint = key_hint(load_public_key_file(signed_release["pub"]))
    bundles = sorted(root.rglob("*.sigstore.json"))
    assert len(bundles) == 7
    for path in bundles:
        doc = json.loads(path.read_text())
        parsed = Bundle.model_validate_json(path.read_text())
        assert parsed.media_type == "application/vnd.dev.sigstore.bundle.v0.3+json"
        assert doc["verificationMaterial"]["publicKey"]["hint"] == hint
        if path.parent.name == "attestations":
            assert parsed.dsse_envelope is not None
        else:
            blob = path.with_name(path.name[: -len(".sigstore.json")])
            ms = doc["messageSignature"]
            assert ms["messageDigest"] == {"algorithm": "SHA2_256",
                                           "digest": base64.b64encode(hashlib.sha256(blob.read_bytes()).digest()).decode()}
            assert ms["signature"] == (blob.parent / (blob.name + ".sig")).read_text()


def _envelope(path: Path) -> Envelope:
    lines = path.read_text().splitlines()
    assert len(lines) == 1
    return Envelope.from_dict(json.loads(lines[0]))


def test_dsse_envelopes_verify_with_securesystemslib(signed_release):
    from sigstore.dsse import Statement

    root = signed_release["dir"]
    pub = load_public_key_file(signed_release["pub"])
    key = SSlibKey.from_crypto(pub, keyid=key_hint(pub))
    for name in ("provenance", "sbom-api"):
        env = _envelope(root / "attestations" / f"{name}.intoto.jsonl")
        assert env.payload_type == "application/vnd.in-toto+json"
        assert key.keyid in env.verify([key], 1)
        Statement(env.payload)  # sigstore's in-toto Statement v1 model accepts it
        # the bundle carries the same envelope
        bundle = json.loads((root / "attestations" / f"{name}.sigstore.json").read_text())
        assert bundle["dsseEnvelope"] == env.to_dict()
    # a key with another keyid is not accepted
    other = SSlibKey.from_crypto(pub, keyid="someone-else")
    with pytest.raises(Exception):
        _envelope(root / "attestations" / "provenance.intoto.jsonl").verify([other], 1)


def test_provenance_content(signed_release):
    root = signed_release["dir"]
    statement = json.loads(_envelope(root / "attestations" / "provenance.intoto.jsonl").payload)
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["predicateType"] == "https://slsa.dev/provenance/v1"
    subjects = {s["name"]: s["digest"] for s in statement["subject"]}
    sums = parse_sums((root / "SHA256SUMS").read_text())
    manifest = json.loads((root / "manifest.json").read_text())
    image = next(a for a in manifest["artifacts"] if a["kind"] == "image")
    expected = {p: {"sha256": d} for p, d in sums.items()}
    expected["SHA256SUMS"] = {"sha256": hashlib.sha256((root / "SHA256SUMS").read_bytes()).hexdigest()}
    expected["api"] = {"sha256": image["extra"]["manifest_digest"].split(":", 1)[1]}
    assert subjects == expected
    build = statement["predicate"]["buildDefinition"]
    assert build["externalParameters"]["version"] == "1.0.0"
    assert build["externalParameters"]["config"]["digest"] == {"sha256": manifest["config_digest"].split(":")[1]}
    assert {"uri": "oci://docker.io/library/busybox", "digest": {"sha256": "ab" * 32}} in build["resolvedDependencies"]
    assert statement["predicate"]["runDetails"]["builder"]["id"] == "urn:shipit:builder:local"
    sbom_statement = json.loads(_envelope(root / "attestations" / "sbom-api.intoto.jsonl").payload)
    assert sbom_statement["predicateType"] == "https://cyclonedx.org/bom"
    assert sbom_statement["subject"] == [{"name": "api", "digest": expected["api"]}]
    assert sbom_statement["predicate"] == json.loads((root / "sbom" / "api.cdx.json").read_text())


def test_provenance_records_git_commit(make_project, keypair, monkeypatch):
    priv, _ = keypair
    proj = make_project(config=signing_yaml(priv))
    result = cut(proj, monkeypatch, content=False)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=proj, capture_output=True, text=True).stdout.strip()
    line = (result.release_dir / "attestations" / "provenance.intoto.jsonl").read_text()
    statement = json.loads(base64.b64decode(json.loads(line)["payload"]))
    deps = statement["predicate"]["buildDefinition"]["resolvedDependencies"]
    assert {"uri": "git+https://git.example.com/acme/demo@refs/heads/main", "digest": {"gitCommit": commit}} in deps


def test_sigstore_js_verifies_the_bundles(signed_release):
    require_tool("node")
    require((NODE_DIR / "node_modules" / "@sigstore" / "verify").is_dir(),
            "npm packages in tests/node are not installed (scripts/install-deps.sh installs them)")
    root, pub = signed_release["dir"], signed_release["pub"]

    def node(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["node", str(NODE_DIR / "verify-bundle.js"), str(pub), *args], capture_output=True,
                              text=True, timeout=60)

    for rel in ("SHA256SUMS", "manifest.json", "images/api.oci.tar"):
        proc = node(str(root / f"{rel}.sigstore.json"), str(root / rel))
        assert proc.returncode == 0, (rel, proc.stdout, proc.stderr)
    for name in ("provenance", "sbom-api"):
        proc = node(str(root / "attestations" / f"{name}.sigstore.json"))
        assert proc.returncode == 0, (name, proc.stdout, proc.stderr)
    # and it rejects a bundle checked against the wrong file
    proc = node(str(root / "SHA256SUMS.sigstore.json"), str(root / "manifest.json"))
    assert proc.returncode != 0


def test_signatures_are_deterministic(signed_release, monkeypatch, tmp_path):
    """Same inputs + SOURCE_DATE_EPOCH + key → byte-identical signatures and attestations."""
    again = cut(signed_release["proj"], monkeypatch, output=tmp_path / "again")
    for path in sorted(signed_release["dir"].rglob("*")):
        if path.is_file():
            rel = path.relative_to(signed_release["dir"])
            assert (again.release_dir / rel).read_bytes() == path.read_bytes(), rel


def test_no_key_skips_sign_with_reason(make_project):
    proj = make_project(files={"README.md": "x\n"})
    proc = run_shipit("release", "--version", "1.0.0", "--json", cwd=proj)
    assert proc.returncode == 0, proc.stderr
    stages = {s["name"]: s for s in json.loads(proc.stdout)["stages"]}
    assert stages["sign"]["status"] == "skipped" and "no signing: section" in stages["sign"]["reason"]
    assert not (proj / "release" / "1.0.0" / "SHA256SUMS.sig").exists()

    # signing.required: false is the only way to skip a configured signing: section (marked UNSIGNED)
    proj2 = make_project(config="schema_version: 1\nproject:\n  name: demo\nsigning:\n  key: missing.key\n"
                                "  required: false\n")
    proc = run_shipit("release", "--version", "1.0.1", "--json", cwd=proj2)
    stages = {s["name"]: s for s in json.loads(proc.stdout)["stages"]}
    assert stages["sign"]["status"] == "skipped" and "missing.key not found" in stages["sign"]["reason"]
    assert "UNSIGNED" in stages["sign"]["reason"]


def test_configured_signing_fails_closed(make_project, keypair):
    """A signing: section whose key or password is missing fails the release (exit 1) and releases nothing."""
    proj = make_project(config="schema_version: 1\nproject:\n  name: demo\nsigning:\n  key: missing.key\n")
    proc = run_shipit("release", "--version", "1.0.0", cwd=proj)
    assert proc.returncode == 1, proc.stderr
    assert "missing.key not found" in proc.stderr and "required: false" in proc.stderr
    assert "Traceback" not in proc.stderr and not (proj / "release" / "1.0.0").exists()
    # the key is there but its password is not (no SHIPIT_KEY_PASSWORD, no terminal to ask on)
    (proj / "shipit.yaml").write_text(signing_yaml(keypair[0]))
    env = {k: v for k, v in shipit_env().items() if k not in ("SHIPIT_KEY_PASSWORD", "COSIGN_PASSWORD")}
    proc = subprocess.run([sys.executable, "-m", "shipit", "release", "--version", "1.0.0"], cwd=proj, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and "no password for the signing key" in proc.stderr, proc.stderr
    assert not (proj / "release" / "1.0.0").exists()


def test_required_signing_fails_without_key(make_project):
    proj = make_project(config="schema_version: 1\nproject:\n  name: demo\nsigning:\n  key: missing.key\n"
                               "  required: true\n")
    proc = run_shipit("release", "--version", "1.0.0", cwd=proj)
    assert proc.returncode == 1 and "missing.key not found" in proc.stderr and "Traceback" not in proc.stderr
    assert not (proj / "release" / "1.0.0").exists()


def test_checksums_mode_signs_only_sha256sums(make_project, keypair, monkeypatch):
    priv, _ = keypair
    proj = make_project(config=signing_yaml(priv, "checksums"))
    result = cut(proj, monkeypatch)
    assert [p.name for p in _sig_files(result.release_dir)] == ["SHA256SUMS.sig"]


def test_signing_key_from_environment(make_project, keypair):
    priv, pub = keypair
    proj = make_project()
    env = shipit_env(SHIPIT_SIGNING_KEY=str(priv), SHIPIT_KEY_PASSWORD=PASSWORD)
    assert run_shipit("release", "--version", "2.0.0", cwd=proj, env=env).returncode == 0
    proc = run_shipit("verify", str(proj / "release" / "2.0.0"), "--key", str(pub))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    shutil.rmtree(proj / "release")


def test_provenance_parses_with_in_toto_attestation_bindings(signed_release):
    """The in-toto project's own protobuf bindings accept the statement and the SLSA v1 predicate
    (unknown or misspelled fields are errors), and its validators pass."""
    import importlib.util

    require(importlib.util.find_spec("in_toto_attestation") is not None,
            "in-toto-attestation is not installed (pip install '.[test]')")
    from google.protobuf import json_format
    from in_toto_attestation.predicates.provenance.v1 import provenance_pb2
    from in_toto_attestation.v1 import statement_pb2
    from in_toto_attestation.v1.resource_descriptor import ResourceDescriptor
    from in_toto_attestation.v1.statement import Statement

    for name in ("provenance", "sbom-api"):
        payload = _envelope(signed_release["dir"] / "attestations" / f"{name}.intoto.jsonl").payload
        pb = json_format.Parse(payload, statement_pb2.Statement())
        Statement.copy_from_pb(pb).validate()
    doc = json.loads(_envelope(signed_release["dir"] / "attestations" / "provenance.intoto.jsonl").payload)
    prov = json_format.ParseDict(doc["predicate"], provenance_pb2.Provenance())
    assert prov.build_definition.build_type == "urn:shipit:release:v1"
    assert prov.run_details.builder.id == "urn:shipit:builder:local"
    for dep in prov.build_definition.resolved_dependencies:
        ResourceDescriptor.copy_from_pb(dep).validate()


def test_check_reports_a_missing_required_key(make_project, keypair):
    proj = make_project(config="schema_version: 1\nproject:\n  name: demo\nsigning:\n  key: nope.key\n"
                               "  required: true\n")
    proc = run_shipit("check", cwd=proj)
    assert proc.returncode == 1 and "signing key" in proc.stdout and "nope.key" in proc.stdout
    (proj / "shipit.yaml").write_text(signing_yaml(keypair[0]))
    proc = run_shipit("check", cwd=proj)
    assert proc.returncode == 0, proc.stdout + proc.stderr
