"""Error types shared by every layer, and the exit codes the CLI maps them to.

Exit codes: 0 success; 1 a source or the system failed (published output kept); 2 bad input or
usage (one line per problem, never a traceback); 3 another refresh holds the lock.
"""

from __future__ import annotations

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT, EXIT_BUSY = 0, 1, 2, 3


class InputError(ValueError):
    """Bad input or usage (exit code 2).

    ``problems`` holds one line per problem, each naming file, row and column where known,
    so ``validate`` can report every problem and ``rank`` the first ones.
    """

    def __init__(self, problems: str | list[str]):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


def located(file: str, message: str, row: int | None = None, column: str | None = None) -> str:
    """One problem line: ``file, row R, column C: message`` (row 1-based as Excel shows it)."""
    where = [str(file)]
    if row is not None:
        where.append(f"row {row}")
    if column is not None:
        where.append(f"column {column}")
    return f"{', '.join(where)}: {message}"


class SourceError(RuntimeError):
    """A forecast source or the system failed (exit code 1); published output is kept."""


class InvariantError(SourceError):
    """A computed list breaks what the model's equations allow (exit code 1): nothing is
    published or exported. Never expected; it means a bug or an input no check caught."""
