"""The compiled workflow schemas (shipit.pipeline.loader) accept exactly what check-jsonschema's validator
accepts: on every workflow of the fixtures and the demo, and on a few hundred mutations of them (types
swapped, keys removed or added, values that stress patterns and formats)."""

from __future__ import annotations

import copy
import random
from pathlib import Path

import pytest

from shipit.core.yamlpos import load_yaml, plain
from shipit.pipeline.loader import _compiled, _validator, platform_of

REPO = Path(__file__).resolve().parents[2]
FILES = sorted(p for root in (REPO / "tests" / "pipelines" / "fixtures", REPO / "examples")
               for p in root.rglob("*") if p.suffix in (".yml", ".yaml") and (
                   "/.github/workflows/" in p.as_posix() or p.name.endswith(".gitlab-ci.yml")))
ODD_VALUES = [None, True, 0, -1, 3.5, "", " ", "x", "${{ github.sha }}", "${{ a\r\nb }}", "a\nb", "a\u2028b",
              "ubuntu-latest", "v1.2", "1.x", "https://example.com/a.yml", "^(", "[a-", "/regex/", "*",
              "2024-01-01T00:00:00Z", "2024-13-01T00:00:00Z", "2024-01-01t00:00:00z", "é", "\u0663", [], {},
              ["a"], {"a": 1}, {"${{ x }}": "y"}, 10**20]


def documents():
    for path in FILES:
        try:
            data = load_yaml(path.read_bytes(), path.name)
        except Exception:  # noqa: BLE001  (the yaml-error fixture)
            continue
        rel = path.relative_to(REPO).as_posix()
        yield rel, platform_of(rel, data), plain(data)


def paths(node, prefix=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield (*prefix, k)
            yield from paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield (*prefix, i)
            yield from paths(v, (*prefix, i))


def mutations(doc, rnd: random.Random, n: int):
    places = list(paths(doc))
    for _ in range(n):
        new = copy.deepcopy(doc)
        where = rnd.choice(places)
        parent = new
        for k in where[:-1]:
            parent = parent[k]
        action = rnd.random()
        if action < 0.6:
            parent[where[-1]] = copy.deepcopy(rnd.choice(ODD_VALUES))
        elif action < 0.8:
            del parent[where[-1]]
        elif isinstance(parent, dict):
            parent[rnd.choice(["x-extra", "timeout-minutes", "if", "runs-on", "needs", "image", "rules"])] = \
                copy.deepcopy(rnd.choice(ODD_VALUES))
        yield new


def verdicts(platform, doc):
    return _compiled(platform).is_valid(doc), _validator(platform).is_valid(doc)


@pytest.mark.parametrize(("rel", "platform", "doc"), list(documents()), ids=[r for r, _, _ in documents()])
def test_same_verdict_as_check_jsonschema(rel, platform, doc):
    compiled, reference = verdicts(platform, doc)
    assert compiled == reference
    rnd = random.Random(rel)
    disagree = []
    for mutated in mutations(doc, rnd, 40):
        compiled, reference = verdicts(platform, mutated)
        if compiled != reference:
            disagree.append((mutated, compiled, reference))
    assert disagree == []


def test_the_corpus_has_both_kinds():
    results = [verdicts(p, d)[1] for _, p, d in documents()]
    assert any(results) and not all(results)
    assert {p for _, p, _ in documents()} == {"github", "gitlab"}
