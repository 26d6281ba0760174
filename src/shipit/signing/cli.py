"""``shipit keygen``, ``shipit verify`` and ``shipit verify-blob`` (thin Click layer)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from shipit.errors import ShipitError, UsageError

out_console = Console()
err_console = Console(stderr=True)


@click.command()
@click.option("--prefix", default="cosign", show_default=True, help="Write PREFIX.key and PREFIX.pub.")
@click.option("--output-dir", "-o", type=click.Path(path_type=Path, file_okay=False), default=".",
              show_default=True, help="Directory for the key pair.")
@click.option("--force", is_flag=True, help="Replace an existing key pair.")
def keygen(prefix: str, output_dir: Path, force: bool) -> None:
    """Create a cosign-compatible ECDSA P-256 key pair (PREFIX.key encrypted, mode 0600; PREFIX.pub).

    The password comes from SHIPIT_KEY_PASSWORD, else COSIGN_PASSWORD, else a prompt.
    """
    from shipit.signing.keys import get_password, write_keypair

    password = get_password(f"the new key {prefix}.key", confirm=True)
    priv, pub = write_keypair(output_dir, prefix, password, force=force)
    out_console.print(f"[green]wrote[/] {priv} (private, encrypted, mode 0600) and {pub} (public)")
    out_console.print("keep the private key and its password secret; give auditors the public key")


identity_options = [
    click.option("--key", "key", type=click.Path(path_type=Path, dir_okay=False), help="Public key (cosign.pub)."),
    click.option("--cert-identity", help="Keyless: the signer's identity (certificate SAN)."),
    click.option("--cert-oidc-issuer", help="Keyless: the OIDC issuer of that identity."),
    click.option("--trust-config", type=click.Path(path_type=Path, dir_okay=False),
                 help="Keyless: trusted_root.json or ClientTrustConfig JSON of a private Sigstore instance "
                      "(default: the public-good root from the local TUF cache)."),
]


def with_identity(f):
    for opt in reversed(identity_options):
        f = opt(f)
    return f


def _trust(key, cert_identity, cert_oidc_issuer, trust_config):
    from shipit.verify import Trust

    if bool(cert_identity) != bool(cert_oidc_issuer):
        raise UsageError("keyless verification needs both --cert-identity and --cert-oidc-issuer")
    return Trust.from_options(key, cert_identity, cert_oidc_issuer, trust_config)


@click.command()
@click.argument("release_dir", type=click.Path(path_type=Path, file_okay=False, exists=True))
@with_identity
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON on stdout.")
def verify(release_dir: Path, key, cert_identity, cert_oidc_issuer, trust_config, as_json: bool) -> None:
    """Verify a release offline: files, SHA256SUMS, signatures, provenance, images, SBOMs.

    Exits 0 only if every check passes.
    """
    from shipit.verify import verify_release

    report = verify_release(release_dir, _trust(key, cert_identity, cert_oidc_issuer, trust_config))
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
    else:
        table = Table(title=f"shipit verify — {release_dir}")
        table.add_column("", width=1)
        table.add_column("check")
        table.add_column("subject", overflow="fold")
        table.add_column("detail", overflow="fold")
        for r in report.results:
            table.add_row("[green]✓[/]" if r.ok else "[red]✗[/]", r.check, r.subject, r.reason)
        out_console.print(table)
    if not report.ok:
        failed = report.failures
        names = ", ".join(sorted({f.subject or f.check for f in failed})[:5])
        raise ShipitError(f"verification failed: {len(failed)} problem(s) ({names})",
                          hint="do not deploy this release; compare it with the published one")
    if not as_json:
        out_console.print("[bold green]release verified[/]")


@click.command("verify-blob")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--bundle", "bundle_path", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              required=True, help="The file's Sigstore bundle (.sigstore.json).")
@with_identity
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
def verify_blob(file: Path, bundle_path: Path, key, cert_identity, cert_oidc_issuer, trust_config,
                as_json: bool) -> None:
    """Verify one file against its Sigstore bundle (signature, or an attestation naming the file)."""
    from shipit.verify import verify_blob as run

    result = run(file, bundle_path, _trust(key, cert_identity, cert_oidc_issuer, trust_config))
    if as_json:
        click.echo(json.dumps({"ok": result.ok, "file": str(file), "reason": result.reason}, indent=2))
    if not result.ok:
        raise ShipitError(f"{file}: {result.reason}")
    if not as_json:
        out_console.print(f"[green]✓[/] {file}: {result.reason}")


COMMANDS = [keygen, verify, verify_blob]
