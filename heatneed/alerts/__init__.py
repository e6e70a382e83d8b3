"""Alerts for people who never open the app (README: "Alerts").

After the refresh publishes a list, ``after_publish`` gives each district a level (``levels``),
records it in ``history.sqlite`` and decides what to notify (``state``), writes CAP 1.2 files and
their Atom index under ``<output-dir>/alerts/`` (``cap``) and sends one digest per channel
(``channels``: e-mail, Telegram, webhook) in English and Ukrainian (``texts``). A failed
channel is logged and recorded, never raised: publishing is never blocked or undone.

Importing this package is cheap (the command line builds its parser from ``CHANNELS``); the
names below load their modules on first use.
"""

from __future__ import annotations

import importlib

#: The delivery channels, each configured in ``[alerts.<name>]``.
CHANNELS = ("email", "telegram", "webhook")

_LAZY = {
    "AlertSettings": "settings", "Outcome": "service", "after_publish": "service", "process_run": "service",
    "send_test": "service", "list_alerts": "service", "district_facts": "service", "data_state": "service",
    "sample_events": "service", "context_for": "service", "LEVELS": "levels",
}
__all__ = ["CHANNELS", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
