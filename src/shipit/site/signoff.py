"""Sign-offs: a named person approves or rejects a release for a role, bound to the release's SHA256SUMS.

Files (under ``<release>/signoffs/``, which SHA256SUMS does not cover):

* ``<role>.json``               the statement (canonical JSON): role, name, decision, comment, date, and the
                                 subject ``SHA256SUMS`` with its sha256 — a sign-off for another build
                                 names another digest and fails verification;
* ``<role>.json.sig``           base64 DER ECDSA P-256 signature over the statement's bytes (what
                                 ``cosign sign-blob --key`` writes; ``openssl dgst -sha256 -verify`` checks it);
* ``<role>.json.sigstore.json`` the same signature as a Sigstore bundle v0.3 (key-based, messageSignature).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from shipit.checksums import SUMS_NAME
from shipit.errors import ShipitError, UsageError
from shipit.files import canonical_json, sha256_file, write_bytes, write_text

SIGNOFF_DIR = "signoffs"
STATEMENT_TYPE = "shipit.signoff/v1"
DECISIONS = ("approve", "reject")
BUNDLE_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json"


@dataclass
class Check:
    """One verification result (the shape ``shipit verify`` prints)."""

    name: str
    ok: bool
    detail: str = ""


@dataclass
class Signoff:
    role: str
    name: str = ""
    decision: str = ""
    comment: str = ""
    date: str = ""
    keyid: str = ""
    status: str = "missing"  # missing | valid | unverified | invalid
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- keys and signatures --------------------------------------------------------------------------------


def _signing():
    """shipit.signing when it is installed in this checkout (cosign key files), else None."""
    try:
        import shipit.signing as signing  # noqa: PLC0415
    except ImportError:
        return None
    return signing


def load_private_key(path: Path, password: str | None = None):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the signing key: {exc.strerror}") from None
    pw = password if password is not None else os.environ.get("COSIGN_PASSWORD")
    signing = _signing()
    if b"SIGSTORE PRIVATE KEY" in data or b"COSIGN PRIVATE KEY" in data:
        loader = getattr(signing, "load_private_key", None) if signing else None
        if loader is None:
            raise UsageError(f"{path}: cosign key files need shipit's signing capability",
                             hint="use a PEM (PKCS#8) EC P-256 key, or update shipit")
        return loader(path, pw)
    try:
        key = serialization.load_pem_private_key(data, password=pw.encode() if pw else None)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"{path}: not a usable PEM private key: {exc}",
                         hint="set COSIGN_PASSWORD if the key is encrypted") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise UsageError(f"{path}: sign-offs need an ECDSA P-256 key (the cosign key type)")
    return key


def load_public_key(path: Path):
    from cryptography.hazmat.primitives import serialization

    try:
        return serialization.load_pem_public_key(Path(path).read_bytes())
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: not a PEM public key: {exc}") from None


def key_hint(public_key) -> str:
    """base64(sha256(DER SubjectPublicKeyInfo)) — the key hint cosign and sigstore-go use."""
    from cryptography.hazmat.primitives import serialization

    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


def _sign(private_key, data: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    return private_key.sign(data, ec.ECDSA(hashes.SHA256()))


def _verify(public_key, signature: bytes, data: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        return True
    except (InvalidSignature, ValueError, TypeError):
        return False


def bundle(statement: bytes, signature: bytes, hint: str) -> dict[str, Any]:
    return {
        "mediaType": BUNDLE_MEDIA_TYPE,
        "verificationMaterial": {"publicKey": {"hint": hint}},
        "messageSignature": {
            "messageDigest": {"algorithm": "SHA2_256",
                              "digest": base64.b64encode(hashlib.sha256(statement).digest()).decode()},
            "signature": base64.b64encode(signature).decode(),
        },
    }


# --- the release a sign-off binds to ----------------------------------------------------------------------


def release_identity(release_dir: Path) -> dict[str, str]:
    from shipit.artifacts import load_manifest

    sums = Path(release_dir) / SUMS_NAME
    if not sums.is_file():
        raise ShipitError(f"{sums}: missing; sign-offs bind to a finished release's SHA256SUMS",
                          hint="cut the release first (shipit release), then sign it off")
    manifest = load_manifest(release_dir)
    return {"project": manifest["project"]["name"], "version": manifest["version"],
            "sha256sums": sha256_file(sums)}


# --- writing --------------------------------------------------------------------------------------------


def sign_off(release_dir: Path, role: str, name: str, decision: str, key_path: Path, comment: str = "",
             roles: list[str] | None = None, now: datetime | None = None, password: str | None = None) -> Path:
    """Write and sign ``signoffs/<role>.json``; returns its path."""
    release_dir = Path(release_dir)
    if decision not in DECISIONS:
        raise UsageError(f"--decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    if roles is not None and role not in roles:
        raise UsageError(f"role {role!r} is not a sign-off role of this release",
                         hint="roles: " + ", ".join(roles))
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", role):
        raise UsageError(f"role {role!r} must be lowercase letters, digits, '-' or '_'")
    if not name.strip():
        raise UsageError("--name must not be empty")
    ident = release_identity(release_dir)
    key = load_private_key(key_path, password)
    when = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    statement = {
        "_type": STATEMENT_TYPE,
        "project": ident["project"],
        "version": ident["version"],
        "subject": {"name": SUMS_NAME, "digest": {"sha256": ident["sha256sums"]}},
        "role": role,
        "name": name.strip(),
        "decision": decision,
        "comment": comment,
        "date": when,
    }
    data = canonical_json(statement)
    sig = _sign(key, data)
    out = release_dir / SIGNOFF_DIR / f"{role}.json"
    write_bytes(out, data)
    write_text(out.with_name(out.name + ".sig"), base64.b64encode(sig).decode() + "\n")
    write_bytes(out.with_name(out.name + ".sigstore.json"), canonical_json(bundle(data, sig, key_hint(key.public_key()))))
    write_signer_key(release_dir, role, key)
    return out


# --- reading and verifying --------------------------------------------------------------------------------


def _check_one(path: Path, ident: dict[str, str] | None, keys: list) -> Signoff:
    role = path.name[: -len(".json")]
    so = Signoff(role=role)
    try:
        data = path.read_bytes()
        st = json.loads(data)
        so.name, so.decision, so.comment, so.date = st["name"], st["decision"], st.get("comment", ""), st["date"]
        digest = st["subject"]["digest"]["sha256"]
        if st.get("_type") != STATEMENT_TYPE or st["role"] != role or st["decision"] not in DECISIONS:
            raise ValueError("not a shipit sign-off statement for this role")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        so.status, so.detail = "invalid", f"unreadable statement: {exc}"
        return so
    if ident is not None and (digest != ident["sha256sums"] or st.get("version") != ident["version"]
                              or st.get("project") != ident["project"]):
        so.status = "invalid"
        so.detail = (f"signed for another release ({st.get('project')} {st.get('version')}, "
                     f"SHA256SUMS sha256 {digest[:12]}…) — this release's SHA256SUMS is "
                     f"{ident['sha256sums'][:12]}…")
        return so
    try:
        sig = base64.b64decode(path.with_name(path.name + ".sig").read_text().strip(), validate=True)
        bundle_doc = json.loads(path.with_name(path.name + ".sigstore.json").read_text())
        so.keyid = bundle_doc["verificationMaterial"]["publicKey"]["hint"]
        if base64.b64decode(bundle_doc["messageSignature"]["signature"]) != sig:
            raise ValueError("the .sig and the Sigstore bundle carry different signatures")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        so.status, so.detail = "invalid", f"signature files: {exc}"
        return so
    if not keys:
        so.status, so.detail = "unverified", "bound to this release; no public key given to check the signature"
        return so
    if any(_verify(k, sig, data) for k in keys):
        so.status, so.detail = "valid", "signature verified, bound to this release's SHA256SUMS"
    else:
        so.status, so.detail = "invalid", "signature does not verify with the given public key(s) (tampered?)"
    return so


def load_signoffs(release_dir: Path, public_keys: list | None = None) -> dict[str, Signoff]:
    """Every sign-off in the release, by role, each with its verification status."""
    directory = Path(release_dir) / SIGNOFF_DIR
    if not directory.is_dir():
        return {}
    try:
        ident = release_identity(release_dir)
    except ShipitError:
        ident = None
    return {p.name[:-5]: _check_one(p, ident, public_keys or []) for p in sorted(directory.glob("*.json"))
            if not p.name.endswith(".sigstore.json")}


def default_public_keys(release_dir: Path, key_paths: list[Path] | None) -> list:
    """The keys given, else the release's own ``cosign.pub`` if it ships one."""
    paths = list(key_paths or [])
    if not paths and (Path(release_dir) / "cosign.pub").is_file():
        paths = [Path(release_dir) / "cosign.pub"]
    return [load_public_key(p) for p in paths]


