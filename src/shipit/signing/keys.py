"""cosign-compatible key files.

cosign's private key file is a PEM block ``ENCRYPTED SIGSTORE PRIVATE KEY`` (older releases wrote
``ENCRYPTED COSIGN PRIVATE KEY``) whose body is JSON::

    {"kdf": {"name": "scrypt", "params": {"N": 32768, "r": 8, "p": 1}, "salt": b64},
     "cipher": {"name": "nacl/secretbox", "nonce": b64},
     "ciphertext": b64(secretbox(PKCS#8 DER private key))}

The scrypt key (32 bytes) from the password and salt opens the NaCl secretbox. hashlib.scrypt and
PyNaCl do the cryptography; this module only does the (small) framing, because no maintained Python
library reads or writes this container. The public key is a plain ``PUBLIC KEY`` PEM (SPKI).
"""

from __future__ import annotations

import base64
import binascii
import getpass
import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from nacl.exceptions import CryptoError
from nacl.secret import SecretBox
from nacl.utils import random as nacl_random

from shipit.core.errors import ShipitError

SIGSTORE_PEM_TYPE = "ENCRYPTED SIGSTORE PRIVATE KEY"
COSIGN_PEM_TYPE = "ENCRYPTED COSIGN PRIVATE KEY"
PASSWORD_ENVS = ("SHIPIT_KEY_PASSWORD", "COSIGN_PASSWORD")
# cosign's defaults (pkg/cosign/keys.go via sigstore/pkg/cryptoutils): N=32768, r=8, p=1, 32-byte salt.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 32768, 8, 1

_PEM_RE = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\s*(.*?)\s*-----END \1-----", re.S)


@dataclass(frozen=True)
class PemBlock:
    label: str
    body: bytes  # base64-decoded


def read_pem(data: bytes, source: str) -> PemBlock:
    m = _PEM_RE.search(data)
    if not m:
        raise ShipitError(f"{source}: not a PEM key file (no -----BEGIN ...----- block)",
                          hint="expected a cosign key (shipit keygen / cosign generate-key-pair) or a PKCS#8 PEM key")
    try:
        body = base64.b64decode(b"".join(m.group(2).split()), validate=True)
    except (binascii.Error, ValueError):
        raise ShipitError(f"{source}: the PEM block '{m.group(1).decode()}' is not valid base64",
                          hint="the key file is corrupt; restore it from your secret store") from None
    return PemBlock(m.group(1).decode(), body)


def pem_encode(label: str, body: bytes) -> bytes:
    b64 = base64.b64encode(body).decode()
    lines = [b64[i:i + 64] for i in range(0, len(b64), 64)]
    return (f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n").encode()


# --- password ------------------------------------------------------------------------------------


def password_from_env() -> bytes | None:
    for name in PASSWORD_ENVS:
        value = os.environ.get(name)
        if value is not None:
            return value.encode()
    return None


def get_password(purpose: str, *, confirm: bool = False) -> bytes:
    """The key password: SHIPIT_KEY_PASSWORD, else COSIGN_PASSWORD, else an interactive prompt."""
    pw = password_from_env()
    if pw is not None:
        return pw
    if not sys.stdin.isatty():
        raise ShipitError(f"no password for {purpose}",
                          hint="set SHIPIT_KEY_PASSWORD (or COSIGN_PASSWORD), or run in a terminal to be prompted")
    first = getpass.getpass(f"Password for {purpose}: ").encode()
    if confirm and getpass.getpass("Password again: ").encode() != first:
        raise ShipitError("the two passwords differ", hint="run the command again")
    return first


# --- encrypt / decrypt -------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def encrypt_private_key(key: ec.EllipticCurvePrivateKey, password: bytes) -> bytes:
    """The cosign ``ENCRYPTED SIGSTORE PRIVATE KEY`` PEM for ``key``."""
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    salt = nacl_random(32)
    box_key = hashlib.scrypt(password, salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, maxmem=64 << 20, dklen=32)
    nonce = nacl_random(SecretBox.NONCE_SIZE)
    ciphertext = SecretBox(box_key).encrypt(der, nonce).ciphertext
    doc = {
        "kdf": {"name": "scrypt", "params": {"N": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P}, "salt": _b64(salt)},
        "cipher": {"name": "nacl/secretbox", "nonce": _b64(nonce)},
        "ciphertext": _b64(ciphertext),
    }
    return pem_encode(SIGSTORE_PEM_TYPE, json.dumps(doc, separators=(",", ":")).encode())


def decrypt_cosign_body(body: bytes, password: bytes, source: str) -> bytes:
    """The DER private key inside a cosign encrypted key body (raises a clear ShipitError)."""
    corrupt = "the key file is corrupt or not a cosign key; restore it from your secret store"
    try:
        doc = json.loads(body)
        kdf, cipher = doc["kdf"], doc["cipher"]
        if kdf.get("name") != "scrypt" or cipher.get("name") != "nacl/secretbox":
            raise ShipitError(f"{source}: unsupported key encryption {kdf.get('name')}/{cipher.get('name')}",
                              hint="shipit reads cosign keys (scrypt + nacl/secretbox)")
        params = kdf["params"]
        n, r, p = int(params["N"]), int(params["r"]), int(params["p"])
        salt = base64.b64decode(kdf["salt"], validate=True)
        nonce = base64.b64decode(cipher["nonce"], validate=True)
        ciphertext = base64.b64decode(doc["ciphertext"], validate=True)
    except ShipitError:
        raise
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise ShipitError(f"{source}: the encrypted key is corrupt ({type(exc).__name__}: {exc})",
                          hint=corrupt) from None
    if n > 1 << 20 or n < 2 or n & (n - 1) or r > 32 or p > 16:
        raise ShipitError(f"{source}: implausible scrypt parameters N={n} r={r} p={p}", hint=corrupt)
    try:
        box_key = hashlib.scrypt(password, salt=salt, n=n, r=r, p=p, maxmem=128 * r * (n + p + 2) + (1 << 20),
                                 dklen=32)
        return SecretBox(box_key).decrypt(ciphertext, nonce)
    except (CryptoError, ValueError):
        raise ShipitError(f"{source}: wrong password, or the key file is corrupt (decryption failed)",
                          hint="check SHIPIT_KEY_PASSWORD / COSIGN_PASSWORD") from None


# --- load -----------------------------------------------------------------------------------------


def _describe(key) -> str:
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        return f"ECDSA {key.curve.name}"
    return type(key).__name__.replace("_", "").replace("PrivateKey", "").replace("PublicKey", "") or "unknown"


def _require_p256(key, source: str):
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) and isinstance(key.curve,
                                                                                               ec.SECP256R1):
        return key
    raise ShipitError(f"{source}: this is a {_describe(key)} key; shipit signs and verifies with ECDSA P-256 "
                      "(cosign's default)", hint="create one with `shipit keygen` (or `cosign generate-key-pair`)")


