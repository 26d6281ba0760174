"""``shipit verify``'s runner: load a finished release once, run every check over it, collect results.

The checks come from the capabilities (``shipit/<capability>/checks.py``, gathered by
:mod:`shipit.capabilities`): each gets the loaded :class:`Release` and the trust anchor (an object
the signing capability defines; the runner only passes it on) and returns results, one per problem
plus a summary line when all is well. This module holds the two checks about core's own files:
``files`` (manifest ↔ disk) and ``checksums`` (``SHA256SUMS`` ↔ disk).

What a release may contain: the manifest's artifacts, ``manifest.json``, ``SHA256SUMS``, and the
files a capability declares as written after them (signatures, attestations, sign-offs). Anything
else is reported as unlisted.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from shipit.core.artifacts import MANIFEST_NAME, Kind
from shipit.core.checksums import SUMS_NAME, hash_files, list_files, parse_sums
from shipit.core.errors import ShipitError


@dataclass
class CheckResult:
    check: str  # the check's name, e.g. "checksums"
    subject: str  # what was checked: a file, an image, or "" for a summary
    ok: bool
    reason: str


def ok(check: str, reason: str, subject: str = "") -> CheckResult:
    return CheckResult(check, subject, True, reason)


def fail(check: str, subject: str, reason: str) -> CheckResult:
    return CheckResult(check, subject, False, reason)


@dataclass
class Report:
    release_dir: str
    results: list[CheckResult] = field(default_factory=list)

    @property
    def crashed(self) -> list[tuple[str, BaseException]]:
        """Checks that crashed (a bug in shipit): reported as failures, raised by the caller as internal errors."""
        return [(r.check, r.crash) for r in self.results if getattr(r, "crash", None) is not None]

    @property
    def ok(self) -> bool:
        return bool(self.results) and all(r.ok for r in self.results)

    @property
    def failures(self) -> list[CheckResult]:
        return [r for r in self.results if not r.ok]

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "release_dir": self.release_dir, "checks": [asdict(r) for r in self.results]}


# --- the loaded release --------------------------------------------------------------------------


@dataclass
class Release:
    root: Path
    manifest: dict[str, Any] | None
    manifest_error: str
    sums: dict[str, str] | None
    sums_error: str
    files: list[str]  # every file on disk, relative
    digests: dict[str, str]  # actual sha256 of every file on disk ("" when it was not read: see load)
    #: Files that are not regular files (symlinks, FIFOs, devices): never opened, reported by the files check.
    special: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, root: Path) -> Release:
        root = Path(root)
        if not root.is_dir():
            raise ShipitError(f"{root}: no such release directory")
        files = list_files(root)
        special = {p: _kind(root / p) for p in files}
        special = {p: kind for p, kind in special.items() if kind}
        manifest, merr = None, ""
        try:
            if MANIFEST_NAME in special or (root / MANIFEST_NAME).stat().st_size > MAX_DOCUMENT:
                raise ValueError(f"manifest.json is {special.get(MANIFEST_NAME) or 'larger than 64 MiB'}")
            manifest = json.loads((root / MANIFEST_NAME).read_bytes())
            if not isinstance(manifest, dict) or not isinstance(manifest.get("artifacts"), list):
                manifest, merr = None, "manifest.json has no artifacts list"
        except FileNotFoundError:
            merr = "manifest.json is missing"
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            merr = f"manifest.json is not valid JSON ({exc})"
        except ValueError as exc:
            merr = str(exc)
        # A file whose size differs from the manifest's record has changed: it is not read at all (a hostile
        # release cannot make verify hash a 10 GB file it claims is small); its digest is "" (unknown).
        recorded = {a.get("path"): a.get("size") for a in (manifest or {}).get("artifacts", [])
                    if isinstance(a, dict) and isinstance(a.get("size"), int)}
        unread = set(special) | {p for p in files if p in recorded and (root / p).stat().st_size != recorded[p]}
        digests = {**hash_files(root, [p for p in files if p not in unread]), **dict.fromkeys(unread, "")}
        sums, serr = None, ""
        try:
            if SUMS_NAME in special or (root / SUMS_NAME).stat().st_size > MAX_DOCUMENT:
                raise ShipitError(f"SHA256SUMS is {special.get(SUMS_NAME) or 'larger than 64 MiB'}")
            sums = parse_sums((root / SUMS_NAME).read_text(), SUMS_NAME)
        except FileNotFoundError:
            serr = "SHA256SUMS is missing"
        except (ShipitError, UnicodeDecodeError) as exc:
            serr = getattr(exc, "message", str(exc))
        return cls(root, manifest, merr, sums, serr, files, digests, special)

    def artifacts(self, kind: Kind | None = None) -> list[dict[str, Any]]:
        arts = self.manifest["artifacts"] if self.manifest else []
        return [a for a in arts if isinstance(a, dict) and (kind is None or a.get("kind") == str(kind))]

    def images(self) -> dict[str, dict[str, Any]]:
        return {a.get("name", ""): a for a in self.artifacts(Kind.IMAGE)}

    def image_sboms(self) -> list[dict[str, Any]]:
        return [a for a in self.artifacts(Kind.SBOM) if (a.get("extra") or {}).get("image_digest")]

    def read_json(self, rel: str) -> Any:
        return json.loads((self.root / rel).read_bytes())


T = TypeVar("T")
R = TypeVar("R")


def parallel(fn: Callable[[T], R], items: Iterable[T], workers: int | None = None) -> list[R]:
    """``[fn(x) for x in items]`` on a thread pool, results in the order of ``items``.

    For checks of independent artifacts (image archives, SBOMs): hashing and signature verification
    run outside the GIL, so the image archives use both cores while the Python-bound work (JSON
    decoding, schema validation) goes on; each worker holds one artifact's data at a time, so memory
    stays bounded by the pool's size.
    """
    items = list(items)
    workers = min(len(items), workers or os.cpu_count() or 2)
    if workers <= 1:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, items))


#: manifest.json and SHA256SUMS larger than this are not read (a release of a million files has a ~100 MB
#: manifest; 64 MiB is far above any real one and keeps a hostile one from filling memory).
MAX_DOCUMENT = 64 * 1024 * 1024


def _kind(path: Path) -> str:
    """'' for a regular file, else what it is (a release holds regular files only)."""
    mode = path.lstat().st_mode
    if stat.S_ISREG(mode):
        return ""
    if stat.S_ISLNK(mode):
        return f"a symlink (to {os.readlink(path)})"
    return "a FIFO" if stat.S_ISFIFO(mode) else "a device or socket"


Check = Callable[[Release, Any], Iterable[CheckResult]]
#: Files (exact paths, or prefixes ending in "/") a capability writes after SHA256SUMS.
Allowance = Callable[[Release], Iterable[str]]


@dataclass(frozen=True)
class Checks:
    """What the capabilities contribute to ``shipit verify``, in run order."""

    checks: list[tuple[str, Check]] = field(default_factory=list)
    allowances: list[Allowance] = field(default_factory=list)


# --- core's own checks -------------------------------------------------------------------------------


def check_files(rel: Release, allowed_extra: set[str]) -> list[CheckResult]:
    """manifest ↔ files: every listed artifact present with its size and digest; nothing unlisted."""
    name = "files"
    if rel.manifest is None:
        return [fail(name, MANIFEST_NAME, rel.manifest_error)]
    out = []
    listed = set()
    on_disk = set(rel.files)
    for art in rel.artifacts():
        path = art.get("path", "")
        listed.add(path)
        if path not in on_disk:
            out.append(fail(name, path, "listed in manifest.json but missing"))
        elif art.get("size") is not None and art["size"] != (rel.root / path).stat().st_size:
            out.append(fail(name, path, f"size differs from manifest.json ({(rel.root / path).stat().st_size} bytes, "
                                        f"recorded {art['size']})"))
        elif art.get("sha256") != rel.digests[path]:
            out.append(fail(name, path, f"content differs from manifest.json (sha256 {rel.digests[path][:16]}…, "
                                        f"recorded {str(art.get('sha256'))[:16]}…)"))
    exact = listed | {MANIFEST_NAME, SUMS_NAME} | {p for p in allowed_extra if not p.endswith("/")}
    prefixes = tuple(p for p in allowed_extra if p.endswith("/"))
    for path, kind in sorted(rel.special.items()):
        out.append(fail(name, path, f"is {kind}; a release holds regular files only (it was not read)"))
    for path in rel.files:
        if path not in exact and not path.startswith(prefixes):
            out.append(fail(name, path, "not listed in manifest.json (unexpected file)"))
    if not out:
        out.append(ok(name, f"{len(listed)} artifacts present and match manifest.json; no unlisted files"))
    return out


def check_checksums(rel: Release) -> list[CheckResult]:
    """Every SHA256SUMS line matches its file, and SHA256SUMS lists exactly the manifest's files."""
    name = "checksums"
    if rel.sums is None:
        return [fail(name, SUMS_NAME, rel.sums_error)]
    out = []
    for path, digest in sorted(rel.sums.items()):
        if path not in rel.digests:
            out.append(fail(name, path, "listed in SHA256SUMS but missing"))
        elif rel.digests[path] != digest:
            out.append(fail(name, path, "sha256 differs from SHA256SUMS (file changed)"))
    if rel.manifest is not None:
        expected = {a.get("path") for a in rel.artifacts()} | {MANIFEST_NAME}
        for path in sorted(expected - set(rel.sums)):
            out.append(fail(name, path, "not covered by SHA256SUMS"))
        for path in sorted(set(rel.sums) - expected):
            out.append(fail(name, path, "in SHA256SUMS but not in manifest.json"))
    if not out:
        out.append(ok(name, f"{len(rel.sums)} lines of SHA256SUMS match"))
    return out


