"""Source SBOM: the project's declared Python dependencies, through cyclonedx-bom's builders.

Inputs, in the order ``source: auto`` looks for them in the project directory:
``poetry.lock`` (with pyproject.toml), ``Pipfile.lock``, ``uv.lock``, ``requirements.lock``,
``requirements.txt``, then ``pyproject.toml`` alone (its PEP 621 / Poetry dependency list, unpinned).
A lock file gives exact versions; a bare pyproject gives only names and ranges.
"""

from __future__ import annotations

import logging
import tempfile
import tomllib
import warnings
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType

from shipit.core.errors import ConfigError, ShipitError
from shipit.sbom.bom import serial_for, serialize, shipit_tool

AUTO_ORDER = ("poetry.lock", "Pipfile.lock", "uv.lock", "requirements.lock", "requirements.txt", "pyproject.toml")


@dataclass
class SourceSbom:
    document: bytes
    input: Path
    kind: str
    components: int
    notes: list[str] = field(default_factory=list)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        comp = record.args[0] if isinstance(record.args, tuple) and record.args else None
        if hasattr(comp, "name") and "%r" in str(record.msg):  # e.g. "component has no pinned version: %r"
            self.messages.append(str(record.msg).replace("%r", str(comp.name)))
        else:
            self.messages.append(record.getMessage())


def find_input(project_dir: Path, setting: str) -> Path | None:
    """The dependency file to use: the configured one, or the first of AUTO_ORDER that exists."""
    if setting == "none":
        return None
    if setting != "auto":
        path = (project_dir / setting).resolve()
        if not path.is_file():
            raise ConfigError(f"sbom.source: {setting} does not exist in {project_dir}",
                              hint="use a requirements file, poetry.lock, Pipfile.lock, uv.lock or pyproject.toml, "
                                   "or 'auto' / 'none'")
        return path
    for name in AUTO_ORDER:
        p = project_dir / name
        if p.is_file():
            if name == "pyproject.toml" and not _pyproject_has_deps(p):
                continue
            if name == "poetry.lock" and not (project_dir / "pyproject.toml").is_file():
                continue
            return p
    return None


def _pyproject_has_deps(path: Path) -> bool:
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError):
        return False
    poetry = data.get("tool", {}).get("poetry", {})
    return bool(data.get("project", {}).get("dependencies") or poetry.get("dependencies"))


def _kind(path: Path) -> str:
    name = path.name
    if name == "poetry.lock":
        return "poetry"
    if name == "Pipfile.lock":
        return "pipenv"
    if name == "uv.lock":
        return "uv"
    if name == "pyproject.toml":
        return "pyproject"
    return "requirements"


def _uv_requirements(lock: Path) -> str:
    """uv.lock → pinned requirement lines (cyclonedx-bom 7 reads no uv.lock; this is its documented format)."""
    data = tomllib.loads(lock.read_text())
    lines = []
    for pkg in data.get("package", []):
        source = pkg.get("source", {})
        if "registry" not in source or not pkg.get("version"):
            continue  # the project itself (editable/virtual) and path/git sources
        lines.append(f"{pkg['name']}=={pkg['version']}")
    return "\n".join(sorted(lines)) + "\n"


def _pyproject_requirements(pyproject: Path) -> str:
    from shipit.sbom._cdxpy import pyproject2dependencies

    data = tomllib.loads(pyproject.read_text())
    return "\n".join(sorted(str(r) for r in pyproject2dependencies(data))) + "\n"


def build_source_bom(path: Path, project_dir: Path, logger: logging.Logger) -> Bom:
    from shipit.sbom import _cdxpy

    kind = _kind(path)
    pyproject = project_dir / "pyproject.toml"
    pyproject_arg = str(pyproject) if pyproject.is_file() and _is_pep621_or_poetry(pyproject) else None
    if kind == "poetry":
        return _cdxpy.PoetryBB(logger=logger)(
            project_directory=str(path.parent), groups_without=[], groups_with=[], groups_only=[], no_dev=True,
            extras=[], all_extras=False, mc_type=ComponentType.APPLICATION)
    if kind == "pipenv":
        return _cdxpy.PipenvBB(logger=logger, pypi_url=None)(
            project_directory=str(path.parent), categories=[], dev=False, pyproject_file=pyproject_arg,
            mc_type=ComponentType.APPLICATION)
    index_url = _cdxpy.RequirementsBB.make_argument_parser().get_default("index_url")  # cyclonedx-py's own default
    builder = _cdxpy.RequirementsBB(logger=logger, index_url=index_url, extra_index_urls=[])
    if kind == "requirements":
        return builder(requirements_file=str(path), pyproject_file=pyproject_arg, mc_type=ComponentType.APPLICATION)
    text = _uv_requirements(path) if kind == "uv" else _pyproject_requirements(path)
    with tempfile.TemporaryDirectory(prefix="shipit-sbom-") as tmp:
        req = Path(tmp) / "requirements.txt"
        req.write_text(text)
        return builder(requirements_file=str(req), pyproject_file=pyproject_arg, mc_type=ComponentType.APPLICATION)


def _is_pep621_or_poetry(pyproject: Path) -> bool:
    try:
        data = tomllib.loads(pyproject.read_text())
    except (OSError, tomllib.TOMLDecodeError):
        return False
    return "name" in data.get("project", {}) or "poetry" in data.get("tool", {})


def source_sbom(project_dir: Path, setting: str, *, name: str, version: str, timestamp: datetime) -> SourceSbom | None:
    """The source SBOM bytes, or None if the project declares no Python dependencies."""
    path = find_input(project_dir, setting)
    if path is None:
        return None
    logger = logging.getLogger("shipit.sbom.source")
    logger.propagate = False
    collect = _Collect()
    logger.handlers = [collect]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # cyclonedx-bom's own use of moved imports
            bom = build_source_bom(path, project_dir, logger)
    except (ValueError, KeyError, OSError, tomllib.TOMLDecodeError) as exc:
        rel = path.relative_to(project_dir) if path.is_relative_to(project_dir) else path
        raise ShipitError(f"{rel}: cannot read the project's dependencies: {exc}",
                          hint="check the file's syntax, or set sbom.source in shipit.yaml") from None
    finally:
        logger.handlers = []
    # The subject is the project at this release; the rest made deterministic.
    root = bom.metadata.component
    if root is None:
        root = Component(type=ComponentType.APPLICATION, name=name, bom_ref="root-component")
        bom.metadata.component = root
    root.version = version
    bom.serial_number = serial_for(f"source:{name}@{version}")
    bom.metadata.timestamp = timestamp
    bom.metadata.tools.components.add(shipit_tool())
    document = serialize(bom, f"source SBOM from {path.name}")
    return SourceSbom(document, path, _kind(path), len(bom.components), collect.messages)
