"""The capability registry: what `shipit verify` loads to gather its checks (structure, not timings)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from shipit import capabilities

SRC = Path(__file__).resolve().parents[2] / "src" / "shipit"


def test_a_capabilitys_checks_module_contributes_verify_checks():
    """checks.py is the name the registry imports for `shipit verify`; a module by that name that
    contributes nothing (pipeline's policy engine once was one) costs every verify its imports."""
    for cap in capabilities.CAPABILITIES:
        if (SRC / cap.name / "checks.py").is_file():
            assert cap.contributed("checks", "CHECKS", None), f"shipit/{cap.name}/checks.py has no CHECKS"


def test_gathering_the_checks_imports_no_heavy_engine():
    code = ("import sys, json; from shipit import capabilities; capabilities.checks(); "
            "print(json.dumps(sorted(sys.modules)))")
    loaded = set(json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                           check=True).stdout))
    for heavy in ("shipit.pipeline.policy", "shipit.migrations.build", "cyclonedx.model", "cyclonedx_py",
                  "jsonschema", "rfc3987_syntax", "mkdocs", "alembic"):
        assert heavy not in loaded, f"{heavy} is imported just to list the verify checks"
