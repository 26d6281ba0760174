"""``shipit sbom show FILE``: a Rich summary of a CycloneDX JSON document."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from shipit.core.console import visible
from shipit.core.errors import ShipitError


@dataclass
class Summary:
    subject: str
    spec_version: str
    serial: str
    timestamp: str
    valid: bool | None
    error: str = ""
    by_type: Counter = field(default_factory=Counter)
    by_purl_type: Counter = field(default_factory=Counter)
    licenses: Counter = field(default_factory=Counter)
    unlicensed: list[str] = field(default_factory=list)
    total: int = 0


def _walk(components: list[dict[str, Any]]):
    for c in components or []:
        yield c
        yield from _walk(c.get("components", []))


def _license_names(comp: dict[str, Any]) -> list[str]:
    out = []
    for entry in comp.get("licenses", []) or []:
        if "expression" in entry:
            out.append(entry["expression"])
        elif "license" in entry:
            lic = entry["license"]
            out.append(lic.get("id") or lic.get("name") or "?")
    return out


def summarize(path: Path, validate: bool = True) -> Summary:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ShipitError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ShipitError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}",
                          hint="shipit sbom show reads CycloneDX JSON documents (*.cdx.json)") from None
    if not isinstance(doc, dict) or doc.get("bomFormat") != "CycloneDX":
        raise ShipitError(f"{path}: not a CycloneDX document (no \"bomFormat\": \"CycloneDX\")",
                          hint="shipit sbom show reads CycloneDX JSON documents (*.cdx.json)")
    meta = doc.get("metadata", {}) or {}
    subj = meta.get("component") or {}
    subject = f"{subj.get('name', '?')} {subj.get('version', '')} ({subj.get('type', '?')})".strip() if subj else "-"
    spec = str(doc.get("specVersion", "?"))
    valid, error = None, ""
    if validate:
        from shipit.sbom.validate import problem, schema_for

        if schema_for(spec) is not None:
            err = problem(doc, spec)
            valid, error = err is None, (str(err)[:300] if err else "")
    s = Summary(subject, spec, doc.get("serialNumber", ""), meta.get("timestamp", ""), valid, error)
    for comp in _walk(doc.get("components", [])):
        s.total += 1
        s.by_type[comp.get("type", "?")] += 1
        purl = comp.get("purl", "")
        if purl.startswith("pkg:"):
            s.by_purl_type[purl[4:].split("/", 1)[0]] += 1
        names = _license_names(comp)
        s.licenses.update(names)
        if not names and comp.get("type") != "operating-system":
            s.unlicensed.append(f"{comp.get('name', '?')} {comp.get('version', '')}".strip())
    s.unlicensed.sort()
    return s


def render(s: Summary, path: Path, console: Console, top: int = 10, limit: int = 25) -> None:
    head = Table.grid(padding=(0, 2))
    safe = visible  # the document's values are shown as text, never as markup
    head.add_row("[bold]document[/]", Text(safe(path)))
    head.add_row("[bold]subject[/]", Text(safe(s.subject)))
    head.add_row("[bold]spec[/]", f"CycloneDX {s.spec_version}")
    head.add_row("[bold]serial[/]", Text(safe(s.serial or "-")))
    head.add_row("[bold]timestamp[/]", Text(safe(s.timestamp or "-")))
    if s.valid is not None:
        head.add_row("[bold]schema[/]", "[green]valid[/]" if s.valid else f"[red]invalid[/]: {escape(safe(s.error))}")
    head.add_row("[bold]components[/]", str(s.total))

    def table(title: str) -> Table:
        return Table(title=title, min_width=len(title) + 4, title_justify="left")

    types = table("Components by type")
    types.add_column("type")
    types.add_column("count", justify="right")
    for name, n in sorted(s.by_type.items(), key=lambda kv: (-kv[1], kv[0])):
        types.add_row(Text(safe(name)), str(n))
    for name, n in sorted(s.by_purl_type.items(), key=lambda kv: (-kv[1], kv[0])):
        types.add_row(Text(safe(f"  purl pkg:{name}")), str(n))

    lic = table(f"Top licenses (of {len(s.licenses)})")
    lic.add_column("license")
    lic.add_column("components", justify="right")
    for name, n in sorted(s.licenses.items(), key=lambda kv: (-kv[1], kv[0]))[:top]:
        lic.add_row(Text(safe(name)), str(n))

    missing = table(f"Components without a license ({len(s.unlicensed)})")
    missing.add_column("component")
    for name in s.unlicensed[:limit]:
        missing.add_row(Text(safe(name)))
    if len(s.unlicensed) > limit:
        missing.add_row(f"[dim]… and {len(s.unlicensed) - limit} more[/]")
    console.print(Group(head, types, lic, missing))
