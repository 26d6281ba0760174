"""``shipit publish RELEASE_DIR``: push a cut release's images (thin Click layer)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table


@click.command("publish")
@click.argument("release_dir", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--image", "images", multiple=True, help="Only this image (repeatable). Default: all.")
@click.option("--insecure", is_flag=True, help="Plain HTTP / unverified TLS to the registries.")
@click.option("--retries", type=click.IntRange(0, 10), default=3, show_default=True,
              help="Retries (with exponential backoff) on 5xx and dropped connections.")
@click.pass_context
def publish_command(ctx, release_dir: Path, images: tuple[str, ...], insecure: bool, retries: int) -> None:
    """Push every tag of every image in RELEASE_DIR and check the registry serves the recorded digest.

    Credentials: SHIPIT_REGISTRY_USERNAME / SHIPIT_REGISTRY_PASSWORD, else the podman/Docker auth file.
    """
    from shipit.artifacts import load_manifest
    from shipit.images.publish import publish, targets_of

    err = Console(stderr=True)
    verbose = bool(ctx.obj and ctx.obj.get("verbose"))
    manifest = load_manifest(release_dir)
    targets = targets_of(manifest.get("artifacts", []), release_dir, list(images) or None)
    with err.status(f"pushing {len(targets)} tag(s)"):
        results = publish(targets, insecure=insecure, retries=retries,
                          log=(lambda m: err.log(m)) if verbose else (lambda m: None))
    table = Table(title=f"published {manifest.get('version', '')}")
    for col in ("image", "reference", "digest"):
        table.add_column(col)
    for r in results:
        table.add_row(r["image"], r["reference"], r["digest"])
    Console().print(table)
