"""The handoff site as its readers use it, page by page: each defect an on-call engineer or an auditor met
has a test here that fails if it comes back. What only a browser can tell (overflow at 1280 px, print,
axe-core, offline search) is in test_site_browser.py.

Most tests read the demo service's release (tests/site/site_helpers.cut_demo: its real migrations,
pipeline, ops, site and sign stages)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import yaml

from shipit.site.build import code, describe_base
from shipit.site.signoff import sign_off
from tests.conftest import REPO, require_tool, run_shipit
from tests.site.site_helpers import BASE_DIGEST, html_tables, page_text


def html(release: Path, rel: str, edition: str = "site") -> str:
    return (release / edition / rel).read_text()


def text(release: Path, rel: str, edition: str = "site") -> str:
    return page_text(html(release, rel, edition))


def pages(release: Path, edition: str = "site") -> list[Path]:
    return sorted((release / edition).rglob("*.html"))


def sign_all(release: Path, keys: dict, roles=("architecture", "security", "operations")):
    """The README's sign-off flow: each role through the CLI, checked with the release key."""
    for role in roles:
        proc = run_shipit("signoff", str(release), "--role", role, "--name", f"{role.title()} Lead", "--decision",
                          "approve", "--key", str(keys["signer"]), "--verify-key", str(keys["signer_pub"]))
        assert proc.returncode == 0, proc.stdout + proc.stderr


# --- Dashboards and alerts ----------------------------------------------------------------------------------


def test_alerts_table_never_shows_a_literal_br_and_puts_each_expression_under_its_row(demo_release):
    for p in pages(demo_release):
        assert "&lt;br&gt;" not in p.read_text(), p  # the "<br>and<br>" readers saw inside code
    rules = yaml.safe_load((demo_release / "ops/alerts/orders.rules.yml").read_text())
    alerts = [r for g in rules["groups"] for r in g["rules"] if "alert" in r]
    [table] = [t for t in html_tables(html(demo_release, "observability.html")) if "shipit-alerts" in t["class"]]
    header, *rows = table["rows"]
    assert header["cells"] == ["Alert", "Severity", "For", "Summary", "Runbook"]
    assert len(rows) == 2 * len(alerts)
    multiline = 0
    for rule, row, expr_row in zip(alerts, rows[0::2], rows[1::2]):
        assert row["cells"][0] == rule["alert"]
        assert row["cells"][2] == (rule.get("for") or "—")  # never a blank "For"
        # the whole expression, in a code block in the row beneath, spanning the table
        assert expr_row["class"] == "shipit-expr" and expr_row["pre"] == [0]
        assert " ".join(expr_row["cells"][0].split()) == " ".join(str(rule["expr"]).split())
        multiline += "\nand\n" in rule["expr"]
        incidents = html(demo_release, "runbooks/incidents.html")
        [link] = row["links"]
        page, anchor = link.split("#")
        assert page == "runbooks/incidents.html" and f'id="{anchor}"' in incidents
    assert multiline >= 4  # the burn-rate alerts' "a and b" expressions are among them


# --- On-call: one source of truth ----------------------------------------------------------------------------


def _escalation(release: Path, rel: str) -> list[list[str]]:
    [table] = [t for t in html_tables(html(release, rel)) if t["rows"] and
               [c.lower() for c in t["rows"][0]["cells"]][:3] in (["level", "escalate after", "who"],)]
    return [[c.lower() for c in r["cells"]] for r in table["rows"][1:]]


def test_oncall_page_and_runbooks_say_the_same(demo_release):
    """The defect: the On-call page said "engineering manager after 30 min", the runbooks "head of engineering
    after 45 min", and the Contact column was empty. Now one record renders everywhere."""
    site_rows = _escalation(demo_release, "oncall.html")
    runbook_rows = _escalation(demo_release, "runbooks/oncall.html")
    assert site_rows == runbook_rows
    assert site_rows[2][:3] == ["3", "45 min", "head of engineering"]
    assert all(row[3] not in ("", "—", "not recorded") for row in site_rows)  # how to reach each level
    assert site_rows[2][3] == "e-mail eng-head@example.com"  # resolved from contacts by name
    incidents = text(demo_release, "runbooks/incidents.html")
    assert "level 3, after 45 min: head of engineering — e-mail eng-head@example.com" in incidents
    assert "engineering manager" not in text(demo_release, "oncall.html")
    # the site file's own facts (hours, channel, notes) reach the runbook too
    oncall_runbook = text(demo_release, "runbooks/oncall.html")
    assert "business hours; 24/7 paging" in oncall_runbook and "platform database team" in oncall_runbook


