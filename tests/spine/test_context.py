from __future__ import annotations

import os
import subprocess

import pytest

from shipit.core.context import Version, git_info, source_date_epoch
from shipit.core.errors import UsageError


@pytest.mark.parametrize(
    "text, tags",
    [
        ("1.4.0", ["1.4.0", "1.4", "1"]),
        ("v2.10.3", ["2.10.3", "2.10", "2"]),
        ("1.4.0-rc.1", ["1.4.0-rc.1"]),
        ("1.4.0+build.5", ["1.4.0-build.5"]),
    ],
)
def test_version_tags(text, tags):
    assert Version.parse(text).tags == tags


@pytest.mark.parametrize("bad", ["1.4", "01.2.3", "1.2.3-", "latest", "1.2.3.4", ""])
def test_invalid_versions_rejected(bad):
    with pytest.raises(UsageError) as exc:
        Version.parse(bad)
    assert exc.value.exit_code == 2 and "SemVer" in exc.value.message


def test_snapshot_version():
    v = Version.parse("1.4.0").snapshot("abc1234")
    assert v.text == "1.4.0-snapshot+abc1234"
    assert v.tags == ["1.4.0-snapshot-abc1234"]
    assert Version.parse("2.0.0-rc.1").snapshot("abc").text == "2.0.0-rc.1.snapshot+abc"


def test_git_info_and_source_date(make_project, monkeypatch):
    proj = make_project()
    info = git_info(proj)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=proj, capture_output=True, text=True).stdout.strip()
    assert info.commit == head and info.short_commit == head[:7]
    assert info.branch == "main" and info.dirty is False and info.tag == ""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert source_date_epoch(info) == 1700000000  # the commit date the fixture set
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "42")
    assert source_date_epoch(info) == 42
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(UsageError):
        source_date_epoch(info)
    (proj / "shipit.yaml").write_text(os.linesep.join(["project:", "  name: changed", ""]))
    assert git_info(proj).dirty is True
    subprocess.run(["git", "tag", "v9.9.9"], cwd=proj, check=True)
    assert git_info(proj).tag == "v9.9.9"


def test_git_info_outside_git(tmp_path):
    assert git_info(tmp_path).commit == ""
