"""Sign-offs: a named person approves or rejects a release for a role, bound to the release's SHA256SUMS.

Files (under ``<release>/signoffs/``, which SHA256SUMS does not cover):

* ``<role>.json``               the statement (canonical JSON): role, name, decision, comment, date, and the
                                 subject ``SHA256SUMS`` with its sha256 — a sign-off for another build
                                 names another digest and fails verification;
* ``<role>.json.sig``           base64 DER ECDSA P-256 signature over the statement's bytes (what
                                 ``cosign sign-blob --key`` writes; ``openssl dgst -sha256 -verify`` checks it);
* ``<role>.json.sigstore.json`` the same signature as a Sigstore bundle v0.3 (key-based, messageSignature);
* ``keys/<role>.pub``           the signer's public key, self-declared (shown on the site, never trusted);
* ``history/<role>/<date>.json`` (``.sig``, ``.sigstore.json``) every earlier decision for the role, moved
                                 there when the role signs again: the top-level ``<role>.json`` is the
                                 latest decision (what the go/no-go uses), the history keeps the others.

Signing and bundle checks go through :mod:`shipit.signing` and :class:`shipit.signing.trust.Trust`, exactly like
the release's own ``SHA256SUMS.sig``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from shipit.core.artifacts import load_manifest
from shipit.core.checksums import SUMS_NAME
from shipit.core.errors import ShipitError, UsageError
from shipit.core.files import canonical_json, sha256_file, write_bytes
from shipit.signing.key import KeySigner
from shipit.signing.keys import load_private_key_file, load_public_key_file, public_pem
from shipit.signing.trust import Trust

SIGNOFF_DIR = "signoffs"
STATEMENT_TYPE = "shipit.signoff/v1"
DECISIONS = ("approve", "reject")


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
    trust: str = ""  # pinned | given | declared: which key verified the signature
    detail: str = ""
    path: str = ""  # the statement, relative to the release

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- keys and signatures (shipit.signing: cosign key files, Sigstore bundles) -------------------------


def load_private_key(path: Path, password: str | None = None):
    """A cosign key file or PKCS#8 PEM; the password comes from SHIPIT_KEY_PASSWORD / COSIGN_PASSWORD."""
    return load_private_key_file(path, password.encode() if password is not None else None)


def load_public_key(path: Path):
    return load_public_key_file(path)


def trust_of(key) -> Trust:
    """A :class:`Trust` for a public key (Trust objects pass through)."""
    return key if isinstance(key, Trust) else Trust(public_key=key)


# --- the release a sign-off binds to ----------------------------------------------------------------------


def release_identity(release_dir: Path) -> dict[str, str]:
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
    # Signed like SHA256SUMS: cosign's .sig (base64 DER ECDSA P-256) and a Sigstore bundle v0.3.
    signed = KeySigner(key, source=Path(key_path).name).sign_blob(data)
    out = release_dir / SIGNOFF_DIR / f"{role}.json"
    if out.exists():
        keep_history(release_dir, role)
    write_bytes(out, data)
    write_bytes(out.with_name(out.name + ".sig"), base64.b64encode(signed.signature))
    write_bytes(out.with_name(out.name + ".sigstore.json"), canonical_json(signed.bundle))
    write_signer_key(release_dir, role, key)
    return out


SIGNOFF_FILES = ("", ".sig", ".sigstore.json")
HISTORY_DIR = "history"


def keep_history(release_dir: Path, role: str) -> Path:
    """Move the role's current decision (statement, signature, bundle) into ``history/<role>/`` before it
    is replaced: no decision is ever lost. Named by the statement's date (and a counter on a tie)."""
    current = Path(release_dir) / SIGNOFF_DIR / f"{role}.json"
    try:
        stamp = re.sub(r"[^0-9TZ]", "", json.loads(current.read_bytes()).get("date", "")) or "undated"
    except (OSError, ValueError, AttributeError):
        stamp = "unreadable"
    folder = Path(release_dir) / SIGNOFF_DIR / HISTORY_DIR / role
    folder.mkdir(parents=True, exist_ok=True)
    n, dest = 1, folder / f"{stamp}.json"
    while dest.exists():
        n += 1
        dest = folder / f"{stamp}-{n}.json"
    for suffix in SIGNOFF_FILES:
        src = current.with_name(current.name + suffix)
        if src.exists():
            src.rename(dest.with_name(dest.name + suffix))
    return dest


# --- reading and verifying --------------------------------------------------------------------------------
#
# Which keys a role's sign-off must verify with, strongest first:
#   pinned    signoff-keys/<role>.pub inside the release (site.signoff.keys), covered by SHA256SUMS and so
#             by the release signature — only that key is accepted for the role;
#   given     the trust anchors passed in (`shipit status --key`, `shipit verify --key`);
#   declared  signoffs/keys/<role>.pub, written by the signer next to the sign-off. Anyone who can write
#             the sign-off can write it, so it only shows on the signed-off site that the signature
#             matches the signer's own key; it never makes a release a go.

PINNED_DIR = "signoff-keys"


def pinned_key(release_dir: Path, role: str) -> Path | None:
    p = Path(release_dir) / PINNED_DIR / f"{role}.pub"
    return p if p.is_file() else None


