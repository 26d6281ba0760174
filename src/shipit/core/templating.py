"""Jinja2 templates: a project's own ``templates/`` overrides the ones shipit ships."""

from __future__ import annotations

from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined


def shipped_templates() -> Path:
    """The templates shipped with shipit (top-level ``templates/`` in a checkout, bundled in a wheel)."""
    package = Path(__file__).resolve().parents[1]  # src/shipit
    bundled = package / "_templates"
    return bundled if bundled.is_dir() else package.parents[1] / "templates"


def environment(project_dir: Path | None = None) -> Environment:
    dirs = []
    if project_dir is not None and (project_dir / "templates").is_dir():
        dirs.append(str(project_dir / "templates"))
    dirs.append(str(shipped_templates()))
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(d) for d in dirs]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    return env


def render(project_dir: Path | None, name: str, **variables) -> str:
    return environment(project_dir).get_template(name).render(**variables)
