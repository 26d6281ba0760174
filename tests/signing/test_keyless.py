"""Keyless verification, offline, against a recorded Sigstore staging bundle (certificate + Rekor v2
entry + RFC 3161 timestamp) and its trusted root. The fixtures come from sigstore-python's test assets
(``test/assets/staging-rekor-v2.txt*`` and the staging TUF trusted root, Apache-2.0)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_shipit

FIX = Path(__file__).parent / "fixtures" / "keyless"
IDENTITY = ["--cert-identity", "jku@goto.fi", "--cert-oidc-issuer", "https://github.com/login/oauth",
            "--trust-config", str(FIX / "staging-trusted-root.json")]


def verify_blob(path: Path, *flags: str):
    return run_shipit("verify-blob", str(path), "--bundle", str(FIX / "staging-rekor-v2.txt.sigstore.json"), *flags)


def test_keyless_bundle_verifies_offline():
    proc = verify_blob(FIX / "staging-rekor-v2.txt", *IDENTITY, "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(proc.stdout)["ok"] is True


def test_keyless_wrong_identity_or_issuer_fails():
    flags = list(IDENTITY)
    flags[1] = "someone@example.com"
    proc = verify_blob(FIX / "staging-rekor-v2.txt", *flags)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    flags = list(IDENTITY)
    flags[3] = "https://token.actions.githubusercontent.com"
    assert verify_blob(FIX / "staging-rekor-v2.txt", *flags).returncode == 1


def test_keyless_other_content_fails(tmp_path):
    other = tmp_path / "other.txt"
    other.write_bytes((FIX / "staging-rekor-v2.txt").read_bytes() + b"!")
    proc = verify_blob(other, *IDENTITY)
    assert proc.returncode == 1


def test_keyless_bundle_with_key_flag_is_refused(keypair):
    proc = verify_blob(FIX / "staging-rekor-v2.txt", "--key", str(keypair[1]))
    assert proc.returncode == 1 and "keyless" in proc.stderr


def test_key_signed_release_with_identity_flags_is_refused(signed_release):
    proc = run_shipit("verify", str(signed_release["dir"]), *IDENTITY)
    assert proc.returncode == 1
    assert "signed with a key" in proc.stdout and "use --key" in proc.stdout
