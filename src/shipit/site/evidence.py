"""Validation evidence: parse test, coverage, security-scan and load-test reports, evaluate the gates,
trace requirements to evidence, and write ``evidence/summary.json`` + ``evidence/validation-report.md``.

Parsers: junitparser for JUnit XML, pycobertura for Cobertura / coverage.py XML. SARIF, k6's
``--summary-export`` and Locust's ``*_stats.csv`` are plain JSON/CSV documents read with the standard
library (no maintained parser library exists for them that would add more than a dict lookup).
Any file that cannot be read as its format raises ShipitError naming the file (and line when known).
"""

from __future__ import annotations

import csv
import fnmatch
import glob
import json
import shutil
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from junitparser import Error, Failure, JUnitXml, Skipped, TestSuite
from pycobertura import Cobertura

from shipit.core.errors import ShipitError
from shipit.core.files import write_json, write_text
from shipit.site.config import EvidenceConfig

KINDS = ("junit", "coverage", "sarif", "k6", "locust")


def _bad(path: Path, what: str, detail: str, line: int | None = None) -> ShipitError:
    where = f"{path}:{line}" if line else str(path)
    return ShipitError(f"{where}: not a valid {what} file: {detail}",
                       hint="fix or regenerate the file, or remove it from the evidence: globs in shipit.yaml")


# --- parsers: one function per format, each returning a plain dict -----------------------------------


def parse_junit(path: Path) -> dict[str, Any]:
    try:
        xml = JUnitXml.fromfile(str(path))
    except Exception as exc:  # lxml.etree.XMLSyntaxError / ParseError carry a position
        pos = getattr(exc, "position", None)
        raise _bad(path, "JUnit XML", str(exc).split(" (", 1)[0], pos[0] if pos else None) from None
    suites = [xml] if isinstance(xml, TestSuite) else list(xml)
    if not suites or not all(isinstance(s, TestSuite) for s in suites):
        raise _bad(path, "JUnit XML", "root element must be <testsuites> or <testsuite>")
    cases = []
    for suite in suites:
        for case in suite:
            results = case.result
            if any(isinstance(r, Error) for r in results):
                status = "error"
            elif any(isinstance(r, Failure) for r in results):
                status = "failed"
            elif any(isinstance(r, Skipped) for r in results):
                status = "skipped"
            else:
                status = "passed"
            message = next((r.message or "" for r in results if r.message), "")
            cases.append({"suite": suite.name or "", "classname": case.classname or "", "name": case.name or "",
                          "status": status, "message": message})
    counts = {s: sum(1 for c in cases if c["status"] == s) for s in ("passed", "failed", "error", "skipped")}
    return {"tests": len(cases), **counts, "cases": cases}


def parse_coverage(path: Path) -> dict[str, Any]:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise _bad(path, "coverage XML", exc.msg if hasattr(exc, "msg") else str(exc), exc.position[0]) from None
    if root.tag != "coverage" or root.get("line-rate") is None:
        raise _bad(path, "Cobertura coverage XML", "root must be <coverage line-rate=...>")
    try:
        cov = Cobertura(str(path))
        line_rate = float(cov.line_rate())
        statements, misses = int(cov.total_statements()), int(cov.total_misses())
        branch = root.get("branch-rate")
        files = len(cov.files())
    except Exception as exc:  # re-raised with context: pycobertura fails in many ways on odd XML
        raise _bad(path, "Cobertura coverage XML", f"{type(exc).__name__}: {exc}") from None
    return {"line_percent": round(line_rate * 100, 2), "statements": statements, "missed": misses,
            "branch_percent": round(float(branch) * 100, 2) if branch not in (None, "") else None, "files": files}


SARIF_LEVELS = ("error", "warning", "note", "none")


