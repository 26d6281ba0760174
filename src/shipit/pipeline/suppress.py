"""Accepting a reviewed finding without turning its rule off: inline comments and a baseline file.

Inline, in the workflow file::

    deploy:            # shipit: ignore[gate-order] tests run in the merge train before every tag
      ...
    # shipit: ignore[unpinned-image] the runner pulls through a digest-pinning mirror
    image: python:3.12

A directive on a line with YAML before it covers that line; on a line of its own it covers the next line;
on (or right above) a job's key it covers every finding about that job; in the comment block at the top of
a file it covers that file (whole-pipeline findings included). ``ignore[a,b]`` names several rules, globs
work (``zizmor/*``), and the text after ``]`` is the reason, which is required.

The baseline (``shipit pipeline validate --write-baseline --reason ...``, read from ``pipeline.baseline``)
lists findings by rule, file and message (the line may move), each with its reason. Suppressed findings
stay in the JSON and SARIF reports, marked as suppressed with their reason; they no longer fail the run.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path

from shipit.core.errors import ConfigError
from shipit.pipeline.model import Finding, Job

DIRECTIVE = re.compile(r"#\s*shipit:\s*ignore\[([^\]]*)\]\s*(.*?)\s*$")
BASELINE_HEADER = ("# shipit pipeline baseline: findings accepted after review, each with its reason.\n"
                   "# Written by `shipit pipeline validate --write-baseline --reason ...`; edit the reasons freely.\n")


@dataclass
class Directive:
    file: str
    line: int
    rules: list[str]
    reason: str
    scope: str  # line | job | file
    target: int | str  # the line, the job id, or the file
    used: bool = False

    def covers(self, rule: str) -> bool:
        return any(fnmatch.fnmatchcase(rule, r) for r in self.rules)


def directives(text: str, rel: str, jobs: list[Job]) -> list[Directive]:
    lines = text.splitlines()
    job_lines = {j.line: j.id for j in jobs if j.file == rel and j.line}
    header = True
    out = []
    for number, raw in enumerate(lines, start=1):
        stripped = raw.strip()
        if header and stripped and not stripped.startswith("#") and stripped not in ("---",):
            header = False
        m = DIRECTIVE.search(raw)
        if not m:
            continue
        rules = [r.strip() for r in m.group(1).split(",") if r.strip()]
        reason = m.group(2).strip()
        own_line = stripped.startswith("#")
        if own_line and header:
            out.append(Directive(rel, number, rules, reason, "file", rel))
            continue
        target_line = number
        if own_line:  # covers the next line that is not a comment
            target_line = next((k for k in range(number + 1, len(lines) + 1)
                                if lines[k - 1].strip() and not lines[k - 1].strip().startswith("#")), number + 1)
        if target_line in job_lines:
            out.append(Directive(rel, number, rules, reason, "job", job_lines[target_line]))
        else:
            out.append(Directive(rel, number, rules, reason, "line", target_line))
    return out


def apply_inline(findings: list[Finding], texts: dict[str, str], jobs: list[Job]) -> list[Finding]:
    """Mark findings covered by a directive; returns findings about the directives themselves."""
    found: list[Directive] = []
    for rel, text in sorted(texts.items()):
        found += directives(text, rel, jobs)
    extra: list[Finding] = []
    valid = []
    for d in found:
        if not d.reason or not d.rules:
            extra.append(Finding("suppression-invalid", "warning", d.file, d.line,
                                 "`# shipit: ignore[...]` needs " + ("a rule id" if not d.rules else "a reason")
                                 + ", so it suppresses nothing",
                                 "write `# shipit: ignore[rule-id] why this finding is accepted`"))
        else:
            valid.append(d)
    for f in findings:
        if f.suppressed:
            continue
        for d in valid:
            if d.file != f.file or not d.covers(f.rule):
                continue
            hit = (d.scope == "file" or (d.scope == "line" and f.line == d.target)
                   or (d.scope == "job" and f.job and f.job == d.target))
            if hit:
                f.suppressed = {"kind": "inline", "reason": d.reason, "where": f"{d.file}:{d.line}"}
                d.used = True
                break
    for d in valid:
        if not d.used:
            extra.append(Finding("suppression-unused", "note", d.file, d.line,
                                 f"`# shipit: ignore[{', '.join(d.rules)}]` matches no finding",
                                 "remove it: the finding it accepted is gone"))
    return extra


@dataclass
class Baseline:
    path: Path
    entries: list[dict] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> Baseline:
        from shipit.core.yamlpos import YamlSyntaxError, line_of, load_yaml

        if not path.is_file():
            raise ConfigError(f"{path}: baseline file not found",
                              hint="write one with `shipit pipeline validate --write-baseline --reason ...`")
        try:
            data = load_yaml(path.read_bytes(), str(path))
        except YamlSyntaxError as exc:
            raise ConfigError(exc.message, hint=exc.hint) from None
        items = data.get("findings") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise ConfigError(f"{path}: expected `findings:` with a list of entries",
                              hint="see docs/pipeline.md, Suppressions")
        entries = []
        for i, item in enumerate(items):
            line = line_of(items, i)
            if not isinstance(item, dict) or not all(isinstance(item.get(k), str) and item.get(k)
                                                     for k in ("rule", "file", "message")):
                raise ConfigError(f"{path}:{line}: a baseline entry needs rule, file and message",
                                  hint="regenerate it with --write-baseline")
            if not str(item.get("reason") or "").strip():
                raise ConfigError(f"{path}:{line}: baseline entry for {item['rule']} in {item['file']} has no reason",
                                  hint="say why the finding is accepted (reason: ...); a baseline without reasons "
                                       "hides problems instead of recording decisions")
            entries.append({k: str(v) for k, v in item.items()} | {"__line__": str(line)})
        return cls(path, entries)

    def apply(self, findings: list[Finding]) -> list[Finding]:
        index = {}
        for e in self.entries:
            index.setdefault(Finding(e["rule"], "", e["file"], 0, e["message"]).fingerprint, e)
        used = set()
        for f in findings:
            if f.suppressed:
                continue
            e = index.get(f.fingerprint)
            if e is not None:
                f.suppressed = {"kind": "baseline", "reason": e["reason"], "where": f"{self.path.name}:{e['__line__']}"}
                used.add(id(e))
        return [Finding("suppression-unused", "note", self.path.name, int(e["__line__"]),
                        f"baseline entry for {e['rule']} in {e['file']} matches no finding",
                        "remove it: the finding it accepted is gone") for e in self.entries if id(e) not in used]


def write_baseline(path: Path, findings: list[Finding], reason: str, old: Baseline | None = None) -> int:
    """Write every unsuppressed finding (and the still-matching entries of ``old``) to ``path``."""
    from shipit.core.files import write_text

    kept = {}
    if old is not None:
        for e in old.entries:
            kept[Finding(e["rule"], "", e["file"], 0, e["message"]).fingerprint] = e
    entries = []
    seen = set()
    for f in findings:
        if f.rule.startswith("suppression-") or (f.suppressed and f.suppressed.get("kind") == "inline"):
            continue
        fp = f.fingerprint
        if fp in seen:
            continue
        seen.add(fp)
        previous = kept.get(fp)
        message = re.sub(r"\s*\(it depends on: [^)]*\)", "", f.message)
        entries.append({"rule": f.rule, "file": f.file, "job": f.job, "message": message,
                        "reason": previous["reason"] if previous else reason})
    lines = [BASELINE_HEADER.rstrip("\n"), "version: 1", "findings:"]
    for e in sorted(entries, key=lambda e: (e["file"], e["rule"], e["message"])):
        lines.append(f"- rule: {_q(e['rule'])}")
        lines.append(f"  file: {_q(e['file'])}")
        if e["job"]:
            lines.append(f"  job: {_q(e['job'])}")
        lines.append(f"  message: {_q(e['message'])}")
        lines.append(f"  reason: {_q(e['reason'])}")
    if not entries:
        lines[-1] = "findings: []"
    write_text(path, "\n".join(lines) + "\n")
    return len(entries)


def _q(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)
