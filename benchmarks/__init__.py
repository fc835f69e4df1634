"""Benchmarks of qa-analysis (issue 6): ``python -m benchmarks`` or ``make bench``.

Two benchmarks, each timing our command against a floor set by the toolchain, the two
contenders interleaved run by run (A, B, A, B...) because the machines are shared and
noisy; the figure that counts is the ratio of the medians:

1. ``reports``: ``qa-analysis report`` for 4 quarters x 5 topics against the naive floor
   (a papermill command-line run of a parameters-only notebook plus ``jupyter nbconvert``,
   for each of the same 20 notebooks, one after another).
2. ``national``: ``qa-analysis metrics`` for one quarter on national-scale demo data against
   the load floor (plain ``pandas.read_csv`` of the same files), with peak memory.

Then profiles (pyinstrument) of where the remaining time goes. Results go to
``outputs/bench/`` as JSON (plus the profiles' text). Importing this package is cheap: the
heavy modules are imported only by the benchmark that needs them.
"""

from .stats import median, ratio_of_medians, summarise

__all__ = ["median", "ratio_of_medians", "summarise"]