# --- Signatures ------------------------------------------------------------------------------------------------


def _fingerprint(pub: Path) -> str:
    der = subprocess.run(["openssl", "pkey", "-pubin", "-in", str(pub), "-outform", "DER"], capture_output=True,
                         check=True).stdout
    return subprocess.run(["sha256sum"], input=der, capture_output=True, check=True).stdout.split()[0].decode()


def test_signed_off_edition_lists_every_signature_with_its_signer(demo_copy, signing_keys):
    require_tool("openssl")
    proc = run_shipit("site", "build", str(demo_copy), "--key", str(signing_keys["signer_pub"]))
    assert proc.returncode == 0, proc.stderr
    body = html(demo_copy, "signatures.html", "signoffs/site")
    [table] = [t for t in html_tables(body) if t["rows"] and t["rows"][0]["cells"][:2] == ["File", "Signs"]]
    listed = {r["cells"][0].split()[0]: r["cells"] for r in table["rows"][1:]}
    on_disk = sorted(p.relative_to(demo_copy).as_posix() for p in demo_copy.rglob("*")
                     if p.is_file() and (p.name.endswith((".sig", ".sigstore.json", ".intoto.jsonl")))
                     and not p.relative_to(demo_copy).as_posix().startswith(("site/", "signoffs/")))
    assert sorted(listed) == on_disk
    assert {"SHA256SUMS.sig", "SHA256SUMS.sigstore.json", "attestations/provenance.intoto.jsonl",
            "attestations/sbom-orders-service.sigstore.json"} <= set(listed)
    fp = _fingerprint(signing_keys["signer_pub"])
    assert f"the key with fingerprint {fp}" in page_text(body)  # the signer, as openssl computes it
    assert all(cells[2].startswith("key " + fp[:16]) for cells in listed.values())
    assert {cells[3] for p, cells in listed.items() if p.endswith(".sigstore.json")} == {"verified"}
    # the SBOM attestation names the image digest it binds
    manifest = json.loads((demo_copy / "manifest.json").read_text())
    [image] = [a for a in manifest["artifacts"] if a["kind"] == "image"]
    assert image["extra"]["manifest_digest"] in listed["attestations/sbom-orders-service.intoto.jsonl"][1]


def _commands(body: str) -> list[str]:
    """The shell lines of a page's code blocks, as a reader would paste them."""
    import html as html_lib

    out = []
    for block in re.findall(r"<pre[^>]*>(.*?)</pre>", body, re.S):
        for line in html_lib.unescape(re.sub(r"<[^>]+>", "", block)).splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            if line:
                out.append(line)
    return out


def test_signatures_page_commands_work_for_this_release(demo_release, signing_keys, tmp_path):
    """Every command the (release edition's) Signatures page gives, run as written in the release with the
    public key as cosign.pub: all succeed, the two fingerprint lines agree, openssl says Verified OK."""
    require_tool("openssl", "sha256sum", "base64", "sed")
    body = html(demo_release, "signatures.html")
    assert "cosign verify " not in body and "stored in the registry" not in body  # what shipit never does
    lines = _commands(body)
    assert any(line.startswith("openssl dgst") for line in lines) and any("shipit verify" in line for line in lines)
    (tmp_path / "cosign.pub").write_bytes(signing_keys["signer_pub"].read_bytes())
    outputs = []
    for line in lines:
        if line.startswith("cd "):
            continue  # the commands run in the release directory
        line = line.replace("cosign.pub", str(tmp_path / "cosign.pub"))
        if line.startswith("shipit "):
            proc = run_shipit(*[str(demo_release) if a == "." else a for a in line.split()[1:]])
        else:
            proc = subprocess.run(line, shell=True, cwd=demo_release, capture_output=True, text=True)
        assert proc.returncode == 0, (line, proc.stdout, proc.stderr)
        outputs.append((line, proc.stdout.strip()))
    hint = next(out for line, out in outputs if line.startswith("sed -n") and "hint" in line)
    mine = next(out for line, out in outputs if line.startswith("openssl pkey"))
    assert hint == mine and len(mine) == 44  # base64 of a sha256
    assert next(out for line, out in outputs if line.startswith("openssl dgst")) == "Verified OK"


