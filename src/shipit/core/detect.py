"""What ``shipit init`` found in a project, and where: the shared vocabulary of every capability's
``detect.py`` (a :class:`Found` per detected value, a :class:`Missing` per key it could not fill) and a
walk of the project's files that skips what is not the project's own (virtualenvs, caches, VCS data).
"""

from __future__ import annotations

import configparser
import contextlib
import os
import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

#: Directories that are never the project's own sources.
SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", "env", ".env", "node_modules", "__pycache__",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages", "build", "dist", ".eggs", "release",
    ".cache", ".idea", ".vscode", "htmlcov",
})
#: Hidden directories that hold configuration worth reading.
HIDDEN_KEPT = frozenset({".github", ".gitlab", ".circleci"})
MAX_DEPTH = 6
MAX_FILES = 20000


@dataclass(frozen=True)
class Found:
    """A value init detected: the ``shipit.yaml`` key it fills, the value, and where it was found."""

    key: str
    value: Any
    source: str
    note: str = ""


@dataclass(frozen=True)
class Missing:
    """A key init could not fill: what was looked for, and how to set it."""

    key: str
    why: str
    hint: str = ""


@dataclass
class Detection:
    """One capability's contribution: facts for the starter template, and what it found or missed."""

    facts: dict[str, Any] = field(default_factory=dict)
    found: list[Found] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)

    def add(self, key: str, value: Any, source: str, note: str = "") -> None:
        self.found.append(Found(key, value, source, note))

    def miss(self, key: str, why: str, hint: str = "") -> None:
        self.missing.append(Missing(key, why, hint))


class ProjectTree:
    """The project's files (relative POSIX paths), walked once, in sorted order, at most
    :data:`MAX_DEPTH` directories deep; virtualenvs (a ``pyvenv.cfg``) and :data:`SKIP_DIRS` are left out."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()

    @cached_property
    def files(self) -> list[str]:
        out: list[str] = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            rel = Path(dirpath).relative_to(self.root)
            depth = len(rel.parts)
            keep = []
            for d in sorted(dirnames):
                if d in SKIP_DIRS or (d.startswith(".") and d not in HIDDEN_KEPT) or d.endswith(".egg-info"):
                    continue
                if depth + 1 > MAX_DEPTH or (Path(dirpath) / d / "pyvenv.cfg").is_file():
                    continue
                if (Path(dirpath) / d).is_symlink():
                    continue
                keep.append(d)
            dirnames[:] = keep
            for name in sorted(filenames):
                out.append((rel / name).as_posix())
                if len(out) >= MAX_FILES:
                    return sorted(out)
        return sorted(out)

    def named(self, *names: str) -> list[str]:
        """Files whose name is one of ``names``, shallowest first."""
        wanted = set(names)
        return sorted((f for f in self.files if f.rsplit("/", 1)[-1] in wanted), key=_depth_first)

    def matching(self, predicate) -> list[str]:
        return sorted((f for f in self.files if predicate(f)), key=_depth_first)

    def read(self, rel: str, limit: int = 1_000_000) -> str:
        """A file's text ('' when unreadable); at most ``limit`` characters."""
        try:
            with open(self.root / rel, encoding="utf-8", errors="replace") as fh:
                return fh.read(limit)
        except OSError:
            return ""

    def exists(self, rel: str) -> bool:
        return (self.root / rel).is_file()


def _depth_first(rel: str) -> tuple[int, str]:
    return rel.count("/"), rel


def line_of(text: str, needle: str, start: int = 0) -> int | None:
    """1-based line of the first ``needle`` in ``text`` at or after offset ``start``."""
    i = text.find(needle, start)
    return None if i < 0 else text.count("\n", 0, i) + 1


# --- CI configuration (the pipeline capability validates two kinds; evidence reads report paths in all) ---

#: CI/test configuration shipit does not validate, but reads for report paths and names in init's output.
OTHER_CI = ("tox.ini", "noxfile.py", ".circleci/config.yml", "Jenkinsfile", ".travis.yml", "azure-pipelines.yml",
            "bitbucket-pipelines.yml", ".woodpecker.yml", ".drone.yml")


