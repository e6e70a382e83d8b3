"""Alert levels from an impact × likelihood matrix (pure, vectorised).

In the spirit of UKHSA's Cold-Health Alerts [UKHSA2023]: *impact* 1–4 (minimal, minor,
significant, severe) comes from the priority list's ``severity`` (1–5) moved one step by the lead
time to 5 °C and 12 °C indoors; *likelihood* 1–4 (very low, low, medium, high) from
``p_indoor_below_12c``, the share of ensemble members whose unheated homes fall below 12 °C within
the horizon; the level is the matrix cell. Thresholds live in ``[alerts]`` of ``defaults.toml``.

Monotone by construction (tested): a higher probability or a shorter lead time never lowers the
level, because likelihood rises with p, impact falls with lead time, and the configured matrix
never decreases along a row or a column (checked when the settings are read).

A district without a ``severity`` or a ``p_indoor_below_12c`` (no unheated homes reported, or no
one exposed) is *not assessed*: its level is ``none`` and ``assessed`` is False, so the state
and ``alerts list`` say so instead of pretending it was judged safe.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

LEVELS = ("none", "yellow", "amber", "red")
LEVEL_RANK = {name: i for i, name in enumerate(LEVELS)}
IMPACT_NAMES = ("minimal", "minor", "significant", "severe")
LIKELIHOOD_NAMES = ("very low", "low", "medium", "high")


@dataclass(frozen=True)
class LevelRules:
    """The ``[alerts]`` thresholds (sources in ``defaults.toml``)."""

    impact_from_severity: tuple[int, ...]  # impact 1–4 for severity 1..5
    imminent_5c_hours: float  # [h] homes below 5 °C sooner than this: impact +1
    distant_12c_hours: float  # [h] homes above 12 °C for longer than this (or never): impact −1
    likelihood_cuts: tuple[float, ...]  # lower bounds of likelihood 2, 3, 4 (p, 0–1)
    matrix: tuple[tuple[str, ...], ...]  # [likelihood 1–4][impact 1–4] -> level name


def impact(severity, hours_to_5c, hours_to_12c, rules: LevelRules) -> np.ndarray:
    """Impact 1–4 (0 where ``severity`` is missing).

    ``severity`` 1–5; ``hours_to_5c``, ``hours_to_12c`` [h] ensemble-median lead times, NaN when
    homes never fall below within the horizon (treated as later than any time).
    """
    sev = np.asarray(severity, dtype="float64")
    to5 = np.nan_to_num(np.asarray(hours_to_5c, dtype="float64"), nan=np.inf)
    to12 = np.nan_to_num(np.asarray(hours_to_12c, dtype="float64"), nan=np.inf)
    table = np.asarray(rules.impact_from_severity, dtype="float64")
    known = np.isfinite(sev)
    index = np.clip(np.where(known, sev, 1), 1, len(table)).astype(int) - 1
    base = table[index]
    shift = np.where(to5 <= rules.imminent_5c_hours, 1, 0) - np.where(to12 > rules.distant_12c_hours, 1, 0)
    return np.where(known, np.clip(base + shift, 1, 4), 0).astype(int)


def likelihood(p_below_12c, rules: LevelRules) -> np.ndarray:
    """Likelihood 1–4 from the ensemble probability ``p_below_12c`` (0–1); 0 where it is missing."""
    p = np.asarray(p_below_12c, dtype="float64")
    cls = 1 + np.searchsorted(np.asarray(rules.likelihood_cuts, dtype="float64"), np.nan_to_num(p, nan=0.0),
                              side="right")
    return np.where(np.isfinite(p), cls, 0).astype(int)


def levels(priority: pd.DataFrame, rules: LevelRules) -> pd.DataFrame:
    """Per district: ``impact``, ``likelihood``, ``level`` (name) and ``assessed``.

    ``priority``: the published list (columns ``district_code``, ``severity``, ``hours_to_5c``,
    ``hours_to_12c``, ``p_indoor_below_12c``); returned in the same row order, indexed by code.
    """
    imp = impact(priority["severity"].astype("float64"), priority["hours_to_5c"].astype("float64"),
                 priority["hours_to_12c"].astype("float64"), rules)
    lik = likelihood(priority["p_indoor_below_12c"].astype("float64"), rules)
    assessed = (imp > 0) & (lik > 0)
    matrix = np.asarray(rules.matrix, dtype=object)
    level = np.where(assessed, matrix[np.clip(lik, 1, 4) - 1, np.clip(imp, 1, 4) - 1], "none")
    return pd.DataFrame({"impact": imp, "likelihood": lik, "level": level.astype(str), "assessed": assessed},
                        index=pd.Index(priority["district_code"].astype(str), name="district_code"))
