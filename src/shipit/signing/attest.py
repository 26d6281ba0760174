"""What the ``sign`` stage does: choose a signer, sign SHA256SUMS (and optionally every file), write the
SLSA provenance and the SBOM attestations. Runs after ``checksums``; nothing it writes is in SHA256SUMS.

Release layout it adds::

    SHA256SUMS.sig                              base64 DER ECDSA signature (cosign sign-blob format)
    SHA256SUMS.sigstore.json                    Sigstore bundle v0.3 (messageSignature)
    <file>.sig, <file>.sigstore.json            for every file, with signing.artifacts: all
    attestations/provenance.intoto.jsonl        DSSE envelope: in-toto Statement v1 + SLSA provenance v1
    attestations/provenance.sigstore.json       the same envelope as a Sigstore bundle
    attestations/sbom-<image>.intoto.jsonl      DSSE envelope: CycloneDX predicate, subject = image digest
    attestations/sbom-<image>.sigstore.json
"""

from __future__ import annotations

import base64
import json
import os
import sys
from pathlib import Path
from typing import Any

from shipit import __version__
from shipit.core.artifacts import Kind
from shipit.core.checksums import SUMS_NAME, parse_sums
from shipit.core.context import ReleaseContext
from shipit.core.errors import ShipitError
from shipit.core.files import canonical_json, sha256_file, write_bytes
from shipit.signing import provenance as prov
from shipit.signing.dsse import envelope_line
from shipit.signing.interface import Signer
from shipit.signing.key import KeySigner
from shipit.signing.keys import load_private_key_file, password_from_env

ATTESTATIONS_DIR = "attestations"
PROVENANCE = f"{ATTESTATIONS_DIR}/provenance.intoto.jsonl"
PROVENANCE_BUNDLE = f"{ATTESTATIONS_DIR}/provenance.sigstore.json"
SIG_SUFFIX = ".sig"
BUNDLE_SUFFIX = ".sigstore.json"
KEY_ENV = "SHIPIT_SIGNING_KEY"


def sbom_attestation_paths(image_name: str, platform: str | None = None) -> tuple[str, str]:
    """The SBOM attestation of an image (or of one platform of a multi-platform image:
    ``sbom-<image>-<os>-<arch>``, as its SBOM file is named)."""
    stem = image_name + ("-" + platform.replace("/", "-") if platform else "")
    return (f"{ATTESTATIONS_DIR}/sbom-{stem}.intoto.jsonl", f"{ATTESTATIONS_DIR}/sbom-{stem}.sigstore.json")


def image_digests(extra: dict[str, Any]) -> dict[str | None, str]:
    """platform → manifest digest an image SBOM may describe: each platform of a multi-platform image,
    or None → the manifest of a single-platform one."""
    platforms = extra.get("platforms")
    if platforms:
        return {p.get("platform"): p.get("manifest_digest") for p in platforms if isinstance(p, dict)}
    return {None: extra.get("manifest_digest")}


def key_path(config) -> Path | None:
    """The configured private key: $SHIPIT_SIGNING_KEY, else signing.key relative to shipit.yaml."""
    env = os.environ.get(KEY_ENV)
    if env:
        return Path(env).expanduser()
    if config.signing and config.signing.key:
        p = Path(config.signing.key).expanduser()
        return p if p.is_absolute() else config.project_dir / p
    return None


def missing_signer(config) -> str | None:
    """Why no signer is available (None: one is): no key, no password for an encrypted key, no OIDC token."""
    cfg = config.signing
    if cfg is None and not os.environ.get(KEY_ENV):
        return "no signing: section in shipit.yaml (add one with a key from `shipit keygen`)"
    mode = cfg.mode if cfg else "key"
    reason = None
    if mode == "key":
        path = key_path(config)
        if path is None:
            reason = "no signing key configured (set signing.key or $SHIPIT_SIGNING_KEY; create one with `shipit keygen`)"
        elif not path.is_file():
            reason = f"signing key {path} not found (create it with `shipit keygen`)"
        elif _needs_password(path) and password_from_env() is None and not sys.stdin.isatty():
            reason = (f"no password for the signing key {path} (set SHIPIT_KEY_PASSWORD or COSIGN_PASSWORD, "
                      "or run in a terminal to be prompted)")
    else:
        from shipit.signing.keyless import (
            identity_token,  # sigstore-python: heavy, keyless only
        )

        if identity_token(cfg.identity_token_env) is None:
            reason = _no_identity(cfg)
    return reason


