"""The go/no-go rule itself, case by case."""

from __future__ import annotations

from shipit.site.signoff import Signoff
from shipit.site.status import decide

ROLES = ["architecture", "security"]
PASSED = [{"name": "images", "status": "passed", "reason": ""},
          {"name": "migrations", "status": "skipped", "reason": "no migrations: section in shipit.yaml"}]
GATES = {"gates": [{"name": "min_coverage", "passed": True, "actual": 85.0, "unit": "%", "threshold": ">= 80%"}]}


def approved(role, status="valid", decision="approve"):
    return Signoff(role=role, name=f"{role} lead", decision=decision, date="2026-11-23T10:00:00Z", status=status)


def all_approved():
    return {r: approved(r) for r in ROLES}


def test_go_when_everything_holds():
    d = decide(PASSED, GATES, ROLES, all_approved())
    assert d.go and d.label == "GO" and d.reasons == []


def test_each_condition_can_make_it_a_no_go():
    cases = {
        "skipped with --skip": decide(PASSED + [{"name": "sbom", "status": "skipped", "reason": "skipped with --skip"}],
                                      GATES, ROLES, all_approved()),
        "snapshot": decide(PASSED, GATES, ROLES, all_approved(), snapshot=True),
        "gate": decide(PASSED, {"gates": [{**GATES["gates"][0], "passed": False, "actual": 70.0}]}, ROLES,
                       all_approved()),
        "missing": decide(PASSED, GATES, ROLES, {"architecture": approved("architecture")}),
        "reject": decide(PASSED, GATES, ROLES, {**all_approved(), "security": approved("security", decision="reject")}),
        "invalid": decide(PASSED, GATES, ROLES, {**all_approved(), "security": approved("security", "invalid")}),
        "unverified": decide(PASSED, GATES, ROLES, {**all_approved(), "security": approved("security", "unverified")}),
    }
    for name, d in cases.items():
        assert d.go is False, name
        assert len(d.reasons) == 1, (name, d.reasons)
    assert cases["gate"].reasons == ["gate min_coverage: 70.0% (needs >= 80%)"]
    assert cases["missing"].reasons == ["sign-off security: awaiting sign-off"]
    assert cases["reject"].reasons == ["sign-off security: rejected by security lead"]


def test_extra_role_rejection_counts_too():
    d = decide(PASSED, None, ROLES, {**all_approved(), "legal": approved("legal", decision="reject")})
    assert d.go is False and [s.role for s in d.signoffs] == ["architecture", "security", "legal"]