# --- the runner ------------------------------------------------------------------------------------


def _guarded(name: str, run: Callable[[], Iterable[CheckResult]]) -> list[CheckResult]:
    try:
        return list(run())
    except ShipitError as exc:
        return [fail(name, "", exc.message)]
    except Exception as exc:  # re-raised with context by the caller (Report.crashed), after the other checks ran
        result = fail(name, "", f"check crashed (a bug in shipit): {type(exc).__name__}: {exc}")
        result.crash = exc  # type: ignore[attr-defined]  # not a field: kept out of the JSON report
        return [result]


def verify_release(release_dir: str | Path, trust: Any, contributed: Checks) -> Report:
    """Run core's checks and every contributed check over the release at ``release_dir``.

    The release is hashed once (in parallel); then the checks, which only read it, run concurrently and
    their results are reported in the order the capabilities list them.
    """
    rel = Release.load(Path(release_dir))
    allowed: set[str] = set()
    for allowance in contributed.allowances:
        allowed.update(allowance(rel))
    runs: list[tuple[str, Callable[[], Iterable[CheckResult]]]] = [
        ("files", lambda: check_files(rel, allowed)), ("checksums", lambda: check_checksums(rel))]
    runs += [(name, lambda check=check: check(rel, trust)) for name, check in contributed.checks]
    skipped: list[CheckResult] = []
    if rel.special:  # a symlink or FIFO could make a check read forever or outside the release
        runs = runs[:2]
        skipped = [fail(name, "", "not run: the release holds files that are not regular files")
                   for name, _check in contributed.checks]
    report = Report(str(release_dir))
    for results in parallel(lambda run: _guarded(*run), runs, workers=len(runs)):
        report.results += results
    report.results += skipped
    return report
