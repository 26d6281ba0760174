"""Keyless signing end to end against a local Sigstore stack on 127.0.0.1 (Fulcio + CT log + Rekor from
npm @sigstore/mock, tests/node/sigstore-stack.js): sign a release with an OIDC token, verify it offline
against the stack's trusted root, and check the .sig with openssl against the Fulcio certificate's key."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, require, require_tool, run_shipit, shipit_env
from tests.signing.conftest import cut

pytestmark = pytest.mark.xdist_group("sigstore-stack")

NODE_DIR = REPO / "tests" / "node"
IDENTITY = "https://ci.example.com/acme/demo/.github/workflows/release.yml@refs/tags/v1.0.0"
ISSUER = "https://ci.example.com"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    require_tool("node")
    require((NODE_DIR / "node_modules" / "@sigstore" / "mock").is_dir(),
            "npm packages in tests/node are not installed (scripts/install-deps.sh installs them)")
    out = tmp_path_factory.mktemp("sigstore-stack")
    proc = subprocess.Popen(["node", str(NODE_DIR / "sigstore-stack.js"), str(out)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("listening"), f"the local Sigstore stack did not start: {line}{proc.stderr.read()}"
        yield {"trust_config": out / "trust-config.json", "trusted_root": out / "trusted-root.json"}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def token(identity: str = IDENTITY) -> str:
    import jwt  # PyJWT, a dependency of sigstore

    now = int(time.time())
    claims = {"iss": ISSUER, "sub": identity, "aud": "sigstore", "iat": now, "nbf": now, "exp": now + 600}
    return jwt.encode(claims, "test-only-hmac-key-of-sufficient-length!", algorithm="HS256")


@pytest.fixture(scope="module")
def keyless_release(stack, tmp_path_factory):
    mp = pytest.MonkeyPatch()
    base = tmp_path_factory.mktemp("keyless")
    proj = base / "proj"
    proj.mkdir()
    (proj / "shipit.yaml").write_text(
        "schema_version: 1\nproject:\n  name: demo\nsigning:\n  mode: keyless\n  artifacts: all\n"
        f"  trust_config: {stack['trust_config']}\n")
    try:
        mp.setenv("SIGSTORE_ID_TOKEN", token())
        result = cut(proj, mp)
    finally:
        mp.undo()
    return result.release_dir


def verify_cli(release: Path, trust: Path, identity: str = IDENTITY, *extra: str):
    return run_shipit("verify", str(release), "--cert-identity", identity, "--cert-oidc-issuer", ISSUER,
                      "--trust-config", str(trust), *extra)


def test_keyless_release_verifies_offline(keyless_release, stack):
    for trust in (stack["trusted_root"], stack["trust_config"]):
        proc = verify_cli(keyless_release, trust, IDENTITY, "--json")
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert json.loads(proc.stdout)["ok"] is True
    bundle = json.loads((keyless_release / "SHA256SUMS.sigstore.json").read_text())
    assert "certificate" in bundle["verificationMaterial"]
    assert bundle["verificationMaterial"]["tlogEntries"][0]["kindVersion"]["kind"] == "hashedrekord"
    dsse = json.loads((keyless_release / "attestations" / "provenance.sigstore.json").read_text())
    assert dsse["verificationMaterial"]["tlogEntries"][0]["kindVersion"]["kind"] == "dsse"


def test_keyless_wrong_identity_fails(keyless_release, stack):
    proc = verify_cli(keyless_release, stack["trusted_root"], "https://ci.example.com/someone/else")
    assert proc.returncode == 1 and "do not match" in proc.stdout


def test_keyless_tampering_fails(keyless_release, stack, tmp_path):
    import shutil

    copy = tmp_path / "rel"
    shutil.copytree(keyless_release, copy)
    (copy / "docs" / "notes.md").write_text("# changed\n")
    proc = verify_cli(copy, stack["trusted_root"])
    assert proc.returncode == 1 and "docs/notes.md" in proc.stdout


def test_keyless_sig_verifies_with_openssl_against_the_certificate(keyless_release, tmp_path):
    require_tool("openssl")
    bundle = json.loads((keyless_release / "SHA256SUMS.sigstore.json").read_text())
    cert = tmp_path / "cert.der"
    cert.write_bytes(base64.b64decode(bundle["verificationMaterial"]["certificate"]["rawBytes"]))
    pub = subprocess.run(["openssl", "x509", "-inform", "DER", "-in", str(cert), "-pubkey", "-noout"],
                         capture_output=True, check=True).stdout
    (tmp_path / "pub.pem").write_bytes(pub)
    (tmp_path / "sig.der").write_bytes(base64.b64decode((keyless_release / "SHA256SUMS.sig").read_bytes()))
    proc = subprocess.run(["openssl", "dgst", "-sha256", "-verify", str(tmp_path / "pub.pem"), "-signature",
                           str(tmp_path / "sig.der"), str(keyless_release / "SHA256SUMS")], capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_keyless_without_identity_fails_closed_unless_not_required(make_project):
    proj = make_project(config="schema_version: 1\nproject:\n  name: demo\nsigning:\n  mode: keyless\n")
    env = shipit_env()
    for name in ("SIGSTORE_ID_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
                 "GITHUB_ACTIONS"):
        env.pop(name, None)
    proc = run_shipit("release", "--version", "1.0.0", "--json", cwd=proj, env=env)
    assert proc.returncode == 1 and "OIDC identity" in proc.stderr, proc.stderr
    assert not os.path.exists(proj / "release" / "1.0.0")
    (proj / "shipit.yaml").write_text("schema_version: 1\nproject:\n  name: demo\nsigning:\n  mode: keyless\n"
                                      "  required: false\n")
    proc = run_shipit("release", "--version", "1.0.0", "--json", cwd=proj, env=env)
    assert proc.returncode == 0, proc.stderr
    sign = next(s for s in json.loads(proc.stdout)["stages"] if s["name"] == "sign")
    assert sign["status"] == "skipped" and "OIDC identity" in sign["reason"] and "UNSIGNED" in sign["reason"]
    assert os.path.exists(proj / "release" / "1.0.0" / "SHA256SUMS")