def test_unsigned_release_says_so_loudly_and_offers_no_signature_commands(fixture_release):
    """The fixture release has no signing: section: the page must not pretend (no verify-blob, no openssl)."""
    body = html(fixture_release, "signatures.html")
    words = page_text(body)
    assert "UNSIGNED: nothing proves who built this release" in words
    assert "no signing: section in shipit.yaml" in words
    lines = _commands(body)
    assert lines == ["cd release/1.0.0", "sha256sum -c SHA256SUMS"]
    assert "UNSIGNED" in text(fixture_release, "index.html")


def test_keyless_signer_identity_is_read_from_the_certificate():
    """A keyless bundle names its signer by the Fulcio certificate's identity (SAN) and OIDC issuer."""
    import base64
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID, ObjectIdentifier

    from shipit.site.signatures import signer_of

    key = ec.generate_private_key(ec.SECP256R1())
    issuer_url = b"https://token.actions.githubusercontent.com"
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    ident = "https://github.com/acme/orders/.github/workflows/release.yml@refs/tags/v1.0.0"
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([])).issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "t")]))
            .public_key(key.public_key()).serial_number(1).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(minutes=10))
            .add_extension(x509.SubjectAlternativeName([x509.UniformResourceIdentifier(ident)]), critical=True)
            .add_extension(x509.UnrecognizedExtension(ObjectIdentifier("1.3.6.1.4.1.57264.1.8"),
                                                      b"\x0c" + bytes([len(issuer_url)]) + issuer_url), critical=False)
            .sign(key, hashes.SHA256()))
    der = cert.public_bytes(serialization.Encoding.DER)
    bundle = {"verificationMaterial": {"certificate": {"rawBytes": base64.b64encode(der).decode()}}}
    assert signer_of(bundle) == {"mode": "keyless", "identity": ident, "issuer": issuer_url.decode()}


# --- Search ------------------------------------------------------------------------------------------------------


def test_search_separator_splits_digests_revisions_and_paths():
    """The base mkdocs.yml's separator (the browser's tokenizer uses the same regex): a digest, a revision id
    and a commit sha become tokens of their own wherever they are written."""
    sep = re.compile(yaml.safe_load((REPO / "mkdocs.yml").read_text())["plugins"][0]["search"]["separator"])
    hexd = "733c0e37" + "0d" * 28
    cases = {
        f"registry.example.com/acme/orders@sha256:{hexd}": hexd,
        f"sha256:{hexd}": hexd,
        "migrations/versions/c3e5a7b90003_normalise_customer_emails.py": "c3e5a7b90003",
        "(revision `c3e5a7b90003`),": "c3e5a7b90003",
        "built from commit a121b395034078546a7368a6845268e9b66112e5.": "a121b395034078546a7368a6845268e9b66112e5",
        "SHA256SUMS sha256 3994ccbde0c6…": "3994ccbde0c6",
    }
    for written, token in cases.items():
        assert token in [t for t in sep.split(written) if t], written
    assert "1.4.0" in sep.split("version 1.4.0 ships")  # versions stay whole


# --- Migrations ----------------------------------------------------------------------------------------------


def test_migrations_page_keeps_backup_steps_nested_and_says_what_things_mean(demo_release):
    body = html(demo_release, "migrations.html")
    step1 = body[body.index('id="1-before-the-upgrade"'):body.index('id="2-way-back-a-alembic-downgrade"')]
    # step 1's backup bullets are a list inside step 1 (not steps 2 and 3 of their own)
    assert re.search(r"<ol>\s*<li>Take a backup[^<]*<ul>\s*<li>postgresql:", step1)
    assert len(re.findall(r"<li>", step1.split("</ol>")[0])) == 4  # 2 steps + 2 bullets
    words = page_text(body)
    assert "does something" not in words
    assert "downgrade: undoes this revision's changes" in words
    [revs] = [t for t in html_tables(body) if t["rows"][0]["cells"][:4] == ["revision", "what", "way back", "destructive"]]
    destructive = [r["cells"][3] for r in revs["rows"][1:]]
    assert destructive == ["no", "no", "yes: deletes rows from customers"]  # never a bare count


# --- Runbooks and links ------------------------------------------------------------------------------------------