def _needs_password(path: Path) -> bool:
    """Whether the key file is encrypted (cosign's format or an encrypted PKCS#8 PEM)."""
    try:
        head = path.read_bytes()[:4096]
    except OSError:
        return False  # reported when the key is loaded
    return any(f"-----BEGIN {label}-----".encode() in head
               for label in ("ENCRYPTED SIGSTORE PRIVATE KEY", "ENCRYPTED COSIGN PRIVATE KEY", "ENCRYPTED PRIVATE KEY"))


def _no_identity(cfg) -> str:
    return (f"keyless signing needs an OIDC identity (${cfg.identity_token_env} or an ambient CI "
            "credential such as GitHub Actions with id-token: write)")


def signing_requested(config) -> bool:
    """A signing: section (or $SHIPIT_SIGNING_KEY) asks for signed releases, unless signing.required is false."""
    if config.signing is not None:
        return config.signing.required
    return bool(os.environ.get(KEY_ENV))


def skip_reason(config) -> str | None:
    """Why the sign stage is skipped: only when signing was not asked for. Asked for (a signing: section with
    required left true, or $SHIPIT_SIGNING_KEY) and impossible, it runs and fails with the reason: fail closed."""
    reason = missing_signer(config)
    if reason is None or signing_requested(config):
        return None
    if config.signing is not None:
        return f"{reason}; signing.required is false, so the release is UNSIGNED"
    return reason


def unsigned_reason(plan) -> str:
    """Why a release of ``plan`` will not be signed; "" when it will be (signing that was asked for either
    signs or fails the release)."""
    if "sign" in plan.skips:
        return "the sign stage was skipped (--skip sign)"
    return skip_reason(plan.config) or ""


def make_signer(config) -> Signer:
    cfg = config.signing
    unsigned_hint = ("a signing: section means the release must be signed; provide what is missing, or set "
                     "signing.required: false to release unsigned (marked UNSIGNED)")
    if cfg is not None and cfg.mode == "keyless":
        from shipit.signing.keyless import (  # sigstore-python: keyless only
            KeylessSigner,
            identity_token,
        )

        token = identity_token(cfg.identity_token_env)  # fetched once: an ambient credential is a network call
        if token is None:
            raise ShipitError(_no_identity(cfg), hint=unsigned_hint)
        trust = cfg.trust_config
        if trust and not Path(trust).is_absolute():
            trust = str(config.project_dir / trust)
        return KeylessSigner(token, trust)
    reason = missing_signer(config)
    if reason:
        raise ShipitError(reason, hint=unsigned_hint)
    path = key_path(config)
    return KeySigner(load_private_key_file(path), source=path.name)


def _image_facts(ctx: ReleaseContext) -> list[dict[str, Any]]:
    images = []
    for art in ctx.artifacts.filter(Kind.IMAGE):
        digest = art.extra.get("manifest_digest")
        if not digest:
            raise ShipitError(f"image artifact {art.path} has no manifest_digest; cannot attest it",
                              hint="this is a bug in the images stage")
        fact: dict[str, Any] = {"name": art.name, "manifest_digest": digest}
        platforms = art.extra.get("platforms")
        if platforms:
            fact["platforms"] = [{"platform": p["platform"], "manifest_digest": p["manifest_digest"]}
                                 for p in platforms]
            fact["bases"] = [_base_fact(p, p["platform"]) for p in platforms]
        else:
            fact["bases"] = [_base_fact(art.extra, None)]
        images.append(fact)
    return images


def _base_fact(record: dict[str, Any], platform: str | None) -> Any:
    """What provenance records of one platform's base: the pinned registry reference (its digest is the
    one the reference names), and the base manifest actually used when that is another (an index's
    platform, or a local base's manifest)."""
    base = record.get("base")
    if not base or base == "scratch":
        return None
    out = []
    pinned, used = record.get("base_pinned"), record.get("base_digest")
    if pinned:
        out.append({"ref": base, "digest": pinned})
    if used and used != pinned:
        out.append({"ref": base, "digest": used, "platform": platform or ""})
    return out or [base]


