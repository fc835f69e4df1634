"""A cache of loaded data folders: ``DIR/.qa-cache/`` beside the data (issue 12 item 6).

A second run on unchanged files skips reading, converting and validating: the
:class:`~qa_analysis.io.loaders.DataSet` of the first run (accepted tables, rows set aside,
values ignored, notes, counts, consolidation, coverage) is kept as Arrow IPC files and read
back, so every figure, validation report and ``metrics.json`` is identical to an uncached
run (tests/io/test_cache.py compares them byte for byte).

The format: one uncompressed Arrow IPC ("Feather v2") file per frame, read memory-mapped:
text stays in the file's pages (pandas 3 keeps text in Arrow), nothing is decoded. The
issue named Parquet; measured on the national data (22 million rows, 2 December 2026):
Parquet LZ4 takes 198 MiB and 3 to 6 s (about 4 s of CPU) to read back; these files take
1.9 GiB (the CSV files 1.4 GB) and 0.35 s (0.2 s of CPU); with the few-valued text
columns as dictionaries, 876 MiB but 1.5 to 3 s of CPU to decode. A cached run is what the
cache is for, so its read time decides.

Tables built from an entry's tables once per data set (the placement history, keyed by
the settings; the column codes of a table) are kept in the entry too, written by
``keep_derived`` once the entry is, and read back by ``derived_tables``.

A first load writes its entry in a background thread (pyarrow lets go of the GIL), so the
caller's metrics are computed meanwhile; the thread is joined before the process exits, and
a later load of the same folder in the process waits for it (:func:`wait`). Where the
folder has no entry yet, the files' checksums are computed in a thread too, while the
files are read.

The cache is keyed by
- the SHA-256 checksum and size of every file of the folder (and of its subfolders, which
  SSDA903 returns may use), by name;
- the qa_analysis version and a checksum of its source, so a changed loader never serves
  tables another loader made;
- what the load was asked for: the blank values, the authority (``la``), the auditor roles.

A checksum is recomputed only for a file whose size or modification time changed since the
cache last saw it (``checksums.json``, as git does with its index; a file modified within
2 seconds of that record is always rehashed, as git treats "racy" entries): a 1.4 GB
folder is not read again only to be found unchanged. An entry whose key no longer matches is ignored and
replaced by the next load; ``qa-analysis cache --clear DIR`` removes the cache.

Never inside a repository: a folder inside a git work tree is cached only where git
ignores ``.qa-cache`` (this repository's .gitignore lists it), so a cache is never
committed. Switched off by ``load_data(cache=False)``, the
environment variable ``QA_ANALYSIS_CACHE=off`` or ``qa-analysis --no-cache``. A cache that
cannot be written (a read-only folder, a full disk) or read (a damaged file) is skipped:
the load goes on from the files, it never fails because of the cache.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import weakref
from pathlib import Path

import pandas as pd

from ..checksums import file_sha256
from ..config import AUDITOR_ROLES

CACHE_DIR = ".qa-cache"
ENV = "QA_ANALYSIS_CACHE"
_OFF = {"0", "off", "no", "false"}
_MEMO = "checksums.json"
_META = "meta.json"
_RACY_NS = 2 * 10**9  # a file modified less than 2 s before the memo was written is rehashed
FORMAT = 4  # the layout of an entry; a new layout makes old entries stale


def enabled(cache: bool | None = None) -> bool:
    """``cache`` when given, else on unless ``QA_ANALYSIS_CACHE`` is off/0/no/false."""
    if cache is not None:
        return bool(cache)
    return os.environ.get(ENV, "on").strip().lower() not in _OFF


def cache_dir(folder: str | Path) -> Path:
    return Path(folder) / CACHE_DIR


def in_repository(folder: str | Path) -> bool:
    """True when a cache in the folder could be committed: the folder is inside a git work
    tree (a ``.git`` in it or above it) and git does not ignore ``.qa-cache`` there (this
    repository's .gitignore does, so its git-ignored data and outputs folders may hold a
    cache). Without git to ask, any folder of a work tree counts as inside."""
    here = Path(folder).resolve()
    top = next((p for p in (here, *here.parents) if (p / ".git").exists()), None)
    if top is None:
        return False
    try:
        done = subprocess.run(["git", "-C", str(top), "check-ignore", "-q",
                               str(here / CACHE_DIR / _META)],
                              capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return True
    return done.returncode != 0  # 0: ignored; 1: not ignored; 128: not a repository


def usable(folder: str | Path, cache: bool | None = None) -> bool:
    """Cache this folder? Not when switched off, not inside the installed package (its
    demo data) and not where a cache could be committed (:func:`in_repository`)."""
    if not enabled(cache) or not Path(folder).is_dir():
        return False
    package = Path(__file__).resolve().parent.parent
    here = Path(folder).resolve()
    if here == package or package in here.parents:
        return False
    return not in_repository(folder)


def clear(folder: str | Path) -> bool:
    """Remove ``folder/.qa-cache`` (once this process's writes to it are done); True if
    there was one."""
    wait(folder)
    path = cache_dir(folder)
    if not path.exists():
        return False
    shutil.rmtree(path)
    return True


# --- the key ----------------------------------------------------------------------------
def _data_files(folder: Path) -> list[Path]:
    """Every file the loader may read: the folder's and its subfolders' (one level, as the
    SSDA903 finder looks), hidden and Office lock files left out."""
    found = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith((".", "~$")):
            continue
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            found += [p for p in sorted(path.iterdir())
                      if p.is_file() and not p.name.startswith((".", "~$"))]
    return found


def _read_memo(folder: Path) -> dict:
    try:
        return json.loads((cache_dir(folder) / _MEMO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def file_checksums(folder: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of every data file, reusing the memo where a file's size
    and modification time (to the nanosecond) are unchanged."""
    memo = _read_memo(folder)
    files = memo.get("files", {}) if isinstance(memo.get("files"), dict) else {}
    # A file changed within a moment of the memo's writing could keep its size and time
    # stamp (file systems stamp at a clock tick): such an entry is never trusted.
    trusted_before = int(memo.get("written_ns", 0)) - _RACY_NS
    out, fresh = {}, {}
    for path in _data_files(folder):
        rel = path.relative_to(folder).as_posix()
        stat = path.stat()
        seen = files.get(rel)
        if (seen and seen[0] == stat.st_size and seen[1] == stat.st_mtime_ns
                and stat.st_mtime_ns < trusted_before):
            out[rel] = seen[2]
        else:
            out[rel] = file_sha256(path)
        fresh[rel] = [stat.st_size, stat.st_mtime_ns, out[rel]]
    if fresh != files or any(v[1] >= trusted_before for v in fresh.values()):
        try:
            cache_dir(folder).mkdir(exist_ok=True)
            _write_text(cache_dir(folder) / _MEMO,
                        json.dumps({"written_ns": time.time_ns(), "files": fresh}, indent=1))
        except OSError:
            pass  # a read-only folder: checksums are recomputed next time
    return out


def _source_checksum() -> str:
    """A checksum of the package's Python source: a loader changed without a new version
    number (a developer's tree) makes the cache stale too."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def key(folder: Path, checksums: dict[str, str], blanks, la, auditor_roles) -> str:
    from .. import __version__

    what = {
        "format": FORMAT,
        "version": __version__,
        "source": _source_checksum(),
        "pandas": pd.__version__,
        "files": checksums,
        "blank_values": sorted(blanks),
        "la": la,
        # the roles in force: none given means the default roles, the same load
        "auditor_roles": list(auditor_roles if auditor_roles is not None else AUDITOR_ROLES),
    }
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()[:32]


# --- loading through the cache -----------------------------------------------------------
_writing: dict[Path, threading.Thread] = {}  # folder -> its entry being written in this process
_writing_lock = threading.Lock()


def wait(folder: str | Path | None = None) -> None:
    """Wait for the entries this process is writing (of ``folder``, or all) to be in place."""
    with _writing_lock:
        threads = [t for f, t in _writing.items() if folder is None or f == Path(folder)]
    for thread in threads:
        thread.join()


def _has_entry(folder: Path) -> bool:
    root = cache_dir(folder)
    try:
        return any(p.is_dir() and not p.name.startswith(".tmp-") for p in root.iterdir())
    except OSError:
        return False


class _Checksums(threading.Thread):
    """:func:`file_checksums` of a folder in a thread of its own (hashlib and file reads
    let go of the GIL), while the files are read: a first load has no entry to look up, so
    its key is needed only once the load is done."""

    def __init__(self, folder: Path):
        super().__init__(name="qa-cache-checksums", daemon=True)
        self.folder, self.value, self.error = folder, None, None

    def run(self):
        try:
            self.value = file_checksums(self.folder)
        except OSError as exc:  # a file that cannot be read: the load says which
            self.error = exc

    def result(self) -> dict[str, str] | None:
        self.join()
        return self.value


def through(folder: Path, blanks, la, auditor_roles, factory, read):
    """The DataSet of ``folder``: the cached entry when its key matches, else ``read()``
    (the load from the files), whose result is then written as the new entry in a
    background thread (it overlaps whatever the caller computes next, and is joined before
    the process exits: the thread is not a daemon; :func:`wait` joins it sooner).

    ``factory(folder=...)`` makes an empty DataSet. The files' checksums are kept on the
    DataSet (``_checksums``) so report footers do not hash them again."""
    wait(folder)  # this process is writing the folder's entry: read it, do not load twice
    if _has_entry(folder):
        try:
            checksums = file_checksums(folder)
        except OSError:  # a file that cannot be read: the load says which
            return read()
        entry = key(folder, checksums, blanks, la, auditor_roles)
        data = load(folder, entry, factory)
        if data is None:
            data = read()
            _save_in_background(data, folder, entry)
    else:  # nothing to look up: hash the files while they are read
        hashing = _Checksums(folder)
        hashing.start()
        data = read()
        checksums = hashing.result()
        if checksums is None:
            return data
        entry = key(folder, checksums, blanks, la, auditor_roles)
        _save_in_background(data, folder, entry)
    data.__dict__["_checksums"] = {folder / rel: sha for rel, sha in checksums.items()}
    _remember(data, cache_dir(folder) / entry)
    return data


def _save_in_background(data, folder: Path, entry_key: str) -> None:
    _write_in_background(folder, lambda: save(data, folder, entry_key), "qa-cache-write")


def _write_in_background(folder: Path, write, name: str) -> None:
    """``write()`` in a thread of its own, the folder's writer in ``_writing`` (so
    :func:`wait` joins it) until it is done; not a daemon: joined before the process exits."""

    def run():
        try:
            write()
        finally:
            with _writing_lock:
                if _writing.get(folder) is thread:
                    del _writing[folder]

    thread = threading.Thread(target=run, name=name, daemon=False)
    with _writing_lock:
        _writing[folder] = thread
    thread.start()


# --- tables derived from an entry's tables --------------------------------------------------
# A table built from a loaded table once per data set (the placement history, from the
# episodes) is kept in the entry beside it, so a run on unchanged files reads it instead of
# building it again. It is found by the table it derives from (the DataSet's frame, by
# identity: a frame made from it, a slice in a notebook, has none) and a name carrying
# everything else it depends on (a fingerprint of the settings); the code that built it is
# in the entry's key (the package's source checksum), and it goes when its entry goes.
_SOURCES: dict[int, tuple] = {}  # id(table) -> (weak reference to it, entry folder, table name)
_SOURCES_LOCK = threading.Lock()


def _remember(data, entry: Path) -> None:
    with _SOURCES_LOCK:
        for name, frame in data.tables.items():
            ident = id(frame)
            _SOURCES[ident] = (weakref.ref(frame, lambda _, ident=ident: _SOURCES.pop(ident, None)),
                               entry, name)


def _source_of(frame) -> tuple[Path, str] | None:
    hit = _SOURCES.get(id(frame))
    if hit is None or hit[0]() is not frame:
        return None
    return hit[1], hit[2]


def _derived_path(entry: Path, table: str, name: str, part: str | None = None) -> Path:
    return entry / (f"derived.{table}.{name}.json" if part is None else f"derived.{table}.{name}.{part}.arrow")


def derived_tables(frame, name: str) -> dict[str, pd.DataFrame] | None:
    """The tables kept as ``name`` for ``frame`` (a table of a data set loaded through the
    cache) by :func:`keep_derived`, or None (not kept, not a cached table, unreadable)."""
    where = _source_of(frame)
    if where is None:
        return None
    entry, table = where
    try:
        parts = json.loads(_derived_path(entry, table, name).read_text(encoding="utf-8"))["parts"]
        return {part: _read_arrow(_derived_path(entry, table, name, part)) for part in parts}
    except Exception:  # not kept (FileNotFoundError) or damaged: built again
        return None


def keep_derived(frame, name: str, parts: dict[str, pd.DataFrame]) -> None:
    """Keep ``parts`` as ``name`` for ``frame`` in its entry, written in a background thread
    once the entry itself is (the caller goes on; the thread is joined before the process
    exits). Nothing is kept for a frame not loaded through the cache; never raises."""
    where = _source_of(frame)
    if where is None:
        return
    entry, table = where
    folder = entry.parent.parent
    with _writing_lock:
        before = _writing.get(folder)

    def write():
        tmp = None
        try:
            if before is not None:
                before.join()
            if not (entry / _META).exists():
                return  # the entry could not be written: nothing to keep beside it
            for part, table_frame in parts.items():
                final = _derived_path(entry, table, name, part)
                # a name of this writer's own: two report workers may keep the same table
                tmp = final.with_name(f".tmp-{os.getpid()}-{threading.get_ident()}-{final.name}")
                _write_arrow(table_frame, tmp)
                os.replace(tmp, final)
            tmp = None
            _write_text(_derived_path(entry, table, name), json.dumps({"parts": list(parts)}))
        except Exception:  # a full disk, a value Arrow cannot hold: built again next time
            if tmp is not None:
                tmp.unlink(missing_ok=True)

    _write_in_background(folder, write, "qa-cache-derived")


# --- writing and reading an entry -----------------------------------------------------------
_FRAMES = ("problems", "warnings", "notes", "recognised", "summary", "consolidation", "returns")
_PLAIN = ("unavailable", "authority", "return_notes")
_STALE_TMP_S = 3600  # a temporary folder this old is a crashed writer's: removed


def _write_text(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


def _timestamp(value) -> dict | None:
    return None if value is None else {"iso": value.isoformat(), "unit": value.unit}


def _untimestamp(value):
    return None if value is None else pd.Timestamp(value["iso"]).as_unit(value["unit"])


def _write_arrow(frame: pd.DataFrame, path: Path) -> None:
    """The frame as an uncompressed Arrow IPC file: pandas' own conversion (the one
    ``to_parquet`` makes, keeping the dtypes in the schema's metadata); Arrow-backed text is
    written from its own buffers, not copied into Python strings."""
    import pyarrow as pa
    import pyarrow.ipc as ipc

    # nthreads=1: pyarrow's thread pool for large frames is a concurrent.futures executor,
    # which refuses work once the interpreter has begun to shut down, so an entry still
    # being written when a command's main thread ends would be lost
    table = pa.Table.from_pandas(frame, nthreads=1)
    with pa.OSFile(str(path), "wb") as sink, ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)


def _read_arrow(path: Path) -> pd.DataFrame:
    """An entry's file back as the frame it was: memory-mapped, so the text columns are the
    file's own pages (in the page cache after a first read: nothing is copied or decoded,
    and a page no figure uses is never read), then pandas' own conversion (the one
    ``read_parquet`` and ``read_feather`` use), so the dtypes are the loader's."""
    import pyarrow as pa
    import pyarrow.ipc as ipc

    with pa.memory_map(str(path)) as source:
        table = ipc.open_file(source).read_all()
    try:
        from pandas.io._util import arrow_table_to_pandas
    except ImportError:  # pandas moved it: pyarrow's conversion, what it calls
        return table.to_pandas()
    return arrow_table_to_pandas(table)


