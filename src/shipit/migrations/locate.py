"""Where a project's Alembic script directory is, read from its ``alembic.ini`` the way real projects write
it: a path relative to the ini, ``%(here)s``, Alembic's package-resource notation (``package.sub:path``),
no ``script_location`` at all (Flask-Migrate passes the directory at run time), or a template value that
the project's own tooling fills in (``{alembic_dir}``). Plain files only: nothing of the project is
imported, so ``shipit init`` and ``shipit check`` can use it without the project's environment.
"""

from __future__ import annotations

import configparser
import re
from dataclasses import dataclass, field
from pathlib import Path

#: A value the project's own tooling fills in before Alembic reads the file (str.format or ${VAR}).
TEMPLATE_VALUE = re.compile(r"\{[A-Za-z_][A-Za-z0-9_.]*\}|\$\{[A-Za-z_][A-Za-z0-9_]*\}")
#: Alembic's ``package.sub:path`` notation (resolved with importlib.resources by Alembic).
PACKAGE_RESOURCE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*):([^/\\].*)$")


@dataclass
class IniFacts:
    """What an alembic.ini says about its script directory (``script_dir`` None when it cannot be found)."""

    path: Path
    section: str = "alembic"
    written: str | None = None  # script_location as written in the file (None: absent or empty)
    script_dir: Path | None = None
    how: str = ""  # how script_dir was found, for messages
    problem: str = ""  # why script_dir is None
    templated: list[str] = field(default_factory=list)  # keys whose value is a template placeholder
    options: dict[str, str] = field(default_factory=dict)  # the section's options, interpolated, templates dropped


def is_script_dir(path: Path) -> bool:
    return (path / "env.py").is_file()


def read_ini(ini: Path, project_root: Path, section: str = "alembic") -> IniFacts:
    """Read ``ini``'s ``[alembic]`` section and find its script directory (relative to ``project_root``)."""
    ini = Path(ini).resolve()
    root = Path(project_root).resolve()
    facts = IniFacts(path=ini, section=section)
    raw = _section(ini, section, interpolate=False)
    if raw is None:
        facts.problem = f"{_rel(ini, root)} cannot be read as an ini file"
        return facts
    try:
        options = _section(ini, section, interpolate=True) or {}
    except (configparser.Error, ValueError):
        options = dict(raw)  # a value with a stray % (Alembic would fail the same way on it)
    for key, value in raw.items():
        if TEMPLATE_VALUE.search(value or ""):
            facts.templated.append(key)
            options.pop(key, None)
    facts.options = options
    written = (raw.get("script_location") or "").strip() or None
    facts.written = written
    facts.script_dir, facts.how, facts.problem = resolve_location(
        written, options.get("script_location"), ini, root, templated="script_location" in facts.templated)
    return facts


def resolve_location(written: str | None, value: str | None, ini: Path, root: Path, *,
                     templated: bool = False) -> tuple[Path | None, str, str]:
    """(script directory, how it was found, problem) for a ``script_location`` value of ``ini``."""
    here = ini.parent
    rel_here = _rel(here, root)
    if templated:
        found = _script_dirs_near(here)
        if len(found) == 1:
            return found[0], (f"script_location = {written} is a template the project's own tooling fills in; "
                              f"the script directory next to the ini is {_rel(found[0], root)}"), ""
        return None, "", (f"script_location = {written} is a template the project's own tooling fills in, and "
                          f"{'no' if not found else 'more than one'} Alembic script directory (env.py) is next to "
                          f"{_rel(ini, root)}")
    if not written:
        if is_script_dir(here):
            return here, (f"{_rel(ini, root)} has no script_location (Flask-Migrate passes the directory at run "
                          f"time); env.py is next to it, in {rel_here}"), ""
        return None, "", f"{_rel(ini, root)} has no script_location and no env.py next to it"
    value = value or written
    m = PACKAGE_RESOURCE.match(value)
    if m and not re.match(r"^[A-Za-z]:[\\/]", value):
        package, sub = m.group(1), m.group(2)
        parts = package.split(".")
        for base in (root, root / "src", here):
            candidate = base.joinpath(*parts, *Path(sub).parts)
            if is_script_dir(candidate):
                return candidate.resolve(), (f"script_location = {written} is Alembic's package-resource "
                                             f"notation: package {package}, folder {sub} → "
                                             f"{_rel(candidate, root)}"), ""
        return None, "", (f"script_location = {written} names package {package}, which is not a folder of the "
                          f"project (looked in {_rel(root, root) or '.'}, src/ and {rel_here or '.'})")
    loc = Path(value)
    candidates = [loc] if loc.is_absolute() else [here / loc, root / loc]
    for candidate in candidates:
        if is_script_dir(candidate):
            where = "" if loc.is_absolute() or "%(here)s" in written else (
                " (relative to the ini's folder)" if candidate == here / loc else " (relative to the project)")
            return candidate.resolve(), f"script_location = {written}{where} → {_rel(candidate, root)}", ""
    return None, "", (f"script_location = {written} in {_rel(ini, root)} is not an Alembic script directory "
                      "(no env.py there)")


def _script_dirs_near(here: Path) -> list[Path]:
    found = [here] if is_script_dir(here) else []
    for child in sorted(here.iterdir()) if here.is_dir() else []:
        if child.is_dir() and is_script_dir(child):
            found.append(child)
    return found


def _section(ini: Path, section: str, *, interpolate: bool) -> dict[str, str] | None:
    parser: configparser.RawConfigParser
    if interpolate:
        parser = configparser.ConfigParser(defaults={"here": str(ini.parent)})
    else:
        parser = configparser.RawConfigParser()
    try:
        with open(ini, encoding="utf-8") as fh:
            parser.read_file(fh)
    except (OSError, UnicodeDecodeError, configparser.Error):
        if interpolate:
            raise ValueError(ini) from None
        return None
    if not parser.has_section(section):
        return {}
    out = {}
    for key in parser.options(section):
        if key == "here":
            continue
        out[key] = parser.get(section, key)
    return out


def _rel(path: Path, root: Path) -> str:
    try:
        rel = Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        return Path(path).as_posix()
    return "" if rel == "." else rel
