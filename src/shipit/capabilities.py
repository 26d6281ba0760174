"""The one list that names every capability of shipit.

A capability is one folder, ``src/shipit/<name>/``, holding (each module optional):

* ``config.py``  ``SECTIONS``: the ``shipit.yaml`` keys it owns, ``{key: (annotation, pydantic Field)}``,
  and ``RESOLVE``: functions run on the loaded config that reconcile facts across sections and files
  (they raise :class:`shipit.core.errors.ConfigError` naming both places when two disagree);
* ``stage.py``   ``STAGES``: its release stages (:class:`shipit.core.runner.Stage` subclasses);
* ``cli.py``     ``COMMANDS``: its Click commands and groups;
* ``checks.py``  ``CHECKS``: what ``shipit verify`` checks about what it produced, ``[(name, check)]``, and
  ``ALLOWED``: the files it writes after ``SHA256SUMS`` (signatures, sign-offs);
* ``detect.py``  ``detect(tree, dependencies)``: what ``shipit init`` finds for it in a project, with where
  (a :class:`shipit.core.detect.Detection`);
* anything else it needs (builders, cataloguers, rule builders, ...).

Adding a capability is a new folder plus one line in :data:`CAPABILITIES`. The capabilities are found
by their module paths and imported when first needed: ``shipit --help`` then imports only the
commands, and a capability's commands can load the whole ``shipit.yaml`` (:mod:`shipit.config`)
without an import circle.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any


@dataclass(frozen=True)
class Capability:
    name: str

    def module(self, part: str) -> ModuleType | None:
        """``shipit.<name>.<part>``, or None when the capability has no such module."""
        qualified = f"shipit.{self.name}.{part}"
        if importlib.util.find_spec(qualified) is None:
            return None
        return importlib.import_module(qualified)

    def contributed(self, part: str, attribute: str, default: Any) -> Any:
        module = self.module(part)
        return getattr(module, attribute, default) if module is not None else default


#: In this order: their stages within a phase (content, seal, sign, publish), their sections in
#: ``shipit.yaml``'s schema, and their checks in ``shipit verify`` (signatures first).
CAPABILITIES: tuple[Capability, ...] = (
    Capability("signing"),
    Capability("images"),
    Capability("sbom"),
    Capability("migrations"),
    Capability("pipeline"),
    Capability("ops"),
    Capability("site"),
)


def sections() -> dict[str, tuple[Any, Any]]:
    """Every capability's ``shipit.yaml`` sections."""
    out: dict[str, tuple[Any, Any]] = {}
    for cap in CAPABILITIES:
        out.update(cap.contributed("config", "SECTIONS", {}))
    return out


def resolvers() -> list:
    """Every capability's ``RESOLVE`` functions, in capability order."""
    return [fn for cap in CAPABILITIES for fn in cap.contributed("config", "RESOLVE", [])]


def stages() -> list:
    """A fresh instance of every stage, in run order: by phase, then by capability (core's seals included)."""
    from shipit.core.runner import (
        PHASES,  # imported here: this module is imported by `shipit --help`
    )
    from shipit.core.seals import SEAL_STAGES

    classes = [cls for cap in CAPABILITIES for cls in cap.contributed("stage", "STAGES", [])] + SEAL_STAGES
    return sorted((cls() for cls in classes), key=lambda s: PHASES.index(s.phase))


def commands() -> Iterator[Any]:
    """Every capability's Click commands."""
    for cap in CAPABILITIES:
        yield from cap.contributed("cli", "COMMANDS", [])


def detectors() -> Iterator[tuple[str, Any]]:
    """(capability name, ``detect`` function) of every capability that looks at a project for ``shipit init``."""
    for cap in CAPABILITIES:
        fn = cap.contributed("detect", "detect", None)
        if fn is not None:
            yield cap.name, fn


def checks():
    """What the capabilities contribute to ``shipit verify``."""
    from shipit.core.verify import Checks

    out = Checks()
    for cap in CAPABILITIES:
        out.checks.extend(cap.contributed("checks", "CHECKS", []))
        allowed = cap.contributed("checks", "ALLOWED", None)
        if allowed is not None:
            out.allowances.append(allowed)
    return out
