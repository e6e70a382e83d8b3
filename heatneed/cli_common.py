"""What every command-line module shares: one way to report problems on stderr."""

from __future__ import annotations

import sys


def report(problems: list[str]) -> None:
    """One ``heatneed: error: …`` line per problem on stderr."""
    for line in problems:
        print(f"heatneed: error: {line}", file=sys.stderr)
