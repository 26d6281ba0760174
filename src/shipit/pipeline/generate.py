"""The CI workflow that cuts a sharded release (``shipit ci generate``): a plan job, one shard job per unit
of the plan on parallel runners, the gates (test, lint, SAST, dependency and secret scans) and a merge job
that checks the shards, merges, signs and publishes. Written as text (comments kept, stable bytes), checked
by ``shipit pipeline validate`` (zero findings) and the platforms' JSON Schemas in the tests.

GitHub Actions takes the shard matrix from the plan job's output at run time (``strategy.matrix`` from
``fromJSON``), so it always matches the commit being released. GitLab's ``parallel:matrix`` is static: the
units are written into the file, and the plan job checks them against the plan
(``shipit ci generate --provider gitlab --check FILE``), so a changed shipit.yaml fails in seconds with "regenerate
it" instead of after the shards ran. (A generated child pipeline would follow the plan by itself, but a
parent pipeline cannot fetch a child's artifacts, so the merge would have to live in the child too, where
neither the gates nor the release job can be seen by a reviewer or by ``shipit pipeline validate``.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shipit import __version__

#: Actions pinned to full commit SHAs (those the demo's own workflow pins; version in the comment).
CHECKOUT = "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2"
SETUP_PYTHON = "actions/setup-python@0b93645e9fea7318ecaed2b359559ac225c90a2b # v5.3.0"
UPLOAD = "actions/upload-artifact@65c4c4a1ddee5b72f698fdd19549f0f0fb45cf08 # v4.6.0"
DOWNLOAD = "actions/download-artifact@fa0a91b85d4f404e444e00e005971372dc801d16 # v4.1.8"
GITLEAKS_ACTION = "gitleaks/gitleaks-action@83373cf2f8c4db6e24b41c1a9b086bb9619e9cd3 # v2.3.7"
#: Images pinned by digest (those the demo's GitLab pipeline pins).
PYTHON_IMAGE = ("docker.io/library/python:3.11-slim-bookworm@sha256:"
                "a36c24f9cbdf4fd0f52d67f0823eeac19c2028c637cecc392d97f980d4fec56b")
GITLEAKS_IMAGE = ("ghcr.io/gitleaks/gitleaks:v8.30.1@sha256:"
                  "c00b6bd0aeb3071cbcb79009cb16a60dd9e0a7c60e2be9ab65d25e6bc8abbb7f")
#: Gate tools, pinned.
RUFF, BANDIT, PIP_AUDIT, PYTEST = "ruff==0.8.4", "bandit==1.8.0", "pip-audit==2.7.3", "pytest==8.3.4"
GATES = ("test", "lint", "sast", "dependency-scan", "secret-scan")
TAG_RULE = r"$CI_COMMIT_TAG =~ /^v\d+\.\d+\.\d+/"


@dataclass
class ProjectFacts:
    """What the workflow needs to know about the project (``commands/ci.py`` reads it from the checkout)."""

    name: str
    units: list[dict[str, str]]                 # the plan's units: id, stage, slug
    signing: str | None = None                   # None, "key" or "keyless"
    identity_token_env: str = "SIGSTORE_ID_TOKEN"
    repositories: list[str] = field(default_factory=list)  # where images are published
    dev_requirements: str | None = None          # e.g. requirements-dev.txt
    requirements: str | None = None              # e.g. requirements.txt (the dependency scan reads it)
    packages: list[str] = field(default_factory=list)  # the project's own code, for the SAST scan
    python: str = "3.11"
    shipit: str = f"shipit=={__version__}"       # what `pip install` installs in the jobs

    @property
    def migrations(self) -> bool:
        return any(u["stage"] == "migrations" for u in self.units)

    @property
    def publish(self) -> bool:
        return bool(self.repositories)

    @property
    def ghcr(self) -> bool:
        return bool(self.repositories) and all(r.startswith("ghcr.io/") for r in self.repositories)

    def install_deps(self) -> str:
        if self.dev_requirements:
            return f"python -m pip install -r {self.dev_requirements}"
        if self.requirements:
            return f"python -m pip install -r {self.requirements} {PYTEST}"
        return f"python -m pip install -e . {PYTEST}"

    def project_env(self) -> str:
        """The project's own environment, where shipit runs its Alembic migrations (``.venv``)."""
        deps = f"-r {self.requirements}" if self.requirements else "-e ."
        return f"python -m venv .venv && .venv/bin/python -m pip install {deps}"

    def sast(self) -> str:
        return "bandit -q -r " + (" ".join(self.packages) if self.packages else ". -x ./tests,./.venv")

    def audit(self) -> str:
        return f"pip-audit --strict --requirement {self.requirements}" if self.requirements else "pip-audit --strict ."


