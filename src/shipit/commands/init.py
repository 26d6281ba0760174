"""``shipit init``: look at a project and write a commented starter ``shipit.yaml`` for it.

Each capability that has something to find contributes a ``detect.py`` (see :mod:`shipit.capabilities`);
this module adds the project's own facts (name, description, source URL, Python), renders
``templates/init/shipit.yaml.j2`` and returns what was found, with where, and what was not.
"""

from __future__ import annotations

import configparser
import json
import re
import subprocess
import textwrap
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipit import capabilities
from shipit.core.detect import Detection, Found, Missing, ProjectTree, dependencies
from shipit.core.errors import UsageError
from shipit.core.files import write_text
from shipit.core.templating import environment

_NAME_OK = re.compile(r"[^a-z0-9._-]+")


@dataclass
class InitResult:
    target: Path
    found: list[Found] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def project_name(project_dir: Path) -> str:
    return _slug(Path(project_dir).resolve().name) or "service"


def _slug(name: str) -> str:
    return _NAME_OK.sub("-", name.lower()).strip("-._")


def project_facts(tree: ProjectTree) -> Detection:
    """name, description, source URL and Python requirement from pyproject.toml / setup.cfg / setup.py / git."""
    out = Detection()
    name = description = url = python = ""
    name_from = description_from = url_from = python_from = ""
    if tree.exists("pyproject.toml"):
        try:
            data = tomllib.loads(tree.read("pyproject.toml"))
        except tomllib.TOMLDecodeError:
            data = {}
        project = data.get("project") or {}
        poetry = (data.get("tool") or {}).get("poetry") or {}
        for table, label in ((project, "[project]"), (poetry, "[tool.poetry]")):
            if not name and isinstance(table.get("name"), str):
                name, name_from = table["name"], f"pyproject.toml {label} name"
            if not description and isinstance(table.get("description"), str):
                description, description_from = table["description"], f"pyproject.toml {label} description"
        urls = project.get("urls") or {}
        for key in ("Source", "Source Code", "Repository", "repository", "source", "Code", "Homepage"):
            value = urls.get(key) or project.get(key)
            if isinstance(value, str) and _is_repo(value):
                url, url_from = value, f"pyproject.toml [project.urls] {key}"
                break
        if not url:
            for key in ("repository", "homepage"):
                if isinstance(poetry.get(key), str) and _is_repo(poetry[key]):
                    url, url_from = poetry[key], f"pyproject.toml [tool.poetry] {key}"
                    break
        if isinstance(project.get("requires-python"), str):
            python, python_from = project["requires-python"], "pyproject.toml requires-python"
        elif isinstance((poetry.get("dependencies") or {}).get("python"), str):
            python, python_from = poetry["dependencies"]["python"], "pyproject.toml [tool.poetry.dependencies] python"
    if tree.exists("setup.cfg"):
        parser = configparser.RawConfigParser()
        try:
            parser.read_string(tree.read("setup.cfg"))
        except configparser.Error:
            parser = configparser.RawConfigParser()
        if not name and parser.has_option("metadata", "name"):
            name, name_from = parser.get("metadata", "name"), "setup.cfg [metadata] name"
        if not description and parser.has_option("metadata", "description"):
            description, description_from = parser.get("metadata", "description"), "setup.cfg [metadata] description"
        if not python and parser.has_option("options", "python_requires"):
            python, python_from = parser.get("options", "python_requires"), "setup.cfg python_requires"
    if tree.exists("setup.py"):
        text = tree.read("setup.py")
        m = re.search(r"""\bname\s*=\s*['"]([^'"]+)['"]""", text)
        if not name and m:
            name, name_from = m.group(1), "setup.py name="
        m = re.search(r"""\bdescription\s*=\s*['"]([^'"]+)['"]""", text)
        if not description and m:
            description, description_from = m.group(1), "setup.py description="
    if not url:
        remote = _git_remote(tree.root)
        if remote:
            url, url_from = remote, "git remote origin"
    pinned = ""
    if tree.exists(".python-version"):
        lines = tree.read(".python-version").strip().splitlines()
        pinned = lines[0].strip() if lines else ""
    slug = _slug(name) if name else ""
    if slug:
        out.add("project.name", slug, name_from)
    else:
        slug = project_name(tree.root)
        out.add("project.name", slug, "the folder's name (no pyproject.toml, setup.cfg or setup.py name)")
    if description:
        out.add("project.description", description, description_from)
    if url:
        out.add("project.source_url", url, url_from)
    else:
        out.miss("project.source_url", "no repository URL in pyproject.toml / setup.cfg and no git remote",
                 "set project.source_url (written into image annotations and provenance)")
    out.miss("project.owners", "who owns the service is not written in the repository",
             "set project.owners to the team or people on call for it")
    if python:
        out.add("(python)", python, python_from, "the project's interpreter must satisfy it")
    if pinned:
        out.add("(python)", pinned, ".python-version", "pyenv may start this Python for `python3` inside the "
                "project: run shipit by its own path (pipx, or its venv's bin/shipit)")
    out.facts.update(name=slug, description=description, source_url=url, python=python, python_pinned=pinned)
    return out


