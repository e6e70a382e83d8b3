"""Cold harm from the physics -> score -> severity -> main driver (risk model v2; README: "The model").

The score is a fixed monotone transform of the expected **cold harm** of a district: residents of
unheated homes × hours they spend in each indoor health band within the horizon, band-weighted,
averaged over the ensemble members (hours integrate exposure: Collins' thresholds are durations
[Collins1986]):

    h_b      = ensemble-mean hours below the band edges 16, 12, 9, 5 °C          [h]
    W        = w₁·(h₁₆ − h₁₂) + w₂·(h₁₂ − h₉) + w₃·(h₉ − h₅) + w₄·h₅               [h]  (weights 1, 2, 4, 8)
    a        = min(a_max, places · (hours open/24) · horizon / (residents · h₁₆))   share absorbed
    harm     = residents · W · (1 − a)                                          [person-hours]
    risk     = log10(1 + harm), at least 0.1 when harm > 0, at most 10          (0 when harm = 0)

Coping acts only where it acts: heating while powered through T_eq (physics), warming places by
the exposure they can absorb (``a``). Hours without power and outdoor cold enter only through the
modelled indoor temperature, so nothing is counted twice, and no factor can bring the harm of
people in the cold to zero (a ≤ a_max < 1). The scale is fixed: a score means the same next week,
and one district's score never depends on another's. One point is a factor of ten in harm.

Vulnerability (share of residents aged 65+) is shown beside the score, not inside it: the health
bands come from studies of older people [Collins1986] [WHO2018], so weighting the same hours again
by age would count it twice.

Missing inputs take stated, worst-case assumptions (pipeline): unknown outage = emergency, 24 h off;
unknown warming places = 0; unknown ``unheated_since`` = the home has reached its equilibrium;
``risk_low`` is the score with the benign extreme of each missing input, so every plausible value
gives a score within ``risk_low``–``risk_high`` (= ``risk_score``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .config import ModelParams

#: Ensemble-mean hours below the band edges low_c, exposure_c, high_c, very_high_c (pipeline metrics).
BAND_HOURS = ("mean_hours_below_16c", "mean_hours_below_12c", "mean_hours_below_9c", "mean_hours_below_5c")

#: Main drivers, in the order preferred on a tie; the decomposition gives each a number of score points.
DRIVERS = {
    "people": "people exposed",
    "cold": "forecast cold",
    "power": "hours without power",
    "since": "already cold since",
    "warming": "few warming places",
    "missing": "missing data",
}
NO_DRIVER = "nobody in the cold"
#: The smallest published score of a district with any harm (one published decimal).
MIN_SCORE = 0.1
MAX_SCORE = 10.0


def weighted_hours(band_hours, p: ModelParams):
    """Band-weighted hours per resident [h] from hours below 16, 12, 9, 5 °C (last axis, [h]).

    W = Σ_b w_b · (hours in band b) = Σ_j (w_j − w_{j−1}) · h_j with w₀ = 0 (``band_weights``).
    """
    h = np.asarray(band_hours, dtype=float)
    w = np.asarray(p.band_weights, dtype=float)
    increments = np.diff(np.concatenate([[0.0], w]))
    return h @ increments


def absorbed_share(warming_places, residents, hours_below_16c, p: ModelParams):
    """Share of the exposure (person-hours below 16 °C) warming places can absorb [0, a_max].

    capacity [person-h] = places · warming_hours_per_day / 24 · horizon_hours; unknown places (NaN)
    count as none (stated assumption). 0 where nobody is exposed.
    """
    places = np.nan_to_num(np.asarray(warming_places, dtype=float), nan=0.0, posinf=np.inf)
    with np.errstate(over="ignore"):
        capacity = np.clip(places, 0.0, None) * (p.warming_hours_per_day / 24.0 * p.horizon_hours)
    exposure = np.asarray(residents, dtype=float) * np.asarray(hours_below_16c, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(exposure > 0, capacity / exposure, 0.0)
    return np.clip(share, 0.0, p.warming_max_absorbed_share)


def cold_harm(residents, weighted, absorbed):
    """Band-weighted person-hours: residents × W × (1 − absorbed share) [person-h]."""
    return np.clip(np.asarray(residents, dtype=float), 0.0, None) * np.asarray(weighted, dtype=float) \
        * (1.0 - np.asarray(absorbed, dtype=float))


def score(harm):
    """Risk 0–10 from the cold harm [person-h]: log10(1 + harm), ≥ 0.1 when harm > 0 (so that any
    harm shows in the published decimal), ≤ 10; NaN stays NaN. Fixed and monotone."""
    harm = np.asarray(harm, dtype=float)
    with np.errstate(invalid="ignore"):
        s = np.where(harm > 0, np.clip(np.log10(1.0 + np.clip(harm, 0.0, None)), MIN_SCORE, MAX_SCORE), 0.0)
    s = np.where(np.isnan(harm), np.nan, s)
    return s if s.ndim else float(s)


def severity(residents, p_below_12c, p_below_5c, p_below_12c_lead, p_below_5c_lead, p: ModelParams):
    """Severity 1–5 in physical terms (``ModelParams.labels``), after an impact × likelihood matrix
    (``defaults.toml`` [scores]; "likely" = ensemble probability ≥ likely_probability; N =
    severity_people, M = severity_people_many; "lead" = lead_hours):

    5  ≥ M residents likely below 5 °C within the lead time
    4  ≥ N likely below 5 °C within the lead time, or ≥ M likely below 5 °C within the horizon
    3  ≥ N likely below 5 °C within the horizon, or below 12 °C within the lead time
    2  ≥ 1 resident and P(below 12 °C within the horizon) > 0 (some member)
    1  otherwise; 0 where residents are unknown.
    Each rule is monotone: more residents or higher probabilities never lower the level.
    """
    r = np.asarray(residents, dtype=float)
    n, m = r >= p.severity_people, r >= p.severity_people_many
    p12, p5, p12_lead, p5_lead = (np.asarray(x, dtype=float) >= p.likely_probability
                                  for x in (p_below_12c, p_below_5c, p_below_12c_lead, p_below_5c_lead))
    level = np.where((r >= 1) & (np.asarray(p_below_12c, dtype=float) > 0), 2, 1)
    level = np.where(n & (p5 | p12_lead), 3, level)
    level = np.where((n & p5_lead) | (m & p5), 4, level)
    level = np.where(m & p5_lead, 5, level)
    return np.where(np.isnan(r), 0, level).astype(int)


def harm(residents, warming_places, band_hours, p: ModelParams) -> dict[str, np.ndarray]:
    """Weighted hours [h], absorbed share, cold harm [person-h] and score per district (arrays).

    ``band_hours`` (district, 4): ensemble-mean hours below 16, 12, 9, 5 °C [h]; ``warming_places``
    NaN = unknown (none).
    """
    band_hours = np.asarray(band_hours, dtype=float)
    weighted = weighted_hours(band_hours, p)
    absorbed = absorbed_share(warming_places, residents, band_hours[:, 0], p)
    harm_ = cold_harm(residents, weighted, absorbed)
    return {"weighted_hours": weighted, "absorbed_share": absorbed, "cold_harm": harm_, "risk": score(harm_)}


def harm_table(m: pd.DataFrame, p: ModelParams) -> pd.DataFrame:
    """``harm`` as a frame; ``m`` columns: residents_unheated, warming_places and ``BAND_HOURS``."""
    return pd.DataFrame(harm(m["residents_unheated"].to_numpy(float), m["warming_places"].to_numpy(float),
                             m[list(BAND_HOURS)].to_numpy(float), p), index=m.index)


#: Counterfactual weighted hours per resident [h] ``decompose`` needs, each from a run of the
#: ensemble-mean forecast: as modelled, with power all day, with heat lost at the forecast start, both.
VARIANTS = ("weighted_hours_mean", "weighted_hours_power_on", "weighted_hours_fresh", "weighted_hours_benign")


def reference_score(p: ModelParams) -> float:
    """Score of the reference district the decomposition starts from: one block of flats
    (``residents_per_building``) spending the whole horizon at 12–16 °C (W = horizon · w₁) with
    warming places absorbing the most they can (``warming_max_absorbed_share``)."""
    return float(score(p.residents_per_building * p.horizon_hours * p.band_weights[0]
                       * (1.0 - p.warming_max_absorbed_share)))


def decompose(d: pd.DataFrame, p: ModelParams) -> pd.DataFrame:
    """Score points each factor adds to a district's harm; the app's "why this rank" and ``main_driver``.

    ``d`` columns (per district): residents_unheated, risk, risk_low, absorbed_share, weighted_hours
    (the ensemble as modelled) and ``VARIANTS`` [h]. With S(r, W, k) = score(r · W · k), k_max =
    1 − a_max, the points telescope from ``reference_score`` (S₀ = S(R₀, W₀, k_max)) to the score:

    - people exposed: S(R, W₀, k_max) − S₀ (R₀ = one block of flats);
    - forecast cold: S(R, W_benign, k_max) − S(R, W₀, k_max), plus the ensemble's spread around its
      mean S(R, W, k_max) − S(R, W_mean, k_max) (the weather, as the members have it);
    - hours without power, already cold since …: the two-factor Shapley split of
      S(R, W_mean, k_max) − S(R, W_benign, k_max) (each factor's effect averaged over both orders);
    - few warming places: risk − S(R, W, k_max) (≥ 0: places short of absorbing the most they can);

    so that S₀ + people + cold + power + since + warming = risk exactly (up to rounding). Missing data
    (risk − risk_low) is shown beside them: the part of the points above that rests on assumed inputs.

    ``main_driver``: the factor whose points exceed the median of that factor over the list's
    districts with any harm by the most (``relative_*``): what sets the district apart on this list.
    With fewer than two such districts, the factor adding the most points. Ties: ``DRIVERS`` order.
    """
    residents = np.clip(d["residents_unheated"].to_numpy(float), 0.0, None)
    k_max = 1.0 - p.warming_max_absorbed_share
    w_ref = p.horizon_hours * p.band_weights[0]

    def s(weighted):
        return np.asarray(score(residents * np.asarray(weighted, dtype=float) * k_max), dtype=float)

    s0 = reference_score(p)
    risk = d["risk"].to_numpy(float)
    s_people = s(np.full(len(d), w_ref))
    s_benign, s_on, s_fresh, s_mean = (s(d[c].to_numpy(float)) for c in (
        "weighted_hours_benign", "weighted_hours_power_on", "weighted_hours_fresh", "weighted_hours_mean"))
    s_ens = s(d["weighted_hours"].to_numpy(float))
    points = {
        "people": s_people - s0,
        "cold": (s_benign - s_people) + (s_ens - s_mean),
        "power": 0.5 * ((s_fresh - s_benign) + (s_mean - s_on)),
        "since": 0.5 * ((s_on - s_benign) + (s_mean - s_fresh)),
        "warming": risk - s_ens,
        "missing": risk - d["risk_low"].to_numpy(float),
    }
    out = pd.DataFrame({f"points_{k}": v for k, v in points.items()}, index=d.index)
    out["score_reference"] = s0
    stack = out[[f"points_{k}" for k in DRIVERS]].to_numpy()
    harmed = np.isfinite(risk) & (risk > 0)
    relative = stack - np.median(stack[harmed], axis=0) if harmed.sum() >= 2 else stack
    for i, k in enumerate(DRIVERS):
        out[f"relative_{k}"] = relative[:, i]
    names = np.array(list(DRIVERS.values()), dtype=object)[np.nan_to_num(relative, nan=-np.inf).argmax(axis=1)]
    out["main_driver"] = np.where(np.isnan(risk), "", np.where(risk > 0, names, NO_DRIVER))
    return out
