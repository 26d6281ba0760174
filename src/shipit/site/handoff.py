"""The two editions of the handoff site.

* release edition (``site`` stage): ``site/`` + ``handoff-site-<version>.tar.gz``, covered by SHA256SUMS,
  sign-off fields blank, pointing readers to the signed-off edition;
* signed-off edition (after ``shipit signoff``): ``signoffs/site/`` + ``signoffs/handoff-site-<version>.tar.gz``,
  rebuilt from the finished release (``manifest.json`` + ``site/handoff.json``) and the sign-offs. Nothing
  covered by SHA256SUMS is touched.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from shipit.artifacts import Kind, load_manifest
from shipit.errors import ShipitError
from shipit.files import write_text
from shipit.site import evidence as ev
from shipit.site import notes as rn
from shipit.site.build import build_edition, gather
from shipit.site.config import KnowledgeTransfer, OnCall, dump, load_yaml_model
from shipit.site.signoff import SIGNOFF_DIR, default_public_keys, load_signoffs
from shipit.site.status import decide
from shipit.templating import environment

HANDOFF_JSON = "site/handoff.json"


def archive_name(version: str) -> str:
    return f"handoff-site-{version}.tar.gz"


def render_release_notes(project_dir: Path | None, notes: rn.ReleaseNotes, cfg) -> str:
    return environment(project_dir).get_template("site/release-notes.md.j2").render(
        notes=notes, sections=notes.sections(), limitations=cfg.known_limitations,
        api_changes=[c.model_dump() for c in cfg.api_changes])


def render_validation_report(project_dir: Path | None, summary: dict[str, Any], version: str) -> str:
    env = environment(project_dir)
    from shipit.site.build import cell

    env.filters["cell"] = cell
    return env.get_template("site/validation-report.md.j2").render(s=summary, version=version)


def handoff_data(ctx) -> dict[str, Any]:
    """The persisted inputs of the site (written as site/handoff.json, read back for the sign-off rebuild)."""
    cfg = ctx.config.site
    project = ctx.config.project
    kt = oc = None
    if cfg.knowledge_transfer:
        kt = load_yaml_model(ctx.project_dir / cfg.knowledge_transfer, KnowledgeTransfer, "knowledge-transfer")
    if cfg.oncall:
        oc = load_yaml_model(ctx.project_dir / cfg.oncall, OnCall, "on-call")
    return {
        "schema_version": 1,
        "title": cfg.title or f"{project.name} {ctx.version} handoff",
        "project": {"name": project.name, "description": project.description, "source_url": project.source_url,
                    "owners": project.owners},
        "version": ctx.version.text,
        "tags": ctx.version.tags,
        "snapshot": ctx.snapshot,
        "git": ctx.git.as_dict(),
        "source_date_epoch": ctx.source_date_epoch,
        "source_date": ctx.source_date_iso,
        "roles": list(cfg.signoff.roles),
        "evidence_configured": ctx.config.evidence is not None,
        "knowledge_transfer": dump(kt),
        "oncall": dump(oc),
        "known_limitations": list(cfg.known_limitations),
        "api_changes": [c.model_dump() for c in cfg.api_changes],
        "stages": list(ctx.facts.get("stage_results", [])),
    }


def _view(handoff: dict[str, Any], root: Path, artifacts: list[dict[str, Any]], stages: list[dict[str, Any]],
          signoffs: dict, edition: str, sums_sha256: str = "") -> dict[str, Any]:
    view = gather(root, artifacts)
    evidence = view["evidence"] if handoff["evidence_configured"] else None
    decision = decide(stages, evidence, handoff["roles"], signoffs, snapshot=handoff["snapshot"])
    view.update(edition=edition, stages=stages, decision=decision.as_dict(), sums_sha256=sums_sha256,
                archive=archive_name(handoff["version"]))
    return view


def run_stage(ctx) -> None:
    """The ``site`` stage: evidence, release notes, then the release edition of the site and its archive."""
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
    for role, key in sorted(ctx.config.site.signoff.keys.items()):
        # Pinned in the release (covered by SHA256SUMS and its signature): only this key signs for the role.
        from shipit.files import write_bytes
        from shipit.signing.keys import load_public_key_file, public_pem
        from shipit.site.signoff import PINNED_DIR

        if role not in handoff["roles"]:
            raise ShipitError(f"site.signoff.keys: '{role}' is not one of site.signoff.roles",
                              hint="roles: " + ", ".join(handoff["roles"]))
        pem = public_pem(load_public_key_file(ctx.project_dir / key))
        ctx.artifacts.add(write_bytes(ctx.path(f"{PINNED_DIR}/{role}.pub"), pem), Kind.DOC, name=f"signoff-key-{role}")
    ctx.artifacts.finalize()
    artifacts = [a.as_dict() for a in ctx.artifacts]
    view = _view(handoff, ctx.work_dir, artifacts, handoff["stages"], {}, "release")
    build_edition(handoff, view, ctx.work_dir, ctx.path("site"), ctx.path(archive_name(ctx.version.text)),
                  project_dir)
    ctx.artifacts.add_tree("site", Kind.SITE, name="site")
    ctx.artifacts.add(archive_name(ctx.version.text), Kind.SITE_ARCHIVE, name="site")


def load_handoff(release_dir: Path) -> dict[str, Any]:
    path = Path(release_dir) / HANDOFF_JSON
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise ShipitError(f"{path}: missing; this release was cut without the site stage",
                          hint="cut the release with the site stage enabled (site: enabled: true)") from None
    except ValueError as exc:
        raise ShipitError(f"{path}: not valid JSON: {exc}") from None


def build_signed_edition(release_dir: Path, key_paths: list[Path] | None = None,
                         out_site: Path | None = None, out_archive: Path | None = None) -> tuple[Path, Path]:
    """(Re)build the signed-off edition from a finished release; written beside the sign-offs by default."""
    from shipit.checksums import SUMS_NAME
    from shipit.files import sha256_file

    release_dir = Path(release_dir)
    handoff = load_handoff(release_dir)
    manifest = load_manifest(release_dir)
    keys = default_public_keys(release_dir, key_paths)
    signoffs = load_signoffs(release_dir, keys, declared=True)
    sums = release_dir / SUMS_NAME
    view = _view(handoff, release_dir, manifest["artifacts"], manifest.get("stages", []), signoffs, "signed-off",
                 sha256_file(sums) if sums.is_file() else "")
    out_site = out_site or release_dir / SIGNOFF_DIR / "site"
    out_archive = out_archive or release_dir / SIGNOFF_DIR / archive_name(handoff["version"])
    # Build beside the target and swap, so a failed build never leaves half a site.
    with tempfile.TemporaryDirectory(prefix=".site-", dir=out_site.parent if out_site.parent.exists() else None) as tmp:
        tmp_site, tmp_archive = Path(tmp) / "site", Path(tmp) / "site.tar.gz"
        build_edition(handoff, view, release_dir, tmp_site, tmp_archive)
        if out_site.exists():
            shutil.rmtree(out_site)
        out_site.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(tmp_site), out_site)
        out_archive.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(tmp_archive), out_archive)
    return out_site, out_archive
