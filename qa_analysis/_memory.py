"""Process-wide memory settings for a command run (issue 12, speed at England scale).

Transparent huge pages off for the process. With the kernel's THP in "madvise" mode, numpy
(for arrays over 4 MiB) and pyarrow's allocator ask for 2 MiB pages, and each such fault may
compact memory before zeroing the page. Measured on the national data (22 million rows,
2 vCPUs, 2 December 2026), a first ``metrics`` run faulted 3.2 GB of huge pages and spent
4.5 to 6.7 s in the kernel; with THP off for the process, the same 5.4 GB of fresh memory
came in 4 KiB pages and took 2.4 to 2.8 s, and the run was 2 s shorter. The setting
(``prctl(PR_SET_THP_DISABLE)``, Linux only) is inherited by the notebook kernels a report
starts; it changes no result, only how the kernel backs memory.
"""

from __future__ import annotations

import os
import sys

PR_SET_THP_DISABLE = 41
ENV = "QA_ANALYSIS_HUGE_PAGES"  # "on": leave the kernel's huge-page setting alone


def huge_pages_off() -> bool:
    """Switch transparent huge pages off for this process and its children.

    Returns True when the setting was applied; False on another system, where the C library
    has no ``prctl``, or where ``QA_ANALYSIS_HUGE_PAGES=on`` asks to keep huge pages.
    """
    if not sys.platform.startswith("linux") or os.environ.get(ENV, "").lower() == "on":
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False