def _is_repo(url: str) -> bool:
    return url.startswith(("https://", "http://")) and any(
        host in url for host in ("github.", "gitlab.", "bitbucket.", "codeberg.", "pagure.", "sr.ht", "git."))


def _git_remote(root: Path) -> str:
    try:
        proc = subprocess.run(["git", "-C", str(root), "config", "--get", "remote.origin.url"], capture_output=True,
                              text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    url = proc.stdout.strip()
    m = re.match(r"^git@([^:]+):(.+?)(\.git)?$", url)
    if m:
        return f"https://{m.group(1)}/{m.group(2)}"
    if url.startswith("https://") and "@" not in url.split("/", 3)[2]:
        return url.removesuffix(".git")
    return ""


def detect(project_dir: Path) -> tuple[dict[str, Any], list[Found], list[Missing]]:
    """Every capability's detection: (facts for the template, found items, missing keys)."""
    tree = ProjectTree(project_dir)
    deps = dependencies(tree)
    facts: dict[str, Any] = {}
    found: list[Found] = []
    missing: list[Missing] = []
    for part in [project_facts(tree)] + [fn(tree, deps) for _, fn in capabilities.detectors()]:
        facts.update(part.facts)
        found += part.found
        missing += part.missing
    interp = _interpreter(tree, facts)
    if interp is not None:
        found.append(interp)
    elif facts.get("migrations") is not None:
        missing.append(Missing("migrations.python", "no virtualenv in the project (.venv, venv) and none active",
                               "create one with the project's dependencies (python3 -m venv .venv; .venv/bin/pip "
                               "install -r requirements.txt), or set migrations.python / $SHIPIT_PROJECT_PYTHON"))
    facts["venv"] = interp.value if interp is not None else ""
    return facts, found, missing


def _interpreter(tree: ProjectTree, facts: dict[str, Any]) -> Found | None:
    from shipit.migrations.interpreter import PROJECT_VENVS

    if facts.get("migrations") is None:
        return None
    for name in PROJECT_VENVS:
        if (tree.root / name / "pyvenv.cfg").is_file():
            return Found("migrations.python", f"{name}/bin/python", f"{name}/pyvenv.cfg",
                         "found by shipit at run time; no key needed")
    return None


def render_init(project_dir: Path) -> str:
    facts, _, _ = detect(project_dir)
    return _render(project_dir, facts)


def _render(project_dir: Path, facts: dict[str, Any]) -> str:
    env = environment(project_dir)
    env.filters["q"] = yaml_scalar
    env.filters["wrap"] = lambda text, width=100: textwrap.wrap(str(text), width) or [""]
    return env.get_template("init/shipit.yaml.j2").render(**facts)


_PLAIN = re.compile(r"^[A-Za-z_./][A-Za-z0-9_./@+-]*(:[A-Za-z0-9_./@()+-]+)?$")
_SPECIAL = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


def yaml_scalar(value: Any) -> str:
    """``value`` as a YAML scalar: plain when that reads back as the same string, else double-quoted."""
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _SPECIAL and ": " not in text:
        return text
    return json.dumps(text, ensure_ascii=False)


def init(project_dir: Path, force: bool = False) -> InitResult:
    project_dir = Path(project_dir)
    target = project_dir / "shipit.yaml"
    if target.exists() and not force:
        raise UsageError(f"{target} already exists", hint="pass --force to overwrite it")
    if not project_dir.is_dir():
        raise UsageError(f"{project_dir} is not a directory", hint="give the project's folder")
    facts, found, missing = detect(project_dir)
    write_text(target, _render(project_dir, facts))
    return InitResult(target, found, missing, _next_steps(facts))


def _next_steps(facts: dict[str, Any]) -> list[str]:
    steps = ["shipit check                                   which stages will run, with which tools and interpreter"]
    if not facts.get("signing_key"):
        steps.append("shipit keygen                                  then uncomment signing: in shipit.yaml")
    steps.append("shipit release --version 0.1.0 --snapshot      a local try: written to release/, never published")
    return steps
