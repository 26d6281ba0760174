"""Optional second opinion: run ``zizmor --offline --format sarif`` and turn its results into findings."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from shipit.core.errors import ShipitError
from shipit.pipeline.model import Finding

LEVELS = {"error": "error", "warning": "warning", "note": "note", "none": "note"}
EXIT_OK = {0, 10, 11, 12, 13, 14}  # 1x = findings of some severity (zizmor's documented exit codes)


def run(paths: list[Path], project_dir: Path, min_severity: str = "low", *,
        required: bool = False) -> tuple[list[Finding], str, dict]:
    """(findings, status, tool driver facts). ``required``: a missing zizmor is an error rather than a
    skipped check."""
    exe = shutil.which("zizmor")
    if exe is None:
        if required:
            raise ShipitError("pipeline.zizmor.enabled is true but zizmor is not installed",
                              hint="pip install zizmor, or set pipeline.zizmor.enabled: auto")
        return [], "unavailable", {}
    rels = []
    for p in paths:
        try:
            rels.append(Path(p).resolve().relative_to(project_dir.resolve()).as_posix())
        except ValueError:
            rels.append(str(Path(p).resolve()))
    cmd = [exe, "--offline", "--no-progress", "--color", "never", "--format", "sarif",
           "--min-severity", min_severity, *rels]
    try:
        proc = subprocess.run(cmd, cwd=project_dir, capture_output=True, text=True, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return [], f"failed: {exc}", {}
    if proc.returncode not in EXIT_OK:
        detail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return [Finding("zizmor/failed", "warning", rels[0], 0, f"zizmor exited {proc.returncode}: {detail}",
                        "run zizmor --offline on the workflows by hand to see why")], f"failed: exit {proc.returncode}", {}
    try:
        sarif = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        return [], f"failed: unreadable SARIF ({exc})", {}
    findings = parse_sarif(sarif)
    for f in findings:  # zizmor reports paths relative to the enclosing git repository
        f.file = next((r for r in rels if f.file == r or f.file.endswith("/" + r)), f.file)
    driver = (sarif.get("runs") or [{}])[0].get("tool", {}).get("driver", {})
    facts = {k: driver[k] for k in ("name", "version", "semanticVersion", "informationUri") if k in driver}
    facts["rules"] = {str(r.get("id")): r for r in driver.get("rules", []) if isinstance(r, dict) and r.get("id")}
    return findings, "ran", facts


def parse_sarif(sarif: dict) -> list[Finding]:
    out = []
    for run in sarif.get("runs", []):
        rules = {r.get("id"): r for r in run.get("tool", {}).get("driver", {}).get("rules", [])}
        for res in run.get("results", []):
            rule_id = res.get("ruleId") or "zizmor/unknown"
            if not rule_id.startswith("zizmor/"):
                rule_id = f"zizmor/{rule_id}"
            locs = res.get("locations") or [{}]
            phys = locs[0].get("physicalLocation", {})
            region = phys.get("region", {})
            rule = rules.get(res.get("ruleId"), {})
            help_uri = rule.get("helpUri", "")
            out.append(Finding(rule_id, LEVELS.get(res.get("level", "warning"), "warning"),
                               phys.get("artifactLocation", {}).get("uri", ""), int(region.get("startLine") or 0),
                               res.get("message", {}).get("text", ""),
                               f"see {help_uri}" if help_uri else "see zizmor's audit documentation",
                               column=int(region.get("startColumn") or 0), source="zizmor",
                               properties={k: v for k, v in (res.get("properties") or {}).items()
                                           if k.startswith("zizmor/")}))
    return out
