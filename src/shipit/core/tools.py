"""External tools a stage needs, and a probe that says whether each is installed and usable."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field

from shipit.core.errors import ShipitError


@dataclass(frozen=True)
class Tool:
    """An external program (or service) a stage relies on."""

    name: str
    why: str
    version_args: tuple[str, ...] = ("--version",)
    optional: bool = False
    install_hint: str = ""
    # For things that are not a binary on PATH (a daemon socket, a Python module): a custom probe
    # returning (usable, detail).
    probe: Callable[[], tuple[bool, str]] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class ToolStatus:
    tool: Tool
    found: bool
    usable: bool
    detail: str


def check_tool(tool: Tool, timeout: float = 10.0) -> ToolStatus:
    if tool.probe is not None:
        try:
            ok, detail = tool.probe()
        except (OSError, ImportError, ValueError, RuntimeError, ShipitError, subprocess.SubprocessError) as exc:
            ok, detail = False, f"probe failed: {exc}"  # what an engine's probe meets: the tool is not usable
        return ToolStatus(tool, ok, ok, detail)
    path = shutil.which(tool.name)
    if path is None:
        return ToolStatus(tool, False, False, f"not on PATH{'; ' + tool.install_hint if tool.install_hint else ''}")
    try:
        proc = subprocess.run(
            [path, *tool.version_args], capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return ToolStatus(tool, True, False, f"{path}: {exc}")
    out = (proc.stdout or proc.stderr).strip().splitlines()
    first = out[0] if out else ""
    if proc.returncode != 0:
        return ToolStatus(tool, True, False, f"{path} exited {proc.returncode}: {first}")
    return ToolStatus(tool, True, True, first or path)