def signer_keys(release_dir: Path) -> list[Path]:
    """The public keys signers left in ``signoffs/keys/`` (self-declared: fine for showing a signature on
    the site, not a trust anchor — ``shipit status``/``verify`` take trusted keys with --key)."""
    return sorted((Path(release_dir) / SIGNOFF_DIR / "keys").glob("*.pub"))


def write_signer_key(release_dir: Path, role: str, private_key) -> Path:
    from cryptography.hazmat.primitives import serialization

    pem = private_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                serialization.PublicFormat.SubjectPublicKeyInfo)
    return write_bytes(Path(release_dir) / SIGNOFF_DIR / "keys" / f"{role}.pub", pem)


def verify_signoffs(release_dir: Path, public_keys: list | None = None) -> list[Check]:
    """One check per sign-off file: bound to this release's SHA256SUMS and signed by one of the keys."""
    checks = []
    for role, so in load_signoffs(release_dir, public_keys).items():
        ok = so.status == "valid" or (so.status == "unverified" and not public_keys)
        checks.append(Check(f"sign-off {role} ({so.decision or '?'} by {so.name or '?'})", ok, so.detail))
    return checks


def table(roles: list[str], signoffs: dict[str, Signoff]) -> list[Signoff]:
    """One row per required role (blank when not signed), then any extra roles that signed."""
    rows = [signoffs.get(r, Signoff(role=r)) for r in roles]
    rows += [signoffs[r] for r in sorted(signoffs) if r not in roles]
    return rows