def _header(provider: str, facts: ProjectFacts, lines: list[str]) -> list[str]:
    secret = ("SHIPIT_SHARD_SECRET (a random string: the merge refuses shard archives without its HMAC, so a "
              "shard cannot be forged without it)")
    out = [f"# Release of {facts.name}, cut as shards on parallel runners and merged: written by",
           f"# `shipit ci generate --provider {provider}` (shipit {__version__}). On a v* tag:",
           "#   plan    the release's units of work (shipit release --plan-shards)",
           "#   shard   one job per unit (shipit release --shard UNIT); its archive passed on as an artifact; the",
           "#           image units also make their SBOMs",
           "#   test, lint, sast, dependency-scan, secret-scan: the gates the merge waits for",
           "#   merge   checks every shard (one plan, complete, hashes, HMAC), merges, signs"
           + (" and publishes" if facts.publish else ""),
           "# The merged release is byte-identical to `shipit release` on one machine (signatures aside).",
           f"# Secrets: {secret}"]
    out += [f"#   {line}" for line in lines]
    return out


# --- GitHub Actions ----------------------------------------------------------------------------------


def _gh_setup(*, plan: bool = False) -> list[str]:
    steps = [f"      - uses: {CHECKOUT}",
             "        with:",
             "          persist-credentials: false",
             f"      - uses: {SETUP_PYTHON}",
             "        with:",
             "          python-version: ${{ env.PYTHON_VERSION }}"]
    if plan:
        steps += [f"      - uses: {DOWNLOAD}",
                  "        with:",
                  "          name: plan"]
    return steps


def _gh_gate(name: str, facts: ProjectFacts) -> list[str]:
    head = [f"  {name}:", "    runs-on: ubuntu-24.04", "    timeout-minutes: 15", "    permissions:",
            "      contents: read", "    steps:"]
    if name == "secret-scan":
        return head + [f"      - uses: {CHECKOUT}", "        with:", "          fetch-depth: 0",
                       "          persist-credentials: false", f"      - uses: {GITLEAKS_ACTION}", "        env:",
                       "          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}"]
    run = {"test": [facts.install_deps(), "python -m pytest -q"],
           "lint": [f"python -m pip install {RUFF}", "ruff check ."],
           "sast": [f"python -m pip install {BANDIT}", facts.sast()],
           "dependency-scan": [f"python -m pip install {PIP_AUDIT}", facts.audit()]}[name]
    return head + _gh_setup() + [f"      - run: {cmd}" for cmd in run]


