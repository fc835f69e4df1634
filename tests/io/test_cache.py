"""The cache of loaded tables beside a data folder (DIR/.qa-cache): hit, miss, stale, clear."""

import os
import shutil
import subprocess
import sys
import threading
import time

import pandas as pd
import pytest

from qa_analysis import cli
from qa_analysis.config import DEMO_DATA_DIR
from qa_analysis.io import cache, loaders
from qa_analysis.io.loaders import load_data

FAMILIES = "child_id,family_id\nC1,F1\nC2,F1\nC2,F2\n"  # C2 again on line 4: set aside


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "families.csv").write_text(FAMILIES)
    return tmp_path


def _entries(folder):
    cache.wait()  # the entry is written in a background thread
    return sorted(p.name for p in cache.cache_dir(folder).iterdir() if p.is_dir())


def _no_reading(monkeypatch):
    def fail(*args):
        raise AssertionError("the files were read: the cache was not used")

    monkeypatch.setattr(loaders, "_load_folder", fail)


def _assert_same(a, b):
    assert list(a.tables) == list(b.tables)
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name])
    for name in ("problems", "warnings", "notes", "recognised", "summary", "consolidation"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert (a.unavailable, a.files, a.all_files, a.coverage, a.authority, a.return_notes) == (
        b.unavailable, b.files, b.all_files, b.coverage, b.authority, b.return_notes)


def test_a_first_load_writes_one_entry_and_a_second_load_reads_it(folder, monkeypatch):
    first = load_data(folder, cache=True)
    _no_reading(monkeypatch)

    second = load_data(folder, cache=True)

    assert len(_entries(folder)) == 1
    _assert_same(first, second)
    assert second.problems["row"].tolist() == [4]  # the set-aside row is kept too


def test_a_changed_file_makes_the_entry_stale_and_it_is_replaced(folder):
    load_data(folder, cache=True)
    before = _entries(folder)
    (folder / "families.csv").write_text(FAMILIES + "C3,F3\n")

    data = load_data(folder, cache=True)

    assert data.tables["families"]["child_id"].tolist() == ["C1", "C2", "C3"]
    assert len(_entries(folder)) == 1 and _entries(folder) != before


def test_a_file_rewritten_at_once_with_the_same_size_is_not_taken_as_unchanged(folder):
    load_data(folder, cache=True)
    # same length, same second: size and time stamp may match; the content does not
    (folder / "families.csv").write_text(FAMILIES.replace("F2", "F9"))

    data = load_data(folder, cache=True)

    assert data.tables["families"]["family_id"].tolist() == ["F1", "F1"]
    assert data.problems["value"].tolist() == ["C2"]
    assert "F9" in (folder / "families.csv").read_text()


def test_other_load_options_are_other_entries(folder, monkeypatch):
    load_data(folder, cache=True)

    load_data(folder, cache=True, blank_values=["NULL", "-"])

    # a new key replaces the entry of the old one (one entry kept)
    assert len(_entries(folder)) == 1
    _no_reading(monkeypatch)
    load_data(folder, cache=True, blank_values=["-", "NULL"])  # the same set: a hit


def test_default_settings_and_no_settings_are_the_same_load(folder, monkeypatch):
    from qa_analysis.config import Settings

    load_data(folder, cache=True)
    _no_reading(monkeypatch)

    load_data(folder, settings=Settings(), cache=True)  # the CLI passes the settings


def test_cache_off_writes_nothing(folder):
    load_data(folder, cache=False)

    assert not cache.cache_dir(folder).exists()


def test_environment_variable_switches_the_cache_off(folder, monkeypatch):
    monkeypatch.setenv("QA_ANALYSIS_CACHE", "off")

    load_data(folder)

    assert not cache.cache_dir(folder).exists()


def test_a_folder_inside_a_git_repository_is_never_cached(folder):
    (folder / ".git").mkdir()

    load_data(folder, cache=True)

    assert not cache.cache_dir(folder).exists()


def test_a_folder_of_a_repository_that_ignores_the_cache_is_cached(folder):
    subprocess.run(["git", "init", "-q", str(folder)], check=True)
    (folder / ".gitignore").write_text(".qa-cache/\n")

    load_data(folder, cache=True)

    assert len(_entries(folder)) == 1


def test_a_cache_that_cannot_be_written_does_not_fail_the_load(folder, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError("read-only folder")

    monkeypatch.setattr(cache, "_write_arrow", refuse)

    data = load_data(folder, cache=True)

    assert data.tables["families"]["child_id"].tolist() == ["C1", "C2"]
    assert _entries(folder) == []  # no half-written entry left behind


def test_a_file_that_cannot_be_hashed_on_a_first_load_loads_without_an_entry(folder, monkeypatch):
    # a first load hashes the files in a thread while reading them; an unreadable file
    # there is not an error of the cache's: the load goes on, nothing is cached
    def refuse(path):
        raise PermissionError("locked by another program")

    monkeypatch.setattr(cache, "file_sha256", refuse)

    data = load_data(folder, cache=True)

    cache.wait()
    assert data.tables["families"]["child_id"].tolist() == ["C1", "C2"]
    assert not cache.cache_dir(folder).exists()  # no entry, and no memo of checksums


def test_a_half_removed_entry_of_the_same_key_is_replaced(folder, monkeypatch):
    load_data(folder, cache=True)
    entry = cache.cache_dir(folder) / _entries(folder)[0]
    (entry / "meta.json").unlink()  # what is left of an entry whose removal stopped halfway

    load_data(folder, cache=True)  # a miss: read from the files, the entry written again
    _no_reading(monkeypatch)
    data = load_data(folder, cache=True)

    assert (entry / "meta.json").exists()
    assert data.tables["families"]["child_id"].tolist() == ["C1", "C2"]


def test_a_damaged_entry_is_read_again_from_the_files(folder):
    load_data(folder, cache=True)
    entry = cache.cache_dir(folder) / _entries(folder)[0]
    (entry / "table.families.arrow").write_bytes(b"not an Arrow file")

    data = load_data(folder, cache=True)

    assert data.tables["families"]["child_id"].tolist() == ["C1", "C2"]


def test_a_frame_comes_back_from_its_file_with_the_same_values_and_dtypes(tmp_path):
    # Arrange: Arrow-backed text with blanks, pandas 3's default text, a date with a blank,
    # yes/no with a blank, a count: the loader's dtypes.
    frame = pd.DataFrame({
        "code": pd.Series(["A", "B", None, "A", "B", "A", "A", None], dtype="string[pyarrow]"),
        "id": pd.Series(["x1", "x2", "x3", None, "x5", "x6", "x7", "x8"], dtype="string[pyarrow]"),
        "team": pd.Series(["North", "South"] * 4, dtype="str"),
        "date": pd.to_datetime(["2020-04-01", None, "2020-05-01", "2020-06-01",
                                "2020-07-01", "2020-08-01", "2020-09-01", "2020-10-01"]),
        "seen": pd.array([True, False, None, True, True, False, True, True], dtype="boolean"),
        "age": pd.Series([1, 2, 3, 4, 5, 6, 7, 8], dtype="int64"),
    })

    cache._write_arrow(frame, tmp_path / "frame.arrow")
    back = cache._read_arrow(tmp_path / "frame.arrow")

    pd.testing.assert_frame_equal(back, frame)


def test_the_load_does_not_wait_for_the_entry_to_be_written(folder, monkeypatch):
    # The entry is written in a thread: held back here until the load has returned.
    release = threading.Event()
    save = cache.save

    def held_save(*args):
        release.wait(10)
        return save(*args)

    monkeypatch.setattr(cache, "save", held_save)

    load_data(folder, cache=True)
    written_before_release = (cache.cache_dir(folder).exists()
                              and any(p.is_dir() and not p.name.startswith(".")
                                      for p in cache.cache_dir(folder).iterdir()))
    release.set()

    assert not written_before_release
    assert len(_entries(folder)) == 1  # _entries waits for the write


def test_a_second_load_waits_for_the_entry_being_written_and_reads_it(folder, monkeypatch):
    save = cache.save
    monkeypatch.setattr(cache, "save", lambda *args: (time.sleep(0.2), save(*args))[1])
    first = load_data(folder, cache=True)
    _no_reading(monkeypatch)

    second = load_data(folder, cache=True)  # would fail reading the files: it waits instead

    _assert_same(first, second)


def test_the_entry_is_complete_when_the_process_exits(folder):
    # the writing thread is joined before the interpreter exits
    code = f"from qa_analysis.io import load_data; load_data({str(folder)!r}, cache=True)"
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ,
                                                                  "QA_ANALYSIS_CACHE": "on"})

    entries = [p for p in cache.cache_dir(folder).iterdir() if p.is_dir()]

    assert [p.name.startswith(".tmp-") for p in entries] == [False]
    assert (entries[0] / "meta.json").exists()


