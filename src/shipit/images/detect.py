"""``shipit init``'s look for container builds: every Dockerfile / Containerfile in the project (``Dockerfile.*``,
``*.Dockerfile``, ``docker/``), which one is the service's image, and the build context compose files give it."""

from __future__ import annotations

import re

from shipit.core.detect import Dependencies, Detection, ProjectTree
from shipit.core.yamlpos import YamlSyntaxError, load_yaml, plain

_NAME = re.compile(r"^(Dockerfile|Containerfile)(\.[A-Za-z0-9_.-]+)?$|^[A-Za-z0-9_.-]+\.(Dockerfile|Containerfile)$")
#: Suffixes of Dockerfiles that build something else than the service (CI runners, dev shells, tests).
NOT_RELEASE = re.compile(r"(^|[._-])(ci|test|tests|dev|devel|develop|local|debug|docs)([._-]|$)", re.IGNORECASE)
PREFERRED = re.compile(r"(^|[._-])(prod|production|release|app|api|server|service)([._-]|$)", re.IGNORECASE)
SECONDARY = ("examples/", "example/", "tests/", "test/", "docs/", "doc/", "samples/", "contrib/")


def dockerfiles(tree: ProjectTree) -> list[str]:
    return tree.matching(lambda f: bool(_NAME.match(f.rsplit("/", 1)[-1])))


def _compose_contexts(tree: ProjectTree) -> dict[str, tuple[str, str]]:
    """Dockerfile → (context, compose file) from ``services.*.build`` of compose files at the root."""
    out: dict[str, tuple[str, str]] = {}
    for rel in tree.matching(lambda f: "/" not in f and re.match(r"^(docker-)?compose[\w.-]*\.ya?ml$", f)):
        try:
            doc = plain(load_yaml(tree.read(rel), rel))
        except (YamlSyntaxError, ValueError, TypeError):
            continue
        services = doc.get("services") if isinstance(doc, dict) else None
        for svc in (services or {}).values() if isinstance(services, dict) else []:
            build = svc.get("build") if isinstance(svc, dict) else None
            if isinstance(build, str):
                build = {"context": build}
            if not isinstance(build, dict):
                continue
            context = str(build.get("context") or ".").strip("/") or "."
            context = context.removeprefix("./")
            dockerfile = str(build.get("dockerfile") or "Dockerfile")
            path = dockerfile if context == "." else f"{context}/{dockerfile}"
            out.setdefault(path, (context, rel))
    return out


def _rank(rel: str) -> tuple:
    name = rel.rsplit("/", 1)[-1]
    secondary = rel.startswith(SECONDARY)
    return (secondary, bool(NOT_RELEASE.search(name)), rel.count("/"), not PREFERRED.search(name),
            name not in ("Dockerfile", "Containerfile"), rel)


def detect(tree: ProjectTree, deps: Dependencies) -> Detection:
    out = Detection()
    found = dockerfiles(tree)
    contexts = _compose_contexts(tree)
    images = []
    for rel in sorted(found, key=_rank):
        name = rel.rsplit("/", 1)[-1]
        folder = rel.rsplit("/", 1)[0] if "/" in rel else "."
        if rel in contexts:
            context, source = contexts[rel][0], f"build context from {contexts[rel][1]}"
        elif folder.split("/")[-1] in ("docker", ".docker", "build", "deploy", "images") or folder == ".":
            context, source = ".", "build context: the project root"
        else:
            context, source = folder, f"build context: {folder}/"
        release = not rel.startswith(SECONDARY) and not NOT_RELEASE.search(name)
        images.append({"dockerfile": rel, "context": context, "release": release, "context_source": source,
                       "why_not": "" if release else ("an example or test image" if rel.startswith(SECONDARY)
                                                      else "its name says it builds a CI/test/dev image")})
    primary = next((i for i in images if i["release"]), None)
    out.facts["images"] = images
    out.facts["primary_image"] = primary
    for img in images:
        note = "the release image" if img is primary else (
            f"not enabled: {img['why_not']}" if not img["release"] else "not enabled: another Dockerfile is the release image")
        out.add("images[].dockerfile", img["dockerfile"], f"{img['dockerfile']} ({img['context_source']})", note)
    if primary is None:
        out.miss("images", "no Dockerfile or Containerfile for the service" + (
            f" ({len(images)} found, none of them the release image)" if images else ""),
            "add images: [{name, dockerfile, context}], or the native builder's base + layers (docs/images.md)")
    return out
