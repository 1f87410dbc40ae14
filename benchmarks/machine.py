"""What the figures were measured on: CPU, cores, memory, operating system, software versions, load."""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import time
from pathlib import Path


def _first(path: str, pattern: str) -> str | None:
    try:
        text = Path(path).read_text("utf-8", errors="replace")
    except OSError:
        return None
    match = re.search(pattern, text, re.MULTILINE)
    return match.group(1).strip() if match else None


def cpu_model() -> str:
    return _first("/proc/cpuinfo", r"^model name\s*:\s*(.+)$") or platform.processor() or platform.machine()


def memory_gib() -> float | None:
    kib = _first("/proc/meminfo", r"^MemTotal:\s*(\d+) kB")
    return int(kib) / 1024 / 1024 if kib else None


def operating_system() -> str:
    return _first("/etc/os-release", r'^PRETTY_NAME="?([^"\n]+)"?') or platform.platform()


def wrk_version() -> str | None:
    if not shutil.which("wrk"):
        return None
    completed = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)  # noqa: S607
    match = re.search(r"wrk\s+(\S+)", completed.stdout + completed.stderr)
    return match.group(1) if match else "unknown"


def reference_loop_ms() -> float:
    """How fast a core is right now: the best of three runs of a fixed pure-Python loop, in milliseconds.

    On a shared virtual machine this is not a constant: on the 2-core machine of docs/benchmarks.md the same
    loop took from 57 to 99 ms within one minute, with nothing else running inside the machine. Every other
    figure of a run scales with it, so the report gives it at the start and at the end.
    """
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for number in range(1_000_000):
            total += number * number
        best = min(best, time.perf_counter() - started)
    return best * 1000


def describe(*, postgresql: str) -> dict[str, str]:
    """The machine and software, as the report prints them."""
    import django
    import gunicorn

    memory = memory_gib()
    load = os.getloadavg()
    return {
        "CPU": f"{cpu_model()}, {os.cpu_count()} cores",
        "Memory": f"{memory:.1f} GiB" if memory else "unknown",
        "System": f"{operating_system()} ({platform.machine()})",
        "PostgreSQL": postgresql,
        "Software": (
            f"Python {platform.python_version()}, Django {django.get_version()}, gunicorn {gunicorn.__version__}, "
            f"wrk {wrk_version() or 'not installed'}"
        ),
        "Load average at start": f"{load[0]:.2f} (1 min), {load[1]:.2f} (5 min)",
        "Reference loop at start (core speed; lower is faster)": f"{reference_loop_ms():.0f} ms",
    }
