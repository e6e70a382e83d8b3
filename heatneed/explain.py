"""Why a district has its rank: the score's decomposition, the rank range its missing data allow,
and its rank at both ends of the τ band (the app's "Why this rank"; README: "Why this rank").

Pure functions of a ranking (``pipeline.RankResult``) or of a published list: nothing here runs
in the app only, and the app draws what these return.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from . import columns, pipeline, risk


def _published_score(values) -> pd.Series:
    """A score as the list publishes it (rounded like ``risk_score``): the ranking compares these."""
    return pd.Series(values, dtype=float).round(columns.BY_NAME["risk_score"].decimals)


def ranks(risk_score: pd.Series, residents: pd.Series, codes: pd.Series) -> pd.Series:
    """Rank 1… of each district (index kept) under the list's rule (``pipeline.ranking_order``),
    with the scores rounded as published."""
    order = pipeline.ranking_order(_published_score(risk_score).set_axis(risk_score.index), residents, codes)
    return pd.Series(np.arange(1, len(order) + 1), index=order).loc[risk_score.index]


def rank_range(priority: pd.DataFrame) -> pd.DataFrame:
    """Best and worst rank each district of a priority list can take within the score ranges its
    and the others' missing inputs allow (columns ``risk_low``, ``risk_high`` = ``risk_score``).

    Best: the district at ``risk_high`` and every other at its ``risk_low``; worst: the district at
    ``risk_low``, the others at ``risk_high``. Ties are broken as in the list (residents exposed,
    then code), which the missing inputs do not change. A district without a score keeps its rank.
    Index: ``district_code``; columns ``rank``, ``rank_best``, ``rank_worst``.
    """
    codes = priority["district_code"].astype(str).to_numpy(dtype=str)
    n, scale = len(codes), 10 ** columns.BY_NAME["risk_score"].decimals

    def published(column) -> np.ndarray:  # whole tenths (as published; no score: −1), exact as integers
        score = _published_score(priority[column].fillna(priority["risk_score"])).to_numpy()
        return np.rint(np.nan_to_num(score, nan=-1.0) * scale).astype(np.int64)

    high, low = published("risk_high"), published("risk_low")
    people = priority["residents_unheated"].astype(float).fillna(-1).to_numpy()
    # Ties go to more residents exposed, then the lower code: the district's place in that order
    # (0 first). j is ahead of i at scores (s_j, s_i) when (s_j, −place_j) > (s_i, −place_i), which one
    # integer per district orders: s·n + (n − 1 − place). Counting the keys above each district's
    # (sorted, searchsorted) is O(n log n): the pairwise comparison it replaces took 0.05 s and 30 MB
    # at 1,469 districts.
    place = np.empty(n, dtype=np.int64)
    place[np.lexsort((codes, -people))] = np.arange(n)

    def ahead(others: np.ndarray, mine: np.ndarray) -> np.ndarray:
        """For each district i: how many other districts j at ``others[j]`` are ahead of i at ``mine[i]``."""
        key_others, key_mine = others * n + (n - 1 - place), mine * n + (n - 1 - place)
        above = n - np.searchsorted(np.sort(key_others), key_mine, side="right")
        return above - (key_others > key_mine)  # i itself is not another district

    best = 1 + ahead(low, high)
    worst = 1 + ahead(high, low)
    return pd.DataFrame({"rank": priority["rank"].to_numpy(), "rank_best": best, "rank_worst": worst},
                        index=pd.Index(codes, name="district_code"))


def tau_ranks(result: pipeline.RankResult) -> pd.DataFrame:
    """Rank of every district with every district's τ at the band's low and high end
    (``tau_low_hours``, ``tau_high_hours``); index ``district_code``, columns ``rank_tau_low``,
    ``rank_tau_high``, ``risk_tau_low``, ``risk_tau_high``. From the band hours at τ's ends that a rank
    with ``sensitivity`` keeps (``pipeline.risk_at_tau_end``); else two kernel runs, no decomposition."""
    p, d = result.params, result.detail
    out = {}
    for tag, tau in (("tau_low", p.tau_low_hours), ("tau_high", p.tau_high_hours)):
        scores = pipeline.risk_at_tau_end(result, tag)
        if scores is None:  # ranked without sensitivity
            scores = pipeline.risk_at_tau(result, tau)
        out[f"risk_{tag}"] = scores
        out[f"rank_{tag}"] = ranks(scores, d["residents_unheated"], pd.Series(d.index, index=d.index))
    return pd.DataFrame(out, index=d.index)[["rank_tau_low", "rank_tau_high", "risk_tau_low", "risk_tau_high"]]


#: Inputs whose absence the score range covers, as ``pipeline._district_arrays`` names them.
MISSING_INPUTS = ("outage_status", "unheated_since", "warming_places", "share_65plus")


@dataclasses.dataclass(frozen=True)
class Why:
    """One district's explanation.

    ``contributions``: index = ``risk.DRIVERS`` keys but "missing"; columns ``points`` (score points
    the factor adds, from ``risk.decompose``) and ``relative`` (points above the median of the
    list's districts with any harm); ``reference`` + Σ points = ``risk``. ``missing_points``:
    risk − risk_low (``missing_relative``: above the list's median). ``missing``: names of the
    inputs the district lacks (``MISSING_INPUTS``).
    """

    code: str
    risk: float
    risk_low: float
    reference: float
    contributions: pd.DataFrame
    missing_points: float
    missing_relative: float
    main_driver: str
    missing: tuple[str, ...]
    rank: int
    rank_best: int
    rank_worst: int
    rank_tau_low: int | None
    rank_tau_high: int | None

    @property
    def harmed(self) -> bool:
        """Anyone modelled in the cold (else there is nothing to decompose)."""
        return bool(np.isfinite(self.risk) and self.risk > 0)


def why(result: pipeline.RankResult, code: str, tau: pd.DataFrame | None = None) -> Why:
    """Explain district ``code`` of ``result``; ``tau``: ``tau_ranks(result)`` when already computed
    (it is the costly part: the app caches it per ranking)."""
    row = result.detail.loc[code]
    keys = [k for k in risk.DRIVERS if k != "missing"]
    contributions = pd.DataFrame({"points": [float(row[f"points_{k}"]) for k in keys],
                                  "relative": [float(row[f"relative_{k}"]) for k in keys]}, index=keys)
    ranges = rank_range(result.priority).loc[code]
    tau = tau_ranks(result) if tau is None else tau
    missing = tuple(k for k in MISSING_INPUTS if k in row and pd.isna(row[k])
                    and not (k == "unheated_since" and not row["unheated_buildings"] > 0))
    return Why(code=code, risk=float(row["risk"]), risk_low=float(row["risk_low"]),
               reference=float(row["score_reference"]), contributions=contributions,
               missing_points=float(row["points_missing"]), missing_relative=float(row["relative_missing"]),
               main_driver=str(row["main_driver"]), missing=missing,
               rank=int(ranges["rank"]), rank_best=int(ranges["rank_best"]), rank_worst=int(ranges["rank_worst"]),
               rank_tau_low=int(tau.at[code, "rank_tau_low"]), rank_tau_high=int(tau.at[code, "rank_tau_high"]))