def github(facts: ProjectFacts) -> str:
    keyless = facts.signing == "keyless"
    notes = []
    if facts.signing == "key":
        notes.append("SHIPIT_SIGNING_KEY (the cosign private key file's content) and SHIPIT_KEY_PASSWORD, "
                     "in the release environment")
    if keyless:
        notes.append("none for signing: keyless, with this workflow's GitHub OIDC identity")
    if facts.publish and not facts.ghcr:
        notes.append("SHIPIT_REGISTRY_USERNAME and SHIPIT_REGISTRY_PASSWORD for " + ", ".join(facts.repositories))
    lines = _header("github", facts, notes)
    lines += ["name: release", "", "on:", "  push:", '    tags: ["v*"]', "", "permissions: {}", "",
              "concurrency:", "  group: release-${{ github.ref }}", "  cancel-in-progress: false", "",
              "env:", f'  PYTHON_VERSION: "{facts.python}"', "  VERSION: ${{ github.ref_name }}",
              f'  SHIPIT: "{facts.shipit}"', "", "jobs:"]
    lines += ["  plan:", "    runs-on: ubuntu-24.04", "    timeout-minutes: 10", "    permissions:",
              "      contents: read", "    outputs:", "      matrix: ${{ steps.plan.outputs.matrix }}", "    steps:"]
    lines += _gh_setup()
    lines += ['      - run: python -m pip install "$SHIPIT"',
              "      - name: Plan the shards",
              "        id: plan",
              "        run: |",
              '          shipit release --version "$VERSION" --plan-shards --json > plan.json',
              """          echo "matrix=$(python -c 'import json; print(json.dumps(json.load(open("plan.json"))["matrix"], """
              """separators=(",", ":")))')" >> "$GITHUB_OUTPUT\"""",
              f"      - uses: {UPLOAD}",
              "        with:",
              "          name: plan",
              "          path: plan.json",
              "          if-no-files-found: error",
              ""]
    lines += ["  shard:", "    needs: [plan]", "    runs-on: ubuntu-24.04", "    timeout-minutes: 60",
              "    permissions:", "      contents: read", "    strategy:", "      fail-fast: true",
              "      matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}", "    steps:"]
    lines += _gh_setup(plan=True)
    lines += ['      - run: python -m pip install "$SHIPIT"']
    if facts.migrations:
        lines += ["      - name: The project's environment (shipit runs its migrations there)",
                  "        if: matrix.stage == 'migrations'",
                  f"        run: {facts.project_env()}"]
    lines += ["      - name: Cut the shard",
              "        env:",
              "          UNIT: ${{ matrix.unit }}",
              "          SHIPIT_SHARD_SECRET: ${{ secrets.SHIPIT_SHARD_SECRET }}",
              '        run: shipit release --version "$VERSION" --shard "$UNIT" --plan plan.json --output out',
              f"      - uses: {UPLOAD}",
              "        with:",
              "          name: shard-${{ matrix.slug }}",
              "          path: out/shards/*/*.shard.tar",
              "          if-no-files-found: error",
              "          retention-days: 7",
              ""]
    for gate in GATES:
        lines += _gh_gate(gate, facts) + [""]
    perms = ["      contents: read"]
    if keyless:
        perms.append("      id-token: write   # keyless signing (Sigstore) with this workflow's identity")
    if facts.ghcr:
        perms.append("      packages: write   # push the images to ghcr.io")
    lines += ["  merge:", "    needs: [plan, shard, " + ", ".join(GATES) + "]", "    runs-on: ubuntu-24.04",
              "    timeout-minutes: 60", "    environment: release"]
    lines += ["    permissions:", *perms, "    steps:"]
    lines += _gh_setup(plan=True)
    lines += [f"      - uses: {DOWNLOAD}", "        with:", "          pattern: shard-*", "          path: shards",
              "          merge-multiple: true", '      - run: python -m pip install "$SHIPIT"']
    env = ["          SHIPIT_SHARD_SECRET: ${{ secrets.SHIPIT_SHARD_SECRET }}"]
    if facts.signing == "key":
        lines += ["      - name: The signing key, from the release environment's secret",
                  "        env:",
                  "          SIGNING_KEY: ${{ secrets.SHIPIT_SIGNING_KEY }}",
                  "        run: |",
                  "          umask 077",
                  """          printf '%s\\n' "$SIGNING_KEY" > "$RUNNER_TEMP/cosign.key\""""]
        env += ["          SHIPIT_SIGNING_KEY: ${{ runner.temp }}/cosign.key",
                "          SHIPIT_KEY_PASSWORD: ${{ secrets.SHIPIT_KEY_PASSWORD }}"]
    if facts.ghcr:
        env += ["          SHIPIT_REGISTRY_USERNAME: ${{ github.actor }}",
                "          SHIPIT_REGISTRY_PASSWORD: ${{ secrets.GITHUB_TOKEN }}"]
    elif facts.publish:
        env += ["          SHIPIT_REGISTRY_USERNAME: ${{ secrets.SHIPIT_REGISTRY_USERNAME }}",
                "          SHIPIT_REGISTRY_PASSWORD: ${{ secrets.SHIPIT_REGISTRY_PASSWORD }}"]
    publish = " --publish" if facts.publish else ""
    lines += ["      - name: Merge the shards, sign" + (" and publish" if facts.publish else ""),
              "        env:", *env,
              f'        run: shipit release --version "$VERSION" --merge shards/*.shard.tar --plan plan.json '
              f"--output release{publish}",
              f"      - uses: {UPLOAD}",
              "        with:",
              "          name: release",
              "          path: release/",
              "          if-no-files-found: error"]
    return "\n".join(lines) + "\n"


# --- GitLab CI -----------------------------------------------------------------------------------------


