"""Sign-off flow through the real CLI: all approve → go; one reject → no-go; a tampered sign-off or one
signed for another release fails verification; release files never change."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess

from shipit.site.signoff import load_public_key, sign_off, verify_signoffs
from shipit.site.status import release_status
from tests.conftest import require_tool, run_shipit
from tests.site.site_helpers import cut, make_project

ROLES = ("architecture", "security", "operations")


def sign(release, keys, role, decision="approve", name=None, comment="", key="signer", trusted=("signer_pub",)):
    args = [a for t in trusted for a in ("--verify-key", str(keys[t]))]
    return run_shipit("signoff", str(release), "--role", role, "--name", name or f"{role.title()} Lead",
                      "--decision", decision, "--key", str(keys[key]), "--comment", comment, *args)


def sign_fast(release, keys, role, decision="approve", key="signer"):
    """The same sign-off through the Python API, without the site rebuild (for the verification tests)."""
    sign_off(release, role, f"{role.title()} Lead", decision, keys[key], roles=list(ROLES))


def status(release, keys):
    return run_shipit("status", str(release), "--key", str(keys["signer_pub"]), "--json")


def sha256sum_check(release) -> subprocess.CompletedProcess:
    """coreutils' own check that no file covered by SHA256SUMS changed."""
    return subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=release, capture_output=True, text=True)


def test_all_approve_is_a_go(release_copy, signing_keys):
    keys = signing_keys
    before = status(release_copy, keys)
    assert before.returncode == 1
    assert json.loads(before.stdout)["decision"] == "NO-GO"
    for role in ROLES:
        proc = sign(release_copy, keys, role, comment="looks good | ship it")
        assert proc.returncode == 0, proc.stderr
    after = status(release_copy, keys)
    assert after.returncode == 0, after.stdout
    decision = json.loads(after.stdout)
    assert decision["go"] is True
    assert {s["role"]: s["status"] for s in decision["signoffs"]} == dict.fromkeys(ROLES, "valid")

    # Nothing covered by SHA256SUMS changed; the signed-off edition lives under signoffs/.
    assert sha256sum_check(release_copy).returncode == 0
    assert "Blank until signed" in (release_copy / "site/signoff.html").read_text()
    page = re.sub(r"<[^>]+>", " ", (release_copy / "signoffs/site/signoff.html").read_text())
    assert "Security Lead" in page and "approve" in page and "verified" in page
    assert "looks good | ship it" in re.sub(r"\s+", " ", page.replace("\\|", "|"))
    assert "Decision: GO" in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ",
                                                         (release_copy / "signoffs/site/index.html").read_text()))
    assert (release_copy / "signoffs/handoff-site-1.0.0.tar.gz").is_file()


def test_signature_verifies_with_openssl(release_copy, signing_keys):
    require_tool("openssl")
    assert sign(release_copy, signing_keys, "security").returncode == 0
    der = release_copy.parent / "security.sig.der"
    der.write_bytes(base64.b64decode((release_copy / "signoffs/security.json.sig").read_text()))
    proc = subprocess.run(["openssl", "dgst", "-sha256", "-verify", str(signing_keys["signer_pub"]), "-signature",
                           str(der), str(release_copy / "signoffs/security.json")], capture_output=True, text=True)
    assert proc.returncode == 0 and "Verified OK" in proc.stdout
    statement = json.loads((release_copy / "signoffs/security.json").read_text())
    sums = subprocess.run(["sha256sum", "SHA256SUMS"], cwd=release_copy, capture_output=True, text=True).stdout
    assert statement["subject"] == {"name": "SHA256SUMS", "digest": {"sha256": sums.split()[0]}}


def test_one_reject_is_a_no_go(release_copy, signing_keys):
    sign_fast(release_copy, signing_keys, "architecture")
    sign_fast(release_copy, signing_keys, "operations")
    assert sign(release_copy, signing_keys, "security", "reject", comment="CVE-2026-1 unfixed").returncode == 0
    proc = status(release_copy, signing_keys)
    assert proc.returncode == 1
    checks = {c["name"]: c for c in json.loads(proc.stdout)["checks"]}
    assert checks["sign-off security"]["ok"] is False
    assert "rejected by Security Lead: CVE-2026-1 unfixed" in checks["sign-off security"]["detail"]
    assert checks["sign-off architecture"]["ok"] is True


def test_tampered_signoff_fails_verification(release_copy, signing_keys):
    for role in ROLES:
        sign_fast(release_copy, signing_keys, role)
    assert status(release_copy, signing_keys).returncode == 0
    path = release_copy / "signoffs/operations.json"
    path.write_text(path.read_text().replace("Operations Lead", "Mallory"))
    pub = load_public_key(signing_keys["signer_pub"])
    checks = {c.name: c for c in verify_signoffs(release_copy, [pub])}
    bad = checks["sign-off operations (approve by Mallory)"]
    assert bad.ok is False and "does not verify" in bad.detail
    assert sum(c.ok for c in checks.values()) == 2
    assert status(release_copy, signing_keys).returncode == 1


