"""``shipit verify`` passes on an intact release and fails, naming the file, on every kind of tampering."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest

from shipit.commands.verify import verify as verify_release
from shipit.images.layout import archive_problem as verify_oci_archive
from shipit.signing.key import KeySigner
from shipit.signing.keys import load_private_key_file, write_keypair
from shipit.signing.trust import Trust
from tests.conftest import run_shipit
from tests.signing.conftest import PASSWORD, oci_archive


def trust_for(pub: Path) -> Trust:
    return Trust.from_options(pub, None, None, None)


def failures(root: Path, pub: Path) -> list[tuple[str, str, str]]:
    report = verify_release(root, trust_for(pub))
    return [(r.check, r.subject, r.reason) for r in report.failures]


def flip_byte(path: Path, offset: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    i = len(data) // 2 if offset is None else offset
    data[i] ^= 0x01
    path.write_bytes(bytes(data))


def test_intact_release_verifies_cli(signed_release):
    proc = run_shipit("verify", str(signed_release["dir"]), "--key", str(signed_release["pub"]))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "release verified" in proc.stdout
    assert "✓" in proc.stdout and "✗" not in proc.stdout
    proc = run_shipit("verify", str(signed_release["dir"]), "--key", str(signed_release["pub"]), "--json")
    doc = json.loads(proc.stdout)
    assert doc["ok"] is True
    checks = {c["check"] for c in doc["checks"]}
    assert checks == {"files", "checksums", "signature", "file signatures", "provenance", "images", "sboms",
                      "sign-offs"}
    assert all(c["ok"] for c in doc["checks"])


@pytest.mark.parametrize("rel", ["manifest.json", "images/api.oci.tar", "sbom/api.cdx.json", "docs/notes.md",
                                 "SHA256SUMS", "SHA256SUMS.sig", "SHA256SUMS.sigstore.json",
                                 "attestations/provenance.intoto.jsonl", "attestations/sbom-api.sigstore.json",
                                 "docs/notes.md.sig"])
def test_flipped_byte_is_caught_and_named(release_copy, signed_release, rel):
    path = release_copy / rel
    if rel.endswith(".sig"):  # keep it base64 so the signature, not the encoding, is what fails
        sig = bytearray(base64.b64decode(path.read_bytes()))
        sig[-1] ^= 0x01
        path.write_bytes(base64.b64encode(bytes(sig)))
    elif rel.endswith(".json") or rel.endswith(".jsonl") or rel == "SHA256SUMS":
        text = path.read_text()
        # change one hex digit / character inside the content, keeping the syntax valid
        i = next(i for i in range(len(text) // 2, len(text)) if text[i] in "0123456789abcdef")
        path.write_text(text[:i] + ("0" if text[i] != "0" else "1") + text[i + 1:])
    else:
        flip_byte(path)
    fails = failures(release_copy, signed_release["pub"])
    assert fails, f"tampering with {rel} went unnoticed"
    assert any(rel in subj or rel in reason for _c, subj, reason in fails), fails


def test_tampered_image_blob_is_caught_by_the_image_check(release_copy, signed_release):
    # rebuild the archive with a different layer: the archive is internally consistent but not the recorded image
    oci_archive(release_copy / "images" / "api.oci.tar", payload=b"evil\n")
    fails = failures(release_copy, signed_release["pub"])
    assert any(c == "images" and s == "images/api.oci.tar" and "recorded manifest" in r for c, s, r in fails), fails


def test_deleted_file_is_named(release_copy, signed_release):
    (release_copy / "docs" / "notes.md").unlink()
    fails = failures(release_copy, signed_release["pub"])
    assert ("files", "docs/notes.md", "listed in manifest.json but missing") in fails
    assert any(c == "checksums" and s == "docs/notes.md" for c, s, _ in fails)


@pytest.mark.parametrize("rel", ["extra.txt", "attestations/evil.intoto.jsonl", "docs/notes.md.bak"])
def test_added_file_is_named(release_copy, signed_release, rel):
    (release_copy / rel).write_text("surprise\n")
    fails = failures(release_copy, signed_release["pub"])
    assert ("files", rel, "not listed in manifest.json (unexpected file)") in fails


def test_signoffs_are_allowed(release_copy, signed_release):
    (release_copy / "signoffs").mkdir()
    (release_copy / "signoffs" / "qa.json").write_text("{}\n")
    # not unlisted files (the sign-offs check itself rejects this empty statement: tests/site)
    assert [f for f in failures(release_copy, signed_release["pub"]) if f[0] != "sign-offs"] == []


def test_swapped_files_are_named(release_copy, signed_release):
    a, b = release_copy / "docs" / "notes.md", release_copy / "sbom" / "api.cdx.json"
    da, db = a.read_bytes(), b.read_bytes()
    a.write_bytes(db)
    b.write_bytes(da)
    subjects = {s for _c, s, _r in failures(release_copy, signed_release["pub"])}
    assert {"docs/notes.md", "sbom/api.cdx.json"} <= subjects


def test_another_key_fails(signed_release, tmp_path):
    _priv, other_pub = write_keypair(tmp_path, "other", b"x")
    fails = failures(signed_release["dir"], other_pub)
    assert any(c == "signature" and "another key" in r for c, _s, r in fails), fails
    assert any(c == "provenance" for c, _s, _r in fails)
    proc = run_shipit("verify", str(signed_release["dir"]), "--key", str(other_pub))
    assert proc.returncode == 1 and "verification failed" in proc.stderr and "✗" in proc.stdout


def test_resigned_by_another_key_fails(release_copy, signed_release, tmp_path):
    """An attacker re-signs SHA256SUMS with their own key: bundle hint and signature both fail."""
    priv, _pub = write_keypair(tmp_path, "attacker", b"x")
    signer = KeySigner(load_private_key_file(priv, b"x"))
    signed = signer.sign_blob((release_copy / "SHA256SUMS").read_bytes())
    (release_copy / "SHA256SUMS.sig").write_bytes(base64.b64encode(signed.signature))
    fails = failures(release_copy, signed_release["pub"])
    assert any(s == "SHA256SUMS.sig" and "does not verify" in r for _c, s, r in fails), fails


def _rewrite_provenance(root: Path, edit, signer: KeySigner | None) -> None:
    env_path = root / "attestations" / "provenance.intoto.jsonl"
    env = json.loads(env_path.read_text())
    statement = json.loads(base64.b64decode(env["payload"]))
    edit(statement)
    payload = json.dumps(statement, sort_keys=True, separators=(",", ":")).encode()
    if signer is None:  # edit without re-signing
        env["payload"] = base64.b64encode(payload).decode()
        bundle = json.loads((root / "attestations" / "provenance.sigstore.json").read_text())
        bundle["dsseEnvelope"] = env
    else:
        signed = signer.sign_statement(payload)
        env, bundle = signed.envelope, signed.bundle
    env_path.write_text(json.dumps(env, sort_keys=True, separators=(",", ":")) + "\n")
    (root / "attestations" / "provenance.sigstore.json").write_text(json.dumps(bundle))


def _edit_subject(statement):
    for s in statement["subject"]:
        if s["name"] == "docs/notes.md":
            s["digest"]["sha256"] = "0" * 64


def test_edited_provenance_subject_fails_signature(release_copy, signed_release):
    _rewrite_provenance(release_copy, _edit_subject, signer=None)
    fails = failures(release_copy, signed_release["pub"])
    assert any(c == "provenance" and "does not verify" in r for c, _s, r in fails), fails


def test_edited_provenance_subject_fails_even_when_validly_signed(release_copy, signed_release):
    signer = KeySigner(load_private_key_file(signed_release["key"], PASSWORD.encode()))
    _rewrite_provenance(release_copy, _edit_subject, signer=signer)
    fails = failures(release_copy, signed_release["pub"])
    assert any(c == "provenance" and s == "docs/notes.md" and "records digest" in r for c, s, r in fails), fails

    def drop_image(statement):
        statement["subject"] = [s for s in statement["subject"] if s["name"] != "api"]

    _rewrite_provenance(release_copy, drop_image, signer=signer)
    fails = failures(release_copy, signed_release["pub"])
    assert ("provenance", "api", "not a subject of the provenance") in fails


def test_sbom_bound_to_another_image_fails(release_copy, signed_release):
    manifest = json.loads((release_copy / "manifest.json").read_text())
    # an SBOM that names another digest, with manifest + SHA256SUMS regenerated to hide it: still caught by
    # the SHA256SUMS signature, and by the SBOM ↔ image binding
    for art in manifest["artifacts"]:
        if art["kind"] == "sbom":
            art["extra"]["image_digest"] = "sha256:" + "1" * 64
    (release_copy / "manifest.json").write_text(json.dumps(manifest))
    fails = failures(release_copy, signed_release["pub"])
    assert any(c == "sboms" and s == "sbom/api.cdx.json" and "bound to" in r for c, s, r in fails), fails


def test_invalid_sbom_is_reported(release_copy, signed_release):
    sbom = release_copy / "sbom" / "api.cdx.json"
    doc = json.loads(sbom.read_text())
    doc["version"] = "one"
    sbom.write_text(json.dumps(doc))
    fails = failures(release_copy, signed_release["pub"])
    assert any(c == "sboms" and s == "sbom/api.cdx.json" and "invalid CycloneDX" in r for c, s, r in fails), fails


def test_oci_archive_check(tmp_path):
    facts = oci_archive(tmp_path / "img.tar")
    assert verify_oci_archive(tmp_path / "img.tar", facts["manifest_digest"]) is None
    assert "does not reference" in verify_oci_archive(tmp_path / "img.tar", "sha256:" + "2" * 64)
    # corrupt one blob in place: its content no longer hashes to its name
    import tarfile

    with tarfile.open(tmp_path / "img.tar") as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}
    blob = next(n for n in members if n.startswith("blobs/") and members[n][:1] == b"{" and b"rootfs" in members[n])
    with tarfile.open(tmp_path / "bad.tar", "w") as tar:
        import io

        for name, data in members.items():
            data = data.replace(b"amd64", b"arm64") if name == blob else data
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    assert "is corrupt" in verify_oci_archive(tmp_path / "bad.tar", facts["manifest_digest"])


def test_unsigned_release_fails_verification(make_project, keypair):
    proj = make_project()
    assert run_shipit("release", "--version", "1.0.0", cwd=proj).returncode == 0
    fails = failures(proj / "release" / "1.0.0", keypair[1])
    assert any(c == "signature" and "not signed" in r for c, _s, r in fails)
    assert any(c == "provenance" and "missing" in r for c, _s, r in fails)


def test_verify_blob_cli(signed_release, tmp_path):
    root, pub = signed_release["dir"], str(signed_release["pub"])
    ok = run_shipit("verify-blob", str(root / "SHA256SUMS"), "--bundle", str(root / "SHA256SUMS.sigstore.json"),
                    "--key", pub)
    assert ok.returncode == 0, ok.stderr
    # an attestation bundle verifies a file it names as a subject
    ok = run_shipit("verify-blob", str(root / "docs" / "notes.md"), "--bundle",
                    str(root / "attestations" / "provenance.sigstore.json"), "--key", pub)
    assert ok.returncode == 0, ok.stderr
    other = tmp_path / "other.txt"
    other.write_text("not released\n")
    bad = run_shipit("verify-blob", str(other), "--bundle", str(root / "SHA256SUMS.sigstore.json"), "--key", pub)
    assert bad.returncode == 1 and "different content" in bad.stderr
    bad = run_shipit("verify-blob", str(other), "--bundle", str(root / "attestations" / "provenance.sigstore.json"),
                     "--key", pub)
    assert bad.returncode == 1 and "does not name this file" in bad.stderr
    usage = run_shipit("verify-blob", str(other), "--bundle", str(root / "SHA256SUMS.sigstore.json"))
    assert usage.returncode != 0 and "no trust anchor" in usage.stderr and "Traceback" not in usage.stderr


def test_verify_rejects_private_key_as_trust(signed_release):
    proc = run_shipit("verify", str(signed_release["dir"]), "--key", str(signed_release["key"]))
    assert proc.returncode != 0 and "never the private key" in proc.stderr


def test_verify_needs_a_release_dir(tmp_path, signed_release):
    proc = run_shipit("verify", str(tmp_path), "--key", str(signed_release["pub"]))
    assert proc.returncode == 1 and "manifest.json is missing" in proc.stdout + proc.stderr
    assert os.listdir(tmp_path) == []
