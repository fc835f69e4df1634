"""Column work two at a time: the load's per-column steps run mostly in Arrow and numpy
kernels, which let go of the GIL, so a second thread uses the machine's second core."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

# at most two threads: the read-ahead thread parses the next file meanwhile
WORKERS = max(1, min(2, os.cpu_count() or 1))


def map_in_threads(function: Callable, items: Iterable) -> list:
    """``[function(item) for item in items]``, in that order, computed up to two at a time;
    the first error raised is raised here."""
    items = list(items)
    if len(items) < 2 or WORKERS < 2:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="qa-columns") as pool:
        return list(pool.map(function, items))
