"""Exposure metrics -> dimension scores -> risk -> severity -> ranking with drivers.

Structure after INFORM Risk [INFORM2017]: three dimensions on fixed 0–10 scales,
higher = worse, combined by a geometric mean (non-compensatory):

    risk = (HE · V · LCC)^(1/3)   over the dimensions available for the district

- HE, hazard & exposure = √(hazard · exposure)
  hazard   = health-band score of the coldest modelled indoor temperature (ensemble median):
             piecewise linear through 18 °C→0, 16→2, 12→4, 9→6, 5→8, 0→10 (WHO 2018; Collins 1986)
  exposure = 10 · log10(1 + residents) / log10(1 + exposure_full_residents)
- V, vulnerability = 10 · share_65plus / vulnerability_full_share_65plus (clipped)
- LCC, lack of coping capacity = mean of the components available:
  power    = 10 · (1 − share of the heat deficit that plug-in heaters can cover while powered)
             = 10 · clip(1 − p_on·g_heat / (18 °C − (mean T_out + g_int)), 0, 1)
  warming  = 10 · clip(1 − warming_places / (target_share · residents), 0, 1)

Scales are fixed (never rescaled to the districts in view), so a score means the same next week
and adding or removing a district never changes another district's score. Missing data is never
imputed: the dimension or component is left out and ``completeness`` says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .config import ModelParams

DRIVERS = {
    "hazard": "indoor cold",
    "exposure": "people exposed",
    "vulnerability": "older residents",
    "power": "hours without power",
    "warming": "few warming places",
}


def hazard_score(min_indoor_c, p: ModelParams):
    """0–10 from the coldest indoor temperature [°C], linear between the health-band edges."""
    edges = [p.very_high_c - 5.0, p.very_high_c, p.high_c, p.moderate_c, p.low_c, p.minimal_c]
    scores = [10.0, 8.0, 6.0, 4.0, 2.0, 0.0]
    return np.interp(np.asarray(min_indoor_c, dtype=float), edges, scores)


def exposure_score(residents, p: ModelParams):
    """0–10 on a log scale of residents of unheated buildings (10 at ``exposure_full_residents``)."""
    r = np.clip(np.asarray(residents, dtype=float), 0, None)
    return np.clip(10.0 * np.log10(1.0 + r) / np.log10(1.0 + p.exposure_full_residents), 0.0, 10.0)


def vulnerability_score(share_65plus, p: ModelParams):
    """0–10, linear in the share of residents aged 65+ (NaN where unknown)."""
    return np.clip(10.0 * np.asarray(share_65plus, dtype=float) / p.vulnerability_full_share_65plus, 0.0, 10.0)


def power_score(power_on_share, mean_temp_out_c, p: ModelParams):
    """0–10: share of the heat deficit (to 18 °C) that heaters cannot cover in the hours with power."""
    deficit = p.minimal_c - (np.asarray(mean_temp_out_c, dtype=float) + p.internal_gain_k)
    covered = np.asarray(power_on_share, dtype=float) * p.heater_gain_k
    with np.errstate(divide="ignore", invalid="ignore"):
        uncovered = np.where(deficit > 0, 1.0 - covered / deficit, 0.0)
    return np.where(np.isnan(power_on_share), np.nan, 10.0 * np.clip(uncovered, 0.0, 1.0))


def warming_score(warming_places, residents, p: ModelParams):
    """0–10: shortfall of warming-place capacity against ``target_share`` of exposed residents."""
    need = p.warming_place_target_share * np.asarray(residents, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        shortfall = np.where(need > 0, 1.0 - np.asarray(warming_places, dtype=float) / need, 0.0)
    return np.where(np.isnan(warming_places), np.nan, 10.0 * np.clip(shortfall, 0.0, 1.0))


def geometric_mean(*dimensions):
    """Geometric mean over the dimensions that are not NaN (INFORM: (H·V·C)^(1/3)); NaN if none."""
    stack = np.vstack([np.asarray(d, dtype=float) for d in dimensions])
    present = ~np.isnan(stack)
    count = present.sum(axis=0)
    with np.errstate(divide="ignore"):
        log_sum = np.where(present, np.log(np.where(present, stack, 1.0)), 0.0).sum(axis=0)
    out = np.where(count > 0, np.exp(log_sum / np.maximum(count, 1)), np.nan)
    return out if out.ndim else float(out)


def severity(risk, p: ModelParams):
    """Severity class 1–5 from the risk score (fixed cut-points); 0 where risk is unknown."""
    risk = np.asarray(risk, dtype=float)
    return np.where(np.isnan(risk), 0, np.digitize(risk, p.severity_cuts) + 1).astype(int)


def score_table(m: pd.DataFrame, p: ModelParams) -> pd.DataFrame:
    """Dimension scores, risk, severity and main driver per district from its metrics.

    ``m`` columns: residents_unheated, min_indoor_c, power_on_share (NaN = unknown outage status),
    mean_temp_c, share_65plus, warming_places (NaN = unknown).
    """
    s = {"hazard": hazard_score(m["min_indoor_c"], p), "exposure": exposure_score(m["residents_unheated"], p),
         "vulnerability": vulnerability_score(m["share_65plus"], p),
         "power": power_score(m["power_on_share"], m["mean_temp_c"], p),
         "warming": warming_score(m["warming_places"], m["residents_unheated"], p)}
    s["hazard_exposure"] = np.sqrt(s["hazard"] * s["exposure"])
    coping = np.column_stack([s["power"], s["warming"]])  # mean of those known; NaN if neither is
    known = (~np.isnan(coping)).sum(axis=1)
    s["lack_of_coping"] = np.where(known > 0, np.nansum(coping, axis=1) / np.maximum(known, 1), np.nan)
    s["risk"] = geometric_mean(s["hazard_exposure"], s["vulnerability"], s["lack_of_coping"])
    s["severity"] = severity(np.round(s["risk"], 1), p)
    # The component that scores highest (the first of DRIVERS on a tie); none where risk is unknown.
    components = np.nan_to_num(np.column_stack([s[c] for c in DRIVERS]), nan=-1.0)
    names = np.array(list(DRIVERS.values()), dtype=object)[components.argmax(axis=1)]
    s["main_driver"] = np.where(np.isnan(s["risk"]), "", names)
    return pd.DataFrame(s, index=m.index)  # one frame: inserting columns one by one costs more