def test_the_entry_is_written_when_the_process_ends_before_the_writer_starts(tmp_path):
    # A large frame makes pyarrow convert columns in a thread pool, which refuses work once
    # the interpreter shuts down: the write, held back until the main thread has ended,
    # must still complete (300 rows of 2 columns: over the 100 rows a column of pyarrow's
    # threshold for threads).
    rows = "".join(f"C{i},F{i}\n" for i in range(300))
    (tmp_path / "families.csv").write_text("child_id,family_id\n" + rows)
    code = (
        "import time\n"
        "from qa_analysis.io import cache, load_data\n"
        "save = cache.save\n"
        "cache.save = lambda *args: (time.sleep(0.5), save(*args))[1]\n"
        f"load_data({str(tmp_path)!r}, cache=True)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ,
                                                                  "QA_ANALYSIS_CACHE": "on"})

    entries = [p for p in cache.cache_dir(tmp_path).iterdir() if p.is_dir()]

    assert len(entries) == 1 and (entries[0] / "meta.json").exists()


def test_a_crashed_writers_old_temporary_folder_is_removed_and_never_read(folder, monkeypatch):
    old = cache.cache_dir(folder) / ".tmp-crashed"
    old.mkdir(parents=True)
    hour_ago = time.time() - 3700
    os.utime(old, (hour_ago, hour_ago))
    recent = cache.cache_dir(folder) / ".tmp-writing"  # another process writing now
    recent.mkdir()

    load_data(folder, cache=True)
    cache.wait()

    assert not old.exists() and recent.exists()
    assert len(_entries(folder)) == 2  # the entry, and the other writer's folder kept