def parse_sarif(path: Path) -> dict[str, Any]:
    data = _load_json(path, "SARIF")
    if not isinstance(data, dict) or data.get("version") != "2.1.0" or not isinstance(data.get("runs"), list):
        raise _bad(path, "SARIF 2.1.0", "expected an object with version '2.1.0' and a runs array")
    counts = dict.fromkeys(SARIF_LEVELS, 0)
    findings, tools = [], []
    suppressed = 0
    for n, run in enumerate(data["runs"]):
        try:
            driver = run["tool"]["driver"]
            tools.append(driver["name"])
        except (KeyError, TypeError):
            raise _bad(path, "SARIF 2.1.0", f"runs[{n}].tool.driver.name is missing") from None
        rule_levels = {r.get("id"): (r.get("defaultConfiguration") or {}).get("level")
                       for r in driver.get("rules") or [] if isinstance(r, dict)}
        for result in run.get("results") or []:
            # SARIF §3.35: a result with suppressions, none of them under review or rejected, was accepted
            # after review (e.g. `# shipit: ignore[...] reason`): it is not counted against the gates.
            sups = result.get("suppressions") if isinstance(result.get("suppressions"), list) else []
            if sups and all(isinstance(x, dict) and x.get("status", "accepted") == "accepted" for x in sups):
                suppressed += 1
                continue
            # SARIF §3.27.10: level defaults to the rule's configured level, else "warning".
            level = result.get("level") or rule_levels.get(result.get("ruleId")) or "warning"
            if level not in counts:
                raise _bad(path, "SARIF 2.1.0", f"result level {level!r} is not one of {', '.join(SARIF_LEVELS)}")
            counts[level] += 1
            loc = ((result.get("locations") or [{}])[0].get("physicalLocation") or {})
            uri = (loc.get("artifactLocation") or {}).get("uri", "")
            line = (loc.get("region") or {}).get("startLine")
            findings.append({"tool": driver["name"], "rule": result.get("ruleId", ""), "level": level,
                             "message": (result.get("message") or {}).get("text", ""),
                             "location": f"{uri}:{line}" if uri and line else uri})
    return {"tools": sorted(set(tools)), "results": sum(counts.values()), **counts, "suppressed": suppressed,
            "findings": findings}


def parse_k6(path: Path) -> dict[str, Any]:
    data = _load_json(path, "k6 summary")
    try:
        metrics = data["metrics"]
        duration = metrics["http_req_duration"]
        failed = metrics["http_req_failed"]
    except (KeyError, TypeError):
        raise _bad(path, "k6 --summary-export", "expected metrics.http_req_duration and metrics.http_req_failed") \
            from None
    if "p(95)" not in duration:
        raise _bad(path, "k6 --summary-export", "http_req_duration has no p(95) (check summaryTrendStats)")
    # Rate metrics export "value" (k6 >= 0.30 --summary-export); older exports had "rate".
    rate = failed.get("value", failed.get("rate"))
    if not isinstance(rate, (int, float)):
        raise _bad(path, "k6 --summary-export", "http_req_failed has no numeric value")
    reqs = metrics.get("http_reqs", {})
    return {"tool": "k6", "requests": int(reqs.get("count", 0)), "p95_ms": round(float(duration["p(95)"]), 3),
            "avg_ms": round(float(duration.get("avg", 0)), 3), "error_rate": round(float(rate), 6)}


def parse_locust(path: Path) -> dict[str, Any]:
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise _bad(path, "Locust stats CSV", str(exc)) from None
    need = {"Name", "Request Count", "Failure Count", "95%"}
    if not rows or not need <= set(rows[0]):
        raise _bad(path, "Locust stats CSV", "expected columns " + ", ".join(sorted(need)), 1)
    agg = next((r for r in rows if r["Name"] == "Aggregated"), None)
    if agg is None:
        raise _bad(path, "Locust stats CSV", "no 'Aggregated' row")
    try:
        count, failures, p95 = int(agg["Request Count"]), int(agg["Failure Count"]), float(agg["95%"])
    except ValueError as exc:
        raise _bad(path, "Locust stats CSV", f"Aggregated row: {exc}", rows.index(agg) + 2) from None
    return {"tool": "locust", "requests": count, "p95_ms": p95,
            "avg_ms": float(agg.get("Average Response Time") or 0),
            "error_rate": round(failures / count, 6) if count else 0.0}


def _load_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise _bad(path, what, exc.msg, exc.lineno) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _bad(path, what, str(exc)) from None


PARSERS = {"junit": parse_junit, "coverage": parse_coverage, "sarif": parse_sarif, "k6": parse_k6,
           "locust": parse_locust}


# --- collecting, gating, tracing ---------------------------------------------------------------------


