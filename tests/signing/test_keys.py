"""cosign key files: keygen, mode 0600, passwords, cosign's own test vectors, PKCS#8, errors."""

from __future__ import annotations

import base64
import json
import stat
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from shipit.core.errors import ShipitError
from shipit.signing.key import KeySigner
from shipit.signing.keys import (
    COSIGN_PEM_TYPE,
    SIGSTORE_PEM_TYPE,
    get_password,
    key_hint,
    load_private_key,
    load_private_key_file,
    load_public_key_file,
    public_pem,
    read_pem,
)
from tests.conftest import require_tool, run_shipit, shipit_env

VECTORS = Path(__file__).parent / "fixtures" / "cosign"


def openssl_verify(pub_pem: Path, data: Path, sig_b64: bytes, tmp: Path) -> subprocess.CompletedProcess:
    require_tool("openssl")
    der = tmp / "sig.der"
    der.write_bytes(base64.b64decode(sig_b64))
    return subprocess.run(["openssl", "dgst", "-sha256", "-verify", str(pub_pem), "-signature", str(der), str(data)],
                          capture_output=True, text=True)


def test_keygen_writes_cosign_format_with_mode_0600(tmp_path):
    proc = run_shipit("keygen", "--output-dir", str(tmp_path / "k"), env=shipit_env(SHIPIT_KEY_PASSWORD="s3cret"))
    assert proc.returncode == 0, proc.stderr
    priv, pub = tmp_path / "k" / "cosign.key", tmp_path / "k" / "cosign.pub"
    assert stat.S_IMODE(priv.stat().st_mode) == 0o600
    text = priv.read_text()
    assert text.startswith(f"-----BEGIN {SIGSTORE_PEM_TYPE}-----\n")
    assert "s3cret" not in text + proc.stdout + proc.stderr
    body = json.loads(read_pem(priv.read_bytes(), "k").body)
    assert body["kdf"]["name"] == "scrypt" and body["kdf"]["params"] == {"N": 32768, "r": 8, "p": 1}
    assert body["cipher"]["name"] == "nacl/secretbox" and len(base64.b64decode(body["cipher"]["nonce"])) == 24
    key = load_private_key_file(priv, b"s3cret")
    assert isinstance(key.curve, ec.SECP256R1)
    assert public_pem(key) == pub.read_bytes()
    # the public key is a plain SPKI PEM openssl reads
    require_tool("openssl")
    out = subprocess.run(["openssl", "pkey", "-pubin", "-in", str(pub), "-noout", "-text"], capture_output=True,
                         text=True)
    assert out.returncode == 0 and "prime256v1" in out.stdout


def test_keygen_refuses_to_overwrite_and_honours_prefix(tmp_path):
    env = shipit_env(COSIGN_PASSWORD="pw")
    env.pop("SHIPIT_KEY_PASSWORD", None)
    assert run_shipit("keygen", "--prefix", "release", "-o", str(tmp_path), env=env).returncode == 0
    assert (tmp_path / "release.key").is_file() and (tmp_path / "release.pub").is_file()
    proc = run_shipit("keygen", "--prefix", "release", "-o", str(tmp_path), env=env)
    assert proc.returncode != 0 and "already exists" in proc.stderr and "Traceback" not in proc.stderr
    load_private_key_file(tmp_path / "release.key", b"pw")  # COSIGN_PASSWORD was used


def test_password_precedence(monkeypatch):
    monkeypatch.setenv("COSIGN_PASSWORD", "cosign")
    monkeypatch.setenv("SHIPIT_KEY_PASSWORD", "shipit")
    assert get_password("k") == b"shipit"
    monkeypatch.delenv("SHIPIT_KEY_PASSWORD")
    assert get_password("k") == b"cosign"
    monkeypatch.delenv("COSIGN_PASSWORD")
    with pytest.raises(ShipitError, match="no password"):  # stdin is not a terminal under pytest
        get_password("k")


def test_wrong_password_and_corrupt_key_are_clear_errors(keypair, tmp_path):
    priv, _pub = keypair
    with pytest.raises(ShipitError, match="wrong password"):
        load_private_key_file(priv, b"not it")
    text = priv.read_text().splitlines()
    mid = len(text) // 2
    text[mid] = text[mid][:10] + ("A" if text[mid][10] != "A" else "B") + text[mid][11:]
    broken = tmp_path / "broken.key"
    broken.write_text("\n".join(text) + "\n")
    with pytest.raises(ShipitError) as exc:
        load_private_key_file(broken, b"correct horse")
    assert "corrupt" in exc.value.message
    (tmp_path / "junk.key").write_text("not a key\n")
    with pytest.raises(ShipitError, match="not a PEM key file"):
        load_private_key_file(tmp_path / "junk.key", b"x")
    with pytest.raises(ShipitError, match="this is a public key"):
        load_private_key_file(keypair[1], b"x")


def test_wrong_password_in_cli_release_is_clear(make_project, keypair):
    priv, _ = keypair
    proj = make_project(config=f"schema_version: 1\nproject:\n  name: demo\nsigning:\n  key: {priv}\n")
    proc = run_shipit("release", "--version", "1.0.0", cwd=proj, env=shipit_env(SHIPIT_KEY_PASSWORD="nope"))
    assert proc.returncode == 1
    assert "wrong password" in proc.stderr and "Traceback" not in proc.stderr
    assert not (proj / "release" / "1.0.0").exists()  # nothing half-written


@pytest.mark.parametrize("name,label", [("sigstore-p256", SIGSTORE_PEM_TYPE), ("cosign-rsa", COSIGN_PEM_TYPE),
                                        ("cosign-ec-sec1", COSIGN_PEM_TYPE)])
def test_reads_cosign_published_test_vectors(name, label, tmp_path):
    data = (VECTORS / f"{name}.key").read_bytes()
    assert read_pem(data, name).label == label
    key = load_private_key(data, name, b"hello")  # cosign's tests use the password "hello"
    assert isinstance(key.curve, ec.SECP256R1)
    with pytest.raises(ShipitError, match="wrong password"):
        load_private_key(data, name, b"hello!")
    # a signature made with the decrypted key verifies with openssl against its public key
    (tmp_path / "pub.pem").write_bytes(public_pem(key))
    (tmp_path / "blob").write_bytes(b"payload\n")
    signed = KeySigner(key).sign_blob(b"payload\n")
    proc = openssl_verify(tmp_path / "pub.pem", tmp_path / "blob", base64.b64encode(signed.signature), tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_reads_plain_and_encrypted_pkcs8(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    plain = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption())
    assert key_hint(load_private_key(plain, "plain")) == key_hint(key)
    enc = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.BestAvailableEncryption(b"pw"))
    assert key_hint(load_private_key(enc, "enc", b"pw")) == key_hint(key)
    with pytest.raises(ShipitError, match="wrong password"):
        load_private_key(enc, "enc", b"other")
    other = ec.generate_private_key(ec.SECP384R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    with pytest.raises(ShipitError, match="ECDSA P-256"):
        load_private_key(other, "p384")


def test_hint_is_base64_sha256_of_der_spki(keypair):
    require_tool("openssl")
    _priv, pub = keypair
    der = subprocess.run(["openssl", "pkey", "-pubin", "-in", str(pub), "-outform", "DER"], capture_output=True,
                         check=True).stdout
    import hashlib

    assert key_hint(load_public_key_file(pub)) == base64.b64encode(hashlib.sha256(der).digest()).decode()
