"""contractgen.base.background: git is asked in a thread while the inputs are read."""

import threading
import time

import pytest

from contractgen.base.background import Background


def test_result_is_the_functions_value():
    with Background(lambda: 6 * 7) as job:
        assert job.result() == 42


def test_result_raises_the_functions_exception_in_the_caller():
    def fail() -> int:
        raise LookupError("no release reachable")

    with Background(fail) as job:
        with pytest.raises(LookupError, match="no release reachable"):
            job.result()


def test_the_thread_is_joined_when_the_block_fails():
    """A batch that fails on its inputs leaves no thread behind (it could fork next)."""
    finished = threading.Event()

    def slow() -> None:
        time.sleep(0.05)
        finished.set()

    with pytest.raises(ValueError, match="bad register"):
        with Background(slow):
            raise ValueError("bad register")
    assert finished.is_set()
    assert not [t for t in threading.enumerate() if t.name == "contractgen-background"]


def test_an_exception_not_asked_for_is_dropped_with_the_callers_own():
    def fail() -> None:
        raise LookupError("git failed")

    with pytest.raises(ValueError, match="bad export"):
        with Background(fail):
            raise ValueError("bad export")
