"""``shipit sbom``: SBOMs outside a release, and ``shipit sbom show FILE``."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

import click
from rich.markup import escape

from shipit.core.errors import ShipitError, UsageError
from shipit.core.options import config_option
from shipit.core.options import err_console as err
from shipit.core.options import out_console as out

# The cataloguers (cyclonedx) and the whole shipit.yaml model are imported inside the commands:
# `shipit --help` imports this module, and should not pay for them.


def _warn(msg: str) -> None:
    err.print("[yellow]warning:[/] " + escape(msg), highlight=False)


def _emit(data: bytes, output: Path | None) -> None:
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        from shipit.core.files import write_bytes

        write_bytes(output, data)
        err.print(f"[green]wrote[/] {output}")


@click.group(invoke_without_command=True)
@click.option("--image", "image", type=click.Path(path_type=Path),
              help="An OCI image layout (tar or directory): write its SBOM.")
@click.option("--release", "release_dir", type=click.Path(path_type=Path, file_okay=False),
              help="A finished release: re-derive its images' SBOMs into --output and compare.")
@click.option("--source", "source", is_flag=True, help="The project's dependencies (per shipit.yaml's sbom.source).")
@config_option
@click.option("--name", help="Image name for --image (default: the archive's file name).")
@click.option("--version", "version", help="Version recorded for the subject (default: image label / project).")
@click.option("--repository", default="", help="Repository URL for the image purl (--image).")
@click.option("--manifest-digest", help="Which manifest of a multi-image layout (--image).")
@click.option("--platform", help="Which platform of a multi-platform image, e.g. linux/arm64 (--image).")
@click.option("--output", "-o", type=click.Path(path_type=Path),
              help="Output file (--image, --source; default stdout) or directory (--release, required).")
@click.pass_context
def sbom(ctx, image, release_dir, source, config, name, version, repository, manifest_digest, platform,
         output) -> None:
    """CycloneDX 1.6 SBOMs: of an OCI image (--image), of a finished release's images (--release), or of
    the project's Python dependencies (--source). The release stage `sbom` does all of this for you."""
    if ctx.invoked_subcommand is not None:
        return
    modes = [m for m in (image, release_dir, source or None) if m]
    if len(modes) != 1:
        raise UsageError("choose one of --image ARCHIVE, --release DIR or --source",
                         hint="e.g. shipit sbom --image release/1.0.0/images/api.oci.tar -o api.cdx.json; "
                              "shipit sbom show FILE summarizes an SBOM")
    if image:
        from shipit.sbom.standalone import image_sbom

        result = image_sbom(
            image, name=name, version=version, repository=repository, manifest_digest=manifest_digest, warn=_warn,
            platform=platform)
        counts: dict[str, int] = {}
        for p in result.packages:
            counts[p.ecosystem] = counts.get(p.ecosystem, 0) + 1
        err.print(f"{result.image.manifest_digest}: {len(result.packages)} packages "
                  + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())), highlight=False)
        _emit(result.document, output)
    elif release_dir:
        from shipit.sbom.standalone import recheck_release

        if output is None:
            raise UsageError("--release needs --output DIR", hint="the release itself is sealed and never modified")
        results = recheck_release(release_dir, output, _warn)
        differ = False
        for r in results:
            state = {True: "[green]identical to the release's SBOM[/]",
                     False: "[red]differs from the release's SBOM[/]",
                     None: "[yellow]the release has no SBOM for it[/]"}[r.identical]
            out.print(f"{r.name}: {r.path} — {state}", highlight=False)
            differ |= r.identical is False
        if differ:
            raise ShipitError("re-derived SBOMs differ from the release's",
                              hint="compare the files; the image or the cataloguer changed since the release")
    else:
        from shipit.config import load_config
        from shipit.core.context import git_info, source_date_epoch
        from shipit.sbom.source import source_sbom

        cfg = load_config(config)
        epoch = source_date_epoch(git_info(cfg.project_dir), cfg.path)
        result = source_sbom(cfg.project_dir, cfg.sbom.source, name=cfg.project.name, version=version or "unversioned",
                             timestamp=datetime.fromtimestamp(epoch, tz=timezone.utc))
        if result is None:
            raise ShipitError(f"{cfg.project_dir}: no Python dependency file found",
                              hint="add requirements.txt / a lock file / pyproject.toml, or set sbom.source")
        for note in result.notes:
            _warn(note)
        err.print(f"{result.input.name} ({result.kind}): {result.components} components", highlight=False)
        _emit(result.document, output)


@sbom.command("show")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--top", default=10, show_default=True, help="How many licenses to list.")
@click.option("--no-validate", is_flag=True, help="Skip schema validation.")
def show(file, top, no_validate) -> None:
    """Summarize a CycloneDX JSON SBOM: counts by type, top licenses, components without a license."""
    from shipit.sbom.show import render, summarize

    summary = summarize(file, validate=not no_validate)
    render(summary, file, out, top=top)
    if summary.valid is False:
        raise ShipitError(f"{file}: not valid against the CycloneDX {summary.spec_version} schema")


COMMANDS = [sbom]
