"""What a bench section returns (rows) and how the runner prints them (plain aligned tables)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

# A check is a printed verdict, never an assertion: benchmarks report, `make test` decides.
PASS, FAIL, INFO, ERROR = "PASS", "FAIL", "info", "ERROR"


@dataclass(frozen=True)
class Row:
    """One line of the final summary: a metric, its measured value and, if it has a target, the verdict."""

    section: str
    metric: str
    value: str
    target: str = ""
    check: str = INFO


@dataclass(frozen=True)
class Section:
    """A named benchmark. `run` prints its own detail and returns summary rows."""

    name: str
    title: str
    run: Callable[[], list[Row]]


def verdict(ok: bool) -> str:
    return PASS if ok else FAIL


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], indent: str = "  ") -> str:
    cells = [[str(cell) for cell in headers], *[[str(cell) for cell in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
             for row in cells]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(indent + line for line in lines)


def heading(text: str) -> str:
    return f"\n{text}\n{'=' * len(text)}"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"
