"""Benchmark 3: what consolidating yearly SSDA903 returns adds to ``qa-analysis metrics``.

Issue 10's target: with the national data written as yearly returns (the way an authority
holds them), ``metrics`` for one quarter takes at most 20% longer than on the same
history as one episodes file and one header file. Both folders hold the same Annex A,
visits, families and audit files (linked, not copied), so the only difference is the 903.

The two layouts are derived from whichever the source folder holds:

- a single history (``ssda903_episodes.csv`` + ``ssda903_header.csv``, as
  ``/work/national/data`` or an older demo folder) is split into yearly returns by
  :func:`write_yearly_returns`, the way the DfE collection holds them: each return has
  every episode open at any time in its year, an episode open on its 31 March with a blank
  DEC, REC and REASON_PLACE_CHANGE, and a header row for each child in it;
- yearly returns (today's ``demo-data``) are consolidated by the loader itself and written
  back as one history by :func:`write_one_file`.

The runs alternate (one file, returns, one file, returns...) in one session; the figure
is the ratio of the medians, as an overhead in %. The two runs' JSON must be identical
(consolidation gives back the history), which the benchmark checks.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from qa_analysis.config import OUTPUTS_DIR

from .procs import load_average, tool
from .stats import median, ratio_of_medians, summarise

QUARTER = "2020-21 Q3"
TARGET_OVERHEAD_PCT = 20.0
WORK_DIR = OUTPUTS_DIR / "bench" / "consolidation"
EPISODES, HEADER = "ssda903_episodes.csv", "ssda903_header.csv"
BLANKED_WHEN_OPEN = ("DEC", "REC", "REASON_PLACE_CHANGE")


def run_cpu_timed(cmd: list[str], stdout_path: Path) -> dict:
    """Wall time, CPU time (user + system) and peak memory of one run of ``cmd``. CPU time
    is reported beside wall time because the machines we share are busy: a run that waits
    for a core takes longer on the clock, not in CPU."""
    import subprocess
    import time

    # every run reads the files: a cache of the loaded tables (.qa-cache) would skip the very
    # reading and consolidation this benchmark is about
    env = {**os.environ, "QA_ANALYSIS_CACHE": "off"}
    with open(stdout_path, "wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, env=env)
        err = proc.stderr.read()
        proc.stderr.close()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        tail = "\n".join(err.decode("utf-8", "replace").strip().splitlines()[-5:])
        raise SystemExit(f"benchmarks: {' '.join(cmd[:3])} failed:\n{tail}")
    return {"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "max_rss_bytes": usage.ru_maxrss * 1024}


def _is_903(name: str) -> bool:
    lower = name.lower()
    return lower.endswith(".csv") and ("episodes" in lower or "header" in lower)


def _link_others(source: Path, out: Path) -> None:
    """Every non-903 file of ``source`` linked into ``out`` (copied where links fail)."""
    for path in sorted(source.iterdir()):
        if not path.is_file() or _is_903(path.name) or path.name.startswith("."):
            continue
        target = out / path.name
        if target.exists() or target.is_symlink():
            target.unlink()
        try:
            os.symlink(path.resolve(), target)
        except OSError:
            shutil.copy2(path, target)


def _collection_year(days: pd.Series) -> pd.Series:
    """The 31 March year of the collection year (1 April to 31 March) holding each date."""
    return days.dt.year + (days.dt.month >= 4).astype("int64")


def return_name(year: int, table: str) -> str:
    return f"ssda903_{year - 1}-{year % 100:02d}_{table}.csv"


def write_yearly_returns(source: Path, out: Path) -> dict[str, int]:
    """Split ``source``'s single 903 history into yearly returns in ``out`` (rows per file).

    Every episode open at any time in a collection year (DECOM on or before its 31 March,
    DEC blank or on or after its 1 April) is in that year's return; where it is still open
    on the 31 March, DEC, REC and REASON_PLACE_CHANGE are blank there. Each return's header
    holds the children of its episodes. Other files are linked.
    """
    out.mkdir(parents=True, exist_ok=True)
    episodes = pd.read_csv(source / EPISODES, dtype=str, keep_default_na=False)
    header = pd.read_csv(source / HEADER, dtype=str, keep_default_na=False)
    decom = pd.to_datetime(episodes["DECOM"], format="%d/%m/%Y")
    dec = pd.to_datetime(episodes["DEC"].replace("", None), format="%d/%m/%Y")
    first_year = _collection_year(decom).to_numpy()
    last_year = _collection_year(dec).fillna(first_year.max()).astype("int64").to_numpy()
    last_year = np.minimum(last_year, first_year.max())
    rows = {}
    for year in range(int(first_year.min()), int(first_year.max()) + 1):
        held = (first_year <= year) & (last_year >= year)
        part = episodes.loc[held]
        still_open = (dec.loc[held].isna() | (dec.loc[held] > pd.Timestamp(f"{year}-03-31"))).to_numpy()
        part = part.assign(**{c: part[c].where(~still_open, "") for c in BLANKED_WHEN_OPEN})
        part.to_csv(out / return_name(year, "episodes"), index=False)
        children = header.loc[header["CHILD"].isin(part["CHILD"].unique())]
        children.to_csv(out / return_name(year, "header"), index=False)
        rows[return_name(year, "episodes")] = len(part)
        rows[return_name(year, "header")] = len(children)
    _link_others(source, out)
    return rows


def write_one_file(source: Path, out: Path) -> dict[str, int]:
    """``source``'s 903 returns consolidated by the loader and written to ``out`` as one
    history (``ssda903_episodes.csv``, ``ssda903_header.csv``, dates dd/mm/YYYY). Other
    files are linked."""
    from qa_analysis.io import loaders, schemas
    from qa_analysis.io.ssda903 import load_903

    out.mkdir(parents=True, exist_ok=True)
    blanks = schemas.blank_set(schemas.DEFAULT_BLANK_VALUES)
    loaded = load_903(source, validate=lambda table, raw, within: loaders._validate_table(
        table, raw, blanks, within_return=within))
    rows = {}
    for name, frame in ((EPISODES, loaded.tables["episodes"]), (HEADER, loaded.tables["header"])):
        text = frame.assign(**{
            c: frame[c].dt.strftime("%d/%m/%Y") for c in frame.columns if frame[c].dtype.kind == "M"
        })
        text.astype("string").fillna("").to_csv(out / name, index=False)
        rows[name] = len(frame)
    _link_others(source, out)
    return rows


def holds_returns(folder: Path) -> bool:
    """True when the folder's 903 is several files (returns), False for one history."""
    found = [p.name for p in folder.iterdir() if _is_903(p.name) and "episodes" in p.name.lower()]
    return not (found == [EPISODES])


