"""On-call facts stated once: ``service.oncall`` is the model the runbooks and the site's On-call page both
render; the site's on-call file may add facts, and one it states differently is a configuration error
that names both places."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from shipit.config import load_config
from shipit.core.errors import ConfigError
from shipit.ops.oncall import view
from shipit.site.oncall import oncall_view
from tests.conftest import run_shipit

SHIPIT_YAML = """\
schema_version: 1
project:
  name: orders
site:
  oncall: handoff/oncall.yaml
service:
  name: orders
  team: team-orders
  oncall:
    rotation: weekly, handover Monday 09:00 UTC
    escalation:
      - {after: 0m, contact: orders primary on-call}
      - {after: 15m, contact: orders secondary on-call}
      - {after: 45m, contact: head of engineering}
    contacts:
      - {name: orders primary on-call, role: first responder, chat: "#orders-oncall"}
      - {name: head of engineering, role: escalation, email: eng-head@example.com}
"""

# What issue readers found: the site's file says level 3 is the engineering manager after 30 minutes.
CONFLICTING = """\
team: team-orders
rotation: weekly, handover Monday 09:00 UTC
hours: 24/7 for pages
escalation:
  - {level: 1, who: orders primary on-call, after_minutes: 0}
  - {level: 2, who: orders secondary on-call, after_minutes: 15}
  - {level: 3, who: engineering manager, after_minutes: 30}
"""

AGREEING = """\
hours: 24/7 for pages
channel: "#orders-oncall"
escalation:
  - {level: 2, who: Orders Secondary On-call, after_minutes: 15, contact: "pager: orders-secondary"}
  - {level: 1, who: orders primary on-call, after_minutes: 0}
  - {level: 3, who: head of engineering, after_minutes: 45}
notes: Database incidents go to the platform database team.
"""


def project(tmp_path: Path, oncall_file: str, config: str = SHIPIT_YAML) -> Path:
    (tmp_path / "handoff").mkdir(exist_ok=True)
    (tmp_path / "handoff/oncall.yaml").write_text(oncall_file)
    (tmp_path / "shipit.yaml").write_text(config)
    return tmp_path / "shipit.yaml"


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_a_conflicting_second_source_is_a_config_error_naming_both_places(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = project(tmp_path, CONFLICTING)
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    msg = exc.value.message
    yaml_line = line_of(SHIPIT_YAML, "head of engineering}")
    file_line = line_of(CONFLICTING, "engineering manager")
    assert (f"escalation (level 3): 'head of engineering' after 45 min at shipit.yaml:{yaml_line}:9 "
            f"(service.oncall.escalation[2])") in msg
    assert f"but 'engineering manager' after 30 min at handoff/oncall.yaml:{file_line}:5 (escalation[2])" in msg
    # the levels that agree are not reported; only the one that differs
    assert "level 1" not in msg and "level 2" not in msg
    assert exc.value.exit_code == 2 and "state each fact once" in exc.value.hint


def test_shipit_check_reports_the_conflict_with_exit_2(tmp_path):
    path = project(tmp_path, CONFLICTING)
    proc = run_shipit("check", "-c", str(path))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    out = re.sub(r"\s+", " ", proc.stderr + proc.stdout)
    assert "engineering manager" in out and "head of engineering" in out and "oncall.yaml:" in out
    assert "Traceback" not in out


def test_agreeing_sources_merge_into_one_record(tmp_path):
    """Facts only the file states (hours, channel, notes, how to reach level 2) join service.oncall; the same
    escalation written differently (case, level order) is not a conflict."""
    cfg = load_config(project(tmp_path, AGREEING))
    oc = cfg.service.oncall
    assert (oc.hours, oc.channel, oc.notes) == ("24/7 for pages", "#orders-oncall",
                                                "Database incidents go to the platform database team.")
    assert [s.contact for s in oc.escalation] == ["orders primary on-call", "orders secondary on-call",
                                                   "head of engineering"]
    assert oc.escalation[1].reach == "pager: orders-secondary"
    v = oncall_view(cfg)
    assert v == view(oc, "team-orders", "orders")  # the site shows what the runbooks render
    assert [(e["level"], e["after_text"], e["reach"]) for e in v["escalation"]] == [
        (1, "at once", "chat #orders-oncall"), (2, "15 min", "pager: orders-secondary"),
        (3, "45 min", "e-mail eng-head@example.com")]


def test_runbooks_render_the_merged_record(tmp_path):
    from shipit.ops.generate import generate

    cfg = load_config(project(tmp_path, AGREEING))
    generate(cfg.service, tmp_path / "ops", tmp_path)
    oncall = (tmp_path / "ops/runbooks/oncall.md").read_text()
    assert "| 2 | 15 min | orders secondary on-call | pager: orders-secondary |" in oncall
    assert "| hours | 24/7 for pages |" in oncall and "platform database team" in oncall
    incidents = (tmp_path / "ops/runbooks/incidents.md").read_text()
    assert "- level 3, after 45 min: head of engineering — e-mail eng-head@example.com" in incidents


def test_escalation_levels_must_be_one_two_three(tmp_path):
    bad = "escalation:\n  - {level: 1, who: a}\n  - {level: 3, who: b}\n"
    with pytest.raises(ConfigError) as exc:
        load_config(project(tmp_path, bad))
    assert "oncall.yaml:1: escalation: " in exc.value.message and "1, 2, 3" in exc.value.message


def test_a_release_cut_before_the_shared_model_still_rebuilds(release_copy):
    """handoff.json of schema 1 kept the site file's own shape; the signed-off edition still shows it."""
    path = release_copy / "site/handoff.json"
    handoff = json.loads(path.read_text())
    handoff["schema_version"] = 1
    handoff.pop("oncall_file", None)
    handoff["oncall"] = {"team": "Orders", "rotation": "weekly", "hours": "", "channel": "", "notes": "",
                         "contacts": [{"name": "Dana", "role": "primary", "contact": "dana@example.com"}],
                         "escalation": [{"level": 2, "who": "manager", "contact": "", "after_minutes": 30},
                                        {"level": 1, "who": "Dana", "contact": "", "after_minutes": 0}]}
    path.write_text(json.dumps(handoff))
    proc = run_shipit("site", "build", str(release_copy))
    assert proc.returncode == 0, proc.stderr
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", (release_copy / "signoffs/site/oncall.html").read_text()))
    assert "1 at once Dana" in page and "2 30 min manager" in page and "dana@example.com" in page


def test_demo_states_each_fact_once():
    """The demo's shipit.yaml and handoff/oncall.yaml load without a conflict, and the file adds only what
    service.oncall does not say."""
    demo = Path(__file__).resolve().parents[2] / "examples" / "orders-service"
    cfg = load_config(demo / "shipit.yaml")
    assert cfg.service.oncall.escalation[2].contact == "head of engineering"
    assert cfg.service.oncall.hours and cfg.service.oncall.channel

