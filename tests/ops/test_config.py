"""service: section errors name the file, line and column, say what was expected, and exit 2."""

from __future__ import annotations

import re

import pytest

from shipit.config import load_config
from shipit.core.errors import ConfigError
from tests.conftest import DEMO, run_shipit
from tests.ops.helpers import FULL


def _variant(tmp_path, old: str, new: str):
    text = FULL.read_text()
    assert old in text, old
    path = tmp_path / "shipit.yaml"
    path.write_text(text.replace(old, new, 1))
    line = next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if new.splitlines()[0] in ln)
    return path, line


def _error(path) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return info.value.message


def test_burn_rate_defaults_follow_the_sre_workbook():
    svc = load_config(DEMO / "shipit.yaml").service
    assert svc.burn_rates is None and svc.slos[0].window == "30d"
    assert [(b.factor, b.long, b.short, b.severity, float(b.budget_percent)) for b in svc.burn_windows(svc.slos[0])] == [
        (14.4, "1h", "5m", "page", 2), (6, "6h", "30m", "page", 5), (3, "1d", "2h", "ticket", 10),
        (1, "3d", "6h", "ticket", 10)]


def test_burn_rates_are_configurable(full_config):
    svc = full_config.service
    assert [(b.factor, b.long) for b in svc.burn_windows(svc.slos[0])] == [(14.4, "1h"), (6, "6h"), (3, "1d")]


def test_objective_of_100_is_rejected_with_file_and_line(tmp_path):
    path, line = _variant(tmp_path, "objective: 99.9", "objective: 100")
    msg = _error(path)
    assert f"{path}:{line}:" in msg
    assert "service.slos[0].objective" in msg
    assert "strictly between 0 and 100" in msg and "no error budget" in msg


def test_unknown_dependency_kind_lists_the_known_ones(tmp_path):
    path, line = _variant(tmp_path, "kind: postgres", "kind: postgress")
    msg = _error(path)
    assert f"{path}:{line}:" in msg
    assert "service.dependencies[0].kind" in msg
    assert "'postgres'" in msg and "'redis'" in msg and "postgress" in msg


def test_latency_threshold_must_be_a_histogram_bucket(tmp_path):
    path, line = _variant(tmp_path, "threshold: 0.25", "threshold: 0.3")
    msg = _error(path)
    assert f"{path}:{line}:" in msg
    assert "service.slos[1].threshold" in msg
    assert "0.3s is not one of the buckets" in msg and "0.05, 0.1, 0.25, 0.5, 1, 2.5" in msg


def test_latency_threshold_on_the_last_bucket_is_rejected(tmp_path):
    path, line = _variant(tmp_path, "threshold: 0.25", "threshold: 2.5")
    assert "largest finite bucket" in _error(path)


def test_slo_metric_must_be_declared_and_of_the_right_type(tmp_path):
    path, _ = _variant(tmp_path, "metric: http_requests_total", "metric: http_request_total")
    assert "'http_request_total' is not declared" in _error(path)
    path, _ = _variant(tmp_path, "metric: http_requests_total", "metric: http_request_duration_seconds")
    assert "needs a counter metric" in _error(path)


def test_burn_rate_windows_are_checked(tmp_path):
    path, line = _variant(tmp_path, "{factor: 14.4, long: 1h, short: 5m, severity: page}",
                          "{factor: 14.4, long: 5m, short: 1h, severity: page}")
    msg = _error(path)
    assert f"{path}:{line}:" in msg and "must be shorter than long window" in msg
    path, line = _variant(tmp_path, "{factor: 3, long: 1d, short: 2h, severity: ticket}",
                          "{factor: 3, long: 60d, short: 2h, severity: ticket}")
    assert "burn-rate window 60d is longer than SLO 'availability' window 30d" in _error(path)


def test_cli_reports_config_error_without_traceback(tmp_path):
    path, line = _variant(tmp_path, "objective: 99.9", "objective: 100")
    proc = run_shipit("ops", "generate", "-c", str(path), "-o", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert re.search(rf"shipit.yaml:{line}:\d+: service.slos\[0\].objective", proc.stderr.replace("\n", ""))
    assert not (tmp_path / "out").exists()


def test_init_starter_service_section_validates_when_uncommented(tmp_path):
    from shipit.commands.init import render_init

    proj = tmp_path / "orders"
    proj.mkdir()
    text = render_init(proj)
    lines = text.split("\n")
    start = lines.index("# service:")
    block = [lines[start][2:]]
    for ln in lines[start + 1:]:
        if not ln.startswith("#   "):
            break
        block.append(ln[2:])
    (proj / "shipit.yaml").write_text(text + "\n" + "\n".join(block) + "\n")
    cfg = load_config(proj / "shipit.yaml")
    assert cfg.service.name == "orders" and [s.name for s in cfg.service.slos] == ["availability", "latency"]
