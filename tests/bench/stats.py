"""Medians and percentiles, and the facts about the machine a run was made on."""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import sys
from collections.abc import Sequence
from importlib import metadata


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sample."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))   # ceil(n * p / 100)
    return ordered[int(rank) - 1]


def summary(values: Sequence[float]) -> dict[str, float]:
    return {"n": len(values), "p50": median(values), "p95": percentile(values, 95),
            "min": min(values), "max": max(values)}


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, str | int]:
    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "absent"

    return {
        "cpu": cpu_model(), "cores": os.cpu_count() or 0,
        "os": f"{platform.system()} {platform.release()}",
        "python": sys.version.split()[0], "textual": version("textual"), "tinydb": version("tinydb"),
        "sqlite": __import__("sqlite3").sqlite_version,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
