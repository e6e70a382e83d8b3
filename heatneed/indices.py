"""Outdoor cold indices: wind chill and degree-hours/days. Pure, vectorised; NaN outside validity.

Every index is wrong until tested against its published vectors (tests/test_indices.py).
"""

from __future__ import annotations

import numpy as np


def wind_chill_metric(temp_air_c, wind_speed_kmh):
    """Wind chill temperature index [°C] from air temperature [°C] and 10 m wind [km/h].

    WCT = 13.12 + 0.6215·T − 11.37·V^0.16 + 0.3965·T·V^0.16 (JAG/TI 2001, Environment Canada / NWS).
    Defined for T ≤ 10 °C and V > 4.8 km/h; NaN elsewhere (callers decide the fallback).
    """
    t = np.asarray(temp_air_c, dtype=float)
    v = np.asarray(wind_speed_kmh, dtype=float)
    with np.errstate(invalid="ignore"):
        v16 = np.power(v, 0.16)
    wct = 13.12 + 0.6215 * t - 11.37 * v16 + 0.3965 * t * v16
    wct = np.where((t <= 10.0) & (v > 4.8), wct, np.nan)
    return wct if wct.ndim else float(wct)


def wind_chill_imperial(temp_air_f, wind_speed_mph):
    """Wind chill temperature index [°F] from air temperature [°F] and 10 m wind [mph].

    WCT = 35.74 + 0.6215·T − 35.75·V^0.16 + 0.4275·T·V^0.16 (NWS 2001). A separate regression
    from the metric form, not a unit conversion of it. Defined for T ≤ 50 °F and V > 3 mph; NaN elsewhere.
    """
    t = np.asarray(temp_air_f, dtype=float)
    v = np.asarray(wind_speed_mph, dtype=float)
    with np.errstate(invalid="ignore"):
        v16 = np.power(v, 0.16)
    wct = 35.74 + 0.6215 * t - 35.75 * v16 + 0.4275 * t * v16
    wct = np.where((t <= 50.0) & (v > 3.0), wct, np.nan)
    return wct if wct.ndim else float(wct)


def apparent_cold_c(temp_air_c, wind_speed_kmh):
    """Wind chill where it is defined, else the air temperature [°C] (calm or mild air)."""
    wct = np.asarray(wind_chill_metric(temp_air_c, wind_speed_kmh))
    return np.where(np.isnan(wct), temp_air_c, wct)


def degree_hours_below(temp, base, dt_hours=1.0, axis=-1):
    """Degree-hours below ``base`` [K·h]: Σ max(0, base − T)·Δt along ``axis``. NaN steps count 0."""
    deficit = np.clip(base - np.asarray(temp, dtype=float), 0.0, None)
    return np.nansum(deficit * dt_hours, axis=axis)


def heating_degree_days(daily_mean_c, base_c=15.5, axis=-1):
    """Heating degree-days [K·d] from daily mean temperatures: Σ max(0, base − T_mean).

    Simple base-temperature form ([Eurostat2023HDD]): base 15.5 °C (UK/Eurostat threshold
    family) or 18 °C: degree-hours with one-day steps.
    """
    return degree_hours_below(daily_mean_c, base_c, dt_hours=1.0, axis=axis)