def test_cache_clear_removes_the_cache_folder(folder, capsys):
    load_data(folder, cache=True)

    code = cli.main(["cache", "--clear", str(folder)])

    assert code == 0
    assert not cache.cache_dir(folder).exists()
    assert capsys.readouterr().out.startswith("Removed ")


def test_no_cache_option_leaves_the_folder_as_it_was(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("QA_ANALYSIS_CACHE", "on")
    data_dir = tmp_path / "data"
    shutil.copytree(DEMO_DATA_DIR, data_dir, ignore=shutil.ignore_patterns(cache.CACHE_DIR))

    code = cli.main(["metrics", "--data", str(data_dir), "--quarter", "2020-21 Q3", "--no-cache"])

    assert code == 0
    assert not cache.cache_dir(data_dir).exists()


@pytest.mark.slow
def test_a_cached_run_prints_byte_identical_metrics_and_validation(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("QA_ANALYSIS_CACHE", "on")
    data_dir = tmp_path / "data"
    shutil.copytree(DEMO_DATA_DIR, data_dir, ignore=shutil.ignore_patterns(cache.CACHE_DIR))
    metrics = ["metrics", "--data", str(data_dir), "--quarter", "2020-21 Q3"]

    outputs = []
    for argv in (metrics + ["--no-cache"], metrics, metrics):  # uncached, writes, reads
        assert cli.main(argv) == 0
        outputs.append(capsys.readouterr().out.encode())
    reports = []
    for argv in (["validate", "--data", str(data_dir), "--no-cache"], ["validate", "--data", str(data_dir)]):
        cli.main(argv)
        reports.append(capsys.readouterr().out.encode())

    assert len(_entries(data_dir)) == 1
    assert outputs[0] == outputs[1] == outputs[2]
    assert reports[0] == reports[1]


def _demo_copy(tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(DEMO_DATA_DIR, data_dir, ignore=shutil.ignore_patterns(cache.CACHE_DIR))
    return data_dir


def test_the_placement_history_is_kept_in_the_entry_and_read_back_the_same(tmp_path, monkeypatch):
    from qa_analysis.config import DEFAULT_SETTINGS
    from qa_analysis.metrics import placements

    data_dir = _demo_copy(tmp_path)
    built = placements._annotated_and_history(load_data(data_dir, cache=True).episodes, DEFAULT_SETTINGS)
    cache.wait()
    again = load_data(data_dir, cache=True)  # from the entry: new frames
    monkeypatch.setattr(placements, "_annotated_episodes", lambda *a: pytest.fail("built again"))

    kept = placements._annotated_and_history(again.episodes, DEFAULT_SETTINGS)

    pd.testing.assert_frame_equal(kept[0], built[0])
    pd.testing.assert_frame_equal(kept[1], built[1])


def test_other_settings_build_their_own_placement_history(tmp_path, monkeypatch):
    from qa_analysis.config import DEFAULT_SETTINGS, Settings
    from qa_analysis.metrics import placements

    data_dir = _demo_copy(tmp_path)
    placements._annotated_and_history(load_data(data_dir, cache=True).episodes, DEFAULT_SETTINGS)
    cache.wait()
    calls = []
    real = placements._annotated_episodes
    monkeypatch.setattr(placements, "_annotated_episodes", lambda *a: calls.append(1) or real(*a))

    placements._annotated_and_history(load_data(data_dir, cache=True).episodes,
                                      Settings(temporary_places=("T0",)))

    assert calls == [1]


def test_a_table_not_loaded_through_the_cache_keeps_nothing():
    cache.wait()  # other tests' writers
    episodes = pd.DataFrame({"CHILD": ["C1"]})

    cache.keep_derived(episodes, "placement_history.x", {"history": episodes})

    assert cache.derived_tables(episodes, "placement_history.x") is None
    assert not cache._writing  # no writer started


def test_a_cached_tables_column_codes_are_kept_and_read_back_the_same(tmp_path, monkeypatch):
    from qa_analysis.metrics import _common

    data_dir = _demo_copy(tmp_path)
    built = _common.column_codes(load_data(data_dir, cache=True).visits, "child_id")
    cache.wait()
    again = load_data(data_dir, cache=True)
    monkeypatch.setattr(_common, "codes", lambda *a: pytest.fail("built again"))

    kept = _common.column_codes(again.visits, "child_id")

    pd.testing.assert_series_equal(pd.Series(kept[0]), pd.Series(built[0]))
    assert kept[1:] == built[1:]


def test_a_cached_tables_column_codes_are_kept_with_their_values(tmp_path, monkeypatch):
    from qa_analysis.metrics import _common

    data_dir = _demo_copy(tmp_path)
    built = _common.column_codes(load_data(data_dir, cache=True).visits, "method", with_values=True)
    cache.wait()
    again = load_data(data_dir, cache=True)
    monkeypatch.setattr(_common, "codes", lambda *a, **k: pytest.fail("built again"))

    kept = _common.column_codes(again.visits, "method", with_values=True)

    pd.testing.assert_series_equal(pd.Series(kept[0]), pd.Series(built[0]))
    assert kept[1] == built[1]
    assert kept[2] == built[2] and all(isinstance(v, str) for v in kept[2])
