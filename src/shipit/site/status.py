"""Go / no-go: every stage passed, every gate met, every required role approved, no rejection."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipit.core.artifacts import load_manifest
from shipit.core.checksums import SUMS_NAME, hash_files, parse_sums
from shipit.site.record import load_handoff
from shipit.site.signatures import fingerprint_of_hint, key_fingerprint
from shipit.site.signoff import (
    Check,
    Signoff,
    default_public_keys,
    load_history,
    load_signoffs,
    pinned_key,
    shared_keys,
    table,
)


@dataclass
class Decision:
    go: bool
    checks: list[Check] = field(default_factory=list)
    signoffs: list[Signoff] = field(default_factory=list)
    unsigned: str = ""  # why nothing signs SHA256SUMS ("" when it is signed)
    warnings: list[str] = field(default_factory=list)  # worth a look, never a no-go by themselves
    history: dict[str, list[Signoff]] = field(default_factory=dict)  # earlier decisions per role, newest first
    trust: str = ""  # which keys the sign-off signatures were checked with

    @property
    def label(self) -> str:
        return "GO" if self.go else "NO-GO"

    @property
    def reasons(self) -> list[str]:
        return [f"{c.name}: {c.detail}" for c in self.checks if not c.ok]

    def as_dict(self) -> dict[str, Any]:
        return {"go": self.go, "decision": self.label, "signed": not self.unsigned, "unsigned": self.unsigned,
                "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in self.checks],
                "signoffs": [s.as_dict() for s in self.signoffs],
                "warnings": list(self.warnings),
                "history": {role: [s.as_dict() for s in rows] for role, rows in sorted(self.history.items())},
                "trust": self.trust}


def decide(stages: list[dict[str, Any]], evidence: dict[str, Any] | None, roles: list[str],
           signoffs: dict[str, Signoff], snapshot: bool = False, extra: list[Check] | None = None) -> Decision:
    checks: list[Check] = []
    if snapshot:
        checks.append(Check("release kind", False, "a --snapshot build is never a go"))
    for st in sorted(stages, key=lambda s: s["name"]):
        if st["status"] == "passed":
            checks.append(Check(f"stage {st['name']}", True, "passed"))
        elif st["status"] == "skipped" and st.get("reason") != "skipped with --skip":
            checks.append(Check(f"stage {st['name']}", True, f"not configured ({st.get('reason', '')})"))
        else:
            checks.append(Check(f"stage {st['name']}", False, f"{st['status']}: {st.get('reason', '')}"))
    if evidence is None:
        checks.append(Check("validation gates", True, "no evidence: section configured, no gates to meet"))
    for gate in (evidence or {}).get("gates", []):
        detail = f"{gate['actual']}{gate.get('unit', '')} (needs {gate['threshold']})" if gate.get("actual") is not None \
            else f"no evidence (needs {gate['threshold']})"
        checks.append(Check(f"gate {gate['name']}", bool(gate["passed"]), detail))
    rows = table(roles, signoffs)
    for so in rows:
        required = so.role in roles
        if so.status == "missing":
            checks.append(Check(f"sign-off {so.role}", False, "awaiting sign-off"))
        elif so.status == "invalid":
            checks.append(Check(f"sign-off {so.role}", False, f"invalid: {so.detail}"))
        elif so.status == "unverified":
            checks.append(Check(f"sign-off {so.role}", False,
                                f"{so.decision} by {so.name}, but the signature was not verified with a trusted "
                                "key (pass --key, or pin the role's key in site.signoff.keys)"))
        elif so.decision == "reject":
            checks.append(Check(f"sign-off {so.role}", False,
                                f"rejected by {so.name}" + (f": {so.comment}" if so.comment else "")))
        else:
            checks.append(Check(f"sign-off {so.role}", True,
                                f"approved by {so.name} on {so.date}" + ("" if required else " (not a required role)")))
    checks += extra or []
    warnings = [f"one key (fingerprint {fingerprint_of_hint(hint) or hint}) signed the sign-offs of "
                f"{', '.join(shared)}: one person or one stolen key decided for several roles"
                for hint, shared in sorted(shared_keys(rows).items())]
    return Decision(go=all(c.ok for c in checks), checks=checks, signoffs=rows, warnings=warnings)


def integrity(release_dir: Path) -> Check:
    """Every file listed in SHA256SUMS is present and unchanged."""
    sums = release_dir / SUMS_NAME
    if not sums.is_file():
        return Check("release integrity", False, f"{SUMS_NAME} is missing")
    listed = parse_sums(sums.read_text(), str(sums))
    missing = [p for p in listed if not (release_dir / p).is_file()]
    if missing:
        return Check("release integrity", False, f"missing: {', '.join(sorted(missing)[:5])}")
    actual = hash_files(release_dir, sorted(listed))
    changed = sorted(p for p in listed if actual[p] != listed[p])
    if changed:
        return Check("release integrity", False, f"changed since release: {', '.join(changed[:5])}")
    return Check("release integrity", True, f"{len(listed)} files match {SUMS_NAME}")


def signed(release_dir: Path) -> bool:
    """Whether the release carries a signature over SHA256SUMS (cosign .sig or a Sigstore bundle)."""
    return any((Path(release_dir) / f"{SUMS_NAME}{suffix}").is_file() for suffix in (".sig", ".sigstore.json"))


def unsigned_reason(release_dir: Path, manifest: dict[str, Any]) -> str:
    if signed(release_dir):
        return ""
    sign = next((s for s in manifest.get("stages", []) if s.get("name") == "sign"), None)
    return f"no signature over {SUMS_NAME}" + (f" (sign stage {sign['status']}: {sign.get('reason', '')})"
                                                if sign and sign.get("status") != "passed" else "")


def release_status(release_dir: Path, key_paths: list[Path] | None = None) -> Decision:
    """The go/no-go of a finished release directory."""
    release_dir = Path(release_dir)
    manifest = load_manifest(release_dir)
    handoff = load_handoff(release_dir)
    evidence = None
    if handoff.get("evidence_configured"):
        try:
            evidence = json.loads((release_dir / "evidence" / "summary.json").read_text())
        except (OSError, ValueError):
            evidence = {"gates": [{"name": "evidence", "passed": False, "actual": None,
                                   "threshold": "evidence/summary.json readable"}]}
    keys = default_public_keys(release_dir, key_paths)
    # declared: a signature that matches only the signer's own key says so (still not a go)
    decision = decide(manifest.get("stages", []), evidence, handoff["roles"],
                      load_signoffs(release_dir, keys, declared=True),
                      snapshot=bool(manifest.get("snapshot")), extra=[integrity(release_dir)])
    decision.history = load_history(release_dir, keys, declared=True)
    decision.trust = trust_description(release_dir, handoff["roles"], keys)
    decision.unsigned = unsigned_reason(release_dir, manifest)
    return decision


def trust_description(release_dir: Path, roles: list[str], keys: list) -> str:
    """Which keys a sign-off had to verify with, in words (shown by the site next to the decision)."""
    pinned = [r for r in roles if pinned_key(release_dir, r) is not None]
    parts = []
    if pinned:
        parts.append("the keys pinned in the release for " + ", ".join(pinned))
    if keys:
        parts.append("the trusted key" + ("s" if len(keys) > 1 else "") + " given (fingerprint "
                     + ", ".join(key_fingerprint(k) for k in keys) + ")")
    return " and ".join(parts) if parts else "no trusted key (none pinned in the release, none given)"
