"""``shipit init``'s look for CI configuration: GitHub Actions and GitLab CI (which ``shipit pipeline
validate`` reads), and the other CI/test runners a project may use (named, not validated)."""

from __future__ import annotations

from shipit.core.detect import Dependencies, Detection, ProjectTree, ci_files


def detect(tree: ProjectTree, deps: Dependencies) -> Detection:
    out = Detection()
    files = ci_files(tree)
    out.facts["ci"] = files
    for rel in files["github"]:
        out.add("pipeline.files", rel, "GitHub Actions workflow")
    for rel in files["gitlab"]:
        out.add("pipeline.files", rel, "GitLab CI")
    for rel in files["other"]:
        out.add("(CI, not validated)", rel, "CI/test configuration: read for report paths; shipit pipeline "
                                             "validate reads GitHub Actions and GitLab CI only")
    if not files["github"] and not files["gitlab"]:
        out.miss("pipeline", "no .github/workflows/*.yml and no .gitlab-ci.yml",
                 "add a pipeline: section when the project has GitHub Actions or GitLab CI (pipeline.files)")
    return out
