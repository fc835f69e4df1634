"""A quarter's figures computed once per report run, shared by every kernel of the run.

A batch runs its notebooks on several kernels at once. Without sharing, each kernel works
out the figures of every quarter its pages and trend charts need, and the main process
works them out again for ``metrics.json``. During a run ``qa-analysis report`` points
``$QA_ANALYSIS_RUN_STORE`` at a private folder: the first kernel to need a quarter's
figures (or, for the public audience, its disclosure bases) computes them under a file
lock and leaves them there (pickle, private to this run, removed when it ends); every other
page, the summary and ``metrics.json`` read them. Outside a run (a notebook opened by hand,
the tests) nothing is stored and the figures are computed as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
from pathlib import Path

STORE_ENV = "QA_ANALYSIS_RUN_STORE"


def _store() -> Path | None:
    folder = os.environ.get(STORE_ENV)
    return Path(folder) if folder else None


@contextlib.contextmanager
def _locked(path: Path):
    import fcntl

    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _key(kind: str, data, quarter, settings) -> str:
    identity = json.dumps(
        [kind, str(getattr(data, "folder", "")), quarter.label, settings.as_dict()], sort_keys=True, default=str
    )
    return f"{kind}-{quarter.slug}-{hashlib.sha256(identity.encode()).hexdigest()[:16]}"


def shared(kind: str, data, quarter, settings, compute):
    """``compute()`` once per run for (kind, data, quarter, settings); stored for the others."""
    folder = _store()
    if folder is None:
        return compute()
    try:
        import fcntl  # noqa: F401
    except ImportError:  # no file locks here: compute, as outside a run
        return compute()
    path = folder / f"{_key(kind, data, quarter, settings)}.pkl"
    with _locked(path.with_suffix(".lock")):
        if path.exists():
            return pickle.loads(path.read_bytes())
        value = compute()
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, path)
    return value


def quarter_figures(data, quarter, settings, topics):
    """``quarter_metrics(data, quarter, settings, topics)``, from the run's store when there is one.

    The store holds every topic of the quarter; a page for one topic takes its part
    (the same keys and notes, in the same order, as computing that topic alone).
    """
    from .io.tables import TOPICS
    from .metrics import QuarterMetrics, quarter_metrics, topic_of

    if _store() is None:
        return quarter_metrics(data, quarter, settings, topics)
    full = shared("figures", data, quarter, settings, lambda: quarter_metrics(data, quarter, settings, TOPICS))
    if tuple(topics) == tuple(TOPICS):
        return full
    wanted = set(topics)
    return QuarterMetrics(
        full.quarter,
        {k: v for k, v in full.metrics.items() if topic_of(k) in wanted},
        [n for n in full.notes if n.split(" left out", 1)[0] in wanted],
    )


def quarter_bases(data, quarter, settings) -> dict:
    """The disclosure bases of a quarter (public audience only), once per run."""
    from .metrics.bases import metric_bases

    return shared("bases", data, quarter, settings, lambda: metric_bases(data, quarter, settings))