def build_provenance(ctx: ReleaseContext, digests: dict[str, str]) -> dict[str, Any]:
    """The SLSA provenance statement for a release whose files have ``digests`` (SHA256SUMS included)."""

    images = _image_facts(ctx)
    cfg = ctx.config
    try:
        config_rel = cfg.path.relative_to(Path(ctx.git.root)).as_posix() if ctx.git.root and cfg.path else None
    except ValueError:
        config_rel = None
    return prov.provenance_statement(
        subjects=prov.file_subjects(digests) + prov.image_subjects(images),
        project=cfg.project.name,
        source_url=cfg.project.source_url,
        version=ctx.version.text,
        snapshot=ctx.snapshot,
        config_path=config_rel or (cfg.path.name if cfg.path else "shipit.yaml"),
        config_digest=cfg.digest,
        git=ctx.git.as_dict(),
        base_images=[b for i in images for bases in i["bases"] if bases for b in bases],
        builder_id=cfg.signing.builder_id if cfg.signing else "urn:shipit:builder:local",
        shipit_version=__version__,
        source_date_epoch=ctx.source_date_epoch,
    )


def _write_signed_blob(root: Path, rel: str, signed) -> list[str]:
    write_bytes(root / (rel + SIG_SUFFIX), base64.b64encode(signed.signature))
    write_bytes(root / (rel + BUNDLE_SUFFIX), canonical_json(signed.bundle))
    return [rel + SIG_SUFFIX, rel + BUNDLE_SUFFIX]


def sign_release(ctx: ReleaseContext, signer: Signer) -> list[str]:
    """Write every signature and attestation into ``ctx.work_dir``; returns the written paths."""
    root = ctx.work_dir
    cfg = ctx.config.signing
    sums_path = root / SUMS_NAME
    if not sums_path.is_file():
        raise ShipitError("SHA256SUMS is missing; the sign stage runs after checksums",
                          hint="do not --skip checksums when signing")
    digests = dict(ctx.sha256sums) or parse_sums(sums_path.read_text())
    sums_hex = sha256_file(sums_path)
    written = _write_signed_blob(root, SUMS_NAME, signer.sign_digest(bytes.fromhex(sums_hex)))

    if cfg is not None and cfg.artifacts == "all":
        for rel in sorted(digests):
            written += _write_signed_blob(root, rel, signer.sign_digest(bytes.fromhex(digests[rel])))

    statement = build_provenance(ctx, {**digests, SUMS_NAME: sums_hex})
    signed = signer.sign_statement(prov.statement_bytes(statement))
    write_bytes(ctx.path(PROVENANCE), envelope_line(signed.envelope))
    write_bytes(ctx.path(PROVENANCE_BUNDLE), canonical_json(signed.bundle))
    written += [PROVENANCE, PROVENANCE_BUNDLE]

    written += _attest_sboms(ctx, signer)

    for rel in written:
        kind = Kind.ATTESTATION if rel.startswith(ATTESTATIONS_DIR + "/") else Kind.SIGNATURE
        ctx.artifacts.add(rel, kind, signs=_signed_subject(rel))
    return written


def _signed_subject(rel: str) -> str:
    for suffix in (SIG_SUFFIX, BUNDLE_SUFFIX):
        if rel.endswith(suffix) and not rel.startswith(ATTESTATIONS_DIR + "/"):
            return rel[: -len(suffix)]
    return rel


def _attest_sboms(ctx: ReleaseContext, signer: Signer) -> list[str]:
    images = {a.name: a for a in ctx.artifacts.filter(Kind.IMAGE)}
    written = []
    for sbom in ctx.artifacts.filter(Kind.SBOM):
        image_digest = sbom.extra.get("image_digest")
        if not image_digest:
            continue  # the source SBOM describes the repository, not an image
        platform = sbom.extra.get("platform")
        image = images.get(sbom.name)
        if image is not None:
            expected = image_digests(image.extra).get(platform)
            if expected != image_digest:
                what = f"image '{sbom.name}'" + (f" ({platform})" if platform else "")
                raise ShipitError(f"{sbom.path} describes {image_digest} but {what} is {expected}",
                                  hint="the SBOM was made from another build of the image; rerun the release")
        try:
            doc = json.loads((ctx.work_dir / sbom.path).read_bytes())
        except (OSError, json.JSONDecodeError) as exc:
            raise ShipitError(f"{sbom.path}: cannot read the SBOM to attest it: {exc}") from None
        subject = prov.platform_subject(sbom.name, platform) if platform else sbom.name
        statement = prov.sbom_statement(subject, image_digest, doc)
        signed = signer.sign_statement(prov.statement_bytes(statement))
        env_rel, bundle_rel = sbom_attestation_paths(sbom.name, platform)
        write_bytes(ctx.path(env_rel), envelope_line(signed.envelope))
        write_bytes(ctx.path(bundle_rel), canonical_json(signed.bundle))
        written += [env_rel, bundle_rel]
    return written
