"""What the Signatures page says: every signature, bundle and attestation of a release with who signed it
(the key's fingerprint, or the certificate's identity and issuer), whether it verifies with the trust the
reader gave, and only the commands that work for this release.

Signatures are written after ``SHA256SUMS``, which covers the site, so the release edition can only say
what the sign stage was set to write (or, loudly, that the release will be unsigned); the signed-off
edition, rebuilt from the finished release, lists what is there.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from pathlib import Path
from typing import Any

from shipit.core.checksums import SUMS_NAME

SIG_SUFFIX = ".sig"
BUNDLE_SUFFIX = ".sigstore.json"
ATTESTATIONS = "attestations"
# Fulcio's certificate extensions naming the OIDC issuer (v2: DER UTF8String; v1: raw bytes).
_ISSUER_V2 = "1.3.6.1.4.1.57264.1.8"
_ISSUER_V1 = "1.3.6.1.4.1.57264.1.1"
# Not part of the release's signatures: the site (covered by SHA256SUMS) and the sign-offs (their own page).
_ELSEWHERE = ("site/", "signoffs/")


def fingerprint_of_hint(hint: str) -> str:
    """A bundle's ``publicKey.hint`` (base64 sha256 of the DER public key) as the hex fingerprint
    ``openssl pkey -pubin -in cosign.pub -outform DER | sha256sum`` prints."""
    try:
        raw = base64.b64decode(hint, validate=True)
    except (binascii.Error, ValueError):
        return ""
    return raw.hex() if len(raw) == 32 else ""


def key_fingerprint(public_key) -> str:
    """The hex sha256 of a public key's DER SubjectPublicKeyInfo."""
    from cryptography.hazmat.primitives import serialization

    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def certificate_identity(der: bytes) -> dict[str, str]:
    """The identity (SAN URI or e-mail) and OIDC issuer of a Fulcio certificate."""
    from cryptography import x509

    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return {"identity": "", "issuer": ""}
    identity = ""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = san.get_values_for_type(x509.UniformResourceIdentifier) + san.get_values_for_type(x509.RFC822Name)
        identity = names[0] if names else ""
    except x509.ExtensionNotFound:
        pass
    issuer = ""
    for ext in cert.extensions:
        if ext.oid.dotted_string == _ISSUER_V2:
            raw = ext.value.value
            # DER UTF8String: tag 0x0c, a one-byte length (issuer URLs are short), the text.
            issuer = raw[2:].decode("utf-8", "replace") if raw[:1] == b"\x0c" else raw.decode("utf-8", "replace")
        elif ext.oid.dotted_string == _ISSUER_V1 and not issuer:
            issuer = ext.value.value.decode("utf-8", "replace")
    return {"identity": identity, "issuer": issuer}


def signer_of(bundle: dict[str, Any]) -> dict[str, str]:
    """Who signed a Sigstore bundle: {mode: key, fingerprint} or {mode: keyless, identity, issuer}."""
    vm = bundle.get("verificationMaterial") or {}
    if "publicKey" in vm:
        hint = (vm.get("publicKey") or {}).get("hint", "")
        return {"mode": "key", "fingerprint": fingerprint_of_hint(hint), "hint": hint}
    raw = ((vm.get("certificate") or {}).get("rawBytes")
           or (((vm.get("x509CertificateChain") or {}).get("certificates") or [{}])[0]).get("rawBytes", ""))
    try:
        der = base64.b64decode(raw, validate=True) if raw else b""
    except (binascii.Error, ValueError):
        der = b""
    ident = certificate_identity(der) if der else {"identity": "", "issuer": ""}
    return {"mode": "keyless", **ident}


def _load(path: Path) -> dict[str, Any] | None:
    try:
        doc = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def _attestation_subject(envelope_path: Path) -> str:
    """What an attestation is about, from its in-toto statement (read, not verified: the status says)."""
    try:
        env = json.loads(envelope_path.read_text().splitlines()[0])
        statement = json.loads(base64.b64decode(env["payload"]))
        subjects = statement.get("subject") or []
        kind = statement.get("predicateType", "")
    except (OSError, ValueError, KeyError, IndexError, TypeError, binascii.Error):
        return "unreadable statement"
    what = "SLSA provenance" if "slsa.dev/provenance" in kind else "CycloneDX SBOM" if "cyclonedx" in kind else kind
    if len(subjects) == 1:
        return f"{what} of {subjects[0].get('name', '')}"
    return f"{what} of {len(subjects)} subjects (every file of the release and its images)"


def _attestation_digest(envelope_path: Path) -> str:
    """The subject digest of a single-subject attestation (an image's SBOM): shown as a digest, apart."""
    try:
        env = json.loads(envelope_path.read_text().splitlines()[0])
        subjects = json.loads(base64.b64decode(env["payload"])).get("subject") or []
        d = (subjects[0].get("digest") or {}).get("sha256", "") if len(subjects) == 1 else ""
    except (OSError, ValueError, KeyError, IndexError, TypeError, AttributeError, binascii.Error):
        return ""
    return f"sha256:{d}" if d else ""