def test_cross_references_are_links_not_paths(demo_release):
    incidents = html(demo_release, "runbooks/incidents.html")
    assert "see the rollback runbook)" not in page_text(incidents)
    assert incidents.count('href="rollback.html#rollback"') >= 5  # every alert's mitigation links it
    rollback = html(demo_release, "runbooks/rollback.html")
    assert "../../migrations/ROLLBACK.md" not in rollback
    assert 'href="../migrations.html#rollback"' in rollback
    for p in pages(demo_release):
        assert "../../" not in re.sub(r'href="\.\./[^"]*"', "", p.read_text().split("<article", 1)[-1]), p


def test_runbooks_section_is_not_listed_twice_in_the_navigation(demo_release):
    nav = html(demo_release, "runbooks/index.html").split('<nav class="md-nav md-nav--primary"', 1)[1]
    nav = nav.split("</nav>", 1)[0]
    labels = [page_text(x) for x in re.findall(r'<a href="[^"]*"[^>]*class="md-nav__link[^"]*"[^>]*>(.*?)</a>', nav, re.S)]
    assert labels.count("Runbooks") <= 1  # "Runbooks › Runbooks" was the section and its index page


# --- Evidence -----------------------------------------------------------------------------------------------------


def test_evidence_tables_read_as_facts(demo_release):
    body = html(demo_release, "evidence.html")
    words = page_text(body)
    assert "| Errors | Warnings | Notes | None |" not in body
    [scans] = [t for t in html_tables(body) if t["rows"][0]["cells"][:2] == ["Errors", "Warnings"]]
    assert scans["rows"][0]["cells"][3] == 'Level "none" (informational)'
    [trace] = [t for t in html_tables(body) if t["rows"][0]["cells"][:2] == ["Requirement", "Title"]]
    assert all("<br>" not in " ".join(r["cells"]) for r in trace["rows"])
    assert "REQ-HEALTH" in words


# --- Sign-off -----------------------------------------------------------------------------------------------------


def test_readme_signoff_flow_gives_the_same_decision_on_the_site_as_status(release_copy, signing_keys):
    """The README's flow (every role signs with --verify-key, then status --key with the same key): the
    signed-off edition says GO like status, instead of "not verified with a trusted key"."""
    sign_all(release_copy, signing_keys)
    proc = run_shipit("status", str(release_copy), "--key", str(signing_keys["signer_pub"]), "--json")
    status = json.loads(proc.stdout)
    assert proc.returncode == 0 and status["decision"] == "GO"
    index = html(release_copy, "index.html", "signoffs/site")
    assert 'data-decision="GO"' in index and "not verified with a trusted key" not in page_text(index)
    assert 'data-decision="GO"' in html(release_copy, "signoff.html", "signoffs/site")


def test_release_edition_asks_for_status_with_a_key(fixture_release):
    words = text(fixture_release, "index.html")
    assert "shipit status release/1.0.0 --key cosign.pub" in words


def sign_fast(release: Path, keys: dict, role: str, decision: str = "approve", comment: str = "",
              key: str = "signer", name: str = "") -> None:
    """A sign-off through the Python API, without the site rebuild."""
    sign_off(release, role, name or f"{role.title()} Lead", decision, keys[key], comment=comment,
             roles=["architecture", "security", "operations"])


def test_every_decision_is_kept_and_status_uses_the_latest(release_copy, signing_keys):
    for role in ("architecture", "operations"):
        sign_fast(release_copy, signing_keys, role)
    sign_fast(release_copy, signing_keys, "security", "approve", "first look", name="Lee Park")
    sign_fast(release_copy, signing_keys, "security", "reject", "CVE-2026-1 unfixed", name="Lee Park")
    proc = run_shipit("signoff", str(release_copy), "--role", "security", "--name", "Lee Park", "--decision",
                      "approve", "--comment", "fixed in 1.0.1", "--key", str(signing_keys["signer"]), "--verify-key",
                      str(signing_keys["signer_pub"]))
    assert proc.returncode == 0, proc.stderr
    history = sorted((release_copy / "signoffs/history/security").glob("*.json"))
    assert len([p for p in history if not p.name.endswith(".sigstore.json")]) == 2  # the two earlier ones
    status = json.loads(run_shipit("status", str(release_copy), "--key", str(signing_keys["signer_pub"]),
                                   "--json").stdout)
    sec = next(s for s in status["signoffs"] if s["role"] == "security")
    assert sec["decision"] == "approve" and sec["comment"] == "fixed in 1.0.1" and status["go"] is True
    assert [h["decision"] for h in status["history"]["security"]] == ["reject", "approve"]  # newest first
    [earlier] = [t for t in html_tables(html(release_copy, "signoff.html", "signoffs/site"))
                 if t["rows"][0]["cells"][:2] == ["Date", "Decision"]]
    assert [r["cells"][1] for r in earlier["rows"][1:]] == ["reject", "approve"]
    assert [r["cells"][3] for r in earlier["rows"][1:]] == ["CVE-2026-1 unfixed", "first look"]
    # shipit verify checks the earlier decisions' signatures too
    proc = run_shipit("verify", str(release_copy), "--key", str(signing_keys["signer_pub"]), "--json")
    checked = [c for c in json.loads(proc.stdout)["checks"] if c.get("check") == "sign-offs"]
    assert sum("history/security/" in c["subject"] and c["ok"] for c in checked) == 2, checked