@dataclass
class EvidenceFile:
    kind: str
    source: Path  # absolute path in the project
    rel: str  # path relative to the project (shown, and used under evidence/files/)
    data: dict[str, Any]


def find_files(cfg: EvidenceConfig, project_dir: Path) -> list[tuple[str, Path, str]]:
    """(kind, absolute path, project-relative path) for every evidence glob; a glob matching nothing is an error."""
    out: list[tuple[str, Path, str]] = []
    seen: dict[str, str] = {}
    for kind in KINDS:
        for pattern in getattr(cfg, kind):
            matches = sorted(Path(p) for p in glob.glob(str(project_dir / pattern), recursive=True))
            matches = [m for m in matches if m.is_file()]
            if not matches:
                raise ShipitError(f"evidence.{kind}: '{pattern}' matches no file under {project_dir}",
                                  hint="run the validation that produces it first, or fix the glob in shipit.yaml")
            for m in matches:
                try:
                    rel = m.resolve().relative_to(project_dir.resolve()).as_posix()
                except ValueError:
                    raise ShipitError(f"evidence.{kind}: {m} is outside the project directory",
                                      hint="copy the report into the project first") from None
                if rel in seen:
                    raise ShipitError(f"evidence.{kind}: {rel} is already listed as {seen[rel]} evidence",
                                      hint="each evidence file may match only one glob")
                seen[rel] = kind
                out.append((kind, m, rel))
    return out


def collect(cfg: EvidenceConfig, project_dir: Path) -> list[EvidenceFile]:
    return [EvidenceFile(kind, path, rel, PARSERS[kind](path)) for kind, path, rel in find_files(cfg, project_dir)]


def _gate(name: str, description: str, threshold: str, actual: Any, passed: bool | None,
          unit: str = "") -> dict[str, Any]:
    # passed None = no evidence for a configured gate, which fails it. ``actual`` is a number (or None).
    return {"name": name, "description": description, "threshold": threshold, "actual": actual, "unit": unit,
            "passed": bool(passed), "detail": "" if passed is not None else "no evidence of this kind"}


def aggregate(files: list[EvidenceFile]) -> dict[str, Any]:
    by = {k: [f for f in files if f.kind == k] for k in KINDS}
    tests = {s: sum(f.data[s] for f in by["junit"]) for s in ("tests", "passed", "failed", "error", "skipped")}
    statements = sum(f.data["statements"] for f in by["coverage"])
    missed = sum(f.data["missed"] for f in by["coverage"])
    coverage = round(100 * (statements - missed) / statements, 2) if statements else (
        by["coverage"][0].data["line_percent"] if by["coverage"] else None)
    sarif = {lvl: sum(f.data[lvl] for f in by["sarif"]) for lvl in SARIF_LEVELS}
    loads = [f.data for f in by["k6"] + by["locust"]]
    return {
        "tests": tests if by["junit"] else None,
        "coverage_percent": coverage,
        "sarif": sarif if by["sarif"] else None,
        "load": {"p95_ms": max(x["p95_ms"] for x in loads), "error_rate": max(x["error_rate"] for x in loads),
                 "requests": sum(x["requests"] for x in loads)} if loads else None,
    }


def evaluate_gates(cfg: EvidenceConfig, totals: dict[str, Any]) -> list[dict[str, Any]]:
    g = cfg.gates
    out = []
    tests, sarif, load = totals["tests"], totals["sarif"], totals["load"]
    if g.tests_pass:
        bad = None if tests is None else tests["failed"] + tests["error"]
        out.append(_gate("tests_pass", "every test case passed", "0 failed or errored", bad,
                         None if tests is None else bad == 0, " failed or errored"))
    if g.min_tests is not None:
        out.append(_gate("min_tests", "enough test cases ran", f">= {g.min_tests}",
                         None if tests is None else tests["tests"],
                         None if tests is None else tests["tests"] >= g.min_tests))
    if g.min_coverage is not None:
        cov = totals["coverage_percent"]
        out.append(_gate("min_coverage", "line coverage", f">= {g.min_coverage}%", cov,
                         None if cov is None else cov >= g.min_coverage, "%"))
    if g.max_sarif_errors is not None:
        out.append(_gate("max_sarif_errors", "error-level security/lint findings", f"<= {g.max_sarif_errors}",
                         None if sarif is None else sarif["error"],
                         None if sarif is None else sarif["error"] <= g.max_sarif_errors))
    if g.max_sarif_warnings is not None:
        out.append(_gate("max_sarif_warnings", "warning-level findings", f"<= {g.max_sarif_warnings}",
                         None if sarif is None else sarif["warning"],
                         None if sarif is None else sarif["warning"] <= g.max_sarif_warnings))
    if g.max_p95_ms is not None:
        out.append(_gate("max_p95_ms", "load test p95 latency", f"<= {g.max_p95_ms} ms",
                         None if load is None else load["p95_ms"],
                         None if load is None else load["p95_ms"] <= g.max_p95_ms, " ms"))
    if g.max_error_rate is not None:
        out.append(_gate("max_error_rate", "load test error rate", f"<= {g.max_error_rate}",
                         None if load is None else load["error_rate"],
                         None if load is None else load["error_rate"] <= g.max_error_rate))
    return out