def _verify(root: Path, rel: str, bundle: dict[str, Any], anchors: list) -> tuple[str, str]:
    """(status, detail) of one bundle against the trust anchors given (Trust objects)."""
    if not anchors:
        return "not checked", "no trusted key given (shipit site build --key, shipit signoff --verify-key)"
    reasons = []
    for trust in anchors:
        if "dsseEnvelope" in bundle:
            ok, why, _payload = trust.verify_dsse_bundle(bundle, rel)
        else:
            subject = root / rel[: -len(BUNDLE_SUFFIX)]
            if not subject.is_file():
                return "invalid", f"the signed file {subject.name} is missing"
            digest = hashlib.sha256(subject.read_bytes()).digest()
            ok, why = trust.verify_digest_bundle(digest, bundle, rel)
        if ok:
            return "verified", why
        reasons.append(why)
    return "invalid", reasons[0]


def inventory(root: Path, anchors: list | None = None) -> dict[str, Any]:
    """Every signature file of a finished release (outside site/ and signoffs/), with its signer."""
    root = Path(root)
    files: list[dict[str, Any]] = []
    signers: dict[str, dict[str, str]] = {}
    anchors = list(anchors or [])
    candidates = sorted(p for p in root.rglob("*") if p.is_file())
    for path in candidates:
        rel = path.relative_to(root).as_posix()
        if rel.startswith(_ELSEWHERE):
            continue
        if rel.endswith(BUNDLE_SUFFIX):
            bundle = _load(path)
            if bundle is None:
                files.append({"path": rel, "kind": "Sigstore bundle", "subject": "", "subject_digest": "", "signer": {},
                              "status": "invalid", "detail": "not a JSON Sigstore bundle"})
                continue
            signer = signer_of(bundle)
            key = signer.get("fingerprint") or f"{signer.get('identity', '')} {signer.get('issuer', '')}".strip()
            if key:
                signers[key] = signer
            if rel.startswith(ATTESTATIONS + "/"):
                envelope = path.with_name(path.name[: -len(BUNDLE_SUFFIX)] + ".intoto.jsonl")
                subject = _attestation_subject(envelope) if envelope.is_file() else "attestation"
                digest = _attestation_digest(envelope) if envelope.is_file() else ""
                kind = "Sigstore bundle of the attestation"
            else:
                subject, digest, kind = rel[: -len(BUNDLE_SUFFIX)], "", "Sigstore bundle"
            status, detail = _verify(root, rel, bundle, anchors)
            files.append({"path": rel, "kind": kind, "subject": subject, "subject_digest": digest, "signer": signer,
                          "status": status, "detail": detail})
        elif rel.endswith(SIG_SUFFIX) and (root / rel[: -len(SIG_SUFFIX)]).is_file():
            bundle = _load(root / (rel[: -len(SIG_SUFFIX)] + BUNDLE_SUFFIX)) or {}
            files.append({"path": rel, "kind": "signature (cosign sign-blob format)",
                          "subject": rel[: -len(SIG_SUFFIX)], "subject_digest": "",
                          "signer": signer_of(bundle) if bundle else {},
                          "status": "", "detail": "the same signature as the bundle next to it"})
        elif rel.startswith(ATTESTATIONS + "/") and rel.endswith(".intoto.jsonl"):
            bundle = _load(root / (rel[: -len(".intoto.jsonl")] + BUNDLE_SUFFIX)) or {}
            files.append({"path": rel, "kind": "attestation (DSSE, in-toto)",
                          "subject": _attestation_subject(path), "subject_digest": _attestation_digest(path),
                          "signer": signer_of(bundle) if bundle else {},
                          "status": "", "detail": "verified through its bundle"})
    signed = (root / (SUMS_NAME + SIG_SUFFIX)).is_file() and (root / (SUMS_NAME + BUNDLE_SUFFIX)).is_file()
    modes = sorted({g["mode"] for g in signers.values()})
    return {"signed": signed, "files": files, "signers": list(signers.values()), "trusted": bool(anchors),
            "mode": modes[0] if len(modes) == 1 else "mixed" if modes else "",
            "reason": "" if signed else f"there is no {SUMS_NAME}{SIG_SUFFIX} and {SUMS_NAME}{BUNDLE_SUFFIX} in the release"}


def plan(config_signing: dict[str, Any] | None, unsigned_reason: str, images: list[str]) -> dict[str, Any]:
    """What the sign stage will write, known when the release edition is built (before it runs)."""
    if unsigned_reason:
        return {"signed": False, "reason": unsigned_reason, "files": []}
    mode = (config_signing or {}).get("mode", "key")
    files = [f"{SUMS_NAME}{SIG_SUFFIX}", f"{SUMS_NAME}{BUNDLE_SUFFIX}",
             f"{ATTESTATIONS}/provenance.intoto.jsonl", f"{ATTESTATIONS}/provenance{BUNDLE_SUFFIX}"]
    for name in images:
        files += [f"{ATTESTATIONS}/sbom-{name}.intoto.jsonl", f"{ATTESTATIONS}/sbom-{name}{BUNDLE_SUFFIX}"]
    return {"signed": True, "reason": "", "mode": mode, "files": files,
            "every_file": (config_signing or {}).get("artifacts") == "all"}
