"""Errors that the CLI turns into one-line messages and exit status 2.

Every user-facing input error names the file, the key path inside it and what is allowed, so a
user can fix the input without reading a traceback.
"""

from __future__ import annotations


class InputError(Exception):
    """Bad user input: a scenario, an override or a sweep file that cannot be used."""

    def __init__(self, source: str, key: str, message: str) -> None:
        self.source = source
        self.key = key
        self.message = message
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """The message as `file: key: what is wrong and what is allowed`, on one line."""
        where = f"{self.source}: {self.key}" if self.key else self.source
        return " ".join(f"{where}: {self.message}".split())


class ScenarioError(InputError):
    """A scenario file (or an override of one) is invalid."""
