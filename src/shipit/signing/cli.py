"""``shipit keygen`` and ``shipit verify-blob`` (thin Click layer); ``shipit verify`` runs every capability's
checks (:mod:`shipit.commands.verify`) with this module's trust options."""

from __future__ import annotations

import json
from pathlib import Path

import click

from shipit.core.errors import ShipitError, UsageError
from shipit.core.options import out_console

# The signing modules (cryptography, sigstore) are imported inside each command: `shipit --help` imports
# this module, and should not pay for them.


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


def trust_from_options(key, cert_identity, cert_oidc_issuer, trust_config):
    """The :class:`shipit.signing.trust.Trust` the identity options describe."""
    from shipit.signing.trust import Trust

    if bool(cert_identity) != bool(cert_oidc_issuer):
        raise UsageError("keyless verification needs both --cert-identity and --cert-oidc-issuer")
    return Trust.from_options(key, cert_identity, cert_oidc_issuer, trust_config)


@click.command("verify-blob")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--bundle", "bundle_path", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              required=True, help="The file's Sigstore bundle (.sigstore.json).")
@with_identity
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
def verify_blob(file: Path, bundle_path: Path, key, cert_identity, cert_oidc_issuer, trust_config,
                as_json: bool) -> None:
    """Verify one file against its Sigstore bundle (signature, or an attestation naming the file)."""
    from shipit.signing.checks import verify_blob as verify_blob_file

    result = verify_blob_file(file, bundle_path, trust_from_options(key, cert_identity, cert_oidc_issuer, trust_config))
    if as_json:
        click.echo(json.dumps({"ok": result.ok, "file": str(file), "reason": result.reason}, indent=2))
    if not result.ok:
        raise ShipitError(f"{file}: {result.reason}")
    if not as_json:
        out_console.print(f"[green]✓[/] {file}: {result.reason}")


COMMANDS = [keygen, verify_blob]
