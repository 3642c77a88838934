"""The national DSPT export, as the benchmarks' memory targets measure it: every council
reads the same export, whatever the size of its register, so the benchmarks fill their
exports up to its size with organisations that are not in the register."""

from __future__ import annotations

from typing import Iterator, Sequence

#: Rows of the national DSPT export (the real one of 2019 had 31,970).
NATIONAL_ROWS = 32_000
#: Digits and capital letters: three of them number 46,656 codes.
BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def base36(i: int) -> str:
    """``i`` (below 46,656) in three base-36 characters."""
    return "".join(BASE36[(i // 36**k) % 36] for k in (2, 1, 0))


def other_organisations(count: int, publications: Sequence[tuple[str, str]]) -> Iterator[list[str]]:
    """``count`` export rows (code, name, status, publication date) of organisations not in
    a register, each with the next of ``publications`` (status, date) in turn: codes of
    five characters starting ``YZ``, which no edit of a benchmark register's code reaches
    (those start ``VL``, ``VM``, ``VN``, ``A`` or ``8G``), and names unlike theirs."""
    for i in range(count):
        status, published = publications[i % len(publications)]
        yield [f"YZ{base36(i)}", f"NORTHFIELD SURGERY PARTNERSHIP {i}", status, published]
