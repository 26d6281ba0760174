"""The few pieces of cyclonedx-bom (``cyclonedx_py``) shipit uses, in one place.

cyclonedx-bom documents no stable Python API, only its CLI; its builders are importable and are what
the CLI runs. Keeping every import here means a change upstream breaks one small module, and
pyproject pins the major version. Each name is imported when first used: the builders cost most of a
second to import, and the image SBOM needs only the license-classifier table.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "PipenvBB": "cyclonedx_py._internal.pipenv",
    "PoetryBB": "cyclonedx_py._internal.poetry",
    "RequirementsBB": "cyclonedx_py._internal.requirements",
    "license_trove2spdx": "cyclonedx_py._internal.utils.license_trove_classifier",
    "pyproject2dependencies": "cyclonedx_py._internal.utils.pyproject",
    "pyproject_file2component": "cyclonedx_py._internal.utils.pyproject",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value
