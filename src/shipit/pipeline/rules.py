"""A conservative reading of GitLab's ``rules:``, ``only:``/``except:`` and ``workflow: rules`` per kind of
pipeline, so a release that runs on tags is not called gated by jobs that never run on tags.

Four kinds of pipeline are modelled, each by the predefined variables GitLab sets in it
(https://docs.gitlab.com/ci/variables/predefined_variables/):

- ``branch``: a push to a branch (``CI_COMMIT_BRANCH`` set, no ``CI_COMMIT_TAG``, ``CI_PIPELINE_SOURCE == "push"``)
- ``tag``: a tag push (``CI_COMMIT_TAG`` set, no ``CI_COMMIT_BRANCH``)
- ``mr``: a merge request pipeline (``CI_PIPELINE_SOURCE == "merge_request_event"``, ``CI_MERGE_REQUEST_*``)
- ``schedule``: a scheduled pipeline on a branch

Every condition is evaluated in three values (true, false, unknown): a variable shipit cannot know (the
branch name, the project path, a project variable) is unknown, and so is ``exists:``; ``changes:`` is
unknown in branch and merge request pipelines and true elsewhere (GitLab: "rules: changes always evaluates
to true ... tag pipelines, scheduled pipelines"). A job *may run* in a kind of pipeline unless its rules
prove it cannot: a gate is only ever discounted when it certainly does not run.
"""

from __future__ import annotations

import re
from typing import Any

SOURCES = ("branch", "tag", "mr", "schedule")
LABEL = {"branch": "branch pipelines", "tag": "tag pipelines", "mr": "merge request pipelines",
         "schedule": "scheduled pipelines"}

SET = object()  # defined, value unknown (never empty)
UNKNOWN = object()  # may or may not be defined
_MR = ("CI_MERGE_REQUEST_IID", "CI_MERGE_REQUEST_ID", "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME",
       "CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "CI_MERGE_REQUEST_EVENT_TYPE", "CI_MERGE_REQUEST_PROJECT_PATH",
       "CI_MERGE_REQUEST_SOURCE_PROJECT_PATH", "CI_MERGE_REQUEST_LABELS", "CI_MERGE_REQUEST_TITLE",
       "CI_MERGE_REQUEST_REF_PATH", "CI_MERGE_REQUEST_DIFF_BASE_SHA")
MODEL: dict[str, dict[str, Any]] = {
    "branch": {"CI_COMMIT_BRANCH": SET, "CI_COMMIT_TAG": None, "CI_PIPELINE_SOURCE": "push",
               "CI_COMMIT_REF_NAME": SET, "CI_DEFAULT_BRANCH": SET, **{k: None for k in _MR},
               "CI_EXTERNAL_PULL_REQUEST_IID": None, "CI_COMMIT_TAG_MESSAGE": None},
    "tag": {"CI_COMMIT_BRANCH": None, "CI_COMMIT_TAG": SET, "CI_PIPELINE_SOURCE": "push",
            "CI_COMMIT_REF_NAME": SET, "CI_DEFAULT_BRANCH": SET, "CI_OPEN_MERGE_REQUESTS": None,
            **{k: None for k in _MR}, "CI_EXTERNAL_PULL_REQUEST_IID": None},
    "mr": {"CI_COMMIT_BRANCH": None, "CI_COMMIT_TAG": None, "CI_PIPELINE_SOURCE": "merge_request_event",
           "CI_COMMIT_REF_NAME": SET, "CI_DEFAULT_BRANCH": SET, "CI_MERGE_REQUEST_IID": SET,
           "CI_MERGE_REQUEST_ID": SET, "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": SET,
           "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": SET, "CI_MERGE_REQUEST_PROJECT_PATH": SET,
           "CI_MERGE_REQUEST_SOURCE_PROJECT_PATH": SET, "CI_EXTERNAL_PULL_REQUEST_IID": None,
           "CI_COMMIT_TAG_MESSAGE": None},
    "schedule": {"CI_COMMIT_BRANCH": SET, "CI_COMMIT_TAG": None, "CI_PIPELINE_SOURCE": "schedule",
                 "CI_COMMIT_REF_NAME": SET, "CI_DEFAULT_BRANCH": SET, **{k: None for k in _MR},
                 "CI_EXTERNAL_PULL_REQUEST_IID": None, "CI_COMMIT_TAG_MESSAGE": None},
}

