"""Fixtures of the ops tests: the fixture service and its generated files (once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipit.config import load_config
from shipit.ops.generate import generate
from tests.ops.helpers import FULL


@pytest.fixture(scope="session")
def full_config():
    return load_config(FULL)


@pytest.fixture(scope="session")
def generated(full_config, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ops")
    generate(full_config.service, out, full_config.project_dir)
    return out
