"""Report writers: plain text, JSON, SARIF 2.1.0, Markdown (for the handoff site) and environments.md.

SARIF is built as plain dicts: the format is a small JSON document here, and sarif-om's classes would
still need a second package (jschema-to-python) just to serialise them.
"""

from __future__ import annotations

import json
from typing import Any

from shipit import __version__
from shipit.core.files import canonical_json
from shipit.pipeline.policy import Report, tier_of
from shipit.pipeline.config import EnvironmentConfig, PipelineConfig
from shipit.pipeline.model import RULES, Finding

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def to_text(report: Report) -> str:
    lines = []
    for f in report.active:
        lines.append(f"{f.where}: {f.severity}: [{f.rule}] {f.message}")
        if f.hint:
            lines.append(f"    hint: {f.hint}")
    suppressed = [f for f in report.findings if f.suppressed]
    if suppressed:
        lines.append(f"suppressed ({len(suppressed)}):")
        for f in suppressed:
            lines.append(f"  {f.where}: [{f.rule}] {f.message} — accepted ({f.suppressed['kind']} "
                         f"{f.suppressed['where']}): {f.suppressed['reason']}")
    c = report.counts
    files = ", ".join(report.files)
    lines.append(f"{len(report.files)} file(s) checked ({files}): "
                 f"{c['error']} error(s), {c['warning']} warning(s), {c['note']} note(s)"
                 + (f", {len(suppressed)} suppressed" if suppressed else "")
                 + (f"; zizmor: {report.zizmor}" if report.zizmor != "not run" else ""))
    return "\n".join(lines) + "\n"


def to_json(report: Report) -> str:
    return canonical_json(report.as_dict()).decode()


def _location(f: Finding) -> dict[str, Any]:
    phys: dict[str, Any] = {"artifactLocation": {"uri": f.file, "uriBaseId": "PROJECTROOT"}}
    if f.line:
        phys["region"] = {"startLine": f.line, **({"startColumn": f.column} if f.column else {})}
    return {"physicalLocation": phys}


_RANK = {"note": 0, "warning": 1, "error": 2}


def _run(tool: str, version: str, uri: str | None, findings: list[Finding], files: list[str],
         known: dict[str, dict] | None = None) -> dict[str, Any]:
    """One SARIF run. ``known``: the tool's own rule descriptions (zizmor's), whose level is the one the tool
    reports for that rule's results (zizmor gives each result its level and its rules none)."""
    rule_ids = sorted({f.rule for f in findings} | (set(RULES) if tool == "shipit" else set()))
    rules = []
    for rid in rule_ids:
        levels = [f.severity for f in findings if f.rule == rid]
        if tool == "shipit" or rid in RULES:
            level, text = RULES.get(rid, ("warning", rid))
            rule: dict[str, Any] = {"id": rid, "shortDescription": {"text": text},
                                    "defaultConfiguration": {"level": level}}
        else:
            theirs = dict((known or {}).get(rid) or {})
            rule = {k: v for k, v in theirs.items() if k in ("id", "name", "help", "helpUri", "properties",
                                                             "fullDescription", "shortDescription")}
            rule["id"] = rid
            rule.setdefault("shortDescription", {"text": (theirs.get("help") or {}).get("text") or rid})
            rule["defaultConfiguration"] = {"level": max(levels, key=_RANK.get) if levels else "warning"}
        rules.append(rule)
    index = {r["id"]: i for i, r in enumerate(rules)}
    results = []
    for f in findings:
        result: dict[str, Any] = {"ruleId": f.rule, "ruleIndex": index[f.rule], "level": f.severity,
                                  "message": {"text": f.message + (f". Fix: {f.hint}" if f.hint else "")},
                                  "locations": [_location(f)]}
        if f.properties:
            result["properties"] = dict(f.properties)
        if f.suppressed:
            result["suppressions"] = [{"kind": "inSource" if f.suppressed["kind"] == "inline" else "external",
                                       "status": "accepted", "justification": f.suppressed["reason"],
                                       "location": {"physicalLocation": _suppression_location(f.suppressed)}}]
        results.append(result)
    return {
        "tool": {"driver": {"name": tool, **({"version": version} if version else {}),
                            **({"informationUri": uri} if uri else {}), "rules": rules}},
        "originalUriBaseIds": {"PROJECTROOT": {"description": {"text": "The project directory (where shipit.yaml is)."}}},
        "artifacts": [{"location": {"uri": p, "uriBaseId": "PROJECTROOT"}} for p in files],
        "columnKind": "unicodeCodePoints",
        "results": results,
    }


def _suppression_location(suppressed: dict[str, str]) -> dict[str, Any]:
    where, _, line = suppressed["where"].rpartition(":")
    loc: dict[str, Any] = {"artifactLocation": {"uri": where, "uriBaseId": "PROJECTROOT"}}
    if line.isdigit() and int(line) > 0:
        loc["region"] = {"startLine": int(line)}
    return loc


def to_sarif_dict(report: Report) -> dict[str, Any]:
    ours = [f for f in report.findings if f.source == "shipit"]
    runs = [_run("shipit", __version__, None, ours, report.files)]
    theirs = [f for f in report.findings if f.source == "zizmor"]
    if report.zizmor == "ran" or theirs:
        facts = {k: v for k, v in report.zizmor_driver.items() if k != "rules"}
        run = _run("zizmor", "", None, theirs, [wf.file for wf in report.workflows if wf.platform == "github"],
                   known=report.zizmor_driver.get("rules"))
        run["tool"]["driver"].update(facts)
        runs.append(run)
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": runs}


