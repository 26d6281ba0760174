"""What ``shipit verify`` checks about the SBOMs: each is schema-valid CycloneDX, each image SBOM names
its image's digest and has a signed attestation whose predicate is that SBOM."""

from __future__ import annotations

import importlib
import json
import threading
from pathlib import Path

from shipit.core.artifacts import Kind
from shipit.core.verify import CheckResult, Release, fail, ok
from shipit.signing import provenance as prov
from shipit.signing.attest import image_digests, sbom_attestation_paths
from shipit.signing.checks import load_statement, subject_map
from shipit.signing.trust import Trust


def prefetch_validator(release_dir: Path) -> None:
    """Import the CycloneDX validator in the background while ``shipit verify`` hashes the files: importing
    jsonschema's format checkers costs ~2 s of CPU here (rfc3987-syntax builds its grammars at import)."""
    try:
        has_sboms = b'"kind": "sbom"' in (release_dir / "manifest.json").read_bytes()
    except OSError:
        return
    if has_sboms:
        threading.Thread(target=importlib.import_module, args=("cyclonedx.validation.json",), daemon=True).start()


def _validate_cyclonedx(text: str) -> str | None:
    from cyclonedx.schema import SchemaVersion  # imported late: see prefetch_validator

    from shipit.sbom.bom import validator

    try:
        spec = json.loads(text).get("specVersion", "")
        version = SchemaVersion.from_version(spec)
    except (ValueError, AttributeError):
        return "not a CycloneDX JSON document (no known specVersion)"
    error = validator(version).validate_str(text)
    return None if error is None else f"invalid CycloneDX {spec}: {str(error).splitlines()[0]}"


def check_sboms(rel: Release, trust: Trust) -> list[CheckResult]:
    """Each SBOM is schema-valid; each image SBOM names its image's digest and has a signed attestation."""
    name = "sboms"
    out = []
    images = rel.images()
    for art in rel.artifacts(Kind.SBOM):
        path = art.get("path", "")
        if path not in rel.digests:
            continue  # reported by the files check
        text = (rel.root / path).read_text(errors="replace")
        problem = _validate_cyclonedx(text)
        if problem:
            out.append(fail(name, path, problem))
            continue
        image_digest = (art.get("extra") or {}).get("image_digest")
        if not image_digest:
            out.append(ok(name, "schema-valid", path))
            continue
        img_name = art.get("name", "")
        platform = (art.get("extra") or {}).get("platform")
        label = f"image '{img_name}'" + (f" ({platform})" if platform else "")
        image = images.get(img_name)
        if image is None:
            out.append(fail(name, path, f"describes image '{img_name}', which is not in this release"))
            continue
        expected = image_digests(image.get("extra") or {})
        if platform not in expected:
            out.append(fail(name, path, f"describes {label}, which has no such platform in this release"))
            continue
        if expected[platform] != image_digest:
            out.append(fail(name, path, f"bound to {image_digest}, but {label} is {expected[platform]}"))
            continue
        env_rel, bundle_rel = sbom_attestation_paths(img_name, platform)
        statement, problems = load_statement(rel, trust, env_rel, bundle_rel, name, img_name)
        if statement is None:
            out += problems
            continue
        algo, hexd = prov.split_digest(image_digest)
        subject = prov.platform_subject(img_name, platform) if platform else img_name
        if statement.get("predicateType") != prov.CYCLONEDX_PREDICATE_TYPE:
            out.append(fail(name, env_rel, f"predicateType is {statement.get('predicateType')!r}"))
        elif subject_map(statement) != {subject: {algo: hexd}}:
            out.append(fail(name, env_rel, f"subject is not {label} at {image_digest}"))
        elif statement.get("predicate") != json.loads(text):
            out.append(fail(name, env_rel, f"attested SBOM differs from {path}"))
        else:
            out.append(ok(name, f"schema-valid, bound to {image_digest[:19]}…, attestation verified", path))
    described: dict[str, set] = {}
    for art in rel.image_sboms():
        described.setdefault(art.get("name", ""), set()).add((art.get("extra") or {}).get("platform"))
    for img_name in sorted(described):
        image = images.get(img_name)
        for platform in sorted(p for p in image_digests((image or {}).get("extra") or {}) if p) if image else []:
            if platform not in described[img_name]:
                out.append(fail(name, img_name, f"image '{img_name}' has no SBOM for its platform {platform}"))
    return out or [ok(name, "no SBOMs in this release")]



CHECKS = [("sboms", check_sboms)]
PREPARE = prefetch_validator
