"""Helpers for the benchmarks: run a command N times, median wall and CPU (children's user+sys)."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
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


def load_note() -> str:
    """The machine's load when a benchmark ran (the machine is shared: a high load means noisy walls)."""
    one, five, _fifteen = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def ratio_row(name: str, wall: float, cpu: float, base: tuple[float, float]) -> str:
    return f"{name:<44} {wall:8.3f} {cpu:8.3f} {wall / base[0]:10.2f}x {cpu / base[1]:9.2f}x"


def ratio_header() -> str:
    return f"{'':<44} {'wall s':>8} {'cpu s':>8} {'wall ratio':>11} {'cpu ratio':>10}"


def linear_fit(xs: list[float], ys: list[float]) -> tuple[float, float, float]:
    """Least squares y = a + b·x; returns (a, b, r²)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    b = sxy / sxx if sxx else 0.0
    a = my - b * mx
    ss_tot = sum((y - my) ** 2 for y in ys)
    ss_res = sum((y - a - b * x) ** 2 for x, y in zip(xs, ys))
    return a, b, (1 - ss_res / ss_tot) if ss_tot else 1.0


def _area(key: tuple[str, int, str]) -> str:
    """Where a profiled function belongs: a package, a stdlib module, or 'imports'."""
    filename, _line, func = key
    if func == "<module>" or "importlib._bootstrap" in filename or "<frozen importlib" in filename:
        return "imports (module code)"
    if filename == "~":  # a builtin: "{method 'update' of '_hashlib.HASH' objects}", "{built-in method zlib.crc32}"
        text = func.strip("{}")
        owner = text.split(" of '", 1)[1].split("'", 1)[0] if " of '" in text else text.split()[-1]
        mod = owner.lstrip("_").split(".", 1)[0]
        if mod in ("builtins", "exec", "__import__"):
            return "imports (module code)" if "exec" in text or "__import__" in text else f"builtins ({text[:40]})"
        return {"hashlib": "hashing (hashlib)", "thread": "waiting for threads"}.get(mod, mod)
    parts = filename.replace("\\", "/").split("/")
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].removesuffix(".py")
    if "shipit" in parts:
        i = len(parts) - 1 - parts[::-1].index("shipit")
        return ".".join(["shipit", *[p.removesuffix(".py") for p in parts[i + 1:i + 2]]])
    return parts[-1].removesuffix(".py")


def profile_summary(argv: list[str], top: int = 8, **kwargs) -> str:
    """Run ``python -m cProfile ARGV`` once and say where the time went, by package (own time)."""
    import pstats
    import subprocess
    import sys
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".prof") as out:
        subprocess.run([sys.executable, "-m", "cProfile", "-o", out.name, *argv], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False, **kwargs)
        stats = pstats.Stats(out.name).stats  # type: ignore[attr-defined]
    areas: dict[str, float] = {}
    total = 0.0
    for key, (_cc, _nc, tottime, _ct, _callers) in stats.items():
        areas[_area(key)] = areas.get(_area(key), 0.0) + tottime
        total += tottime
    rows = sorted(areas.items(), key=lambda kv: -kv[1])[:top]
    lines = [f"  where the time goes (profiled, main thread, {total:.2f} s):"]
    lines += [f"    {secs:6.2f} s {100 * secs / total:5.1f}%  {name}" for name, secs in rows]
    return "\n".join(lines)


#: The start of a phased in-process run: ``lap(name)`` records the wall and CPU seconds since the previous
#: lap (or the start) in ``out``, which the script prints as JSON at its end.
LAPS = r"""import json, sys, time
t0, c0 = time.perf_counter(), time.process_time()
out = []
def lap(name):
    global t0, c0
    t, c = time.perf_counter(), time.process_time()
    out.append([name, t - t0, c - c0]); t0, c0 = t, c
"""


def print_phases(script: str, argv: list[str], how: str, **kwargs) -> None:
    """Run ``LAPS + script`` once in a fresh interpreter and print where its time went, phase by phase."""
    proc = subprocess.run([sys.executable, "-c", LAPS + script, *argv], capture_output=True, text=True, check=True,
                          **kwargs)
    print(f"  where shipit's time goes ({how}; wall / cpu s):")
    for name, wall, cpu in json.loads(proc.stdout):
        print(f"    {wall:6.3f} {cpu:6.3f}  {name}")
