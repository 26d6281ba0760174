"""Sharded releases on a small synthetic project (a two-platform image and a single-platform one from scratch,
the source SBOM, a pipeline review, signing): the plan, shards cut in separate clean clones of one git
repository (nothing shared but the shard archives: each clone has its own output and layer cache), the merge
byte-identical to a release cut on one machine, and every way a merge must refuse (nothing promoted)."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from tests.conftest import run_shipit, shipit_env

CONFIG = """schema_version: 1
project:
  name: app
  source_url: https://git.example.com/acme/app
sbom:
  source: requirements.txt
images:
  - name: app
    repository: registry.example.com/acme/app
    builder: oci
    platforms: [linux/amd64, linux/arm64]
    layers:
      - {src: app, dest: /app}
    cmd: ["/app/run"]
  - name: tool
    builder: oci
    layers:
      - {src: app, dest: /tool}
signing:
  mode: key
pipeline:
  required: [test]
  gates: {}
  zizmor: {enabled: false}
"""
WORKFLOW = """name: ci
on: [push]
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-24.04
    steps:
      - run: python -m pytest
"""
FILES = {"app/run": "#!/bin/sh\necho hello\n", "requirements.txt": "requests==2.31.0\n",
         ".github/workflows/ci.yml": WORKFLOW}
UNITS = ["image:app:linux-amd64", "image:app:linux-arm64", "image:tool", "sbom:source", "pipeline"]
V = "1.0.0"


@pytest.fixture(scope="module")
def key(tmp_path_factory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("key")
    env = {"SHIPIT_KEY_PASSWORD": "pw", "SHIPIT_SIGNING_KEY": str(root / "cosign.key")}
    run_shipit("keygen", "--output-dir", str(root), env=shipit_env(**env), check=True)
    return {**env, "pub": str(root / "cosign.pub")}


class Repo:
    """A git repository and clean clones of it, each with its own output directory and layer cache."""

    def __init__(self, origin: Path, root: Path, key: dict[str, str]):
        self.origin, self.root, self.key = origin, root, key
        self.count = 0

    def clone(self, ref: str | None = None) -> Path:
        self.count += 1
        dest = self.root / f"clone-{self.count}"
        subprocess.run(["git", "clone", "-q", str(self.origin), str(dest)], check=True)
        if ref:
            subprocess.run(["git", "checkout", "-q", ref], cwd=dest, check=True)
        return dest

    def env(self, clone: Path, **extra: str) -> dict[str, str]:
        keys = {k: v for k, v in self.key.items() if k != "pub"}
        return shipit_env(SHIPIT_CACHE_DIR=str(clone / ".cache"), **keys, **extra)

    def shipit(self, clone: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
        return run_shipit(*args, cwd=clone, env=env or self.env(clone))

    def shard(self, units: list[str], *, plan: Path | None = None, ref: str | None = None,
              extra: dict | None = None) -> Path:
        clone = self.clone(ref)
        args = [a for u in units for a in ("--shard", u)] + (["--plan", str(plan)] if plan else [])
        proc = self.shipit(clone, "release", "--version", V, *args, "--output", "out", "--json",
                           env=self.env(clone, **(extra or {})))
        assert proc.returncode == 0, proc.stderr
        archive = Path(json.loads(proc.stdout)["archive"])
        assert archive.parent == clone / "out" / "shards" / V
        return archive

    def merge(self, archives: list[Path], *args: str, extra: dict | None = None
              ) -> tuple[subprocess.CompletedProcess, Path]:
        clone = self.clone()
        proc = self.shipit(clone, "release", "--version", V, "--merge", *map(str, archives), "--output", "release",
                           *args, env=self.env(clone, **(extra or {})))
        return proc, clone / "release"


def _origin(root: Path) -> Path:
    origin = root / "origin"
    for rel, text in {"shipit.yaml": CONFIG, **FILES}.items():
        (origin / rel).parent.mkdir(parents=True, exist_ok=True)
        (origin / rel).write_text(text)
    env = shipit_env(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t",
                     GIT_COMMITTER_EMAIL="t@example.com", GIT_AUTHOR_DATE="2023-11-14T22:13:20Z",
                     GIT_COMMITTER_DATE="2023-11-14T22:13:20Z")
    for cmd in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"], ["git", "commit", "-qm", "feat: initial"]):
        subprocess.run(cmd, cwd=origin, check=True, env=env)
    return origin


@pytest.fixture
def repo(tmp_path, key) -> Repo:
    return Repo(_origin(tmp_path), tmp_path, key)


@pytest.fixture(scope="module")
def shared(tmp_path_factory, key) -> tuple[Repo, list[Path]]:
    """One repository and its five shards (no plan file, no secret), for the tests that only merge them."""
    root = tmp_path_factory.mktemp("shared")
    repo = Repo(_origin(root), root, key)
    return repo, all_shards(repo)


def refused(proc: subprocess.CompletedProcess, out: Path, *words: str) -> str:
    """The merge failed with a clear message, no traceback, and nothing released or left behind."""
    text = " ".join(proc.stderr.split())
    assert proc.returncode in (1, 2), proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in text
    for word in words:
        assert word in text, text
    left = sorted(p.name for p in out.iterdir()) if out.exists() else []
    assert left in ([], [".locks"]), left
    return text


def all_shards(repo: Repo, plan: Path | None = None) -> list[Path]:
    return [repo.shard([u], plan=plan) for u in UNITS]


def test_plan_is_deterministic_and_lists_the_units(repo):
    clone = repo.clone()
    first = repo.shipit(clone, "release", "--version", V, "--plan-shards", "--json")
    assert first.returncode == 0, first.stderr
    plan = json.loads(first.stdout)
    assert [u["id"] for u in plan["units"]] == UNITS
    assert [u["stage"] for u in plan["units"]] == ["images", "images", "images", "sbom", "pipeline"]
    assert plan["matrix"]["include"][0] == {"unit": "image:app:linux-amd64", "slug": "image_app_linux-amd64",
                                            "stage": "images"}
    body = {k: v for k, v in plan.items() if k not in ("plan_id", "matrix")}
    canonical = (json.dumps(body, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()
    assert plan["plan_id"] == "sha256:" + hashlib.sha256(canonical).hexdigest()
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=clone, capture_output=True, text=True).stdout.strip()
    assert plan["commit"] == commit and plan["source_date_epoch"] == 1700000000
    # another clone elsewhere computes the same plan, byte for byte
    again = repo.shipit(repo.clone(), "release", "--version", V, "--plan-shards", "--json")
    assert again.stdout == first.stdout
    text = repo.shipit(clone, "release", "--version", V, "--plan-shards")
    assert text.returncode == 0 and plan["plan_id"] in text.stdout and "image_tool.shard.tar" in text.stdout
    # skipping a stage changes the units and so the plan
    skipped = json.loads(repo.shipit(clone, "release", "--version", V, "--plan-shards", "--json", "--skip",
                                     "pipeline").stdout)
    assert skipped["plan_id"] != plan["plan_id"] and "pipeline" not in [u["id"] for u in skipped["units"]]


def test_shards_merged_equal_one_machine(repo, tmp_path):
    single = repo.clone()
    proc = repo.shipit(single, "release", "--version", V, "--output", "release")
    assert proc.returncode == 0, proc.stderr
    plan_clone = repo.clone()
    plan = tmp_path / "plan.json"
    plan.write_text(repo.shipit(plan_clone, "release", "--version", V, "--plan-shards", "--json").stdout)

    archives = all_shards(repo, plan)
    # an archive is deterministic: the same unit cut in another clone gives the same bytes
    again = repo.shard(["image:app:linux-arm64"], plan=plan)
    assert again.read_bytes() == archives[1].read_bytes()
    with tarfile.open(archives[0]) as tar:
        names = tar.getnames()
        header = json.loads(tar.extractfile("shard.json").read())
    assert names[0] == "shard.json" and names[1:] == ["files/images/app.oci.tar", "files/sbom/app-linux-amd64.cdx.json"]
    assert header["units"] == ["image:app:linux-amd64"] and header["plan_id"] == json.loads(plan.read_text())["plan_id"]
    assert "hmac" not in header and header["digest"].startswith("sha256:")

    proc, out = repo.merge(list(reversed(archives)), "--plan", str(plan))  # any order
    assert proc.returncode == 0, proc.stderr
    merged, one = out / V, single / "release" / V
    assert (merged / "SHA256SUMS").read_text() == (one / "SHA256SUMS").read_text()
    files = sorted(str(p.relative_to(one)) for p in one.rglob("*") if p.is_file())
    assert files == sorted(str(p.relative_to(merged)) for p in merged.rglob("*") if p.is_file())
    differ = [f for f in files if (one / f).read_bytes() != (merged / f).read_bytes()]
    assert set(differ) <= {"SHA256SUMS.sig", "SHA256SUMS.sigstore.json", "attestations/provenance.sigstore.json",
                           "attestations/provenance.intoto.jsonl"} | {f for f in files if f.startswith("attestations/")}
    manifest = json.loads((merged / "manifest.json").read_text())
    assert {s["name"]: s["status"] for s in manifest["stages"]}["images"] == "passed"
    verify = run_shipit("verify", str(merged), "--key", repo.key["pub"])
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert sorted(p.name for p in out.iterdir()) == [".locks", V]  # no staging or shard scratch left

    # several units in one shard work too, merged with the others
    two = repo.shard(["image:tool", "sbom:source"], plan=plan)
    assert two.name.startswith("image_tool+1-") and two.name.endswith(".shard.tar")
    proc, out = repo.merge([archives[0], archives[1], archives[4], two])
    assert proc.returncode == 0, proc.stderr
    assert (out / V / "SHA256SUMS").read_text() == (one / "SHA256SUMS").read_text()


def test_a_shard_refuses_another_commit_or_an_unknown_unit(repo, tmp_path):
    clone = repo.clone()
    plan = tmp_path / "plan.json"
    plan.write_text(repo.shipit(clone, "release", "--version", V, "--plan-shards", "--json").stdout)
    (clone / "app" / "run").write_text("#!/bin/sh\necho changed\n")
    subprocess.run(["git", "commit", "-qam", "fix: change"], cwd=clone, check=True,
                   env=shipit_env(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@e", GIT_COMMITTER_NAME="t",
                                  GIT_COMMITTER_EMAIL="t@e"))
    proc = repo.shipit(clone, "release", "--version", V, "--shard", "image:tool", "--plan", str(plan),
                       "--output", "out")
    text = refused(proc, clone / "out" / "shards" / V, "is not this release's plan", "commit")
    assert "(this checkout)" in text
    proc = repo.shipit(clone, "release", "--version", V, "--shard", "image:toll", "--output", "out")
    assert proc.returncode == 2 and "did you mean 'image:tool'" in proc.stderr
    edited = json.loads(plan.read_text())
    edited["commit"] = "0" * 40
    plan.write_text(json.dumps(edited))
    proc = repo.shipit(clone, "release", "--version", V, "--shard", "image:tool", "--plan", str(plan))
    assert proc.returncode == 2 and "does not hash to its plan_id" in proc.stderr


def test_merge_refuses_a_shard_of_another_commit_a_missing_or_duplicated_one(shared, tmp_path):
    repo, archives = shared
    # a second commit: a shard cut there belongs to another plan
    other = repo.clone()
    (other / "app" / "run").write_text("#!/bin/sh\necho changed\n")
    env = shipit_env(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@e", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@e")
    subprocess.run(["git", "commit", "-qam", "fix: change"], cwd=other, check=True, env=env)
    subprocess.run(["git", "push", "-q", "origin", "HEAD:other"], cwd=other, check=True, env=env)
    foreign = repo.shard(["image:tool"], ref="origin/other")
    proc, out = repo.merge(archives[:2] + [foreign] + archives[3:])
    refused(proc, out, "shard image_tool.shard.tar was cut from another plan", "commit")

    proc, out = repo.merge(archives[:-1])
    refused(proc, out, "no shard holds unit 'pipeline'", "4 shard(s) given for 5 unit(s)")

    proc, out = repo.merge(archives + [archives[2]])
    refused(proc, out, "shard image_tool.shard.tar is given twice")
    copy = tmp_path / "copy.shard.tar"
    shutil.copy(archives[2], copy)
    proc, out = repo.merge(archives + [copy])
    refused(proc, out, "shard copy.shard.tar is given twice (also as image_tool.shard.tar)")

    both = repo.shard(["image:tool", "sbom:source"])
    proc, out = repo.merge(archives + [both])
    refused(proc, out, "unit 'image:tool' is in two shards")

    not_a_shard = tmp_path / "x.shard.tar"
    not_a_shard.write_bytes(b"hello")
    proc, out = repo.merge(archives + [not_a_shard])
    refused(proc, out, "x.shard.tar: not a readable shard archive")


def _rewrite(archive: Path, out: Path, *, header=None, files=None) -> Path:
    """Copy a shard archive, changing shard.json (``header(dict)``) and/or a file's bytes (``files``)."""
    with tarfile.open(archive) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
        for member, data in members:
            if member.name == "shard.json" and header is not None:
                data = json.dumps(header(json.loads(data)), sort_keys=True, indent=2).encode()
            elif files and member.name in files:
                data = files[member.name](data)
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
    return out


