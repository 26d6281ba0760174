"""The few pieces of cyclonedx-bom (``cyclonedx_py``) shipit uses, in one place.

cyclonedx-bom documents no stable Python API, only its CLI; its builders are importable and are what
the CLI runs. Keeping every import here means a change upstream breaks one small module, and
pyproject pins the major version.
"""

from __future__ import annotations

from cyclonedx_py._internal.pipenv import PipenvBB  # noqa: F401
from cyclonedx_py._internal.poetry import PoetryBB  # noqa: F401
from cyclonedx_py._internal.requirements import RequirementsBB  # noqa: F401
from cyclonedx_py._internal.utils.license_trove_classifier import (
    license_trove2spdx,  # noqa: F401
)
from cyclonedx_py._internal.utils.pyproject import (  # noqa: F401
    pyproject2dependencies,
    pyproject_file2component,
)