def _check_one(release_dir: Path, path: Path, ident: dict[str, str] | None, anchors: list,
               declared: bool, role: str | None = None) -> Signoff:
    role = role or path.name[: -len(".json")]
    so = Signoff(role=role, path=Path(path).relative_to(release_dir).as_posix())
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
        so.keyid = ((bundle_doc.get("verificationMaterial") or {}).get("publicKey") or {}).get("hint", "")
        if base64.b64decode(bundle_doc["messageSignature"]["signature"]) != sig:
            raise ValueError("the .sig and the Sigstore bundle carry different signatures")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        so.status, so.detail = "invalid", f"signature files: {exc}"
        return so
    pinned = pinned_key(release_dir, role)
    if pinned is not None:
        candidates = [("pinned", trust_of(load_public_key(pinned)))]
    else:
        candidates = [("given", trust_of(k)) for k in anchors]
        own = Path(release_dir) / SIGNOFF_DIR / "keys" / f"{role}.pub"
        if declared and not anchors and own.is_file():  # only says something when no trusted key was given
            candidates.append(("declared", trust_of(load_public_key(own))))
    if not candidates:
        so.status, so.detail = "unverified", "bound to this release; no public key given to check the signature"
        return so
    digest_bytes = hashlib.sha256(data).digest()
    reasons = []
    for how, trust in candidates:
        ok, why = trust.verify_digest_bundle(digest_bytes, bundle_doc, str(path))
        if ok:
            so.trust = how
            if how == "declared":
                so.status = "unverified"
                so.detail = "signature matches the signer's own key (not pinned in the release)"
            else:
                so.status = "valid"
                so.detail = ("signature verified with the key pinned in the release" if how == "pinned"
                             else "signature verified") + ", bound to this release's SHA256SUMS"
            return so
        reasons.append(why)
    so.status = "invalid"
    so.detail = f"signature does not verify: {reasons[0]} (tampered, or signed with another key?)"
    return so


def load_signoffs(release_dir: Path, anchors: list | None = None, *, declared: bool = False) -> dict[str, Signoff]:
    """Every sign-off in the release, by role, each with its verification status (see the key order above).
    ``anchors``: public keys or :class:`Trust` objects."""
    directory = Path(release_dir) / SIGNOFF_DIR
    if not directory.is_dir():
        return {}
    try:
        ident = release_identity(release_dir)
    except ShipitError:
        ident = None
    return {p.name[:-5]: _check_one(Path(release_dir), p, ident, list(anchors or []), declared)
            for p in sorted(directory.glob("*.json")) if not p.name.endswith(".sigstore.json")}


def load_history(release_dir: Path, anchors: list | None = None, *, declared: bool = False) -> dict[str, list[Signoff]]:
    """Every earlier decision per role (``history/<role>/``), newest first, each verified like the latest."""
    base = Path(release_dir) / SIGNOFF_DIR / HISTORY_DIR
    if not base.is_dir():
        return {}
    try:
        ident = release_identity(release_dir)
    except ShipitError:
        ident = None
    out: dict[str, list[Signoff]] = {}
    for folder in sorted(p for p in base.iterdir() if p.is_dir()):
        entries = [_check_one(Path(release_dir), p, ident, list(anchors or []), declared, role=folder.name)
                   for p in sorted(folder.glob("*.json")) if not p.name.endswith(".sigstore.json")]
        out[folder.name] = sorted(entries, key=_history_order, reverse=True)
    return out


def _history_order(so: Signoff) -> tuple[str, int]:
    """By the statement's date, then by the counter keep_history adds on a tie (<date>-2.json is newer)."""
    m = re.search(r"-(\d+)\.json$", so.path)
    return so.date, int(m.group(1)) if m else 1


def shared_keys(signoffs: dict[str, Signoff] | list[Signoff]) -> dict[str, list[str]]:
    """Signing keys (bundle key hints) that signed the latest decision of more than one role."""
    rows = signoffs.values() if isinstance(signoffs, dict) else signoffs
    by_key: dict[str, list[str]] = {}
    for so in rows:
        if so.keyid and so.status != "missing":
            by_key.setdefault(so.keyid, []).append(so.role)
    return {k: sorted(roles) for k, roles in by_key.items() if len(roles) > 1}


def signer_keys(release_dir: Path) -> list[Path]:
    """The public keys signers left in ``signoffs/keys/`` (self-declared, see above)."""
    return sorted((Path(release_dir) / SIGNOFF_DIR / "keys").glob("*.pub"))


def write_signer_key(release_dir: Path, role: str, private_key) -> Path:
    return write_bytes(Path(release_dir) / SIGNOFF_DIR / "keys" / f"{role}.pub", public_pem(private_key))


def default_public_keys(release_dir: Path, key_paths: list[Path] | None) -> list:
    return [load_public_key(p) for p in key_paths or []]


def signoff_check(role: str, so: Signoff) -> Check:
    return Check(f"sign-off {role} ({so.decision or '?'} by {so.name or '?'})", so.status == "valid", so.detail)


def verify_signoffs(release_dir: Path, public_keys: list | None = None) -> list[Check]:
    """One check per sign-off file, the history included: bound to this release's SHA256SUMS and signed by
    the role's pinned key, else by one of ``public_keys`` (keys or Trust objects)."""
    checks = [signoff_check(role, so) for role, so in load_signoffs(release_dir, public_keys).items()]
    for role, entries in load_history(release_dir, public_keys).items():
        for so in entries:
            c = signoff_check(role, so)
            checks.append(Check(f"earlier {c.name}, {so.date or so.path}", c.ok, c.detail))
    return checks


def table(roles: list[str], signoffs: dict[str, Signoff]) -> list[Signoff]:
    """One row per required role (blank when not signed), then any extra roles that signed."""
    rows = [signoffs.get(r, Signoff(role=r)) for r in roles]
    rows += [signoffs[r] for r in sorted(signoffs) if r not in roles]
    return rows
