"""End to end: what `make demo` does — cut release 1.0.0 of examples/orders-service with every stage on
the embedded defaults (native image builder, SQLite, a throwaway key), then check it with tools we did
not write (sha256sum -c, openssl) and with `shipit verify`; a second cut gives identical bytes; then the
release manager's last step: three sign-offs turn the go/no-go from NO-GO into GO."""

from __future__ import annotations

import base64
import json
import subprocess

import pytest

from tests.conftest import DEMO, require_tool, run_shipit, shipit_env


@pytest.mark.slow
@pytest.mark.xdist_group("demo-base")
def test_demo_release_end_to_end(tmp_path, debian_base, demo_evidence):
    require_tool("sha256sum", "openssl")
    env = shipit_env(SHIPIT_KEY_PASSWORD="demo-only-not-secret",
                     SHIPIT_SIGNING_KEY=str(tmp_path / "key" / "cosign.key"))
    run_shipit("keygen", "--output-dir", str(tmp_path / "key"), env=env, check=True)
    outputs = []
    for run in ("a", "b"):
        proc = run_shipit("release", "--version", "1.0.0", "--config", str(DEMO / "shipit.yaml"),
                          "--output", str(tmp_path / run), "--json", env=env)
        assert proc.returncode == 0, proc.stderr
        outputs.append(tmp_path / run / "1.0.0")
    rel = outputs[0]
    summary = json.loads(proc.stdout)
    statuses = {s["name"]: s["status"] for s in summary["stages"]}
    assert statuses == {"images": "passed", "sbom": "passed", "migrations": "passed", "pipeline": "passed",
                        "ops": "passed", "site": "passed", "manifest": "passed", "checksums": "passed",
                        "sign": "passed", "publish": "skipped"}

    # The manifest lists every content file, with the digests sha256sum computes.
    manifest = json.loads((rel / "manifest.json").read_text())
    kinds = {a["kind"] for a in manifest["artifacts"]}
    assert {"image", "sbom", "sql", "migration-bundle", "report", "alert-rules", "dashboard", "runbook",
            "site", "site-archive"} <= kinds
    [image] = [a for a in manifest["artifacts"] if a["kind"] == "image"]
    assert image["extra"]["manifest_digest"].startswith("sha256:")
    check = subprocess.run(["sha256sum", "--strict", "-c", "SHA256SUMS"], cwd=rel, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    summed = {line.split("  ", 1)[1] for line in (rel / "SHA256SUMS").read_text().splitlines()}
    assert {a["path"] for a in manifest["artifacts"]} | {"manifest.json"} == summed

    # The signature over SHA256SUMS verifies with openssl (cosign sign-blob format).
    (tmp_path / "sig.der").write_bytes(base64.b64decode((rel / "SHA256SUMS.sig").read_text()))
    ossl = subprocess.run(["openssl", "dgst", "-sha256", "-verify", str(tmp_path / "key" / "cosign.pub"),
                           "-signature", str(tmp_path / "sig.der"), str(rel / "SHA256SUMS")],
                          capture_output=True, text=True)
    assert ossl.returncode == 0 and "Verified OK" in ossl.stdout, ossl.stderr

    # The auditor's check passes, and the two cuts are byte-identical file by file.
    verify = run_shipit("verify", str(rel), "--key", str(tmp_path / "key" / "cosign.pub"), "--json", env=env)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    files_a = sorted(p.relative_to(rel) for p in rel.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(outputs[1]) for p in outputs[1].rglob("*") if p.is_file())
    assert files_a == files_b
    differ = [str(p) for p in files_a if (rel / p).read_bytes() != (outputs[1] / p).read_bytes()]
    assert differ == []

    # The validation evidence met every gate; only the sign-offs are missing.
    gates = json.loads((rel / "evidence" / "summary.json").read_text())["gates"]
    assert gates and all(g["passed"] for g in gates), gates
    pub = str(tmp_path / "key" / "cosign.pub")
    status = run_shipit("status", str(rel), "--key", pub, "--json", env=env)
    assert status.returncode == 1 and json.loads(status.stdout)["go"] is False
    for role in ("architecture", "security", "operations"):
        signed = run_shipit("signoff", str(rel), "--role", role, "--name", f"{role} lead", "--decision", "approve",
                            "--key", str(tmp_path / "key" / "cosign.key"), "--verify-key", pub, env=env)
        assert signed.returncode == 0, signed.stderr
    status = run_shipit("status", str(rel), "--key", pub, "--json", env=env)
    assert status.returncode == 0, status.stdout + status.stderr
    assert json.loads(status.stdout)["go"] is True
    # Sign-offs never change a file SHA256SUMS covers, and the release still verifies.
    assert subprocess.run(["sha256sum", "--strict", "--quiet", "-c", "SHA256SUMS"], cwd=rel).returncode == 0
    assert run_shipit("verify", str(rel), "--key", pub, env=env).returncode == 0
