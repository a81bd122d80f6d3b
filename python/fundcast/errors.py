"""The exceptions fundcast raises.

Every error of the engine is a :class:`FundcastError`. A scenario that cannot be read or
is invalid raises :class:`ScenarioError`, which carries the library's diagnostics: each
problem with its file, line, column, key path and message (every problem at once, as
the command line prints them).
"""

from __future__ import annotations

from typing import List, NamedTuple, Optional, Tuple

__all__ = [
    "Diagnostic",
    "FundcastError",
    "ScenarioError",
    "InputError",
    "NoSolution",
    "PartError",
]


class Diagnostic(NamedTuple):
    """One problem in a scenario: where it was written and what is wrong."""

    file: str
    """The file (``<string>`` or ``<dict>`` for a scenario given as text or a dict)."""
    line: int
    """1-based line of the offending value (0 when no line applies: an unreadable file)."""
    column: int
    key: str
    """Key path such as ``retirement.age.male``; empty for a syntax error."""
    message: str

    def __str__(self) -> str:
        out = self.file
        if self.line > 0:
            out += f":{self.line}:{self.column}"
        if self.key:
            out += f": `{self.key}`"
        return f"{out}: {self.message}"


class FundcastError(Exception):
    """Any error of fundcast (the command line's exit status 1 or 2)."""


class ScenarioError(FundcastError, ValueError):
    """A scenario that cannot be read or is invalid.

    ``diagnostics`` lists every problem; ``file``, ``line``, ``column``, ``key`` and
    ``message`` are those of the first.
    """

    diagnostics: List[Diagnostic]

    def __init__(self, message: str, diagnostics: List[Diagnostic]) -> None:
        super().__init__(message)
        self.diagnostics = list(diagnostics)

    def _first(self) -> Optional[Diagnostic]:
        return self.diagnostics[0] if self.diagnostics else None

    @property
    def file(self) -> Optional[str]:
        d = self._first()
        return d.file if d else None

    @property
    def line(self) -> Optional[int]:
        d = self._first()
        return d.line if d else None

    @property
    def column(self) -> Optional[int]:
        d = self._first()
        return d.column if d else None

    @property
    def key(self) -> Optional[str]:
        d = self._first()
        return d.key if d else None

    @property
    def message(self) -> Optional[str]:
        d = self._first()
        return d.message if d else None


class InputError(FundcastError, ValueError):
    """A bad argument: a measure, a target, a lever, a range, a number of paths, or a
    scenario whose numbers overflow (the command line's exit status 2)."""


class NoSolution(FundcastError):
    """``solve`` found no value in the range that meets the target (exit status 1)."""

    def __init__(
        self,
        message: str,
        lever: str,
        range: Tuple[float, float],
        measure: str,
        at_ends: Tuple[float, float],
    ) -> None:
        super().__init__(message)
        self.lever = lever
        self.range = range
        self.measure = measure
        self.at_ends = at_ends
        """The measure at the low and the high end of the range."""


class PartError(FundcastError, ValueError):
    """Part files of a sharded run that cannot be merged: damaged, of another run, with
    a gap or an overlap, or a scenario that changed since the shards ran."""
