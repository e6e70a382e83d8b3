"""Error types shared by every layer, and the exit codes the CLI maps them to.

Exit codes: 0 success; 1 a source or the system failed (published output kept); 2 bad input or
usage (one line per problem, never a traceback); 3 another refresh holds the lock.
"""

from __future__ import annotations

import contextlib

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT, EXIT_BUSY = 0, 1, 2, 3


class InputError(ValueError):
    """Bad input or usage (exit code 2).

    ``problems`` holds one line per problem, each naming file, row and column where known,
    so ``validate`` can report every problem and ``rank`` the first ones.
    """

    def __init__(self, problems: str | list[str]):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


#: Longest value or message quoted back to the user [characters]; longer ones are cut in the middle.
MAX_SHOWN_CHARS = 80
MAX_LINE_CHARS = 400


def shorten(text, limit: int = MAX_SHOWN_CHARS) -> str:
    """``text`` cut in the middle to at most ``limit`` characters (a 10 MB cell is not echoed)."""
    text = str(text)
    if len(text) <= limit:
        return text
    keep = max(1, (limit - 3) // 2)
    return f"{text[:keep]}…{text[-keep:]} ({len(text):,} characters)"


def located(file: str, message: str, row: int | None = None, column: str | None = None) -> str:
    """One problem line: ``file, row R, column C: message`` (row 1-based as Excel shows it).

    File and column names are shortened to ``MAX_SHOWN_CHARS``, the message to ``MAX_LINE_CHARS``.
    """
    message = shorten(message, MAX_LINE_CHARS)
    column = None if column is None else shorten(column)
    where = [shorten(file)]
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


@contextlib.contextmanager
def reading(name: str):
    """Turn any failure while parsing file ``name`` into one ``InputError`` line naming it.

    The readers report known problems in their own words; this is the net under them, so a damaged
    or hostile file is always exit 2 with its name, never "internal error" (MemoryError and
    interrupts pass through).
    """
    try:
        yield
    except (InputError, SourceError, MemoryError, KeyboardInterrupt):
        raise
    except RecursionError:
        raise InputError(located(name, "cannot read this file: it is nested too deeply")) from None
    except Exception as exc:  # noqa: BLE001 (the net under every reader; see above)
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise InputError(located(name, f"cannot read this file ({type(exc).__name__}"
                                       + (f": {shorten(text)}" if text else "") + ")")) from None
