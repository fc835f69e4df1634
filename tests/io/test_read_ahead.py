"""The loader reads the next CSV file in a background thread while it validates this one."""

import threading
import time
from pathlib import Path

import pytest

from qa_analysis.io.loaders import _ReadAhead

A, B, C = ("contacts", Path("a.csv")), ("referrals", Path("b.csv")), ("visits", Path("c.csv"))


def test_each_file_comes_back_as_its_reader_returned_it():
    ahead = _ReadAhead([A, B], lambda table, path: f"{table} from {path.name}")

    got = [ahead.take(*A), ahead.take(*B)]

    assert got == ["contacts from a.csv", "referrals from b.csv"]


def test_a_file_asked_for_while_it_is_still_being_read_is_waited_for():
    # the reader is slow: take() is called before the read is done and must wait for it
    ahead = _ReadAhead([A], lambda table, path: (time.sleep(0.2), "read")[1])

    assert ahead.take(*A) == "read"


def test_a_files_error_is_raised_when_the_load_reaches_that_file():
    def read(table, path):
        if path == B[1]:
            raise ValueError("b.csv is empty")
        return path.name

    ahead = _ReadAhead([A, B], read)

    assert ahead.take(*A) == "a.csv"  # the error of the file after it does not surface here
    with pytest.raises(ValueError, match="b.csv is empty"):
        ahead.take(*B)


def test_no_more_than_one_file_is_read_before_it_is_asked_for():
    started = []
    ahead = _ReadAhead([A, B, C], lambda table, path: started.append(path.name) or path.name)

    time.sleep(0.2)  # ample time for the thread to read all three if it did not wait
    before = list(started)
    ahead.take(*A)
    time.sleep(0.2)

    assert (before, started) == (["a.csv"], ["a.csv", "b.csv"])
    ahead.close()


def test_a_file_not_queued_is_read_when_asked_for():
    calls = []
    ahead = _ReadAhead([], lambda table, path: calls.append(path.name) or "direct")

    assert (ahead.take(*C), calls) == ("direct", ["c.csv"])


def test_closing_stops_the_reading_ahead():
    release = threading.Event()
    started = []

    def read(table, path):
        started.append(path.name)
        release.wait(5)
        return path.name

    ahead = _ReadAhead([A, B], read)
    time.sleep(0.1)
    ahead.close()
    release.set()
    time.sleep(0.2)

    assert started == ["a.csv"]


def test_a_queued_file_the_load_never_asks_for_does_not_hold_up_the_next():
    # A is queued but the load goes straight to B (a table whose source turned out to be
    # something else): A's read is dropped and B still comes back
    ahead = _ReadAhead([A, B], lambda table, path: path.name)

    assert ahead.take(*B) == "b.csv"
