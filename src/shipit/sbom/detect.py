"""``shipit init``'s look for the project's dependency files, and which one the source SBOM will read."""

from __future__ import annotations

import tomllib

from shipit.core.detect import Dependencies, Detection, ProjectTree

#: The order of ``sbom.source: auto`` (:data:`shipit.sbom.source.AUTO_ORDER`, repeated here because that
#: module imports cyclonedx, which ``shipit init`` must not need).
AUTO_ORDER = ("poetry.lock", "Pipfile.lock", "uv.lock", "requirements.lock", "requirements.txt", "pyproject.toml")


def auto_source(tree: ProjectTree) -> str | None:
    for name in AUTO_ORDER:
        if not tree.exists(name):
            continue
        if name == "poetry.lock" and not tree.exists("pyproject.toml"):
            continue
        if name == "pyproject.toml":
            try:
                data = tomllib.loads(tree.read(name))
            except tomllib.TOMLDecodeError:
                continue
            poetry = data.get("tool", {}).get("poetry", {})
            if not (data.get("project", {}).get("dependencies") or poetry.get("dependencies")):
                continue
        return name
    return None


def detect(tree: ProjectTree, deps: Dependencies) -> Detection:
    out = Detection()
    chosen = auto_source(tree)
    out.facts["dependency_files"] = deps.files
    out.facts["sbom_source"] = chosen
    for rel in deps.files:
        out.add("sbom.source", rel, "dependency file", "read by the source SBOM (sbom.source: auto)"
                if rel == chosen else "")
    if chosen is None:
        out.miss("sbom.source", "no dependency file the source SBOM reads (" + ", ".join(AUTO_ORDER) + ") at the "
                 "root" + (f"; found {', '.join(deps.files)}" if deps.files else ""),
                 "set sbom.source to a requirements file or lock file (e.g. `pip freeze > requirements.lock`)")
    return out
