"""One district hour by hour, for the app's charts and threshold table (and any other caller).

The same model as the ranking (``pipeline.simulate``): the district at its τ and at both ends of the τ
band, its outdoor and apparent temperatures, its power by the hour, and the hours to each health
threshold. The app asks for these series and draws them; it never runs physics itself.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from . import indices, physics, pipeline


def _step_hours(result: pipeline.RankResult) -> np.ndarray:
    """Step lengths [h] the pipeline used, from the indoor series' step boundaries."""
    bounds = result.indoor_c["time"].values
    return np.diff(bounds).astype("timedelta64[s]").astype(float) / 3600.0


def _simulate_one(result: pipeline.RankResult, code: str, tau_hours=None):
    """Indoor temperature (member, time+1) and equilibrium (member, time) for one district."""
    forecast = result.forecast.sel(district=[code])
    power = None if result.power_on is None else result.power_on.sel(district=[code]).values
    indoor, temp_eq = pipeline.simulate(forecast, result.detail.loc[[code]], result.params,
                                        _step_hours(result), tau_hours=tau_hours, power=power)
    return indoor[0], temp_eq[0]


@dataclasses.dataclass(frozen=True)
class DistrictDetail:
    """One district modelled hour by hour, for its charts and threshold table.

    ``series``: index time (UTC) [°C]; outdoor median/P10/P90 and wind chill median (at step
    starts); indoor median/P10/P90 over ensemble members at the district's τ, and the member
    median at τ low and τ high (at step boundaries).
    ``series`` also holds ``power_on``, the share of each step with power [0..1] (at step starts):
    from the hourly schedule when one was given, else the district's daily share.
    ``hours``: hours from forecast start until indoor temperature falls below 18, 12 and 5 °C [h]
    (index: the minimal, moderate and very-high thresholds of the settings); columns ensemble
    median, P10, P90 at the district's τ, and median at τ low and τ high. NaN: not within the
    horizon (counted as later than any time for the median and quantiles, as in the pipeline).
    """

    series: pd.DataFrame
    hours: pd.DataFrame


def district_detail(result: pipeline.RankResult, code: str) -> DistrictDetail:
    """Model one district at its τ and at both ends of the τ band (three runs of ``pipeline.simulate``)."""
    p = result.params
    dt = _step_hours(result)
    runs = {"": float(result.detail.at[code, "tau_hours"]), "tau_low": p.tau_low_hours, "tau_high": p.tau_high_hours}
    runs = {tag: (tau, *_simulate_one(result, code, tau)) for tag, tau in runs.items()}

    temp = result.forecast["temp_c"].sel(district=code).transpose("member", "time").values
    wind = result.forecast["wind_kmh"].sel(district=code).transpose("member", "time").values
    felt = indices.apparent_cold_c(temp, wind)
    outdoor = pd.DataFrame({
        "outdoor_c": np.median(temp, axis=0),
        "outdoor_c_p10": np.quantile(temp, 0.1, axis=0),
        "outdoor_c_p90": np.quantile(temp, 0.9, axis=0),
        "wind_chill_c": np.median(felt, axis=0),
        "power_on": (np.full(temp.shape[1], np.nan_to_num(float(result.detail.at[code, "power_on_share"])))
                     if result.power_on is None else result.power_on.sel(district=code).values),
    }, index=pd.DatetimeIndex(result.forecast["time"].values, name="time"))
    indoor = runs[""][1]
    inside = pd.DataFrame({
        "indoor_c": np.median(indoor, axis=0),
        "indoor_c_p10": np.quantile(indoor, 0.1, axis=0),
        "indoor_c_p90": np.quantile(indoor, 0.9, axis=0),
        "indoor_c_tau_low": np.median(runs["tau_low"][1], axis=0),
        "indoor_c_tau_high": np.median(runs["tau_high"][1], axis=0),
    }, index=pd.DatetimeIndex(result.indoor_c["time"].values, name="time"))

    rows = {}
    for threshold in (p.minimal_c, p.moderate_c, p.very_high_c):
        row = {}
        for tag, (tau, indoor, temp_eq) in runs.items():
            hours = physics.first_crossing_hours(indoor, temp_eq, tau, dt, threshold)
            if tag:
                row[tag] = float(pipeline.median_hours(hours))
            else:
                row["median"] = float(pipeline.median_hours(hours))
                row["p10"] = float(pipeline.quantile_hours(hours, 0.1))
                row["p90"] = float(pipeline.quantile_hours(hours, 0.9))
        rows[threshold] = row
    hours = pd.DataFrame.from_dict(rows, orient="index")[["median", "p10", "p90", "tau_low", "tau_high"]]
    return DistrictDetail(outdoor.join(inside, how="outer").astype(float), hours)