# --- expressions ------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"""\s*(?:
    (?P<var>\$\{?[A-Za-z_][A-Za-z0-9_]*\}?)
  | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<re>/(?:[^/\\]|\\.)*/[a-z]*)
  | (?P<op>==|!=|=~|!~|&&|\|\||\(|\)|!)
  | (?P<null>null\b)
  | (?P<word>[^\s()]+)
)""", re.VERBOSE)


class _Unparsable(Exception):
    pass


def _tokens(expr: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    expr = expr.strip()
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if not m or m.end() == pos:
            raise _Unparsable(expr)
        kind = m.lastgroup or "word"
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def _and(a, b):
    if a is False or b is False:
        return False
    if a is True and b is True:
        return True
    return None


def _or(a, b):
    if a is True or b is True:
        return True
    if a is False and b is False:
        return False
    return None


def _not(a):
    return None if a is None else not a


class _Expr:
    def __init__(self, tokens: list[tuple[str, str]], env: dict[str, Any]):
        self.t, self.i, self.env = tokens, 0, env

    def peek(self) -> tuple[str, str] | None:
        return self.t[self.i] if self.i < len(self.t) else None

    def take(self) -> tuple[str, str]:
        if self.i >= len(self.t):
            raise _Unparsable("unexpected end")
        tok = self.t[self.i]
        self.i += 1
        return tok

    def parse(self):
        value = self.or_()
        if self.peek() is not None:
            raise _Unparsable("trailing tokens")
        return value

    def or_(self):
        value = self.and_()
        while self.peek() == ("op", "||"):
            self.take()
            value = _or(value, self.and_())
        return value

    def and_(self):
        value = self.unary()
        while self.peek() == ("op", "&&"):
            self.take()
            value = _and(value, self.unary())
        return value

    def unary(self):
        if self.peek() == ("op", "!"):
            self.take()
            return _not(self.unary())
        if self.peek() == ("op", "("):
            self.take()
            value = self.or_()
            if self.take() != ("op", ")"):
                raise _Unparsable("missing )")
            return value
        left = self.operand()
        nxt = self.peek()
        if nxt and nxt[0] == "op" and nxt[1] in ("==", "!=", "=~", "!~"):
            op = self.take()[1]
            right = self.operand()
            if op in ("==", "!="):
                eq = _equal(left, right)
                return eq if op == "==" else _not(eq)
            match = _match(left, right)
            return match if op == "=~" else _not(match)
        return _present(left)

    def operand(self):
        kind, text = self.take()
        if kind == "var":
            return ("var", self.env.get(text.strip("${}"), UNKNOWN))
        if kind == "str":
            return ("str", text[1:-1])
        if kind == "re":
            return ("re", text)
        if kind == "null":
            return ("null", None)
        if kind == "word":
            return ("str", text)
        raise _Unparsable(text)


def _value(operand):
    kind, value = operand
    if kind == "null":
        return None
    return value


def _present(operand):
    kind, value = operand
    if kind != "var":
        return bool(value) if kind == "str" else None
    if value is UNKNOWN:
        return None
    if value is SET:
        return True
    return bool(value)


def _equal(a, b):
    va, vb = _value(a), _value(b)
    if va is UNKNOWN or vb is UNKNOWN:
        return None
    if va is None or vb is None:
        return va is None and vb is None
    if va is SET or vb is SET:
        return None
    return va == vb


def _match(a, b):
    va = _value(a)
    if b[0] != "re":
        return None
    if va is None:
        return False
    if va is UNKNOWN or va is SET:
        return None
    body, _, flags = b[1][1:].rpartition("/")
    try:
        return bool(re.search(body, va, re.IGNORECASE if "i" in flags else 0))
    except re.error:
        return None


def evaluate(expr: Any, source: str) -> bool | None:
    """An ``if:`` expression in one kind of pipeline: True, False, or None (unknown)."""
    if not isinstance(expr, str):
        return None
    try:
        return _Expr(_tokens(expr), MODEL[source]).parse()
    except (_Unparsable, IndexError, TypeError):
        return None


# --- rules, only/except -----------------------------------------------------------------------------------


def rule_outcomes(rules: list, source: str, default_when: str = "on_success") -> set[tuple[str, Any]]:
    """The possible (``when``, the rule's ``allow_failure`` or None when it sets none, and whether ``when``
    came from the rule) results of a ``rules:`` list; ("never", None, True) when no rule may match."""
    outcomes: set[tuple[str, Any, bool]] = set()
    for rule in rules:
        if not isinstance(rule, dict):
            return outcomes | {(default_when, None, False), ("never", None, True)}  # unreadable
        cond: bool | None = True
        if "if" in rule:
            cond = _and(cond, evaluate(rule["if"], source))
        if "changes" in rule:
            cond = _and(cond, True if source in ("tag", "schedule") else None)
        if "exists" in rule:
            cond = _and(cond, None)
        when = str(rule.get("when") or default_when)
        allow = rule.get("allow_failure")
        outcome = (when, allow if isinstance(allow, bool) else (True if isinstance(allow, dict) else None),
                   "when" in rule)
        if cond is True:
            outcomes.add(outcome)
            return outcomes
        if cond is None:
            outcomes.add(outcome)
    outcomes.add(("never", None, True))
    return outcomes


_REF_KEYWORDS = {"branches": {"branch", "schedule"}, "tags": {"tag"}, "merge_requests": {"mr"},
                 "schedules": {"schedule"}, "pushes": {"branch", "tag"}, "external_pull_requests": set(),
                 "api": set(), "web": set(), "triggers": set(), "pipelines": set(), "chat": set(),
                 "external": set()}


def _refs_match(refs: list, source: str) -> bool | None:
    result: bool | None = False
    for ref in refs:
        ref = str(ref)
        if ref in _REF_KEYWORDS:
            result = _or(result, source in _REF_KEYWORDS[ref])
        elif source == "mr":
            continue  # branch names and patterns never select merge request pipelines
        else:
            result = _or(result, None)  # a branch or tag name: unknown
    return result


def _only_part(spec: Any, source: str, default: list[str] | None) -> bool | None:
    if spec is None:
        return None if default is None else _refs_match(default, source)
    if isinstance(spec, (str, list)):
        return _refs_match(spec if isinstance(spec, list) else [spec], source)
    if isinstance(spec, dict):
        cond: bool | None = True
        if "refs" in spec:
            refs = spec["refs"]
            cond = _and(cond, _refs_match(refs if isinstance(refs, list) else [refs], source))
        elif default is not None:
            cond = _and(cond, _refs_match(default, source))
        if "variables" in spec:
            exprs = spec["variables"] if isinstance(spec["variables"], list) else [spec["variables"]]
            any_true: bool | None = False
            for e in exprs:
                any_true = _or(any_true, evaluate(e, source))
            cond = _and(cond, any_true)
        if "changes" in spec:
            cond = _and(cond, True if source in ("tag", "schedule") else None)
        if "kubernetes" in spec:
            cond = _and(cond, None)
        return cond
    return None


def only_except_outcomes(only: Any, except_: Any, source: str, when: str) -> set[tuple[str, Any, bool]]:
    inc = _only_part(only, source, ["branches", "tags"])
    exc = _only_part(except_, source, None) if except_ is not None else False
    runs = _and(inc, _not(exc))
    if runs is True:
        return {(when, None, False)}
    if runs is False:
        return {("never", None, True)}
    return {(when, None, False), ("never", None, True)}


def job_outcomes(spec: dict) -> dict[str, set[tuple[str, bool]]]:
    """For each kind of pipeline, the possible (``when``, may fail without failing the pipeline) of a
    resolved job. ``allow_failure`` defaults to true for a job-level ``when: manual`` and to false for a
    ``when: manual`` set by a rule (https://docs.gitlab.com/ci/yaml/#allow_failure)."""
    when = str(spec.get("when") or "on_success")
    job_allow = spec.get("allow_failure")
    job_allow = True if isinstance(job_allow, dict) else job_allow if isinstance(job_allow, bool) else None
    out: dict[str, set[tuple[str, bool]]] = {}
    for source in SOURCES:
        if isinstance(spec.get("rules"), list):
            raw = rule_outcomes(_flat(spec["rules"]), source, default_when=when)
        else:
            raw = only_except_outcomes(spec.get("only"), spec.get("except"), source, when)
        results = set()
        for w, rule_allow, from_rule in raw:
            if rule_allow is not None:
                soft = rule_allow
            elif job_allow is not None:
                soft = job_allow
            else:
                soft = w == "manual" and not from_rule
            results.add((w, bool(soft)))
        out[source] = results
    return out


def workflow_sources(workflow: Any) -> set[str]:
    """Kinds of pipeline that ``workflow: rules`` may create."""
    rules = workflow.get("rules") if isinstance(workflow, dict) else None
    if not isinstance(rules, list):
        return set(SOURCES)
    return {s for s in SOURCES if {w for w, _a, _r in rule_outcomes(_flat(rules), s)} - {"never"}}


def _flat(rules: list) -> list:
    out: list = []
    for r in rules:
        out += _flat(r) if isinstance(r, list) else [r]
    return out


def describe(sources: set[str] | frozenset[str]) -> str:
    return ", ".join(LABEL[s] for s in SOURCES if s in sources)
