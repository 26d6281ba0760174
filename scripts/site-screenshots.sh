#!/usr/bin/env bash
# Screenshots of the handoff site for docs/site.md, at 1280 px in the system Chromium (the same puppeteer-core
# harness as the browser tests, every network request blocked): the Alerts table, the On-call page and the
# Signatures page of the demo service's signed-off edition.
#
#   scripts/site-screenshots.sh        writes docs/images/site-{alerts,oncall,signatures}.png
#
# It releases the demo service the way tests/site/site_helpers.cut_demo does (real migrations, pipeline, ops,
# site and sign stages; a small stand-in image, so no Debian base is needed), signs it with a throwaway key,
# signs it off for every role, then photographs the pages. Needs node, chromium and tests/node's packages
# (scripts/install-deps.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p docs/images

PYTHONPATH="src:.${PYTHONPATH:+:$PYTHONPATH}" NO_MKDOCS_2_WARNING=1 "$PYTHON" - "$work" <<'EOF'
import json
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from shipit.site.handoff import build_signed_edition
from shipit.site.signoff import sign_off
from tests.site.site_helpers import cut_demo, make_demo_project

work = Path(sys.argv[1])
key = ec.generate_private_key(ec.SECP256R1())
(work / "demo.key").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption()))
(work / "demo.pub").write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                              serialization.PublicFormat.SubjectPublicKeyInfo))
release = cut_demo(make_demo_project(work), work / "release", work / "demo.key")
for role, name in (("architecture", "Ana Architect"), ("security", "Lee Park"), ("operations", "Omar Haddad")):
    sign_off(release, role, name, "approve", work / "demo.key", roles=["architecture", "security", "operations"])
build_signed_edition(release, [work / "demo.pub"])
spec = {"site": str(release / "signoffs/site"), "shots": str(work / "shots"),
        "screenshots": [{"page": "observability.html", "selector": "table.shipit-alerts", "file": "site-alerts.png"},
                        {"page": "oncall.html", "file": "site-oncall.png", "full": True},
                        {"page": "signatures.html", "file": "site-signatures.png", "full": True}]}
(work / "shots").mkdir()
(work / "spec.json").write_text(json.dumps(spec))
EOF
node tests/site/browser.js "$work/spec.json" > "$work/report.json"
"$PYTHON" -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit("requests left the page: %s" % r["external"] if r["external"] or r["errors"] else 0)' "$work/report.json"
for name in site-alerts site-oncall site-signatures; do
  cp "$work/shots/$name.png" "docs/images/$name.png"
  echo "wrote docs/images/$name.png"
done