def to_sarif(report: Report) -> str:
    return canonical_json(to_sarif_dict(report)).decode()


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(report: Report, title: str = "CI/CD pipeline validation") -> str:
    c = report.counts
    verdict = "passed" if report.ok else "FAILED"
    suppressed = [f for f in report.findings if f.suppressed]
    out = [f"# {title}", "",
           f"**Result: {verdict}** — {c['error']} error(s), {c['warning']} warning(s), {c['note']} note(s) in "
           f"{len(report.files)} file(s).", ""]
    out += ["## Files", "", "| file | platform | name |", "| --- | --- | --- |"]
    out += [f"| `{wf.file}` | {wf.platform} | {_cell(wf.name)} |" for wf in report.workflows]
    out += ["", "## Findings", ""]
    if report.active:
        out += ["| severity | rule | where | message | fix |", "| --- | --- | --- | --- | --- |"]
        out += [f"| {f.severity} | `{f.rule}` | `{f.where}` | {_cell(f.message)} | {_cell(f.hint)} |"
                for f in report.active]
    else:
        out.append("No findings.")
    if suppressed:
        out += ["", "## Accepted findings", "",
                ("Reviewed and accepted (inline `# shipit: ignore[...]` or the baseline), with the reason "
                 "given."), "", "| rule | where | message | reason |", "| --- | --- | --- | --- |"]
        out += [f"| `{f.rule}` | `{f.where}` | {_cell(f.message)} | {_cell(f.suppressed['reason'])} |"
                for f in suppressed]
    if report.gates:
        cats = sorted({c for g in report.gates for c in g["gates"]})
        out += ["", "## Gates", "", "Each release/deploy job and the jobs that must pass before it runs.", "",
                "| file | job | " + " | ".join(cats) + " |", "| --- | --- | " + " | ".join("---" for _ in cats) + " |"]
        for g in report.gates:
            cells = [", ".join(g["gates"][c]) or "**missing**" if c in g["gates"] else "n/a" for c in cats]
            out.append(f"| `{g['file']}` | {g['job']} ({', '.join(g['categories'])}) | " + " | ".join(
                _cell(c) for c in cells) + " |")
    out += ["", "## Jobs", "", "| file | job | categories | needs (direct) | environment |",
            "| --- | --- | --- | --- | --- |"]
    for j in report.jobs():
        needs = ", ".join(sorted(n.split("#", 1)[1] for n in j.needs)) or "—"
        out.append(f"| `{j.file}` | {_cell(j.label)} | {', '.join(sorted(j.categories)) or '—'} | {_cell(needs)} "
                   f"| {_cell(j.environment) or '—'} |")
    out += ["", f"zizmor: {report.zizmor}.", ""]
    return "\n".join(out)


def environments_markdown(environments: dict[str, EnvironmentConfig], policy: PipelineConfig | None = None,
                          report: Report | None = None, project: str = "") -> str:
    """``pipeline/environments.md``: per environment, what it needs and who deploys to it (names only)."""
    policy = policy or PipelineConfig()
    deployers: dict[str, list[str]] = {}
    for j in report.jobs() if report else []:
        if j.environment:
            deployers.setdefault(j.environment, []).append(f"`{j.file}` → {j.id}")
    out = [f"# Environments{f' — {project}' if project else ''}", "",
           "Environment-specific configuration from `shipit.yaml`. Secrets are listed by name only; their values "
           "live in the CI platform's secret store.", "",
           "| environment | tier | protected | URL | deployed by |", "| --- | --- | --- | --- | --- |"]
    for name, env in environments.items():
        out.append(f"| [{name}](#{name.lower()}) | {tier_of(name, env, policy)} | {'yes' if env.protected else 'no'} "
                   f"| {_cell(env.url) or '—'} | {_cell(', '.join(deployers.get(name, []))) or '—'} |")
    for name, env in environments.items():
        out += ["", f"## {name}", ""]
        if env.description:
            out += [env.description, ""]
        out.append(f"- Tier: {tier_of(name, env, policy)}; protected: {'yes' if env.protected else 'no'}"
                   + (f"; approvers: {', '.join(env.approvers)}" if env.approvers else ""))
        if env.url:
            out.append(f"- URL: <{env.url}>")
        out += ["", "### Configuration values", ""]
        if env.variables:
            out += ["| variable | value |", "| --- | --- |"]
            out += [f"| `{k}` | `{_cell(json.dumps(v) if not isinstance(v, str) else v)}` |"
                    for k, v in env.variables.items()]
        else:
            out.append("None.")
        out += ["", "### Required variables (provided by the platform)", ""]
        out += [f"- `{v}`" for v in env.required_variables] or ["None."]
        out += ["", "### Secrets (names only)", ""]
        out += [f"- `{s}`" for s in env.secrets] or ["None."]
        out += ["", "### Feature flags", ""]
        if env.feature_flags:
            out += ["| flag | enabled |", "| --- | --- |"]
            out += [f"| `{k}` | {'on' if v else 'off'} |" for k, v in env.feature_flags.items()]
        else:
            out.append("None.")
    return "\n".join(out) + "\n"