def load_private_key(data: bytes, source: str = "key", password: bytes | None = None,
                     *, require_p256: bool = True):
    """Read a private key: cosign encrypted (SIGSTORE/COSIGN labels), PKCS#8 PEM (plain or encrypted), or SEC1.

    ``password`` None means: ask :func:`get_password` only if the key is encrypted.
    """
    block = read_pem(data, source)
    if block.label in (SIGSTORE_PEM_TYPE, COSIGN_PEM_TYPE):
        pw = password if password is not None else get_password(source)
        der = decrypt_cosign_body(block.body, pw, source)
        try:
            key = serialization.load_der_private_key(der, None)
        except (ValueError, TypeError) as exc:
            raise ShipitError(f"{source}: decrypted, but the content is not a private key: {exc}",
                              hint="the key file is corrupt") from None
    elif block.label in ("PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY"):
        pw = None
        if block.label == "ENCRYPTED PRIVATE KEY":
            pw = password if password is not None else get_password(source)
        try:
            key = serialization.load_pem_private_key(data, pw)
        except (ValueError, TypeError) as exc:
            what = "wrong password, or the key file is corrupt" if pw is not None else "the key file is corrupt"
            raise ShipitError(f"{source}: cannot load the {block.label}: {what} ({exc})",
                              hint="check SHIPIT_KEY_PASSWORD / COSIGN_PASSWORD" if pw is not None else None) from None
    elif block.label == "PUBLIC KEY":
        raise ShipitError(f"{source}: this is a public key; signing needs the private key",
                          hint="point signing.key at cosign.key, not cosign.pub")
    else:
        raise ShipitError(f"{source}: unsupported PEM block '{block.label}'",
                          hint="expected ENCRYPTED SIGSTORE PRIVATE KEY (cosign) or PRIVATE KEY (PKCS#8)")
    return _require_p256(key, source) if require_p256 else key


def load_private_key_file(path: str | Path, password: bytes | None = None):
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ShipitError(f"{path}: cannot read the key: {exc.strerror}",
                          hint="create one with `shipit keygen`") from None
    return load_private_key(data, str(path), password)


def load_public_key(data: bytes, source: str = "public key") -> ec.EllipticCurvePublicKey:
    block = read_pem(data, source)
    if block.label == "CERTIFICATE":
        raise ShipitError(f"{source}: this is a certificate; use --cert-identity/--cert-oidc-issuer for keyless "
                          "releases", hint="--key expects a PUBLIC KEY PEM such as cosign.pub")
    if block.label != "PUBLIC KEY":
        raise ShipitError(f"{source}: expected a PUBLIC KEY PEM, found '{block.label}'",
                          hint="pass the public key (cosign.pub), never the private key")
    try:
        key = serialization.load_der_public_key(block.body)
    except (ValueError, TypeError) as exc:
        raise ShipitError(f"{source}: not a valid public key ({exc})", hint="the file is corrupt") from None
    return _require_p256(key, source)


def load_public_key_file(path: str | Path) -> ec.EllipticCurvePublicKey:
    path = Path(path)
    try:
        return load_public_key(path.read_bytes(), str(path))
    except OSError as exc:
        raise ShipitError(f"{path}: cannot read the public key: {exc.strerror}") from None


def public_pem(key) -> bytes:
    pub = key.public_key() if hasattr(key, "public_key") else key
    return pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def key_hint(key) -> str:
    """base64(sha256(DER SPKI)): the ``publicKey.hint`` cosign and sigstore-go put in bundles."""
    pub = key.public_key() if hasattr(key, "public_key") else key
    der = pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


# --- keygen ---------------------------------------------------------------------------------------


def write_keypair(output_dir: str | Path, prefix: str, password: bytes, *, force: bool = False) -> tuple[Path, Path]:
    """Write ``<prefix>.key`` (mode 0600, encrypted) and ``<prefix>.pub``; never overwrite without force."""
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    priv_path, pub_path = out / f"{prefix}.key", out / f"{prefix}.pub"
    if not force:
        for p in (priv_path, pub_path):
            if p.exists():
                raise ShipitError(f"{p} already exists", hint="pass --force to replace it, or choose --prefix")
    key = ec.generate_private_key(ec.SECP256R1())
    blob = encrypt_private_key(key, password)
    tmp = priv_path.with_name(f".{priv_path.name}.tmp-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # also when umask or an existing tmp file would loosen it
        os.write(fd, blob)
    finally:
        os.close(fd)
    os.replace(tmp, priv_path)
    pub_path.write_bytes(public_pem(key))
    return priv_path, pub_path
