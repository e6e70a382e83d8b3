"""What a priority list stands on (README: "Trust"; the ``data_state`` column): which inputs are the embedded,
illustrative scenario, and how old the forecast is against now.

The state travels with the list: the ``data_state`` column (last column of every export), the
CLI's stderr, the refresh manifest (``data_state``) and the app header. A forecast older than
``[forecast] stale_after_hours`` (``defaults.toml``, 24 h) is ``stale``; so is a snapshot standing
in for a failed live source.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

ROLES = ("districts", "unheated", "outages", "forecast")
REAL, STALE, EMBEDDED = "real", "stale", "embedded"


@dataclass(frozen=True)
class DataState:
    """The inputs' state at ranking time."""

    embedded: tuple[str, ...]  # roles taken from (or edited from) the embedded illustrative scenario
    issued_at: str  # forecast issue time, ISO 8601 UTC ("" if unknown)
    age_hours: float | None  # now − issued_at [h]; None if the issue time is unknown
    stale_after_hours: float  # threshold [h]
    snapshot: bool  # a snapshot stood in for a failed live source (already marked stale)

    @property
    def stale(self) -> bool:
        """Older than the threshold, of unknown age, or a stand-in snapshot."""
        return self.snapshot or self.age_hours is None or self.age_hours > self.stale_after_hours

    @property
    def illustrative(self) -> bool:
        return bool(self.embedded)

    def label(self) -> str:
        """The ``data_state`` cell: ``real``; else ``embedded: <roles>`` and/or ``stale``, joined by ``; ``."""
        parts = [f"{EMBEDDED}: {', '.join(self.embedded)}"] if self.embedded else []
        if self.stale:
            parts.append(STALE)
        return "; ".join(parts) or REAL

    def age_text(self) -> str:
        if self.age_hours is None:
            return "of unknown age"
        return f"{self.age_hours:.1f} h old"

    def describe(self) -> str:
        """One line for logs and stderr."""
        text = f"data state: {self.label()} (forecast issued {self.issued_at or 'at an unknown time'}, "
        text += f"{self.age_text()}; stale after {self.stale_after_hours:g} h"
        text += "; a snapshot stands in for the live source)" if self.snapshot else ")"
        return text

    def as_dict(self) -> dict:
        """For the manifest."""
        return {"label": self.label(), "embedded": list(self.embedded), "stale": self.stale,
                "forecast_age_hours": None if self.age_hours is None else round(self.age_hours, 2),
                "stale_after_hours": self.stale_after_hours}


def default_stale_after_hours() -> float:
    from .config import load_config

    return float(load_config()["forecast"]["stale_after_hours"])


def data_state(embedded, forecast_attrs: dict, now=None, stale_after_hours: float | None = None) -> DataState:
    """The state of inputs whose ``embedded`` roles are illustrative and whose forecast has
    ``forecast_attrs`` (``issued_at``, ``stale``), at ``now`` (UTC; default the current time)."""
    threshold = default_stale_after_hours() if stale_after_hours is None else float(stale_after_hours)
    now = pd.Timestamp.now(tz="UTC") if now is None else pd.Timestamp(now)
    now = now.tz_localize("UTC") if now.tzinfo is None else now.tz_convert("UTC")
    issued_text = str(forecast_attrs.get("issued_at") or "")
    try:
        issued = pd.Timestamp(issued_text)
        issued = issued.tz_localize("UTC") if issued.tzinfo is None else issued.tz_convert("UTC")
        age = (now - issued) / pd.Timedelta(hours=1)
        age = float(age) if math.isfinite(age) else None
    except (ValueError, TypeError, OverflowError):
        age = None
    roles = tuple(r for r in ROLES if r in set(embedded))
    return DataState(roles, issued_text, age, threshold, bool(forecast_attrs.get("stale", False)))