def ci_files(tree: ProjectTree) -> dict[str, list[str]]:
    """GitHub workflows, GitLab CI, and the other CI/test runners' files, project-relative."""
    github = [f for f in tree.files if f.startswith(".github/workflows/") and f.count("/") == 2
              and f.endswith((".yml", ".yaml"))]
    gitlab = [".gitlab-ci.yml"] if tree.exists(".gitlab-ci.yml") else []
    other = [f for f in OTHER_CI if tree.exists(f)]
    return {"github": sorted(github), "gitlab": gitlab, "other": other}


# --- the project's declared dependencies ---------------------------------------------------------------

_REQ_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
#: Files that declare a Python project's dependencies, in the order they are reported.
DEPENDENCY_FILES = ("pyproject.toml", "requirements.txt", "setup.cfg", "setup.py", "Pipfile", "poetry.lock",
                    "uv.lock", "Pipfile.lock", "pdm.lock")


def normalize(name: str) -> str:
    """PEP 503 normalised distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class Dependencies:
    """Distribution names the project declares, each with the file that declares it."""

    files: list[str] = field(default_factory=list)  # dependency files present, root first
    names: dict[str, str] = field(default_factory=dict)  # normalised name -> file

    def has(self, *names: str) -> str | None:
        """The file declaring the first of ``names`` that the project depends on, else None."""
        for n in names:
            found = self.names.get(normalize(n))
            if found:
                return found
        return None


def dependencies(tree: ProjectTree) -> Dependencies:
    deps = Dependencies()
    present = [f for f in DEPENDENCY_FILES if tree.exists(f)]
    reqs = tree.matching(lambda f: f.count("/") <= 1 and f.endswith(".txt") and "requirements" in f.rsplit("/", 1)[-1]
                         and not f.startswith(("docs/", "doc/")))
    deps.files = present + [r for r in reqs if r not in present]

    def add(name: str, source: str) -> None:
        m = _REQ_NAME.match(name or "")
        if m:
            deps.names.setdefault(normalize(m.group(1)), source)

    if "pyproject.toml" in present:
        data = _toml(tree, "pyproject.toml")
        project = data.get("project") or {}
        for spec in _strings(project.get("dependencies")):
            add(spec, "pyproject.toml")
        for group in (project.get("optional-dependencies") or {}).values():
            for spec in _strings(group):
                add(spec, "pyproject.toml")
        for group in (data.get("dependency-groups") or {}).values():
            for spec in _strings(group):
                add(spec, "pyproject.toml")
        poetry = (data.get("tool") or {}).get("poetry") or {}
        tables = [poetry.get("dependencies") or {}, poetry.get("dev-dependencies") or {}]
        tables += [(g or {}).get("dependencies") or {} for g in (poetry.get("group") or {}).values()]
        for table in tables:
            for name in table if isinstance(table, dict) else []:
                if name.lower() != "python":
                    add(name, "pyproject.toml")
    for req in reqs:
        for line in tree.read(req).splitlines():
            line = line.split("#", 1)[0].strip()
            if line and not line.startswith("-"):
                add(line, req)
    if "setup.cfg" in present:
        parser = configparser.RawConfigParser()
        with contextlib.suppress(configparser.Error):
            parser.read_string(tree.read("setup.cfg"))
            if parser.has_option("options", "install_requires"):
                for line in parser.get("options", "install_requires").splitlines():
                    add(line.strip(), "setup.cfg")
            if parser.has_section("options.extras_require"):
                for _, value in parser.items("options.extras_require"):
                    for line in value.splitlines():
                        add(line.strip(), "setup.cfg")
    if "setup.py" in present:
        m = re.search(r"install_requires\s*=\s*\[(.*?)\]", tree.read("setup.py"), re.DOTALL)
        for spec in re.findall(r"""['"]([^'"]+)['"]""", m.group(1)) if m else []:
            add(spec, "setup.py")
    if "Pipfile" in present:
        data = _toml(tree, "Pipfile")
        for table in (data.get("packages") or {}, data.get("dev-packages") or {}):
            for name in table:
                add(name, "Pipfile")
    return deps


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _toml(tree: ProjectTree, rel: str) -> dict[str, Any]:
    try:
        return tomllib.loads(tree.read(rel))
    except (tomllib.TOMLDecodeError, ValueError):
        return {}
