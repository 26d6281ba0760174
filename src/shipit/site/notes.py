"""Release notes from git history: commits between the previous release tag and HEAD, grouped by
Conventional Commit type (breaking changes first), plus known limitations and API changes from config."""

from __future__ import annotations

import fnmatch
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import semver

from shipit.core.errors import ShipitError

# type → section title, in the order sections appear (breaking changes come before all of them).
SECTIONS = {
    "feat": "Features",
    "fix": "Bug fixes",
    "perf": "Performance",
    "revert": "Reverts",
    "refactor": "Refactoring",
    "docs": "Documentation",
    "test": "Tests",
    "build": "Build",
    "ci": "Continuous integration",
    "chore": "Chores",
    "style": "Style",
}
OTHER = "Other changes"

# Conventional Commits 1.0.0 header: type(scope)!: description
HEADER = re.compile(r"^(?P<type>[A-Za-z]+)(?:\((?P<scope>[^()\r\n]*)\))?(?P<bang>!)?: (?P<desc>.+)$")
BREAKING_FOOTER = re.compile(r"^BREAKING[ -]CHANGE: (?P<text>.+(?:\n(?!\n)(?![\w-]+: ).+)*)", re.M)


@dataclass
class Commit:
    sha: str
    subject: str
    body: str
    type: str = ""
    scope: str = ""
    description: str = ""
    breaking: str = ""  # the breaking-change note ('' if not breaking)

    @property
    def short(self) -> str:
        return self.sha[:7]


@dataclass
class ReleaseNotes:
    version: str
    previous_tag: str
    commits: list[Commit] = field(default_factory=list)

    def sections(self) -> list[tuple[str, list[Commit]]]:
        out = []
        breaking = [c for c in self.commits if c.breaking]
        if breaking:
            out.append(("Breaking changes", breaking))
        for typ, title in SECTIONS.items():
            items = [c for c in self.commits if c.type == typ]
            if items:
                out.append((title, items))
        other = [c for c in self.commits if c.type not in SECTIONS]
        if other:
            out.append((OTHER, other))
        return out


def parse_commit(sha: str, subject: str, body: str) -> Commit:
    c = Commit(sha=sha, subject=subject.strip(), body=body.strip())
    m = HEADER.match(c.subject)
    if m and m["type"].lower() not in SECTIONS and not m["bang"]:
        m = None  # "area: message" subjects of non-conventional histories stay whole
    if m:
        c.type, c.scope, c.description = m["type"].lower(), m["scope"] or "", m["desc"].strip()
        footer = BREAKING_FOOTER.search(c.body)
        if footer:
            c.breaking = " ".join(footer["text"].split())
        elif m["bang"]:
            c.breaking = c.description
    else:
        c.description = c.subject
    return c


def _git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise ShipitError(f"git {' '.join(args)} failed in {cwd}: {proc.stderr.strip()}",
                          hint="the release notes need the project's git history (a full clone, not a shallow one)")
    return proc.stdout


def previous_tag(repo: Path, version: str, pattern: str = "v*") -> str:
    """The highest SemVer tag reachable from HEAD that is older than ``version`` ('' if none)."""
    current = semver.Version.parse(version)
    best: tuple[semver.Version, str] | None = None
    for tag in _git(repo, "tag", "--merged", "HEAD").split():
        if not fnmatch.fnmatchcase(tag, pattern) and not fnmatch.fnmatchcase("v" + tag, pattern):
            continue
        try:
            v = semver.Version.parse(tag[1:] if tag.startswith("v") else tag)
        except ValueError:
            continue
        if v < current and (best is None or v > best[0]):
            best = (v, tag)
    return best[1] if best else ""


def collect(repo: Path, version: str, pattern: str = "v*") -> ReleaseNotes:
    if not (repo / ".git").exists() and subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True,
                                                        check=False).returncode != 0:
        return ReleaseNotes(version=version, previous_tag="")
    prev = previous_tag(repo, version, pattern)
    rev = f"{prev}..HEAD" if prev else "HEAD"
    # Unit/record-separated (sha, subject, body); --no-merges keeps merge noise out; "-- ." limits the
    # history to the project's directory (a service inside a monorepo gets only its own commits).
    out = _git(repo, "log", "--no-merges", "--format=%H%x1f%s%x1f%b%x1e", rev, "--", ".")
    commits = []
    for record in out.split("\x1e"):
        record = record.strip("\n")
        if not record:
            continue
        sha, subject, body = (record.split("\x1f") + ["", ""])[:3]
        commits.append(parse_commit(sha, subject, body))
    return ReleaseNotes(version=version, previous_tag=prev, commits=commits)
