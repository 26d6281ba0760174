"""Validation evidence: each format parsed to exact numbers, malformed files named in the error, gates
evaluated to exact results, requirements traced to evidence."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from shipit.core.errors import ShipitError
from shipit.site import evidence as ev
from shipit.site.config import EvidenceConfig

FIX = Path(__file__).parent / "fixtures"
GOOD, BAD = FIX / "evidence", FIX / "bad"


def test_junit_counts_and_failures():
    good = ev.parse_junit(GOOD / "junit-good.xml")
    assert (good["tests"], good["passed"], good["failed"], good["error"], good["skipped"]) == (4, 3, 0, 0, 1)
    bad = ev.parse_junit(GOOD / "junit-failing.xml")  # a bare <testsuite> root
    assert (bad["tests"], bad["passed"], bad["failed"], bad["error"]) == (3, 1, 1, 1)
    refund = next(c for c in bad["cases"] if c["name"] == "test_refund")
    assert refund["status"] == "failed" and refund["message"] == "assert 400 == 200"


def test_coverage_from_cobertura():
    cov = ev.parse_coverage(GOOD / "coverage.xml")
    assert cov["line_percent"] == 85.0
    assert (cov["statements"], cov["missed"], cov["files"]) == (20, 3, 2)


def test_sarif_levels_follow_the_spec_defaults():
    clean = ev.parse_sarif(GOOD / "scan-clean.sarif")
    # B101 takes the rule's default level (note); B105 has neither, so it is a warning.
    assert (clean["error"], clean["warning"], clean["note"]) == (0, 1, 1)
    errors = ev.parse_sarif(GOOD / "scan-errors.sarif")
    assert (errors["error"], errors["warning"], errors["note"]) == (2, 0, 1)
    assert errors["findings"][0]["location"] == "orders/db.py:42"


def test_sarif_results_accepted_after_review_are_not_counted(tmp_path):
    import json

    doc = json.loads((GOOD / "scan-errors.sarif").read_text())
    results = doc["runs"][0]["results"]
    results[0]["suppressions"] = [{"kind": "inSource", "status": "accepted", "justification": "reviewed"}]
    results[1]["suppressions"] = [{"kind": "external", "status": "underReview"}]
    (tmp_path / "s.sarif").write_text(json.dumps(doc))
    parsed = ev.parse_sarif(tmp_path / "s.sarif")
    assert (parsed["error"], parsed["suppressed"]) == (1, 1)


def test_load_tests():
    k6 = ev.parse_k6(GOOD / "k6-summary.json")
    assert (k6["requests"], k6["p95_ms"], k6["error_rate"]) == (1000, 180.5, 0.002)
    locust = ev.parse_locust(GOOD / "locust_stats.csv")
    assert (locust["requests"], locust["p95_ms"], locust["error_rate"]) == (500, 240.0, 0.01)


@pytest.mark.parametrize("parser,name,fragment", [
    (ev.parse_junit, "junit-truncated.xml", "junit-truncated.xml:5: not a valid JUnit XML file"),
    (ev.parse_coverage, "coverage-wrong-root.xml", "coverage-wrong-root.xml: not a valid Cobertura coverage XML"),
    (ev.parse_sarif, "sarif-v2.sarif", "sarif-v2.sarif: not a valid SARIF 2.1.0 file"),
    (ev.parse_k6, "k6-no-p95.json", "k6-no-p95.json: not a valid k6 --summary-export file: http_req_duration has no p(95)"),
    (ev.parse_k6, "k6-truncated.json", "k6-truncated.json:3: not a valid k6 summary file"),
    (ev.parse_locust, "locust-columns_stats.csv", "locust-columns_stats.csv:1: not a valid Locust stats CSV"),
])
def test_malformed_file_is_named(parser, name, fragment):
    with pytest.raises(ShipitError) as exc:
        parser(BAD / name)
    assert fragment in exc.value.message
    assert exc.value.hint


def _project(tmp_path: Path, names: list[str]) -> Path:
    (tmp_path / "reports").mkdir()
    for n in names:
        shutil.copyfile((GOOD / n) if (GOOD / n).exists() else (BAD / n), tmp_path / "reports" / n)
    return tmp_path


GATES = {"tests_pass": True, "min_tests": 3, "min_coverage": 80, "max_sarif_errors": 0, "max_p95_ms": 250,
         "max_error_rate": 0.01}


def _summary(tmp_path, names, **cfg):
    project = _project(tmp_path, names)
    config = EvidenceConfig.model_validate({"junit": ["reports/*.xml"] if any(n.startswith("junit") for n in names)
                                            else [], "gates": GATES, **cfg})
    return ev.summarize(config, ev.collect(config, project))


def _results(summary):
    return {g["name"]: (g["actual"], g["passed"]) for g in summary["gates"]}


def test_gates_all_met(tmp_path):
    s = _summary(tmp_path, ["junit-good.xml", "coverage.xml", "scan-clean.sarif", "k6-summary.json",
                            "locust_stats.csv"],
                 junit=["reports/junit-*.xml"], coverage=["reports/coverage.xml"], sarif=["reports/*.sarif"],
                 k6=["reports/k6-summary.json"], locust=["reports/locust_stats.csv"])
    assert _results(s) == {"tests_pass": (0, True), "min_tests": (4, True), "min_coverage": (85.0, True),
                           "max_sarif_errors": (0, True), "max_p95_ms": (240.0, True),
                           "max_error_rate": (0.01, True)}
    assert s["gates_passed"] is True


def test_gates_failing(tmp_path):
    s = _summary(tmp_path, ["junit-good.xml", "junit-failing.xml", "coverage.xml", "scan-errors.sarif"],
                 junit=["reports/junit-*.xml"], coverage=["reports/coverage.xml"], sarif=["reports/*.sarif"],
                 gates={**GATES, "min_coverage": 90})
    assert _results(s) == {"tests_pass": (2, False), "min_tests": (7, True), "min_coverage": (85.0, False),
                           "max_sarif_errors": (2, False), "max_p95_ms": (None, False),
                           "max_error_rate": (None, False)}
    assert s["gates_passed"] is False
    assert {(t["name"], t["status"]) for t in s["failing_tests"]} == {("test_refund", "failed"),
                                                                     ("test_capture", "error")}
    missing = next(g for g in s["gates"] if g["name"] == "max_p95_ms")
    assert missing["detail"] == "no evidence of this kind"


def test_requirement_traceability(tmp_path):
    s = _summary(tmp_path, ["junit-good.xml", "junit-failing.xml", "k6-summary.json"],
                 junit=["reports/junit-*.xml"], k6=["reports/k6-summary.json"],
                 requirements=[
                     {"id": "R1", "title": "create", "tests": ["tests.test_orders.test_create_*"]},
                     {"id": "R2", "title": "refunds", "tests": ["test_refund", "test_authorize"]},
                     {"id": "R3", "title": "latency", "gates": ["max_p95_ms"]},
                     {"id": "R4", "title": "exports", "tests": ["test_export*"]},
                     {"id": "R5", "title": "nothing linked"},
                 ])
    reqs = {r["id"]: r for r in s["requirements"]}
    assert reqs["R1"]["status"] == "met"
    assert reqs["R1"]["evidence"] == [{"ref": "test tests.test_orders.test_create_order",
                                       "source": "reports/junit-good.xml", "status": "passed"}]
    assert reqs["R2"]["status"] == "not met"
    assert [e["status"] for e in reqs["R2"]["evidence"]] == ["failed", "passed"]
    assert reqs["R3"]["status"] == "met"
    assert reqs["R4"]["status"] == "not met" and reqs["R4"]["evidence"][0]["status"] == "missing"
    assert reqs["R5"]["status"] == "not met"


def test_glob_matching_nothing_is_an_error(tmp_path):
    config = EvidenceConfig.model_validate({"junit": ["reports/none-*.xml"]})
    with pytest.raises(ShipitError, match=r"evidence.junit: 'reports/none-\*.xml' matches no file"):
        ev.collect(config, tmp_path)