def test_signoff_from_another_release_fails_verification(fixture_release, release_copy, signing_keys, tmp_path):
    other = cut(make_project(tmp_path / "other"), tmp_path / "other-release", version="1.0.1")
    sign_fast(other, signing_keys, "security")
    (release_copy / "signoffs").mkdir()
    for suffix in ("", ".sig", ".sigstore.json"):
        shutil.copyfile(other / f"signoffs/security.json{suffix}", release_copy / f"signoffs/security.json{suffix}")
    pub = load_public_key(signing_keys["signer_pub"])
    [check] = verify_signoffs(release_copy, [pub])
    assert check.ok is False and "signed for another release (orders 1.0.1" in check.detail
    decision = release_status(release_copy, [signing_keys["signer_pub"]])
    assert decision.go is False


def test_wrong_key_and_unknown_role(release_copy, signing_keys):
    sign_fast(release_copy, signing_keys, "security")
    proc = run_shipit("status", str(release_copy), "--key", str(signing_keys["other_pub"]), "--json")
    sec = next(s for s in json.loads(proc.stdout)["signoffs"] if s["role"] == "security")
    assert sec["status"] == "invalid"
    proc = sign(release_copy, signing_keys, "marketing")
    assert proc.returncode == 2
    assert "role 'marketing' is not a sign-off role" in proc.stderr and "Traceback" not in proc.stderr


def test_signoff_needs_a_finished_release(tmp_path, signing_keys):
    empty = tmp_path / "nothing"
    empty.mkdir()
    proc = sign(empty, signing_keys, "security")
    assert proc.returncode != 0 and "SHA256SUMS" in proc.stderr and "Traceback" not in proc.stderr


def test_signed_edition_rebuild_is_reproducible(release_copy, signing_keys, tmp_path):
    for role in ROLES:
        sign_fast(release_copy, signing_keys, role)
    outs = []
    for n in (1, 2):
        proc = run_shipit("site", "build", str(release_copy), "--out", str(tmp_path / f"out{n}"),
                          "--key", str(signing_keys["signer_pub"]))
        assert proc.returncode == 0, proc.stderr
        outs.append((tmp_path / f"out{n}" / "handoff-site-1.0.0.tar.gz").read_bytes())
    assert outs[0] == outs[1]
    page = (tmp_path / "out1/site/signoff.html").read_text()
    assert page.count(">verified") == 3 and "Operations Lead" in page
    assert not (release_copy / "signoffs/site").exists()  # --out leaves the release alone


def test_without_a_trusted_key_a_signature_is_not_enough(release_copy, signing_keys):
    """The key a signer leaves in signoffs/keys/ is shown on the site but never makes a go."""
    sign_fast(release_copy, signing_keys, "architecture")
    sign_fast(release_copy, signing_keys, "security")
    assert sign(release_copy, signing_keys, "operations", trusted=()).returncode == 0
    proc = run_shipit("status", str(release_copy), "--json")
    assert proc.returncode == 1
    assert {s["status"] for s in json.loads(proc.stdout)["signoffs"]} == {"unverified"}
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", (release_copy / "signoffs/site/signoff.html").read_text()))
    assert "signature matches the signer's own key (not pinned in the release)" in page


def test_pinned_role_key(tmp_path, signing_keys):
    """site.signoff.keys ships the role's key in the release; only that key may sign for the role."""
    from tests.site.site_helpers import CONFIG

    config = CONFIG.replace("  known_limitations:", f"  signoff:\n    keys: {{security: {signing_keys['signer_pub']}}}\n"
                            "  known_limitations:", 1)
    release = cut(make_project(tmp_path, config=config), tmp_path / "release")
    assert (release / "signoff-keys/security.pub").read_bytes() == signing_keys["signer_pub"].read_bytes()
    sign_fast(release, signing_keys, "security", key="other")
    sign_fast(release, signing_keys, "operations", key="other")
    # Even with the other key trusted on the command line, security must use its pinned key.
    checks = {c.name.split(" (")[0]: c for c in verify_signoffs(release, [load_public_key(signing_keys["other_pub"])])}
    assert checks["sign-off security"].ok is False and checks["sign-off operations"].ok is True
    sign_fast(release, signing_keys, "security", key="signer")
    [sec] = [c for c in verify_signoffs(release) if c.name.startswith("sign-off security")]
    assert sec.ok and "pinned" in sec.detail


def test_shipit_verify_checks_signoffs(tmp_path, signing_keys):
    """`shipit verify` of a signed release: sign-offs pass, then fail once one is edited."""
    config = f"schema_version: 1\nproject:\n  name: orders\nsite: {{}}\nsigning:\n  key: {signing_keys['signer']}\n"
    proj = make_project(tmp_path, evidence=[], config=config)
    proc = run_shipit("release", "--version", "1.0.0", "-o", str(tmp_path / "release"), cwd=proj)
    assert proc.returncode == 0, proc.stderr
    release = tmp_path / "release/1.0.0"
    pub = str(signing_keys["signer_pub"])
    for role in ROLES:
        sign_fast(release, signing_keys, role)
    proc = run_shipit("verify", str(release), "--key", pub, "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = [c for c in json.loads(proc.stdout)["checks"] if c["check"] == "sign-offs"]
    assert [(c["subject"], c["ok"]) for c in results] == [(f"signoffs/{r}.json", True) for r in sorted(ROLES)]

    path = release / "signoffs/security.json"
    path.write_text(path.read_text().replace('"approve"', '"reject"'))
    proc = run_shipit("verify", str(release), "--key", pub, "--json")
    assert proc.returncode != 0
    bad = [c for c in json.loads(proc.stdout)["checks"] if not c["ok"]]
    assert [c["subject"] for c in bad] == ["signoffs/security.json"]
    assert "does not verify" in bad[0]["reason"]
