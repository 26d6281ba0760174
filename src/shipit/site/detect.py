"""``shipit init``'s look for validation evidence: the test and coverage reports the project's CI writes
(GitLab ``artifacts:reports``, pytest's ``--junitxml`` / ``--cov-report xml``, ``coverage xml -o``, SARIF
uploads), found in CI files, tox/nox, pytest settings and the shell scripts CI runs."""

from __future__ import annotations

import configparser
import re
import tomllib

from shipit.core.detect import Dependencies, Detection, ProjectTree, ci_files
from shipit.core.yamlpos import YamlSyntaxError, load_yaml, plain

_JUNIT = re.compile(r"--junit-?xml(?:=|\s+)([^\s'\"]+)")
_COV_REPORT = re.compile(r"--cov-report(?:=|\s+)['\"]?xml(?::([^\s'\"]+))?")
_COVERAGE_XML = re.compile(r"\bcoverage\s+xml\b([^\n]*)")
_SARIF = re.compile(r"(?:sarif_file:\s*|--sarif(?:-output)?(?:=|\s+)|(?:-o|--output)(?:=|\s+))['\"]?([^\s'\"]+\.sarif)")
KINDS = ("junit", "coverage", "sarif")


def _usable(path: str) -> bool:
    return bool(path) and "$" not in path and "{" not in path and not path.startswith("/")


def _clean(path: str) -> str:
    path = path.strip().strip("'\"").rstrip(",;)")
    return path.removeprefix("./")


def scan_text(text: str, rel: str, found: dict[str, dict[str, str]]) -> None:
    """Report paths named by command lines in ``text`` (a CI file, tox.ini, a script, pytest addopts)."""
    def add(kind: str, path: str, offset: int) -> None:
        path = _clean(path)
        if _usable(path):
            found[kind].setdefault(path, f"{rel}:{text.count(chr(10), 0, offset) + 1}")

    for m in _JUNIT.finditer(text):
        add("junit", m.group(1), m.start())
    for m in _COV_REPORT.finditer(text):
        add("coverage", m.group(1) or "coverage.xml", m.start())
    for m in _COVERAGE_XML.finditer(text):
        rest = re.search(r"-o\s*([^\s'\"]+)", m.group(1))
        add("coverage", rest.group(1) if rest else "coverage.xml", m.start())
    for m in _SARIF.finditer(text):
        add("sarif", m.group(1), m.start())


def _gitlab_reports(text: str, found: dict[str, dict[str, str]]) -> None:
    try:
        doc = plain(load_yaml(text, ".gitlab-ci.yml"))
    except (YamlSyntaxError, ValueError, TypeError):
        return
    for job, body in (doc or {}).items() if isinstance(doc, dict) else []:
        reports = ((body or {}).get("artifacts") or {}).get("reports") if isinstance(body, dict) else None
        if not isinstance(reports, dict):
            continue
        line = _line(text, f"\n{job}:")
        junit = reports.get("junit")
        for path in [junit] if isinstance(junit, str) else (junit or []):
            if isinstance(path, str) and _usable(_clean(path)):
                found["junit"].setdefault(_clean(path), f".gitlab-ci.yml:{line} job {job}: artifacts:reports:junit")
        cov = reports.get("coverage_report")
        if isinstance(cov, dict) and isinstance(cov.get("path"), str) and _usable(_clean(cov["path"])):
            fmt = cov.get("coverage_format", "")
            found["coverage"].setdefault(_clean(cov["path"]), f".gitlab-ci.yml:{line} job {job}: "
                                                              f"artifacts:reports:coverage_report ({fmt})")


def _line(text: str, needle: str) -> int:
    i = text.find(needle)
    return text.count("\n", 0, i + 1) + 1 if i >= 0 else 1


def _pytest_addopts(tree: ProjectTree) -> list[tuple[str, str]]:
    out = []
    if tree.exists("pyproject.toml"):
        try:
            data = tomllib.loads(tree.read("pyproject.toml"))
        except tomllib.TOMLDecodeError:
            data = {}
        addopts = data.get("tool", {}).get("pytest", {}).get("ini_options", {}).get("addopts")
        if isinstance(addopts, list):
            addopts = " ".join(str(a) for a in addopts)
        if isinstance(addopts, str):
            out.append(("pyproject.toml [tool.pytest.ini_options] addopts", addopts))
    for rel, section in (("setup.cfg", "tool:pytest"), ("pytest.ini", "pytest"), ("tox.ini", "pytest")):
        if not tree.exists(rel):
            continue
        parser = configparser.RawConfigParser()
        try:
            parser.read_string(tree.read(rel))
        except configparser.Error:
            continue
        if parser.has_option(section, "addopts"):
            out.append((f"{rel} [{section}] addopts", parser.get(section, "addopts")))
    return out


def reports(tree: ProjectTree) -> dict[str, dict[str, str]]:
    """``{kind: {path: where}}`` for the report files the project's CI and test settings write."""
    found: dict[str, dict[str, str]] = {k: {} for k in KINDS}
    files = ci_files(tree)
    ci = files["gitlab"] + files["github"] + files["other"] + [f for f in ("Makefile",) if tree.exists(f)]
    if files["gitlab"]:
        _gitlab_reports(tree.read(".gitlab-ci.yml"), found)
    scripts = []
    for rel in ci:
        text = tree.read(rel)
        scan_text(text, rel, found)
        for candidate in re.findall(r"[\w./-]+\.sh\b", text):
            candidate = _clean(candidate)
            if tree.exists(candidate) and candidate not in scripts:
                scripts.append(candidate)
    for rel in scripts:
        scan_text(tree.read(rel), rel, found)
    for where, addopts in _pytest_addopts(tree):
        sub: dict[str, dict[str, str]] = {k: {} for k in KINDS}
        scan_text(addopts, where, sub)
        for kind, paths in sub.items():
            for path in paths:
                found[kind].setdefault(path, where)
    return found


def detect(tree: ProjectTree, deps: Dependencies) -> Detection:
    out = Detection()
    found = reports(tree)
    out.facts["reports"] = found
    out.facts["reports_present"] = {k: [p for p in paths if tree.exists(p)] for k, paths in found.items()}
    for kind in KINDS:
        for path, where in found[kind].items():
            out.add(f"evidence.{kind}", path, where, "present now" if tree.exists(path) else
                    "written by CI: the evidence: section stays commented until the file exists")
    if not any(found.values()):
        out.miss("evidence", "no JUnit, coverage XML or SARIF report path in the CI configuration or pytest settings",
                 "run the tests with --junitxml=reports/junit.xml --cov-report=xml:reports/coverage.xml and list "
                 "them under evidence:")
    return out