def test_one_key_for_several_roles_is_flagged(release_copy, signing_keys):
    for role in ("architecture", "security", "operations"):  # the signer's key for all three roles
        sign_fast(release_copy, signing_keys, role)
    assert run_shipit("site", "build", str(release_copy), "--key", str(signing_keys["signer_pub"])).returncode == 0
    status = json.loads(run_shipit("status", str(release_copy), "--key", str(signing_keys["signer_pub"]),
                                   "--json").stdout)
    [warning] = status["warnings"]
    assert "signed the sign-offs of architecture, operations, security" in warning
    assert _fingerprint(signing_keys["signer_pub"]) in warning
    assert "One key, several roles" in text(release_copy, "signoff.html", "signoffs/site")
    assert "Worth a look" in text(release_copy, "index.html", "signoffs/site")


def test_distinct_keys_raise_no_warning(release_copy, signing_keys):
    sign_fast(release_copy, signing_keys, "architecture", key="signer")
    sign_fast(release_copy, signing_keys, "security", key="other")
    status = json.loads(run_shipit("status", str(release_copy), "--json").stdout)
    assert status["warnings"] == []


# --- Minor: the base image, licenses, empty columns, tags, paths --------------------------------------------------


def test_base_image_is_named_by_digest_not_by_a_build_machine_path(demo_release):
    words = text(demo_release, "images.html")
    assert f"local base debian-bookworm-python3-orders, digest {BASE_DIGEST}" in words
    assert "~/.cache" not in words
    assert describe_base("registry.example.com/library/python@sha256:" + "ab" * 32, "") == {
        "kind": "registry", "text": "registry.example.com/library/python", "digest": "sha256:" + "ab" * 32}
    assert describe_base("python:3.12-slim", "")["kind"] == "registry"


def test_licenses_say_where_they_come_from(demo_release):
    words = text(demo_release, "images.html")
    assert "Licenses are what each component declares" in words and "unknown" not in words.lower().split()


def test_no_blank_detail_cells_and_every_image_tag_on_the_overview(demo_release):
    body = html(demo_release, "index.html")
    [stages] = [t for t in html_tables(body) if t["rows"][0]["cells"] == ["Stage", "Status", "Detail"]]
    assert all(r["cells"][2] for r in stages["rows"][1:])
    manifest = json.loads((demo_release / "manifest.json").read_text())
    [image] = [a for a in manifest["artifacts"] if a["kind"] == "image"]
    [release] = [t for t in html_tables(body) if t["rows"][0]["cells"] == ["Field", "Value"]]
    tags = next(r["cells"][1] for r in release["rows"] if r["cells"][0] == "Image tags")
    assert tags.split(", ") == image["extra"]["tags"]  # the short sha tag too, as on the Images page


def test_paths_break_after_separators_never_inside_a_name():
    assert code("ops/runbooks/high-error-rate.md") == (
        '<code class="shipit-path">ops/<wbr>runbooks/<wbr>high-error-rate.<wbr>md</code>')
    assert code("SHA256SUMS.sigstore.json") == '<code class="shipit-path">SHA256SUMS.<wbr>sigstore.<wbr>json</code>'
    assert code("sha256:" + "ab" * 32).startswith('<code class="shipit-digest">')
    assert "<br>" not in code("a\nand\nb") and "|" not in code("a|b")