def _gl_gate(name: str, facts: ProjectFacts) -> list[str]:
    if name == "secret-scan":
        return ["secret-scan:", "  extends: .shipit-on-release-tag", "  stage: test", "  needs: []", "  image:",
                f"    name: {GITLEAKS_IMAGE}", '    entrypoint: [""]', "  variables:", '    GIT_DEPTH: "0"',
                "  script:", "    - gitleaks git --no-banner --redact --verbose ."]
    run = {"test": [facts.install_deps(), "python -m pytest -q"],
           "lint": [f"python -m pip install {RUFF}", "ruff check ."],
           "sast": [f"python -m pip install {BANDIT}", facts.sast()],
           "dependency-scan": [f"python -m pip install {PIP_AUDIT}", facts.audit()]}[name]
    return [f"{name}:", "  extends: [.python, .shipit-on-release-tag]", "  stage: test", "  needs: []", "  script:",
            *[f"    - {cmd}" for cmd in run]]


def gitlab(facts: ProjectFacts, path: str = ".gitlab-ci.yml") -> str:
    keyless = facts.signing == "keyless"
    notes = []
    if facts.signing == "key":
        notes.append("SHIPIT_SIGNING_KEY (a File variable holding the cosign private key) and SHIPIT_KEY_PASSWORD, "
                     "both protected (v* tags protected) and masked")
    if keyless:
        notes.append(f"none for signing: keyless, with this pipeline's GitLab OIDC identity "
                     f"(id_tokens: {facts.identity_token_env})")
    if facts.publish:
        notes.append("SHIPIT_REGISTRY_USERNAME and SHIPIT_REGISTRY_PASSWORD for " + ", ".join(facts.repositories))
    notes.append(f"The shard matrix lists the plan's units; the plan job fails when they changed: then run "
                 f"`shipit ci generate --provider gitlab -o {path}` again.")
    lines = _header("gitlab", facts, notes)
    lines += ["", "stages: [test, plan, shard, release]", "", "variables:", f"  PYTHON_IMAGE: {PYTHON_IMAGE}",
              f'  SHIPIT: "{facts.shipit}"', '  PIP_DISABLE_PIP_VERSION_CHECK: "1"', "",
              ".shipit-on-release-tag:", "  rules:", f"    - if: {TAG_RULE}", "",
              ".python:", "  image: $PYTHON_IMAGE", "",
              ".shipit:", "  extends: [.python, .shipit-on-release-tag]", "  before_script:",
              "    - apt-get update -qq && apt-get install -y -qq --no-install-recommends git"
              + (" skopeo" if facts.publish else "") + " > /dev/null",
              '    - python -m pip install -q "$SHIPIT"', ""]
    for gate in GATES:
        lines += _gl_gate(gate, facts) + [""]
    lines += ["shipit-plan:", "  extends: .shipit", "  stage: plan", "  needs: []", "  script:",
              f"    - shipit ci generate --provider gitlab --check {path}",
              '    - shipit release --version "$CI_COMMIT_TAG" --plan-shards --json > plan.json',
              "  artifacts:", "    paths: [plan.json]", "", "shipit-shard:", "  extends: .shipit", "  stage: shard",
              "  needs: [shipit-plan]", "  parallel:", "    matrix:", "      - SHIPIT_UNIT:"]
    lines += [f'          - "{u["id"]}"' for u in facts.units]
    lines += ["  script:"]
    if facts.migrations:
        lines += [f'    - if [ "$SHIPIT_UNIT" = migrations ]; then {facts.project_env()}; fi']
    lines += ['    - shipit release --version "$CI_COMMIT_TAG" --shard "$SHIPIT_UNIT" --plan plan.json --output out',
              "  artifacts:", "    paths: [out/shards/*/*.shard.tar]", "    expire_in: 1 week", "",
              "shipit-merge:", "  extends: .shipit", "  stage: release",
              "  needs: [shipit-plan, shipit-shard, " + ", ".join(GATES) + "]"]
    if keyless:
        lines += ["  id_tokens:", f"    {facts.identity_token_env}:", "      aud: sigstore"]
    publish = " --publish" if facts.publish else ""
    lines += ["  script:",
              f'    - shipit release --version "$CI_COMMIT_TAG" --merge out/shards/*/*.shard.tar --plan plan.json '
              f"--output release{publish}",
              "  artifacts:", "    paths: [release/]"]
    return "\n".join(lines) + "\n"


def gitlab_matrix(data: dict) -> list[str] | None:
    """The units listed by a generated GitLab file's shard job (None: it has none)."""
    job = data.get("shipit-shard") if isinstance(data, dict) else None
    matrix = ((job or {}).get("parallel") or {}).get("matrix") if isinstance(job, dict) else None
    if not isinstance(matrix, list) or not matrix or not isinstance(matrix[0], dict):
        return None
    units = matrix[0].get("SHIPIT_UNIT")
    return [str(u) for u in units] if isinstance(units, list) else None
