"""Subcommands of the scheduled job (DESIGN §6): ``refresh`` and ``history``."""

from __future__ import annotations


def add_commands(sub, add_input_flags) -> None:
    """Register the scheduling subcommands on the CLI's subparsers."""
