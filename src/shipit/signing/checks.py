"""What ``shipit verify`` checks about what the sign stage wrote: the signature over SHA256SUMS, per-file
signatures, the SLSA provenance (its subjects are exactly the release's files and images); and
``shipit verify-blob``. The SBOM attestations are checked with the SBOMs (:mod:`shipit.sbom.checks`)
through :func:`load_statement`.
"""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path
from typing import Any

from shipit.core.checksums import SUMS_NAME
from shipit.core.errors import ShipitError
from shipit.core.files import sha256_file
from shipit.core.verify import CheckResult, Release, fail, ok
from shipit.signing import bundle as sbundle
from shipit.signing import provenance as prov
from shipit.signing.attest import (
    BUNDLE_SUFFIX,
    PROVENANCE,
    PROVENANCE_BUNDLE,
    SIG_SUFFIX,
    sbom_attestation_paths,
)
from shipit.signing.trust import Trust


def allowed(rel: Release) -> set[str]:
    """Files a finished release may hold beyond SHA256SUMS' list: signatures and attestations."""
    out = {SUMS_NAME + SIG_SUFFIX, SUMS_NAME + BUNDLE_SUFFIX, PROVENANCE, PROVENANCE_BUNDLE}
    for path in rel.sums or {}:
        out.update({path + SIG_SUFFIX, path + BUNDLE_SUFFIX})
    for sbom in rel.image_sboms():
        out.update(sbom_attestation_paths(sbom.get("name", ""), (sbom.get("extra") or {}).get("platform")))
    return out


def _verify_blob_pair(rel: Release, trust: Trust, path: str, check: str, required: bool) -> list[CheckResult]:
    sig_rel, bundle_rel = path + SIG_SUFFIX, path + BUNDLE_SUFFIX
    have_sig, have_bundle = sig_rel in rel.digests, bundle_rel in rel.digests
    if not have_sig and not have_bundle:
        return [fail(check, path, "not signed: no .sig or .sigstore.json")] if required else []
    if path not in rel.digests:
        return [fail(check, path, "signature present but the signed file is missing")]
    digest = bytes.fromhex(rel.digests[path])
    out = []
    if not have_bundle:
        out.append(fail(check, bundle_rel, "missing (the .sig has no bundle)"))
    else:
        try:
            doc = sbundle.load_bundle(rel.root / bundle_rel)
            ok, why = trust.verify_digest_bundle(digest, doc, bundle_rel)
        except ShipitError as exc:
            doc, ok, why = None, False, exc.message
        out.append(CheckResult(check, bundle_rel, ok, why))
    if not have_sig:
        out.append(fail(check, sig_rel, "missing (the bundle has no .sig)"))
    else:
        try:
            sig = base64.b64decode((rel.root / sig_rel).read_bytes().strip(), validate=True)
        except (binascii.Error, ValueError):
            out.append(fail(check, sig_rel, "not base64"))
        else:
            if trust.public_key is not None:
                ok, why = trust.verify_raw_signature(digest, sig)
            else:  # keyless: the raw signature must be the one the verified bundle carries
                ok = bool(doc) and sbundle.message_signature(doc, bundle_rel)[1] == sig
                why = "same signature as the verified bundle" if ok else "differs from the bundle's signature"
            out.append(CheckResult(check, sig_rel, ok, why))
    return out


def check_sums_signature(rel: Release, trust: Trust) -> list[CheckResult]:
    """SHA256SUMS.sig and SHA256SUMS.sigstore.json verify over SHA256SUMS."""
    out = _verify_blob_pair(rel, trust, SUMS_NAME, "signature", required=True)
    if all(r.ok for r in out):
        return [ok("signature", "SHA256SUMS.sig and SHA256SUMS.sigstore.json verify", SUMS_NAME)]
    return [r for r in out if not r.ok]


def check_file_signatures(rel: Release, trust: Trust) -> list[CheckResult]:
    """Per-file signatures (signing.artifacts: all): each present pair verifies over its file."""
    out = []
    signed = 0
    for path in sorted(rel.sums or {}):
        res = _verify_blob_pair(rel, trust, path, "file signatures", required=False)
        signed += bool(res)
        out += [r for r in res if not r.ok]
    # a signature for a file SHA256SUMS does not list is caught by the 'files' check
    if not out:
        out.append(ok("file signatures", f"{signed} per-file signatures verify" if signed
                       else "no per-file signatures (signing.artifacts: checksums)"))
    return out


def load_payload(rel: Release, trust: Trust, envelope_rel: str, bundle_rel: str,
                 check: str) -> tuple[bytes | None, list[CheckResult]]:
    """Verify an attestation (its .intoto.jsonl envelope and its bundle); return its signed payload."""
    for p in (envelope_rel, bundle_rel):
        if p not in rel.digests:
            return None, [fail(check, p, "missing")]
    try:
        doc = sbundle.load_bundle(rel.root / bundle_rel)
        lines = [ln for ln in (rel.root / envelope_rel).read_text().splitlines() if ln.strip()]
        if len(lines) != 1:
            return None, [fail(check, envelope_rel, f"expected one DSSE envelope, found {len(lines)} lines")]
        env = json.loads(lines[0])
    except ShipitError as exc:
        return None, [fail(check, bundle_rel, exc.message)]
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return None, [fail(check, envelope_rel, f"not JSON ({exc})")]
    try:
        ok, why, payload = trust.verify_dsse_bundle(doc, bundle_rel)
    except ShipitError as exc:
        ok, why, payload = False, exc.message, b""
    if not ok:
        return None, [fail(check, bundle_rel, why)]
    if doc.get("dsseEnvelope") != env:
        return None, [fail(check, envelope_rel, f"differs from the signed envelope in {bundle_rel}")]
    return payload, []


