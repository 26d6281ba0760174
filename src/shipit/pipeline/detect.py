"""``shipit init``'s look for CI configuration: GitHub Actions and GitLab CI (which ``shipit pipeline
validate`` reads), and the other CI/test runners a project may use (named, not validated)."""

from __future__ import annotations

from shipit.core.detect import Dependencies, Detection, ProjectTree

#: CI/test configuration shipit does not validate, but reads for report paths and names in init's output.
OTHER_CI = ("tox.ini", "noxfile.py", ".circleci/config.yml", "Jenkinsfile", ".travis.yml", "azure-pipelines.yml",
            "bitbucket-pipelines.yml", ".woodpecker.yml", ".drone.yml")


def ci_files(tree: ProjectTree) -> dict[str, list[str]]:
    github = [f for f in tree.files if f.startswith(".github/workflows/") and f.count("/") == 2
              and f.endswith((".yml", ".yaml"))]
    gitlab = [".gitlab-ci.yml"] if tree.exists(".gitlab-ci.yml") else []
    other = [f for f in OTHER_CI if tree.exists(f)]
    return {"github": sorted(github), "gitlab": gitlab, "other": other}


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
