"""Builds the offline handoff site (MkDocs Material) with evidence, release notes and sign-off fields."""

from __future__ import annotations

from shipit.pipeline import Stage
from shipit.tools import Tool


def _mkdocs_probe() -> tuple[bool, str]:
    try:
        import material  # noqa: F401
        import mkdocs
    except ImportError as exc:
        return False, f"{exc.name} is not installed (pip install 'shipit[all]')"
    return True, f"mkdocs {mkdocs.__version__} with Material"


class SiteStage(Stage):
    name = "site"
    description = "build the offline handoff site and its archive"

    def skip(self, ctx):
        if ctx.config.site is None:
            return "no site: section in shipit.yaml"
        return None if ctx.config.site.enabled else "site.enabled is false in shipit.yaml"

    def requirements(self, ctx):
        return [Tool("mkdocs", why="builds the handoff site (mkdocs build --strict, Material theme)",
                     probe=_mkdocs_probe),
                Tool("git", why="reads the history for the release notes", optional=True)]

    def run(self, ctx) -> None:
        from shipit.site.handoff import run_stage

        run_stage(ctx)
