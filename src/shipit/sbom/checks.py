"""What ``shipit verify`` checks about the SBOMs: each is schema-valid CycloneDX, each image SBOM names
its image's digest and has a signed attestation whose predicate is that SBOM."""

from __future__ import annotations

import json
from typing import Any

from shipit.core.artifacts import Kind
from shipit.core.verify import CheckResult, Release, fail, ok, parallel
from shipit.signing import provenance as prov
from shipit.signing.attest import image_digests, sbom_attestation_paths
from shipit.signing.checks import load_payload, parse_statement, subject_map
from shipit.signing.trust import Trust


def _statement_bytes(statement: dict[str, Any]) -> bytes | None:
    """The bytes the sign stage signs for a statement (:func:`prov.statement_bytes`), made by orjson when
    it is installed: five times faster on a large SBOM, and when its bytes differ (a float written
    otherwise, an integer beyond 64 bits) the attestation is only compared the slow way, never accepted
    by mistake, since the bytes must equal the signed payload."""
    try:
        import orjson
    except ImportError:
        return prov.statement_bytes(statement)
    try:
        return orjson.dumps(statement, option=orjson.OPT_SORT_KEYS)
    except (TypeError, orjson.JSONEncodeError):
        return None


def _validate_cyclonedx(doc: Any) -> str | None:
    from shipit.sbom.validate import problem, schema_for

    spec = doc.get("specVersion") if isinstance(doc, dict) else None
    if not isinstance(spec, str) or schema_for(spec) is None:
        return "not a CycloneDX JSON document (no known specVersion)"
    error = problem(doc, spec)
    return None if error is None else f"invalid CycloneDX {spec}: {error}"


def check_sbom(rel: Release, trust: Trust, art: dict[str, Any]) -> list[CheckResult]:
    """One SBOM: schema-valid; an image SBOM names its image's digest and has a signed attestation."""
    name = "sboms"
    path = art.get("path", "")
    if path not in rel.digests:
        return []  # reported by the files check
    try:
        doc = json.loads((rel.root / path).read_bytes())
    except (ValueError, UnicodeDecodeError) as exc:
        return [fail(name, path, f"not a CycloneDX JSON document (not JSON: {exc})")]
    problem = _validate_cyclonedx(doc)
    if problem:
        return [fail(name, path, problem)]
    image_digest = (art.get("extra") or {}).get("image_digest")
    if not image_digest:
        return [ok(name, "schema-valid", path)]
    img_name = art.get("name", "")
    platform = (art.get("extra") or {}).get("platform")
    label = f"image '{img_name}'" + (f" ({platform})" if platform else "")
    image = rel.images().get(img_name)
    if image is None:
        return [fail(name, path, f"describes image '{img_name}', which is not in this release")]
    expected = image_digests(image.get("extra") or {})
    if platform not in expected:
        return [fail(name, path, f"describes {label}, which has no such platform in this release")]
    if expected[platform] != image_digest:
        return [fail(name, path, f"bound to {image_digest}, but {label} is {expected[platform]}")]
    env_rel, bundle_rel = sbom_attestation_paths(img_name, platform)
    payload, problems = load_payload(rel, trust, env_rel, bundle_rel, name)
    if payload is None:
        return problems
    subject = prov.platform_subject(img_name, platform) if platform else img_name
    verified = f"schema-valid, bound to {image_digest[:19]}…, attestation verified"
    if payload == _statement_bytes(prov.sbom_statement(subject, image_digest, doc)):
        return [ok(name, verified, path)]  # exactly the statement the sign stage makes of this SBOM
    statement, problems = parse_statement(payload, env_rel, name)
    if statement is None:
        return problems
    algo, hexd = prov.split_digest(image_digest)
    if statement.get("predicateType") != prov.CYCLONEDX_PREDICATE_TYPE:
        return [fail(name, env_rel, f"predicateType is {statement.get('predicateType')!r}")]
    if subject_map(statement) != {subject: {algo: hexd}}:
        return [fail(name, env_rel, f"subject is not {label} at {image_digest}")]
    if statement.get("predicate") != doc:
        return [fail(name, env_rel, f"attested SBOM differs from {path}")]
    return [ok(name, verified, path)]


def _missing_platform_sboms(rel: Release) -> list[CheckResult]:
    """Every platform of an image that has SBOMs has its own."""
    described: dict[str, set] = {}
    for art in rel.image_sboms():
        described.setdefault(art.get("name", ""), set()).add((art.get("extra") or {}).get("platform"))
    images = rel.images()
    out = []
    for img_name in sorted(described):
        image = images.get(img_name)
        for platform in sorted(p for p in image_digests((image or {}).get("extra") or {}) if p) if image else []:
            if platform not in described[img_name]:
                out.append(fail("sboms", img_name, f"image '{img_name}' has no SBOM for its platform {platform}"))
    return out


def check_sboms(rel: Release, trust: Trust) -> list[CheckResult]:
    """Each SBOM is schema-valid; each image SBOM names its image's digest and has a signed attestation."""
    out = [r for results in parallel(lambda art: check_sbom(rel, trust, art), rel.artifacts(Kind.SBOM))
           for r in results]
    out += _missing_platform_sboms(rel)
    return out or [ok("sboms", "no SBOMs in this release")]


CHECKS = [("sboms", check_sboms)]
