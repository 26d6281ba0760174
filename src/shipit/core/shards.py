"""Sharded releases: a release's content work split into units that run on separate machines (the parallel
jobs of a CI system), each writing a **shard archive**, then merged into the release one machine would cut.

* **Units.** Each content stage declares its units (``Stage.units(plan)``: images one per image and
  platform, the others one each); stages that read what every unit produced (``Stage.at_merge``: the
  handoff site, the ops files that name the image digests) run at the merge instead. The **plan** lists the
  units with what identifies the release (version, commit, config digest, shipit version,
  ``SOURCE_DATE_EPOCH``, skips, options, the previous release); its id is the sha256 of its canonical JSON,
  so two machines that compute the same plan agree on the id.
* **A shard** runs only its units (``Stage.run_units``) into a staging directory and writes
  ``<output>/shards/<version>/<name>.shard.tar``: ``shard.json`` first (plan id and plan, units, per stage
  the artifacts it registered, the sha256 and size of every file, a digest of itself and, with
  ``$SHIPIT_SHARD_SECRET``, an HMAC-SHA256 over it), then ``files/<release path>`` of every artifact. The
  archive is deterministic: the same inputs give the same bytes on any machine.
* **The merge** checks every shard (its digest, its HMAC when the secret is set, the same plan id as its
  own plan, units complete and non-overlapping, every file's hash while extracting) before anything runs,
  then runs every stage with the shards' outputs (``Stage.merge``; the default replays them: files moved
  into the release, artifacts registered as they were) and seals, signs and promotes as usual.

Threat model of the HMAC: the shard archives travel through the CI system's artifact storage. The digest
and the file hashes catch corruption and casual edits, but whoever can replace an artifact can also
recompute them. With ``$SHIPIT_SHARD_SECRET`` (a CI secret given only to the shard and merge jobs) a shard
cannot be forged or altered without the secret; the merge then refuses shards without a valid HMAC. It does
not protect against a shard job that is itself compromised (it holds the secret): the merge still
recomputes what it can (image digests from the blobs, SBOMs bound to them), and signing happens only at the
merge.

Core knows no capability: the stages say what their units are and how to merge them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import shutil
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from shipit import __version__
from shipit.core.artifacts import Kind
from shipit.core.context import ShardOutput
from shipit.core.errors import ShipitError, UsageError
from shipit.core.files import canonical_json, deterministic_tar

if TYPE_CHECKING:  # types only
    from shipit.core.context import ReleaseContext, ReleasePlan
    from shipit.core.runner import Stage, StageResult

PLAN_SCHEMA = "shipit-shard-plan/1"
SHARD_SCHEMA = "shipit-shard/1"
SHARD_SUFFIX = ".shard.tar"
SHARD_JSON = "shard.json"
FILES = "files/"
SECRET_ENV = "SHIPIT_SHARD_SECRET"
SHARDS_DIR = "shards"
#: shard.json lists a few facts per file; what is larger than this is not one
MAX_HEADER = 64 << 20
CHUNK = 1 << 20
_SLUG_RE = re.compile(r"[^A-Za-z0-9._-]+")


# --- units and the plan ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """One independent unit of a release's content work: ``id`` (e.g. ``image:api:linux-arm64``) and the
    stage that declares it."""

    id: str
    stage: str

    @property
    def slug(self) -> str:
        """The id as a file and CI-artifact name: ``image:api:linux-arm64`` → ``image_api_linux-arm64``."""
        return unit_slug(self.id)

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "stage": self.stage, "slug": self.slug}


def unit_slug(unit_id: str) -> str:
    return _SLUG_RE.sub("-", unit_id.replace(":", "_"))


def plan_units(plan: ReleasePlan, stages: list[Stage]) -> list[Unit]:
    """The units of a release, in run order: per content stage that will run and is not run at the merge,
    the units it declares. Deterministic for the same plan."""
    units: list[Unit] = []
    seen: dict[str, str] = {}
    slugs: dict[str, str] = {}
    for stage in stages:
        if stage.phase != "content" or stage.at_merge or stage.name in plan.skips or stage.skip(plan):
            continue
        for unit_id in stage.units(plan):
            if unit_id in seen:
                raise ShipitError(f"unit '{unit_id}' is declared by both stage '{seen[unit_id]}' and '{stage.name}'",
                                  hint="this is a bug in shipit: unit ids must be unique")
            unit = Unit(unit_id, stage.name)
            if unit.slug in slugs:
                raise ShipitError(f"units '{slugs[unit.slug]}' and '{unit_id}' have the same file name "
                                  f"'{unit.slug}'", hint="rename one of the images in shipit.yaml")
            seen[unit_id], slugs[unit.slug] = stage.name, unit_id
            units.append(unit)
    return units


def _hashed(value: Any) -> str:
    return "sha256:" + hashlib.sha256(canonical_json(value)).hexdigest()


@dataclass
class ShardPlan:
    """What a sharded release is: the facts that identify it and its units. ``id`` is the sha256 of the
    canonical JSON of :attr:`body`: every machine that computes the same plan gets the same id."""

    body: dict[str, Any]

    @classmethod
    def of(cls, plan: ReleasePlan, stages: list[Stage]) -> ShardPlan:
        previous = plan.previous_release()
        body = {
            "schema": PLAN_SCHEMA,
            "project": plan.config.project.name,
            "version": plan.version.text,
            "snapshot": plan.snapshot,
            "commit": plan.git.commit,
            "dirty": plan.git.dirty,
            "config_digest": plan.config.digest,
            "shipit_version": __version__,
            "source_date_epoch": plan.source_date_epoch,
            "skips": sorted(plan.skips),
            # values hashed: an option may hold a credential (a database URL); only equality matters here
            "options": {k: _hashed(v) for k, v in sorted(plan.options.items()) if v not in (None, "", False)},
            "previous_release": ({"version": previous.get("version"), "manifest": _hashed(previous)}
                                 if previous else None),
            "units": [u.as_dict() for u in plan_units(plan, stages)],
        }
        return cls(body)

    @property
    def id(self) -> str:
        return "sha256:" + hashlib.sha256(canonical_json(self.body)).hexdigest()

    @property
    def units(self) -> list[Unit]:
        return [Unit(u["id"], u["stage"]) for u in self.body["units"]]

    def as_json(self) -> dict[str, Any]:
        """The plan as ``--plan-shards --json`` prints it: the body, its id, and a CI matrix of the units."""
        return {**self.body, "plan_id": self.id,
                "matrix": {"include": [{"unit": u.id, "slug": u.slug, "stage": u.stage} for u in self.units]}}

    @classmethod
    def load(cls, path: Path) -> ShardPlan:
        """A plan file written by ``--plan-shards --json``; refuses one whose content does not hash to its id."""
        try:
            data = json.loads(Path(path).read_text())
        except OSError as exc:
            raise UsageError(f"--plan {path}: cannot read it ({exc.strerror})") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise UsageError(f"--plan {path}: not a shard plan (not JSON: {exc})",
                             hint="write it with shipit release --version V --plan-shards --json > plan.json") from None
        if not isinstance(data, dict) or data.get("schema") != PLAN_SCHEMA:
            raise UsageError(f"--plan {path}: not a shard plan (schema {PLAN_SCHEMA} expected)",
                             hint="write it with shipit release --version V --plan-shards --json > plan.json")
        stated = data.pop("plan_id", None)
        data.pop("matrix", None)
        plan = cls(data)
        if stated != plan.id:
            raise UsageError(f"--plan {path}: its content does not hash to its plan_id (it was edited)",
                             hint="use the plan file as the plan job wrote it")
        return plan

    def require_same(self, other: ShardPlan, *, what: str, here: str = "this checkout") -> None:
        """Raise unless ``other`` is the same plan, naming what differs (the commit and config digest first)."""
        if other.id == self.id:
            return
        problems = differences(other.body, self.body, what, here)
        raise ShipitError(f"{what} is not this release's plan: " + "; ".join(problems),
                          hint="cut every shard and the merge from the same commit, shipit.yaml, shipit version, "
                               "SOURCE_DATE_EPOCH and options")


def differences(a: dict[str, Any], b: dict[str, Any], a_name: str, b_name: str) -> list[str]:
    """What differs between two plan bodies, the facts people recognise first."""
    out = []
    labels = [("commit", "commit"), ("dirty", "uncommitted changes"), ("config_digest", "shipit.yaml digest"),
              ("version", "version"), ("snapshot", "snapshot"), ("shipit_version", "shipit version"),
              ("source_date_epoch", "SOURCE_DATE_EPOCH"), ("project", "project"), ("skips", "--skip"),
              ("options", "stage options"), ("previous_release", "previous release"), ("schema", "plan schema")]
    for key, label in labels:
        if a.get(key) != b.get(key):
            out.append(f"{label} {_show(a.get(key))} ({a_name}) vs {_show(b.get(key))} ({b_name})")
    if a.get("units") != b.get("units"):
        ids_a = [u.get("id") for u in a.get("units") or [] if isinstance(u, dict)]
        ids_b = [u.get("id") for u in b.get("units") or [] if isinstance(u, dict)]
        only_a, only_b = [u for u in ids_a if u not in ids_b], [u for u in ids_b if u not in ids_a]
        detail = ", ".join([f"only {a_name}: {', '.join(only_a)}"] * bool(only_a) +
                           [f"only {b_name}: {', '.join(only_b)}"] * bool(only_b)) or "another order"
        out.append(f"units differ ({detail})")
    return out or ["the plans differ"]


def _show(value: Any) -> str:
    if isinstance(value, str) and len(value) > 19 and re.fullmatch(r"(sha256:)?[0-9a-f]{40,64}", value):
        return value[:19] + "…"
    return json.dumps(value, sort_keys=True) if not isinstance(value, str) else value


# --- writing a shard -----------------------------------------------------------------------------------


def shard_name(units: list[str]) -> str:
    """The archive's name (without suffix): the unit's slug, or the first unit's plus how many more and a
    short hash of them all (so two shards of different units never share a name)."""
    if len(units) == 1:
        return unit_slug(units[0])
    tag = hashlib.sha256("\n".join(units).encode()).hexdigest()[:8]
    return f"{unit_slug(units[0])}+{len(units) - 1}-{tag}"


def shard_dir(output_root: Path, version: str) -> Path:
    return Path(output_root) / SHARDS_DIR / version


def _secret() -> bytes | None:
    value = os.environ.get(SECRET_ENV)
    return value.encode() if value else None


def _seal(header: dict[str, Any], secret: bytes | None) -> dict[str, Any]:
    body = canonical_json(header)
    sealed = {**header, "digest": "sha256:" + hashlib.sha256(body).hexdigest()}
    if secret is not None:
        sealed["hmac"] = "hmac-sha256:" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    return sealed


def write_shard(out: Path, *, plan: ShardPlan, units: list[str], results: list[StageResult],
                ctx: ReleaseContext) -> dict[str, Any]:
    """Write the shard archive of a finished shard run; returns its ``shard.json``."""
    ctx.artifacts.finalize()
    stages, files = [], {}
    for result in results:
        records = []
        for path in result.added:
            art = ctx.artifacts.get(path)
            if art is None:  # registered then removed by a later stage of the shard
                continue
            records.append({"path": art.path, "kind": str(art.kind), "media_type": art.media_type,
                            "name": art.name, "extra": art.extra})
            files[art.path] = {"sha256": art.sha256, "size": art.size}
        stages.append({**result.manifest_entry(), "artifacts": records})
    order = [u.id for u in plan.units]
    header = {"schema": SHARD_SCHEMA, "plan_id": plan.id, "plan": plan.body,
              "units": sorted(units, key=order.index), "stages": stages, "files": dict(sorted(files.items()))}
    sealed = _seal(header, _secret())
    entries: list[tuple[str, Path | bytes]] = [(SHARD_JSON, canonical_json(sealed))]
    entries += [(FILES + path, ctx.work_dir / path) for path in sorted(files)]
    deterministic_tar(out, entries, ctx.source_date_epoch)
    return sealed


# --- reading and checking shards -----------------------------------------------------------------------


def _clean_path(path: Any) -> bool:
    if not isinstance(path, str) or not path or "\\" in path or "\0" in path:
        return False
    parts = PurePosixPath(path).parts
    return not path.startswith("/") and all(p not in ("", ".", "..") for p in parts) and "/".join(parts) == path


@dataclass
class ShardArchive:
    """A shard archive whose ``shard.json`` was read and checked (digest, HMAC when the secret is set, shape)."""

    path: Path
    header: dict[str, Any]
    root: Path | None = field(default=None)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def units(self) -> list[str]:
        return list(self.header["units"])

    @classmethod
    def open(cls, path: Path) -> ShardArchive:
        path = Path(path)
        bad = f"shard {path.name}"
        hint = "pass the .shard.tar files the shard jobs wrote (shipit release --shard ... --output DIR)"
        if not path.is_file():
            raise UsageError(f"{bad}: no such file ({path})", hint=hint)
        try:
            with tarfile.open(path, mode="r:") as tar:
                first = tar.next()
                if first is None or first.name != SHARD_JSON or not first.isreg():
                    raise ShipitError(f"{bad}: not a shard archive (it does not start with {SHARD_JSON})", hint=hint)
                if first.size > MAX_HEADER:
                    raise ShipitError(f"{bad}: {SHARD_JSON} is {first.size} bytes; not a shard archive", hint=hint)
                fh = tar.extractfile(first)
                assert fh is not None
                raw = fh.read()
        except (OSError, tarfile.TarError, EOFError) as exc:
            raise ShipitError(f"{bad}: not a readable shard archive ({exc})", hint=hint) from None
        try:
            header = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ShipitError(f"{bad}: {SHARD_JSON} is not JSON ({exc}); the archive was damaged", hint=hint) from None
        problem = _shape_problem(header)
        if problem:
            raise ShipitError(f"{bad}: {SHARD_JSON} {problem}", hint=hint)
        _check_seal(path.name, header)
        return cls(path, header)

    def extract(self, dest: Path) -> Path:
        """Extract ``files/`` into ``dest``, each file checked against ``shard.json`` while it is written:
        exactly the listed files, each once, each with its size and sha256. Returns ``dest``."""
        files: dict[str, dict[str, Any]] = self.header["files"]
        seen: set[str] = set()
        tampered = f"shard {self.name}"
        hint = "the archive was modified after it was cut: cut that shard again"
        dest.mkdir(parents=True, exist_ok=True)
        try:
            with tarfile.open(self.path, mode="r:") as tar:
                for i, member in enumerate(tar):
                    if i == 0:
                        continue  # shard.json, read by open()
                    rel = member.name[len(FILES):] if member.name.startswith(FILES) else None
                    if rel is None or rel not in files:
                        raise ShipitError(f"{tampered}: holds {member.name!r}, which {SHARD_JSON} does not list",
                                          hint=hint)
                    if rel in seen or not member.isreg():
                        raise ShipitError(f"{tampered}: {member.name} is "
                                          f"{'there twice' if rel in seen else 'not a regular file'}", hint=hint)
                    seen.add(rel)
                    want = files[rel]
                    if member.size != want["size"]:
                        raise ShipitError(f"{tampered}: {member.name} is {member.size} bytes, {SHARD_JSON} says "
                                          f"{want['size']}", hint=hint)
                    target = dest / rel
                    target.parent.mkdir(parents=True, exist_ok=True)
                    digest = hashlib.sha256()
                    src = tar.extractfile(member)
                    assert src is not None
                    with open(target, "wb") as out:
                        while chunk := src.read(CHUNK):
                            digest.update(chunk)
                            out.write(chunk)
                    if digest.hexdigest() != want["sha256"]:
                        raise ShipitError(f"{tampered}: {member.name} does not match its sha256 in {SHARD_JSON}",
                                          hint=hint)
        except (tarfile.TarError, EOFError) as exc:
            raise ShipitError(f"{tampered}: not a readable shard archive ({exc})", hint=hint) from None
        missing = sorted(set(files) - seen)
        if missing:
            raise ShipitError(f"{tampered}: {SHARD_JSON} lists {FILES}{missing[0]}, which the archive does not hold"
                              + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""), hint=hint)
        self.root = dest
        return dest

    def outputs(self) -> list[ShardOutput]:
        assert self.root is not None, "extract() first"
        return [ShardOutput(self.name, tuple(self.units), s["name"], list(s["artifacts"]), self.root)
                for s in self.header["stages"] if s.get("status") == "passed"]


def _shape_problem(header: Any) -> str | None:
    """Why a parsed shard.json is not one (None: it has the shape this version writes)."""
    if not isinstance(header, dict) or header.get("schema") != SHARD_SCHEMA:
        return f"is not a {SHARD_SCHEMA} header"
    if not isinstance(header.get("plan"), dict) or not isinstance(header.get("plan_id"), str):
        return "has no plan"
    units = header.get("units")
    if not isinstance(units, list) or not units or not all(isinstance(u, str) for u in units):
        return "lists no units"
    files = header.get("files")
    if not isinstance(files, dict):
        return "lists no files"
    for path, facts in files.items():
        if not _clean_path(path):
            return f"lists a file with an unsafe path {path!r}"
        if not (isinstance(facts, dict) and isinstance(facts.get("size"), int) and isinstance(facts.get("sha256"), str)
                and re.fullmatch(r"[0-9a-f]{64}", facts["sha256"])):
            return f"gives no size and sha256 for {path}"
    stages = header.get("stages")
    if not isinstance(stages, list):
        return "lists no stages"
    listed = set()
    for stage in stages:
        if not isinstance(stage, dict) or not isinstance(stage.get("name"), str) \
                or not isinstance(stage.get("artifacts"), list):
            return "has a malformed stage entry"
        for art in stage["artifacts"]:
            if not isinstance(art, dict) or art.get("path") not in files or not isinstance(art.get("extra"), dict) \
                    or not isinstance(art.get("name"), str) or not isinstance(art.get("media_type"), str):
                return f"has a malformed artifact in stage {stage['name']}"
            if art["kind"] not in {k.value for k in Kind}:
                return f"gives {art['path']} an unknown kind {art.get('kind')!r}"
            if art["path"] in listed:
                return f"lists {art['path']} twice"
            listed.add(art["path"])
    if listed != set(files):
        return "lists files no stage registered"
    if not isinstance(header.get("digest"), str):
        return "has no digest"
    return None


def _check_seal(name: str, header: dict[str, Any]) -> None:
    body = canonical_json({k: v for k, v in header.items() if k not in ("digest", "hmac")})
    hint = "cut the shard again; never edit a shard archive"
    if header["digest"] != "sha256:" + hashlib.sha256(body).hexdigest():
        raise ShipitError(f"shard {name}: {SHARD_JSON} does not match its digest (it was modified)", hint=hint)
    secret = _secret()
    stated = header.get("hmac")
    if secret is None:
        if stated is not None:
            raise ShipitError(f"shard {name} carries an HMAC, but ${SECRET_ENV} is not set here, so it cannot be "
                              "checked", hint=f"give the merge job the same {SECRET_ENV} secret as the shard jobs")
        return
    if not isinstance(stated, str):
        raise ShipitError(f"shard {name} has no HMAC: it was cut without ${SECRET_ENV}",
                          hint=f"give every shard job the {SECRET_ENV} secret the merge job has, and cut it again")
    expected = "hmac-sha256:" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(stated, expected):
        raise ShipitError(f"shard {name}: its HMAC does not match ${SECRET_ENV} (forged, altered, or cut with "
                          "another secret)", hint="do not merge it; cut the shard again in your own CI")


def check_shards(archives: list[ShardArchive], plan: ShardPlan) -> list[ShardArchive]:
    """Refuse shards that are not exactly this plan's units, once each; returns them in plan order."""
    by_digest: dict[str, ShardArchive] = {}
    for shard in archives:
        twin = by_digest.get(shard.header["digest"])
        if twin is not None:
            raise UsageError(f"shard {shard.name} is given twice" + (f" (also as {twin.name})"
                                                                     if twin.path != shard.path else ""),
                             hint="pass each shard archive once")
        by_digest[shard.header["digest"]] = shard
    for shard in archives:
        if shard.header["plan_id"] != plan.id:
            problems = differences(shard.header["plan"], plan.body, f"shard {shard.name}", "this checkout")
            raise ShipitError(f"shard {shard.name} was cut from another plan: " + "; ".join(problems),
                              hint="merge shards cut from the same commit, shipit.yaml, shipit version, "
                                   "SOURCE_DATE_EPOCH and options as this checkout")
    order = [u.id for u in plan.units]
    owner: dict[str, str] = {}
    for shard in archives:
        for unit in shard.units:
            if unit not in order:
                raise ShipitError(f"shard {shard.name} holds unit '{unit}', which the plan does not list",
                                  hint="units: " + ", ".join(order))
            if unit in owner:
                raise ShipitError(f"unit '{unit}' is in two shards: {owner[unit]} and {shard.name}",
                                  hint="each unit must be in exactly one shard")
            owner[unit] = shard.name
    missing = [u for u in order if u not in owner]
    if missing:
        raise ShipitError(f"no shard holds unit '{missing[0]}'" + (f" (and {len(missing) - 1} more: "
                                                                     f"{', '.join(missing[1:4])}"
                                                                     f"{', ...' if len(missing) > 4 else ''})"
                                                                     if len(missing) > 1 else "")
                          + f"; {len(archives)} shard(s) given for {len(order)} unit(s)",
                          hint="pass every shard of the plan (shipit release --plan-shards lists the units)")
    return sorted(archives, key=lambda s: order.index(s.units[0]))


def collect_outputs(archives: Iterable[ShardArchive]) -> dict[str, list[ShardOutput]]:
    """Per stage, the extracted shards' outputs (in the order of the archives)."""
    out: dict[str, list[ShardOutput]] = {}
    for shard in archives:
        for output in shard.outputs():
            out.setdefault(output.stage, []).append(output)
    return out


def find_archives(paths: Iterable[Path]) -> list[Path]:
    """The shard archives named on the command line: files, or every ``*.shard.tar`` in a directory."""
    found: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            inside = sorted(p.glob("*" + SHARD_SUFFIX))
            if not inside:
                raise UsageError(f"--merge {p}: no *{SHARD_SUFFIX} in this directory")
            found += inside
        else:
            found.append(p)
    if not found:
        raise UsageError("--merge needs the shard archives", hint="e.g. --merge shards/1.4.0/*.shard.tar")
    return found


def remove_tree(path: Path | None) -> None:
    if path is not None:
        shutil.rmtree(path, ignore_errors=True)
