"""The reviewed findings of the real-world corpus (``corpus/<owner>__<repo>/expected.yaml``).

Each expected file lists every finding shipit reports for that project (zizmor off), each judged by a
reviewer: ``verdict: TP`` (the claim is true for these files) or ``FP`` (it is not), with the reason.
``test_corpus.py`` fails when shipit reports a finding that is not listed or misses one that is.

After a change to shipit, ``python3 -m tests.pipelines.corpus_review`` shows what moved;
``--write`` rewrites the files, keeping the verdict and reason of every finding that did not change and
marking new ones ``UNREVIEWED`` (the test fails until someone judges them).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).parent / "corpus"
KEYS = ("rule", "severity", "file", "line", "message")
HEADER = """\
# Every finding `shipit pipeline validate` reports for this project (zizmor off), judged one by one:
# verdict TP = the claim is true for these files, FP = it is not; the reason says why.
# tests/pipelines/test_corpus.py fails when shipit reports a finding missing here or misses one listed.
# Regenerate with `python3 -m tests.pipelines.corpus_review --write` (keeps verdicts of unchanged findings).
"""


def projects() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir() if (p / "SOURCE.yaml").is_file())


def load(project: Path) -> dict[str, Any]:
    from ruamel.yaml import YAML

    path = project / "expected.yaml"
    if not path.is_file():
        return {"files": None, "findings": []}
    data = YAML(typ="safe").load(path.read_text()) or {}
    return {"files": data.get("files"), "findings": list(data.get("findings") or [])}


def current(project: Path, files: list[str] | None = None) -> list[dict[str, Any]]:
    """The findings shipit reports now, as plain dicts of KEYS."""
    from shipit.pipeline.project import load_policy, validate_files

    paths = [project / f for f in files] if files else None
    report = validate_files(load_policy(project / "shipit.yaml"), paths, zizmor=False)
    return [{k: f.as_dict()[k] for k in KEYS} for f in report.findings]


def key(finding: dict[str, Any]) -> tuple:
    return tuple(finding[k] for k in KEYS)


def merge(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """New findings with the verdicts of the old ones that are identical (or differ only in line)."""
    exact = {key(f): f for f in old}
    moved = {(f["rule"], f["severity"], f["file"], f["message"]): f for f in old}
    out = []
    for f in new:
        prior = exact.get(key(f)) or moved.get((f["rule"], f["severity"], f["file"], f["message"]))
        out.append({**f, "verdict": prior["verdict"] if prior else "UNREVIEWED",
                    "reason": prior["reason"] if prior else ""})
    return out


def _q(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def dump(files: list[str] | None, findings: list[dict[str, Any]]) -> str:
    lines = [HEADER.rstrip("\n")]
    if files:
        lines.append("files: [" + ", ".join(_q(f) for f in files) + "]")
    lines.append("findings:" if findings else "findings: []")
    for f in findings:
        lines.append(f"- rule: {_q(f['rule'])}")
        for k in ("severity", "file", "line", "message", "verdict", "reason"):
            lines.append(f"  {k}: {_q(f[k]) if k != 'line' else f[k]}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    write = "--write" in argv
    names = [a for a in argv if not a.startswith("--")]
    changed = 0
    for project in projects():
        if names and not any(n in project.name for n in names):
            continue
        expected = load(project)
        now = current(project, expected["files"])
        merged = merge(expected["findings"], now)
        old_keys = {key(f) for f in expected["findings"]}
        new_keys = {key(f) for f in now}
        if old_keys != new_keys:
            changed += 1
            print(f"== {project.name}")
            for f in expected["findings"]:
                if key(f) not in new_keys:
                    print(f"  - gone  {f['rule']} {f['file']}:{f['line']} {f['message'][:120]}")
            for f in merged:
                if key(f) not in old_keys:
                    print(f"  + {f['verdict']:<10} {f['rule']} {f['file']}:{f['line']} {f['message'][:120]}")
        if write:
            (project / "expected.yaml").write_text(dump(expected["files"], merged))
    print(f"{changed} project(s) changed" + (" (written)" if write and changed else ""))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
    sys.modules.setdefault("rfc3987_syntax", None)
    raise SystemExit(main(sys.argv[1:]))