def _remove_crashed_writers(root: Path) -> None:
    now = time.time()
    for other in root.glob(".tmp-*"):
        try:
            if other.is_dir() and now - other.stat().st_mtime > _STALE_TMP_S:
                shutil.rmtree(other, ignore_errors=True)
        except OSError:
            pass


def save(data, folder: Path, entry_key: str) -> bool:
    """Write ``data`` as the entry ``entry_key`` (in a temporary folder renamed into place,
    so a reader never sees half an entry) and remove the stale entries. False when the
    cache cannot be written; never raises for that.

    One Arrow IPC file (uncompressed, read memory-mapped) per table and per frame of the
    DataSet, ``meta.json`` for the rest."""
    from .coverage import Coverage

    root = cache_dir(folder)
    known = {f.name for f in dataclasses.fields(data)}
    expected = {"folder", "tables", "files", "all_files", "coverage", *_FRAMES, *_PLAIN}
    if known != expected:  # a DataSet field this cache does not know: do not cache
        return False
    if any(not isinstance(c, Coverage) for c in data.coverage.values()):
        return False
    tmp = None
    try:
        root.mkdir(exist_ok=True)
        _remove_crashed_writers(root)
        tmp = Path(tempfile.mkdtemp(dir=root, prefix=".tmp-"))
        frames = {f"table.{name}": frame for name, frame in data.tables.items()}
        frames.update({name: getattr(data, name) for name in _FRAMES
                       if getattr(data, name) is not None})
        for name, frame in frames.items():
            _write_arrow(frame, tmp / f"{name}.arrow")

        def rel(path: Path) -> str:
            return Path(path).relative_to(folder).as_posix()

        meta = {
            "key": entry_key,
            "tables": list(data.tables),
            "frames": list(frames),
            "files": {t: rel(p) for t, p in data.files.items()},
            "all_files": {t: [rel(p) for p in ps] for t, ps in data.all_files.items()},
            "coverage": {t: {"table": c.table, "start": _timestamp(c.start),
                             "end": _timestamp(c.end), "years": list(c.years)}
                         for t, c in data.coverage.items()},
            **{name: getattr(data, name) for name in _PLAIN},
        }
        (tmp / _META).write_text(json.dumps(meta, indent=1), encoding="utf-8")
        final = root / entry_key
        if final.is_dir() and not (final / _META).exists():
            # a stale entry only half removed (Windows keeps a file another process has
            # mapped): never complete again, so it makes way
            shutil.rmtree(final, ignore_errors=True)
        try:
            os.replace(tmp, final)
        except OSError:  # another process wrote the same entry first: keep theirs
            shutil.rmtree(tmp, ignore_errors=True)
        tmp = None
        for other in root.iterdir():
            if other.is_dir() and other.name != entry_key and not other.name.startswith(".tmp-"):
                # meta.json first: what cannot be removed is no longer an entry
                (other / _META).unlink(missing_ok=True)
                shutil.rmtree(other, ignore_errors=True)
        return True
    except (OSError, ValueError, TypeError, ImportError):
        return False
    except Exception:  # pyarrow's own errors (a value Arrow cannot hold): not cached
        return False
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def load(folder: Path, entry_key: str, factory):
    """The cached DataSet of ``entry_key`` (``factory(folder=...)`` makes the empty one),
    or None when there is no such entry or it cannot be read."""
    from .coverage import Coverage

    entry = cache_dir(folder) / entry_key
    try:
        meta = json.loads((entry / _META).read_text(encoding="utf-8"))
        if meta.get("key") != entry_key:
            return None
        frames = {name: _read_arrow(entry / f"{name}.arrow") for name in meta["frames"]}
    except FileNotFoundError:
        return None
    except Exception:  # a damaged entry is a miss, not a failure
        return None
    data = factory(folder=folder)
    data.tables = {name: frames[f"table.{name}"] for name in meta["tables"]}
    for name in _FRAMES:
        if name in frames:
            setattr(data, name, frames[name])
        elif name == "returns":
            data.returns = None
    data.files = {t: folder / p for t, p in meta["files"].items()}
    data.all_files = {t: tuple(folder / p for p in ps) for t, ps in meta["all_files"].items()}
    data.coverage = {t: Coverage(c["table"], _untimestamp(c["start"]), _untimestamp(c["end"]),
                                 tuple(c["years"])) for t, c in meta["coverage"].items()}
    for name in _PLAIN:
        setattr(data, name, meta[name])
    return data