def prepare(source: Path, work: Path = WORK_DIR, log=print) -> tuple[Path, Path]:
    """(one-file folder, yearly-returns folder) derived from ``source`` under ``work``."""
    one, yearly = work / "one_file", work / "yearly_returns"
    for folder in (one, yearly):
        shutil.rmtree(folder, ignore_errors=True)
    if holds_returns(source):
        log(f"  {source} holds yearly returns: consolidating them into one history")
        shutil.copytree(source, yearly, symlinks=True,
                        ignore=lambda d, names: [n for n in names if not _is_903(n)])
        _link_others(source, yearly)
        rows = write_one_file(source, one)
    else:
        log(f"  {source} holds one history: writing it as yearly returns")
        (one).mkdir(parents=True)
        for name in (EPISODES, HEADER):
            os.symlink((source / name).resolve(), one / name)
        _link_others(source, one)
        rows = write_yearly_returns(source, yearly)
    log(f"  903 rows: {rows}")
    return one, yearly


def run(runs: int = 3, source: Path | None = None, log=print, keep: bool = False,
        work: Path = WORK_DIR) -> dict:
    """Interleaved ``metrics`` runs on the one-file and the yearly-returns folders (derived
    from ``source`` under ``work``, removed afterwards unless ``keep``)."""
    if source is None:
        from .national_bench import CHILDREN, ensure_data

        source, _ = ensure_data(CHILDREN, log)
    source = Path(source)
    one, yearly = prepare(source, Path(work), log)
    times = {"one_file": [], "yearly_returns": []}
    cpu = {"one_file": [], "yearly_returns": []}
    peaks = {"one_file": [], "yearly_returns": []}
    loads = []
    outputs = {}
    for i in range(runs):
        for name, folder in (("one_file", one), ("yearly_returns", yearly)):
            out = Path(work) / f"metrics_{name}.json"
            cmd = [tool("qa-analysis"), "metrics", "--data", str(folder), "--quarter", QUARTER]
            timed = run_cpu_timed(cmd, out)
            times[name].append(timed["seconds"])
            cpu[name].append(timed["cpu_seconds"])
            peaks[name].append(timed["max_rss_bytes"])
            loads.append(load_average()[0])
            outputs[name] = out.read_bytes()
            log(f"  consolidation run {i + 1}/{runs}: {name:<15} {timed['seconds']:7.1f} s "
                f"(CPU {timed['cpu_seconds']:6.1f} s)  peak {timed['max_rss_bytes'] / 2**30:.2f} GiB  "
                f"(load {loads[-1]})")
    overhead = 100 * (ratio_of_medians(times["yearly_returns"], times["one_file"]) - 1)
    cpu_overhead = 100 * (ratio_of_medians(cpu["yearly_returns"], cpu["one_file"]) - 1)
    same = outputs["one_file"] == outputs["yearly_returns"]
    log(f"  consolidation overhead: {overhead:+.1f}% wall, {cpu_overhead:+.1f}% CPU "
        f"(target <= +{TARGET_OVERHEAD_PCT:.0f}%); identical metrics JSON: {same}")
    if not keep:
        shutil.rmtree(one, ignore_errors=True)
        shutil.rmtree(yearly, ignore_errors=True)
    return {
        "what": f'qa-analysis metrics --quarter "{QUARTER}": the 903 as yearly returns vs as one history',
        "data": Path(source).name,  # the folder name: results never carry a local path
        "one_file_seconds": summarise(times["one_file"]),
        "yearly_returns_seconds": summarise(times["yearly_returns"]),
        "one_file_cpu_seconds": summarise(cpu["one_file"]),
        "yearly_returns_cpu_seconds": summarise(cpu["yearly_returns"]),
        "overhead_pct": round(overhead, 1),
        "cpu_overhead_pct": round(cpu_overhead, 1),
        "target_overhead_pct": TARGET_OVERHEAD_PCT,
        "identical_json": same,
        "one_file_peak_memory_gib": round(max(peaks["one_file"]) / 2**30, 2),
        "yearly_returns_peak_memory_gib": round(max(peaks["yearly_returns"]) / 2**30, 2),
        "peak_memory_gib_median": round(median(peaks["yearly_returns"]) / 2**30, 2),
        "load_average_1min_after_each_run": loads,
    }