def parse_statement(payload: bytes, envelope_rel: str, check: str) -> tuple[dict[str, Any] | None, list[CheckResult]]:
    """The in-toto Statement v1 a verified payload holds."""
    try:
        statement = json.loads(payload)
        if statement.get("_type") != prov.STATEMENT_TYPE:
            raise ValueError(f"_type is {statement.get('_type')!r}")
    except (ValueError, AttributeError) as exc:
        return None, [fail(check, envelope_rel, f"payload is not an in-toto Statement v1 ({exc})")]
    return statement, []


def load_statement(rel: Release, trust: Trust, envelope_rel: str, bundle_rel: str, check: str,
                    subject: str) -> tuple[dict[str, Any] | None, list[CheckResult]]:
    """Verify an attestation (its .intoto.jsonl envelope and its bundle); return its statement."""
    payload, problems = load_payload(rel, trust, envelope_rel, bundle_rel, check)
    if payload is None:
        return None, problems
    return parse_statement(payload, envelope_rel, check)


def subject_map(statement: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {s.get("name", ""): s.get("digest", {}) for s in statement.get("subject", []) if isinstance(s, dict)}


def check_provenance(rel: Release, trust: Trust) -> list[CheckResult]:
    """The SLSA provenance verifies and its subjects are exactly the release's files and images."""
    name = "provenance"
    statement, problems = load_statement(rel, trust, PROVENANCE, PROVENANCE_BUNDLE, name, "")
    if statement is None:
        return problems
    out = []
    if statement.get("predicateType") != prov.SLSA_PREDICATE_TYPE:
        out.append(fail(name, PROVENANCE, f"predicateType is {statement.get('predicateType')!r}"))
    subjects = subject_map(statement)
    expected: dict[str, dict[str, str]] = {}
    for path in list(rel.sums or {}) + [SUMS_NAME]:
        if path in rel.digests:
            expected[path] = {"sha256": rel.digests[path]}
    for img_name, art in rel.images().items():
        extra = art.get("extra") or {}
        algo, hexd = prov.split_digest(str(extra.get("manifest_digest", "")))
        expected[img_name] = {algo: hexd}
        for entry in extra.get("platforms") or []:
            if isinstance(entry, dict):
                algo, hexd = prov.split_digest(str(entry.get("manifest_digest", "")))
                expected[prov.platform_subject(img_name, str(entry.get("platform")))] = {algo: hexd}
    for subj in sorted(set(expected) | set(subjects)):
        if subj not in subjects:
            out.append(fail(name, subj, "not a subject of the provenance"))
        elif subj not in expected:
            out.append(fail(name, subj, "provenance subject that is not a file or image of this release"))
        elif subjects[subj] != expected[subj]:
            out.append(fail(name, subj, f"provenance records digest {subjects[subj]}, the release has "
                                         f"{expected[subj]}"))
    if rel.manifest is not None:
        ext = (statement.get("predicate") or {}).get("buildDefinition", {}).get("externalParameters", {})
        if ext.get("version") != rel.manifest.get("version"):
            out.append(fail(name, PROVENANCE, f"version {ext.get('version')!r} differs from manifest.json"))
        cfg_digest = rel.manifest.get("config_digest") or ""
        if cfg_digest:
            algo, hexd = prov.split_digest(cfg_digest)
            if (ext.get("config") or {}).get("digest") != {algo: hexd}:
                out.append(fail(name, PROVENANCE, "config digest differs from manifest.json"))
    if not out:
        out.append(ok(name, f"signature verified; {len(subjects)} subjects match the release's files and images",
                       PROVENANCE))
    return out



CHECKS = [("signature", check_sums_signature), ("file signatures", check_file_signatures),
          ("provenance", check_provenance)]
ALLOWED = allowed


def verify_blob(path: str | Path, bundle_path: str | Path, trust: Trust) -> CheckResult:
    """One file against its bundle: a messageSignature over it, or a DSSE statement naming its digest."""
    path, bundle_path = Path(path), Path(bundle_path)
    try:
        hexd = sha256_file(path)
    except OSError as exc:
        raise ShipitError(f"{path}: cannot read: {exc.strerror}") from None
    doc = sbundle.load_bundle(bundle_path)
    if "dsseEnvelope" in doc:
        ok, why, payload = trust.verify_dsse_bundle(doc, str(bundle_path))
        if ok:
            try:
                subjects = json.loads(payload).get("subject", [])
            except (ValueError, AttributeError):
                return fail("verify-blob", str(path), "attestation payload is not JSON")
            if not any((s.get("digest") or {}).get("sha256") == hexd for s in subjects):
                return fail("verify-blob", str(path), "the attestation verifies but does not name this file's digest")
            why += "; the file's sha256 is a subject"
        return CheckResult("verify-blob", str(path), ok, why)
    ok, why = trust.verify_digest_bundle(bytes.fromhex(hexd), doc, str(bundle_path))
    return CheckResult("verify-blob", str(path), ok, why)