def _sbom_artifact(h: dict) -> dict:
    [stage] = [s for s in h["stages"] if s["name"] == "sbom"]
    return stage["artifacts"][0]


def _reseal(h: dict) -> dict:
    """What a forger without the secret can do: recompute the digest over the edited header."""
    body = {k: v for k, v in h.items() if k not in ("digest", "hmac")}
    canonical = (json.dumps(body, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()
    return {**body, "digest": "sha256:" + hashlib.sha256(canonical).hexdigest(),
            **({"hmac": h["hmac"]} if "hmac" in h else {})}


def test_merge_refuses_a_tampered_shard(shared, tmp_path):
    repo, archives = shared
    sbom = archives[3]  # sbom:source: files/sbom/source.cdx.json

    def flip(data: bytes) -> bytes:
        return data.replace(b"requests", b"requestz", 1)

    tampered = _rewrite(sbom, tmp_path / "sbom_source.shard.tar", files={"files/sbom/source.cdx.json": flip})
    proc, out = repo.merge(archives[:3] + [tampered, archives[4]])
    refused(proc, out, "files/sbom/source.cdx.json does not match its sha256 in shard.json")

    def edit(h: dict) -> dict:
        _sbom_artifact(h)["extra"]["components"] = 99
        return h

    (tmp_path / "edited").mkdir()
    edited = _rewrite(sbom, tmp_path / "edited" / "sbom_source.shard.tar", header=edit)
    proc, out = repo.merge(archives[:3] + [edited, archives[4]])
    refused(proc, out, "shard.json does not match its digest")

    def escape(h: dict) -> dict:
        h["files"]["../evil"] = h["files"].pop("sbom/source.cdx.json")
        _sbom_artifact(h)["path"] = "../evil"
        return _reseal(h)

    (tmp_path / "escape").mkdir()
    escaping = _rewrite(sbom, tmp_path / "escape" / "sbom_source.shard.tar", header=escape)
    proc, out = repo.merge(archives[:3] + [escaping, archives[4]])
    refused(proc, out, "unsafe path '../evil'")
    assert not (out.parent / "evil").exists()


def _member(archive: Path, name: str) -> bytes:
    with tarfile.open(archive) as tar:
        return tar.extractfile(name).read()


def test_with_the_secret_a_forged_shard_is_refused(repo, tmp_path):
    secret = {"SHIPIT_SHARD_SECRET": "ci-secret-0123456789"}
    archives = [repo.shard([u], extra=secret) for u in UNITS]
    header = json.loads(_member(archives[3], "shard.json"))
    assert header["hmac"].startswith("hmac-sha256:")

    proc, out = repo.merge(archives, extra=secret)
    assert proc.returncode == 0, proc.stderr

    def flip(data: bytes) -> bytes:
        return data.replace(b"requests", b"requestz", 1)

    def forge(h: dict) -> dict:
        h["files"]["sbom/source.cdx.json"]["sha256"] = hashlib.sha256(
            flip(_member(archives[3], "files/sbom/source.cdx.json"))).hexdigest()
        return _reseal(h)

    forged = _rewrite(archives[3], tmp_path / "sbom_source.shard.tar", header=forge,
                      files={"files/sbom/source.cdx.json": flip})
    proc, out = repo.merge(archives[:3] + [forged, archives[4]], extra=secret)
    refused(proc, out, "its HMAC does not match $SHIPIT_SHARD_SECRET")

    # without the HMAC, or with another secret, or merged without the secret: refused as well
    (tmp_path / "bare").mkdir()
    bare = _rewrite(archives[3], tmp_path / "bare" / "sbom_source.shard.tar",
                    header=lambda h: _reseal({k: v for k, v in h.items() if k != "hmac"}))
    proc, out = repo.merge(archives[:3] + [bare, archives[4]], extra=secret)
    refused(proc, out, "has no HMAC: it was cut without $SHIPIT_SHARD_SECRET")
    proc, out = repo.merge(archives, extra={"SHIPIT_SHARD_SECRET": "another-secret"})
    refused(proc, out, "its HMAC does not match")
    proc, out = repo.merge(archives)
    refused(proc, out, "carries an HMAC, but $SHIPIT_SHARD_SECRET is not set here")
