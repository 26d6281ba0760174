"""Helpers for the benchmarks: run a command N times, median wall and CPU (children's user+sys)."""

from __future__ import annotations

import os
import statistics
import subprocess
import time


def timed(cmd: list[str], ok: tuple[int, ...] = (0,), **kwargs) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + sys of the child) of one run; ``ok``: accepted exit codes (a
    validator that finds problems exits 1 and still did its work)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, **kwargs)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in ok:
        raise SystemExit(f"benchmark command failed: {' '.join(cmd)}")
    return wall, usage.ru_utime + usage.ru_stime


def median_of(cmd: list[str], runs: int, ok: tuple[int, ...] = (0,), **kwargs) -> tuple[float, float]:
    timed(cmd, ok, **kwargs)  # warm-up: page cache, imports
    samples = [timed(cmd, ok, **kwargs) for _ in range(runs)]
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def table(title: str, rows: list[tuple[str, float, float]], baseline: str) -> str:
    base = next(r for r in rows if r[0] == baseline)
    lines = [title, f"{'tool':<34} {'wall s':>8} {'cpu s':>8} {'wall ratio':>11} {'cpu ratio':>10}"]
    for name, wall, cpu in rows:
        lines.append(f"{name:<34} {wall:8.3f} {cpu:8.3f} {wall / base[1]:10.2f}x {cpu / base[2]:9.2f}x")
    lines.append(f"(ratios relative to {baseline}; < 1 means faster)")
    return "\n".join(lines)
