"""Work that waits on other programs (git), done in a thread while Python works on.

A batch of letters asks git about the clause library (a few subprocess calls, tens of
milliseconds of waiting) before it can stamp the letters; the register and the export
can be read meanwhile. The thread must be joined (:meth:`Background.result`, or leaving the
``with`` block) before the process forks its workers: a fork copies only the thread that calls it.
"""

from __future__ import annotations

import threading
from typing import Callable, Generic, TypeVar

__all__ = ["Background"]

T = TypeVar("T")


class Background(Generic[T]):
    """``function()`` run in a thread; :meth:`result` waits for it and returns its value
    or raises its exception, as if it had been called there."""

    def __init__(self, function: Callable[[], T]) -> None:
        self._function = function
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="contractgen-background", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._function()
        except BaseException as exc:  # handed to the caller of result()
            self._error = exc

    def result(self) -> T:
        self._thread.join()
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        return self._value  # type: ignore[return-value]

    def __enter__(self) -> Background[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        """The thread is joined however the block ends (never left running when the
        caller fails, or forks); an exception :meth:`result` was not asked for is dropped."""
        self._thread.join()
