"""The ``site`` stage: validation evidence, release notes, then the release edition of the offline
handoff site (MkDocs Material) and its archive. The signed-off edition is :mod:`shipit.site.handoff`'s."""

from __future__ import annotations

from shipit.core.artifacts import Kind
from shipit.core.context import ReleaseContext, ReleasePlan
from shipit.core.errors import ShipitError
from shipit.core.files import write_bytes, write_text
from shipit.core.runner import Stage
from shipit.core.tools import Tool
from shipit.signing.keys import load_public_key_file, public_pem
from shipit.site import notes as rn
from shipit.site.record import archive_name, handoff_data
from shipit.site.signoff import PINNED_DIR


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
    #: the site lists every artifact with its digest: it is built once, at the merge of a sharded release
    at_merge = True

    def skip(self, plan: ReleasePlan):
        if plan.config.site is None:
            return "no site: section in shipit.yaml"
        return None if plan.config.site.enabled else "site.enabled is false in shipit.yaml"

    def requirements(self, plan: ReleasePlan):
        return [Tool("mkdocs", why="builds the handoff site (mkdocs build --strict, Material theme)",
                     probe=_mkdocs_probe),
                Tool("git", why="reads the history for the release notes", optional=True)]

    def run(self, ctx: ReleaseContext) -> None:
        # MkDocs and the evidence parsers: imported when the stage runs (`shipit check` loads every stage)
        from shipit.site import evidence as ev
        from shipit.site.build import build_edition
        from shipit.site.handoff import (
            edition_view,
            render_release_notes,
            render_validation_report,
        )

        project_dir = ctx.project_dir
        if ctx.config.evidence is not None:
            _summary, written = ev.write_evidence(
                ctx.config.evidence, project_dir, ctx.path("evidence"),
                lambda s: render_validation_report(project_dir, s, ctx.version.text))
            for p in written:
                ctx.artifacts.add(p, Kind.EVIDENCE, name=p.name)
        notes = rn.collect(project_dir, ctx.version.text, ctx.config.site.tag_pattern)
        write_text(ctx.path("release-notes.md"), render_release_notes(project_dir, notes, ctx.config.site))
        ctx.artifacts.add("release-notes.md", Kind.RELEASE_NOTES)
        handoff = handoff_data(ctx)
        handoff["signing"] = signing_plan(ctx)
        for role, key in sorted(ctx.config.site.signoff.keys.items()):
            # Pinned in the release (covered by SHA256SUMS and its signature): only this key signs for the role.
            if role not in handoff["roles"]:
                raise ShipitError(f"site.signoff.keys: '{role}' is not one of site.signoff.roles",
                                  hint="roles: " + ", ".join(handoff["roles"]))
            pem = public_pem(load_public_key_file(ctx.project_dir / key))
            ctx.artifacts.add(write_bytes(ctx.path(f"{PINNED_DIR}/{role}.pub"), pem), Kind.DOC,
                              name=f"signoff-key-{role}")
        ctx.artifacts.finalize()
        artifacts = [a.as_dict() for a in ctx.artifacts]
        view = edition_view(handoff, ctx.work_dir, artifacts, handoff["stages"], "release")
        build_edition(handoff, view, ctx.work_dir, ctx.path("site"), ctx.path(archive_name(ctx.version.text)),
                      project_dir)
        ctx.artifacts.add_tree("site", Kind.SITE, name="site")
        ctx.artifacts.add(archive_name(ctx.version.text), Kind.SITE_ARCHIVE, name="site")


def signing_plan(ctx: ReleaseContext) -> dict:
    """What the sign stage will write (it runs after SHA256SUMS, which covers this site), or why the
    release will be unsigned: the release edition's Signatures page says it, loudly when unsigned."""
    from shipit.signing.attest import (
        unsigned_reason,  # the signing capability's rule, the one the sign stage follows
    )
    from shipit.site.signatures import plan

    reason = unsigned_reason(ctx)
    attested = sorted(a.name for a in ctx.artifacts.filter(Kind.SBOM) if a.extra.get("image_digest"))
    cfg = ctx.config.signing
    return plan(cfg.model_dump(mode="json") if cfg is not None else None, reason, attested)


STAGES = [SiteStage]
