"""The two editions of the handoff site.

* release edition (the ``site`` stage, :mod:`shipit.site.stage`): ``site/`` + ``handoff-site-<version>.tar.gz``, covered by SHA256SUMS,
  sign-off fields blank, pointing readers to the signed-off edition;
* signed-off edition (after ``shipit signoff``): ``signoffs/site/`` + ``signoffs/handoff-site-<version>.tar.gz``,
  rebuilt from the finished release (``manifest.json`` + ``site/handoff.json``) and the sign-offs. Nothing
  covered by SHA256SUMS is touched.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from shipit.core.artifacts import load_manifest
from shipit.core.checksums import SUMS_NAME
from shipit.core.files import sha256_file
from shipit.core.templating import environment
from shipit.signing.trust import Trust
from shipit.site import notes as rn
from shipit.site.build import build_edition, cell, gather
from shipit.site.record import archive_name, load_handoff
from shipit.site.signatures import inventory
from shipit.site.signoff import SIGNOFF_DIR, default_public_keys
from shipit.site.status import decide, release_status


def render_release_notes(project_dir: Path | None, notes: rn.ReleaseNotes, cfg) -> str:
    return environment(project_dir).get_template("site/release-notes.md.j2").render(
        notes=notes, sections=notes.sections(), limitations=cfg.known_limitations,
        api_changes=[c.model_dump() for c in cfg.api_changes])


def render_validation_report(project_dir: Path | None, summary: dict[str, Any], version: str) -> str:
    env = environment(project_dir)
    env.filters["cell"] = cell
    return env.get_template("site/validation-report.md.j2").render(s=summary, version=version)


def edition_view(handoff: dict[str, Any], root: Path, artifacts: list[dict[str, Any]], stages: list[dict[str, Any]],
                 edition: str, decision=None, sums_sha256: str = "", signing: dict[str, Any] | None = None
                 ) -> dict[str, Any]:
    """What the pages of one edition show. The release edition decides from the stages and gates alone (no
    sign-off exists yet); the signed-off edition is handed ``shipit status``'s own decision."""
    view = gather(root, artifacts)
    if decision is None:
        evidence = view["evidence"] if handoff["evidence_configured"] else None
        decision = decide(stages, evidence, handoff["roles"], {}, snapshot=handoff["snapshot"])
    view.update(edition=edition, stages=stages, decision=decision.as_dict(), sums_sha256=sums_sha256,
                archive=archive_name(handoff["version"]),
                signing=signing if signing is not None else handoff.get("signing") or {"signed": False, "files": [],
                                                                                       "reason": "not recorded"})
    return view


def build_signed_edition(release_dir: Path, key_paths: list[Path] | None = None,
                         out_site: Path | None = None, out_archive: Path | None = None) -> tuple[Path, Path]:
    """(Re)build the signed-off edition from a finished release; written beside the sign-offs by default.

    Its decision is :func:`shipit.site.status.release_status` with the same keys, i.e. exactly what
    ``shipit status --key ...`` says (keys pinned in the release always count)."""
    release_dir = Path(release_dir)
    handoff = load_handoff(release_dir)
    manifest = load_manifest(release_dir)
    decision = release_status(release_dir, key_paths)
    anchors = [Trust(public_key=k) for k in default_public_keys(release_dir, key_paths)]
    sums = release_dir / SUMS_NAME
    view = edition_view(handoff, release_dir, manifest["artifacts"], manifest.get("stages", []), "signed-off",
                        decision, sha256_file(sums) if sums.is_file() else "", inventory(release_dir, anchors))
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