def trace(cfg: EvidenceConfig, files: list[EvidenceFile], gates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Requirement → evidence: matching test cases and gates, and whether all of it passed."""
    cases = [(f.rel, c) for f in files if f.kind == "junit" for c in f.data["cases"]]
    gate_by = {g["name"]: g for g in gates}
    out = []
    for req in cfg.requirements:
        evidence, ok = [], True
        for pattern in req.tests:
            hits = [(rel, c) for rel, c in cases
                    if fnmatch.fnmatchcase(f"{c['classname']}.{c['name']}", pattern)
                    or fnmatch.fnmatchcase(c["name"], pattern)]
            if not hits:
                evidence.append({"ref": f"test {pattern}", "source": "", "status": "missing"})
                ok = False
            for rel, c in hits:
                evidence.append({"ref": f"test {c['classname']}.{c['name']}".replace("test .", "test "),
                                 "source": rel, "status": c["status"]})
                ok = ok and c["status"] in ("passed",)
        for name in req.gates:
            g = gate_by.get(name)
            evidence.append({"ref": f"gate {name}", "source": "evidence/summary.json",
                             "status": "missing" if g is None else ("passed" if g["passed"] else "failed")})
            ok = ok and g is not None and g["passed"]
        if not evidence:
            ok = False
        out.append({"id": req.id, "title": req.title, "status": "met" if ok else "not met", "evidence": evidence})
    return out


def summarize(cfg: EvidenceConfig, files: list[EvidenceFile]) -> dict[str, Any]:
    totals = aggregate(files)
    gates = evaluate_gates(cfg, totals)
    reqs = trace(cfg, files, gates)
    return {
        "schema_version": 1,
        "files": [{"kind": f.kind, "path": f"evidence/files/{f.rel}", "source": f.rel,
                   **{k: v for k, v in f.data.items() if k not in ("cases", "findings")}} for f in files],
        "totals": totals,
        "gates": gates,
        "gates_passed": all(g["passed"] for g in gates),
        "requirements": reqs,
        "failing_tests": [{"source": f.rel, **c} for f in files if f.kind == "junit"
                          for c in f.data["cases"] if c["status"] in ("failed", "error")],
        "findings": [{"source": f.rel, **x} for f in files if f.kind == "sarif" for x in f.data["findings"]
                     if x["level"] in ("error", "warning")],
    }


def empty_summary() -> dict[str, Any]:
    return {"schema_version": 1, "files": [], "totals": {"tests": None, "coverage_percent": None, "sarif": None,
                                                         "load": None},
            "gates": [], "gates_passed": True, "requirements": [], "failing_tests": [], "findings": []}


def write_evidence(cfg: EvidenceConfig, project_dir: Path, out_dir: Path, render_report) -> tuple[dict, list[Path]]:
    """Parse, gate, and write evidence/{summary.json,validation-report.md,files/...}; returns (summary, paths)."""
    files = collect(cfg, project_dir)
    summary = summarize(cfg, files)
    written = []
    for f in files:
        dest = out_dir / "files" / f.rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f.source, dest)
        written.append(dest)
    written.append(write_json(out_dir / "summary.json", summary))
    written.append(write_text(out_dir / "validation-report.md", render_report(summary)))
    return summary, written
