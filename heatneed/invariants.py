"""Checks run on every ranked list before anything is published or exported.

The model (``heatneed/physics.py``) relaxes the indoor temperature of unheated homes toward the
equilibrium ``T_eq = T_out + g_int + p_on·g_heat`` with ``0 ≤ p_on ≤ 1`` and gains ≥ 0, starting
from ``initial_indoor_c``. So every modelled indoor temperature of a district lies between

    lower = min(coldest forecast temperature, initial_indoor_c)          [°C]
    upper = max(initial_indoor_c, warmest T_out + g_int + g_heat)        [°C]

(``upper`` uses ``p_on = 1``, the warmest equilibrium any outage state allows). The published
figures must also mean what they say: probabilities in 0–1, scores in 0–10, hours within the
horizon, hours to 5 °C no earlier than hours to 12 °C, person-hours no more than residents ×
horizon. A violation raises ``InvariantError`` (exit 1): nothing is written.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import InvariantError

#: Tolerance of the temperature bounds [K]: float32 arithmetic of the kernels on the full-precision
#: values, plus half of the published one-decimal rounding.
TOLERANCE_K = 0.06


def temperature_bounds(coldest: np.ndarray, warmest: np.ndarray, initial_c: float, internal_gain_k: float,
                       heater_gain_k: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-district (lower, upper) indoor bounds [°C] from the coldest and warmest outdoor [°C]."""
    lower = np.fmin(coldest, initial_c)
    upper = np.fmax(warmest + internal_gain_k + max(heater_gain_k, 0.0), initial_c)
    return lower, upper


def violations(result) -> list[str]:
    """Problem lines for every broken invariant of a ``pipeline.RankResult`` (empty when sound)."""
    p, problems = result.params, []
    # The whole forecast given (not only the horizon): the spin-up may use earlier, observed rows.
    temp = result.inputs.forecast["temp_c"]
    dims = [d for d in temp.dims if d != "district"]
    coldest = np.asarray(temp.min(dim=dims).values, dtype=float)
    warmest = np.asarray(temp.max(dim=dims).values, dtype=float)
    lower, upper = temperature_bounds(coldest, warmest, p.initial_indoor_c, p.internal_gain_k, p.heater_gain_k)
    codes = [str(c) for c in temp["district"].values]
    bounds = pd.DataFrame({"lower": lower, "upper": upper}, index=codes)
    # Per-district extremes of the float32 temperatures as the kernel wrote them, reduced in place
    # (no float64 copy: a float32 value converts exactly). fmin/fmax skip NaN but keep ±inf.
    indoor = np.asarray(result.indoor_c.transpose("district", "member", "time").values)
    if indoor.size:
        low, high = np.fmin.reduce(indoor, axis=(1, 2)), np.fmax.reduce(indoor, axis=(1, 2))
        if np.isneginf(low).any() or np.isposinf(high).any():
            problems.append("indoor temperature not finite")
        b = bounds.reindex([str(c) for c in result.indoor_c["district"].values])
        blo, bhi = b["lower"].to_numpy(float), b["upper"].to_numpy(float)
        outside = (low < blo - TOLERANCE_K) | (high > bhi + TOLERANCE_K)
        for code, lo, hi, lo_b, hi_b in zip(b.index[outside], low[outside].astype(float), high[outside].astype(float),
                                            blo[outside], bhi[outside]):
            problems.append(f"district {code}: modelled indoor temperature {lo:.1f}…{hi:.1f} °C lies outside "
                            f"what the model allows ({lo_b:.1f}…{hi_b:.1f} °C)")
    pl = result.priority
    b = bounds.reindex(pl["district_code"].astype(str)).to_numpy()
    published = pd.to_numeric(pl["min_indoor_c"], errors="coerce").to_numpy(dtype=float)
    bad = (published < b[:, 0] - TOLERANCE_K) | (published > b[:, 1] + TOLERANCE_K) | np.isinf(published)
    for code, value in zip(pl["district_code"][bad], published[bad]):
        problems.append(f"district {code}: published min_indoor_c {value} °C lies outside what the model allows")
    horizon = float(np.sum(np.diff(result.indoor_c["time"].values) / np.timedelta64(1, "h"))) \
        if result.indoor_c.sizes.get("time", 0) > 1 else 0.0
    ranges = {"p_indoor_below_12c": (0.0, 1.0), "risk_score": (0.0, 10.0), "severity": (0, 5),
              "hours_to_12c": (0.0, horizon + 0.05), "hours_to_5c": (0.0, horizon + 0.05),
              "residents_unheated": (0, np.inf), "unheated_buildings": (0, np.inf),
              "person_hours_below_12c": (0, np.inf), "hours_off_per_day": (0.0, 24.0)}
    for column, (lo, hi) in ranges.items():
        if column not in pl:
            continue
        values = pd.to_numeric(pl[column], errors="coerce").astype(float).to_numpy()
        bad = (values < lo) | (values > hi) | np.isinf(values)
        for code, value in zip(pl["district_code"][bad], values[bad]):
            problems.append(f"district {code}: {column} = {value} outside {lo:g}…{hi:g}")
    h12 = pd.to_numeric(pl["hours_to_12c"], errors="coerce").astype(float)
    h5 = pd.to_numeric(pl["hours_to_5c"], errors="coerce").astype(float)
    for code in pl["district_code"][(h5 < h12 - 0.05).to_numpy()]:
        problems.append(f"district {code}: hours_to_5c earlier than hours_to_12c")
    residents = pd.to_numeric(pl["residents_unheated"], errors="coerce").astype(float)
    person_hours = pd.to_numeric(pl["person_hours_below_12c"], errors="coerce").astype(float)
    for code in pl["district_code"][(person_hours > residents * horizon + 1).to_numpy()]:
        problems.append(f"district {code}: person_hours_below_12c exceeds residents × horizon")
    return problems


def check(result) -> None:
    """Raise ``InvariantError`` naming the first broken invariants of ``result``."""
    problems = violations(result)
    if problems:
        shown = "; ".join(problems[:5]) + (f"; … and {len(problems) - 5} more" if len(problems) > 5 else "")
        raise InvariantError(f"refused to publish a list the model cannot produce: {shown}")
