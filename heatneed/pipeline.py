"""The one ranking pipeline called by the CLI, the app and the refresh job.

validated inputs -> physics over (district, member, time) -> metrics -> scores -> ranked list.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from . import columns as list_columns
from . import indices, physics, risk
from .columns import PRIORITY_COLUMNS  # noqa: F401  (the list's columns, re-exported for callers)
from .config import ModelParams
from . import invariants
from .datastate import DataState, data_state
from .errors import InputError, located, reading
from .inputs import EMBEDDED_SCENARIO, Inputs, load_districts, load_reports, sha256_of  # noqa: F401
from .sources import read_forecast_file
from .sources.base import iso_utc
from .sources.registry import SCENARIO_FORECAST_NAMES, scenario_names


DEFAULT_HOURS_OFF = {"none": 0.0, "emergency": 24.0}


# --------------------------------------------------------------------------- assembling inputs

def scenario_files(directory: Path) -> dict[str, Path]:
    """The input files of a scenario folder (README: Command line ``--scenario``)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(located(directory, "scenario folder not found"))
    files = {}
    for role in ("districts", "unheated", "outages"):  # districts.csv, or .xlsx, .ods, .parquet…
        found = [directory / n for n in scenario_names(role) if (directory / n).exists()]
        if len(found) > 1:
            raise InputError(located(directory, f"scenario folder holds {', '.join(p.name for p in found)}; keep one"))
        files[role] = found[0] if found else directory / f"{role}.csv"
    forecasts = [directory / n for n in SCENARIO_FORECAST_NAMES if (directory / n).exists()]
    missing = [str(p.name) for p in files.values() if not p.exists()] + ([] if forecasts else ["forecast.*"])
    if missing:
        raise InputError(located(directory, f"scenario folder lacks {', '.join(missing)}"))
    if len(forecasts) > 1:
        raise InputError(located(directory, f"scenario folder holds {len(forecasts)} forecasts "
                                            f"({', '.join(p.name for p in forecasts)}); keep one"))
    files["forecast"] = forecasts[0]
    return files


def _is_embedded(value) -> bool:
    """A path inside the embedded scenario's folder."""
    try:
        return Path(value).resolve().parent == EMBEDDED_SCENARIO.resolve()
    except (OSError, ValueError, RuntimeError):
        return False


def load_inputs(districts=None, unheated=None, outages=None, forecast=None, scenario=None,
                names: dict[str, str] | None = None, illustrative=(), outage_schedule=None,
                district_queues=None, schedule_settings=None) -> Inputs:
    """Validated inputs; each one not given comes from ``scenario`` or the embedded Kyiv scenario.

    Each argument is a path, raw bytes (``names`` then gives the file name for messages), or for
    ``forecast`` an already fetched ``xarray.Dataset`` or a callable that fetches one for the
    validated district registry (live sources). ``illustrative``: roles the caller derived from
    the embedded scenario (e.g. edited in the app); with the roles read from the embedded
    scenario's folder they make ``Inputs.embedded``.
    ``outage_schedule`` and ``district_queues`` (both or
    neither; never from the scenario) give hourly power (``heatneed.schedules``) under
    ``schedule_settings`` (``schedules.ScheduleSettings``; default: ``[inputs]`` of defaults.toml).
    """
    base = scenario_files(scenario or EMBEDDED_SCENARIO)
    given = {"districts": districts, "unheated": unheated, "outages": outages, "forecast": forecast}
    chosen = {role: base[role] if value is None else value for role, value in given.items()}
    embedded = tuple(role for role, value in chosen.items()
                     if role in illustrative or (isinstance(value, (str, Path)) and _is_embedded(value)))
    names = dict(names or {})
    for role, value in chosen.items():
        if isinstance(value, (str, Path)):
            names.setdefault(role, Path(value).name)

    def name_of(role):
        return names.get(role) or role

    with reading(name_of("districts")):  # any reader failure: exit 2 naming the file
        registry = load_districts(chosen["districts"], names.get("districts"))
    with reading(name_of("unheated")):
        unheated_df = load_reports(chosen["unheated"], "unheated", registry, names.get("unheated"))
    with reading(name_of("outages")):
        outages_df = load_reports(chosen["outages"], "outages", registry, names.get("outages"))
    fc = chosen["forecast"]
    if callable(fc):
        fc = fc(registry)
    if isinstance(fc, xr.Dataset):
        from .sources.base import conform

        fc = conform(fc, registry, fc.attrs.get("source", "forecast"))
    elif isinstance(fc, (bytes, bytearray)):
        with reading(name_of("forecast")):
            fc = _forecast_from_bytes(bytes(fc), registry, names.get("forecast", "forecast"))
    else:
        with reading(name_of("forecast")):
            fc = read_forecast_file(fc, registry, names.get("forecast"))
    power = None
    if outage_schedule is not None or district_queues is not None:
        from . import schedules

        chosen.update(outage_schedule=outage_schedule, district_queues=district_queues)
        for role in ("outage_schedule", "district_queues"):
            if isinstance(chosen[role], (str, Path)):
                names.setdefault(role, Path(chosen[role]).name)
        settings = schedule_settings or schedules.ScheduleSettings.from_config(None)
        power = schedules.load_hourly_power(outage_schedule, district_queues, registry, settings, names)
    hashes = {role: sha256_of(v) for role, v in chosen.items() if isinstance(v, (str, Path, bytes))}
    return Inputs(registry, unheated_df, outages_df, fc, files=names, hashes=hashes, embedded=embedded,
                  hourly_power=power)


def _forecast_from_bytes(data: bytes, registry: pd.DataFrame, name: str) -> xr.Dataset:
    import tempfile

    suffix = Path(name).suffix.lower() or ".csv"
    with tempfile.TemporaryDirectory() as tmp:  # readers of NetCDF/GRIB need a real file
        path = Path(tmp) / f"upload{suffix}"  # never the uploader's file name as a path
        path.write_bytes(data)
        ds = read_forecast_file(path, registry, name=name)
        return ds.load()


# --------------------------------------------------------------------------- result

@dataclass
class RankResult:
    """Everything a UI needs: the priority list, per-district detail and the modelled temperatures."""

    priority: pd.DataFrame  # README: Priority list columns, ranked
    detail: pd.DataFrame  # index district_code: scores, ensemble P10/P90, τ sensitivity, inputs used
    indoor_c: xr.DataArray  # (district, member, time) at step boundaries [°C]
    forecast: xr.Dataset  # trimmed to the horizon
    params: ModelParams
    inputs: Inputs
    data_state: DataState
    #: Share of each step with power (district, time) [0..1] when an hourly schedule was given, else None
    #: (then every step has the district's daily share, ``detail["power_on_share"]``).
    power_on: xr.DataArray | None = None

    @property
    def stale(self) -> bool:
        """The forecast is older than ``stale_after_hours`` or a snapshot standing in for a source."""
        return self.data_state.stale


# --------------------------------------------------------------------------- physics over the grid

def _horizon(forecast: xr.Dataset, horizon_hours: float) -> tuple[xr.Dataset, np.ndarray]:
    """Steps from the first forecast time through the horizon, and their lengths [h]."""
    times = pd.DatetimeIndex(forecast["time"].values)
    if len(times) < 2:
        raise InputError(located(forecast.attrs.get("source", "forecast"), "needs at least two time steps",
                                 column="time"))
    hours = np.diff(times.values).astype("timedelta64[s]").astype(float) / 3600.0
    dt = np.append(hours, hours[-1])  # the last value holds for one more step of the same length
    keep = int(np.count_nonzero(np.concatenate([[0.0], np.cumsum(dt)[:-1]]) < horizon_hours))
    return forecast.isel(time=slice(0, keep)), dt[:keep]  # a prefix: a view, not a copy


def _district_arrays(inputs: Inputs, p: ModelParams, t0: pd.Timestamp) -> pd.DataFrame:
    """Per-district model inputs (registry order): residents, τ, power share, heat-loss time."""
    reg = inputs.districts
    uh = inputs.unheated.reindex(reg.index)
    out = inputs.outages.reindex(reg.index)
    missing = pd.Series(np.nan, index=reg.index)
    a = {"unheated_buildings": uh["unheated_buildings"]}  # built as one frame, not column by column
    per_building = p.residents_per_building
    if "buildings_residential" in reg:
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = reg["population"] / reg["buildings_residential"].where(reg["buildings_residential"] > 0)
        a["per_building"] = ratio.fillna(per_building)
        a["per_building_estimated"] = ratio.isna()
    else:
        a["per_building"] = pd.Series(float(per_building), index=reg.index)
        a["per_building_estimated"] = pd.Series(True, index=reg.index)
    residents = uh["residents"] if "residents" in uh else missing
    a["residents_reported"] = residents.notna()
    a["residents_unheated"] = residents.fillna(a["unheated_buildings"] * a["per_building"]).round()
    a["tau_hours"] = reg["tau_hours"].fillna(p.tau_hours) if "tau_hours" in reg else \
        pd.Series(float(p.tau_hours), index=reg.index)
    a["outage_status"] = out["status"]
    hours_off = out["hours_off_per_day"] if "hours_off_per_day" in out else missing
    a["hours_off_per_day"] = hours_off.fillna(out["status"].map(DEFAULT_HOURS_OFF))
    # Unknown outage status: emergency, 24 h off (stated assumption, worst case; in completeness).
    a["power_on_share"] = 1.0 - a["hours_off_per_day"].fillna(DEFAULT_HOURS_OFF["emergency"]) / 24.0
    a["unheated_since"] = uh["unheated_since"] if "unheated_since" in uh else pd.Series(pd.NaT, index=reg.index)
    a["unheated_reported_at"] = uh["reported_at"]
    a["share_65plus"] = reg["share_65plus"] if "share_65plus" in reg else missing
    # Shown beside the score, never in it: the national figure where the registry has none (stated).
    a["share_65plus_used"] = a["share_65plus"].fillna(p.share_65plus_national)
    a["warming_places"] = reg["warming_places"] if "warming_places" in reg else missing
    return pd.DataFrame(a, index=reg.index)


#: Columns of the per-district model inputs ``cooling_inputs`` hands to ``district_metrics``.
COOLING_COLUMNS = ("tau_hours", "power_on_share", "gap_hours", "heated_steps")
#: Per-district results of ``district_metrics``, in its column order (ensemble median unless tagged).
METRIC_COLUMNS = (
    "min_temp_c", "min_wind_chill_c", "hours_to_12c", "hours_to_5c", "min_indoor_c_p10", "hours_to_12c_p10",
    "min_indoor_c_p90", "hours_to_12c_p90", "min_indoor_c", "hours_below_12c", "p_indoor_below_12c",
    "degree_hours_below_18c", "mean_temp_c",
    # risk model v2: probabilities over the members, and ensemble-mean hours below each band edge
    "p_indoor_below_5c", "p_below_12c_lead", "p_below_5c_lead", *risk.BAND_HOURS,
)
#: The τ band's ends (``tau_low_hours``, ``tau_high_hours``) as the sensitivity columns tag them.
TAU_ENDS = ("tau_low", "tau_high")
#: Per-district ensemble-mean hours below each band edge (``risk.BAND_HOURS``) at each end of the τ
#: band, e.g. ``mean_hours_below_16c_tau_low``: ``explain.tau_ranks`` scores the ranks at τ's ends
#: from them without another kernel run.
TAU_BAND_HOURS = {tag: tuple(f"{c}_{tag}" for c in risk.BAND_HOURS) for tag in TAU_ENDS}
SENSITIVITY_COLUMNS = ("min_indoor_c_tau_low", "hours_to_12c_tau_low", "min_indoor_c_tau_high",
                       "hours_to_12c_tau_high", *TAU_BAND_HOURS["tau_low"], *TAU_BAND_HOURS["tau_high"])
#: Per (district, member) results behind them, before the ensemble statistics.
MEMBER_COLUMNS = ("min_temp_c", "min_wind_chill_c", "min_indoor_c", "hours_below_12c", "degree_hours_below_18c",
                  "mean_temp_c", "hours_to_12c", "hours_to_5c", "hours_below_16c", "hours_below_9c", "hours_below_5c")
#: Per (district, member) hours below the band edges 16, 12, 9, 5 °C (``risk.BAND_HOURS`` are their means).
MEMBER_BAND_HOURS = ("hours_below_16c", "hours_below_12c", "hours_below_9c", "hours_below_5c")
#: Per (district, member) results behind ``SENSITIVITY_COLUMNS`` (the band hours before their mean).
SENSITIVITY_MEMBER_COLUMNS = SENSITIVITY_COLUMNS[:4] + tuple(f"{c}_{tag}" for tag in TAU_ENDS
                                                             for c in MEMBER_BAND_HOURS)
#: Districts per block in ``district_metrics``: small enough that a block's float32 arrays (64 × 384 h ×
#: 51 members ≈ 5 MB each) mostly stay in cache between the passes over them, large enough that each
#: numpy call does real work (64 measured best among 32–256 on a 2-core machine).
BLOCK_DISTRICTS = 64
#: (district, member) lanes per block for runs of fewer members: as many as ``BLOCK_DISTRICTS`` districts
#: of a 51-member ensemble hold. The driver decomposition runs the one-member ensemble mean; in blocks of
#: 64 districts each numpy call there does too little work (4 × 1,469 districts × 72 h: 186 ms, 12 ms
#: in blocks of this many lanes; the same numbers, districts being independent).
BLOCK_LANES = BLOCK_DISTRICTS * 51
#: Threads for the blocks in process (numpy releases the GIL in its loops); dask tasks use one each.
THREADS = min(4, os.cpu_count() or 1)
#: Forecast cells (district × time × member) from which ``district_metrics`` runs the compiled kernel
#: of ``heatneed.fused``: below it, importing numba (~0.5 s) and loading its cached machine code would
#: cost more than the numpy passes save (the embedded Kyiv scenario has ~40,000 cells).
FUSED_MIN_CELLS = 2_000_000


def cooling_inputs(a: pd.DataFrame, times: pd.DatetimeIndex, tau_hours=None) -> np.ndarray:
    """Per-district inputs of the indoor model as a (district, 4) float array (``COOLING_COLUMNS``).

    ``a`` needs ``tau_hours`` [h], ``power_on_share`` (NaN = unknown: no power, the worst case) and
    ``unheated_since``; ``times`` are the forecast step starts. ``gap_hours`` [h] is how long the home
    has cooled before the first step, +inf when ``unheated_since`` is unknown (stated conservative
    start: heat lost long ago, the home at its equilibrium); ``heated_steps`` how many steps it is
    still heated (heat lost after the forecast start). ``tau_hours`` overrides every district's τ.
    """
    tau = a["tau_hours"].to_numpy(float) if tau_hours is None else np.full(len(a), float(tau_hours))
    p_on = np.nan_to_num(a["power_on_share"].to_numpy(float), nan=0.0)
    since = pd.to_datetime(a["unheated_since"], utc=True).dt.tz_localize(None)
    elapsed = ((times[0] - since).dt.total_seconds() / 3600.0).to_numpy(float)
    loss = since.to_numpy(dtype="datetime64[ns]")
    heated_steps = np.where(elapsed < 0, np.searchsorted(times.values, loss, side="left"), 0)
    gap = np.where(np.isnan(elapsed), np.inf, np.clip(elapsed, 0.0, None))
    return np.column_stack([tau, p_on, gap, heated_steps]).astype(float)


def _time_major(values: np.ndarray) -> np.ndarray:
    """A (district, time, member) array as contiguous float32 (time, district, member).

    Time first makes every step of the recurrence a contiguous slice and every reduction over
    time a run of long, vectorised row operations. The members of one district and hour are
    moved as one opaque item, twice as fast as numpy's element-wise transposing copy.
    """
    block = np.ascontiguousarray(values, dtype=np.float32)
    districts, steps, members = block.shape
    out = np.empty((steps, districts, members), dtype=np.float32)
    item = np.dtype((np.void, members * 4))
    out.view(item).reshape(steps, districts)[...] = block.view(item).reshape(districts, steps).T
    return out


def _cool(temp_out: np.ndarray, cooling: np.ndarray, dt: np.ndarray, p: ModelParams,
          out: np.ndarray | None = None, power: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Indoor temperature (time+1, district, member) and equilibrium (time, district, member) [°C].

    ``temp_out`` is float32 (time, district, member); ``cooling`` rows as ``cooling_inputs``.
    ``power``: share of each step with power (time, district) [0..1] from an hourly schedule; None
    = the daily share ``cooling[:, 1]`` in every step (its special case, same numbers).
    """
    # Per (district, member) lane, not (district, 1): broadcasting a column over the members would
    # make numpy loop over runs of one district's members instead of whole time slices.
    lanes = np.ones(temp_out.shape[1:], dtype=np.float32)
    tau, p_on, gap = (lanes * cooling[:, [i]].astype(np.float32) for i in range(3))
    if power is not None:  # (time, district, 1): broadcast over the members
        p_on = np.asarray(power, dtype=np.float32)[:, :, None]
    # T_eq − T_out per lane first, so that the whole grid is passed over once.
    shift = physics.equilibrium_temperature(np.float32(0.0), p_on, np.float32(p.internal_gain_k),
                                            np.float32(p.heater_gain_k))
    temp_eq = temp_out + shift
    # Heat lost before the forecast starts: cool toward the first step's equilibrium for the gap.
    temp_start = physics.exponential_decay(gap, np.float32(p.initial_indoor_c), temp_eq[0], tau)
    heated = None
    if (cooling[:, 3] > 0).any():  # heat lost after the forecast start: held at T0 until then
        heated = (np.arange(len(dt))[:, None] < cooling[:, 3][None, :])[:, :, None]
    indoor = physics.indoor_temperature(temp_eq, tau, temp_start.astype(np.float32), dt.astype(np.float32),
                                        heated, axis=0, out=out)
    return indoor, temp_eq


def simulate(forecast: xr.Dataset, a: pd.DataFrame, p: ModelParams, dt: np.ndarray,
             tau_hours=None, power: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Indoor temperature (district, member, time+1) and equilibrium (district, member, time) [°C].

    ``a`` as for ``cooling_inputs``; ``power`` (district, time) [0..1] as for ``district_metrics``;
    the arrays returned are views of time-major arrays.
    """
    temp = forecast["temp_c"].transpose("district", "time", "member").values
    cooling = cooling_inputs(a, pd.DatetimeIndex(forecast["time"].values), tau_hours)
    indoor, temp_eq = _cool(_time_major(temp), cooling, dt, p, power=None if power is None else np.transpose(power))
    return indoor.transpose(1, 2, 0), temp_eq.transpose(1, 2, 0)


def median_hours(hours: np.ndarray) -> np.ndarray:
    """Median over members (last axis) where 'never' (NaN) counts as later than any time."""
    med = np.median(np.where(np.isnan(hours), np.inf, hours), axis=-1)
    return np.where(np.isinf(med), np.nan, med)


def quantile_hours(hours: np.ndarray, q: float) -> np.ndarray:
    """Quantile over members (last axis) where 'never' (NaN) is later than any time [h].

    NaN ('never') when the quantile falls on or beyond a member that never crosses: interpolating
    between a time and 'never' is 'never' too, not a point part-way to a stand-in value.
    """
    never = np.isnan(hours)
    crossing = (~never).sum(axis=-1)
    # Sorted, the members that cross come first; the quantile lies at q·(n − 1). Up to the last of
    # them it interpolates between crossing members only, so 'never' may stand in as the latest time.
    latest = np.max(np.where(never, -np.inf, hours), axis=-1, keepdims=True)
    filled = np.where(never, np.where(np.isfinite(latest), latest, 0.0), hours)
    v = np.quantile(filled, q, axis=-1, method="linear")
    return np.where(q * (hours.shape[-1] - 1) > crossing - 1, np.nan, v)


def member_metrics(indoor, temp_eq, tau, dt, p: ModelParams, *, axis=-1) -> dict[str, np.ndarray]:
    """Per (district, member): coldest indoor °C, hours to 12/5 °C, hours below the exposure threshold and
    below the other health-band edges (16, 9, 5 °C) that the cold harm weights.

    ``indoor`` and ``temp_eq`` as ``simulate`` returns them, or time-major with ``axis=0``.
    """
    tau3 = np.asarray(tau, dtype=np.float32)[:, None]
    return {
        "min_indoor_c": indoor.min(axis=axis),
        "hours_to_12c": physics.first_crossing_hours(indoor, temp_eq, tau3, dt, p.moderate_c, axis=axis),
        "hours_to_5c": physics.first_crossing_hours(indoor, temp_eq, tau3, dt, p.very_high_c, axis=axis),
        "hours_below_12c": physics.hours_below(indoor, temp_eq, tau3, dt, p.exposure_c, axis=axis),
        "hours_below_16c": physics.hours_below(indoor, temp_eq, tau3, dt, p.low_c, axis=axis),
        "hours_below_9c": physics.hours_below(indoor, temp_eq, tau3, dt, p.high_c, axis=axis),
        "hours_below_5c": physics.hours_below(indoor, temp_eq, tau3, dt, p.very_high_c, axis=axis),
    }


def _coldest_apparent(temp: np.ndarray, wind: np.ndarray, temp_min: np.ndarray) -> np.ndarray:
    """``indices.apparent_cold_c(temp, wind).min(axis=0)`` for time-major arrays [°C], evaluating
    the wind chill only at the hours that can hold the minimum.

    ``temp_min`` is ``temp.min(axis=0)``. The JAG/TI wind chill is affine in T with a positive slope
    at fixed V and falls as V rises wherever it is defined (T ≤ 10 °C), so WCT(T, V_max) bounds each
    cold hour's apparent temperature from below: an hour can be the coldest only if T ≤ θ, the
    temperature at which that bound reaches U, the apparent temperature of the coldest hour. Hours
    above 10 °C need no bound: were one of them the minimum, the coldest hour would equal it, and U
    is kept. The result is the minimum of ``indices``' own values, at a few percent of the hours.
    """
    steps, lanes = len(temp), temp_min.size
    temp_flat, wind_flat = temp.reshape(-1), wind.reshape(-1)

    def lane_minimum(hours, result):  # minimum of the apparent temperature at these flat indices, per lane
        np.minimum.at(result, hours % lanes, indices.apparent_cold_c(temp_flat[hours], wind_flat[hours]))
        return result

    upper = lane_minimum(np.flatnonzero(temp == temp_min), np.full(lanes, np.inf))
    v_max = np.fmax(np.fmax.reduce(wind, axis=0).reshape(lanes), 5.0)  # NaN ignored; > 4.8 km/h: defined
    at_zero = indices.wind_chill_metric(0.0, v_max)
    slope = indices.wind_chill_metric(1.0, v_max) - at_zero
    theta = ((upper - at_zero) / slope + 0.01).astype(np.float32)  # 0.01 K above float32 rounding
    result = lane_minimum(np.flatnonzero(temp.reshape(steps, lanes) <= theta), upper.copy())
    return np.where(np.isnan(temp_min), np.nan, result.reshape(temp_min.shape))


def _time_sum(values: np.ndarray) -> np.ndarray:
    """Sum over time (axis 0) of a float32 array in float64 [same unit × steps].

    Partial sums of 16 steps in float32 (relative error ~1e-7), then float64: several times faster
    than converting every value to float64.
    """
    whole = len(values) // 16 * 16
    partial = values[:whole].reshape((-1, 16) + values.shape[1:]).sum(axis=1)
    return partial.sum(axis=0, dtype=np.float64) + values[whole:].sum(axis=0, dtype=np.float64)


def _degree_hours_below(temp: np.ndarray, base: float, dt: np.ndarray, temp_sum: np.ndarray) -> np.ndarray:
    """``indices.degree_hours_below(temp, base, dt)`` along time for time-major arrays [K·h].

    Where the air never exceeds ``base`` (a winter forecast) and the steps are equal, the sum is
    Δt·(n·base − Σ T) from the temperature sums already taken; elsewhere the index itself.
    """
    out = len(temp) * dt[0] * base - dt[0] * temp_sum
    other = ~(temp.max(axis=0) <= base) | ~np.all(dt == dt[0])  # a warm hour, a NaN or unequal steps
    if other.any():
        out[other] = indices.degree_hours_below(temp[:, other], base, dt[:, None], axis=0)
    return out


def district_metrics(temp: np.ndarray, wind: np.ndarray, cooling: np.ndarray, dt: np.ndarray, p: ModelParams,
                     *, sensitivity: bool = False, indoor_out: np.ndarray | None = None,
                     threads: int = 1, fused: bool | None = None, power: np.ndarray | None = None,
                     block_districts: int | None = None) -> np.ndarray:
    """Per-district model results from forecast arrays: the kernel of the pipeline.

    ``temp`` [°C] and ``wind`` [km/h] are (district, time, member) arrays of any float type,
    ``cooling`` (district, 4) as ``cooling_inputs``, ``dt`` [h] the step lengths. Returns a float64
    array (district, ``METRIC_COLUMNS`` [+ ``SENSITIVITY_COLUMNS``]): ensemble statistics of the
    indoor model and of the outdoor air. With ``indoor_out`` (district, member, time+1) float32 the
    indoor temperatures are kept there (any memory layout; ``indoor_buffer`` gives the fast one).
    Blocks of ``BLOCK_DISTRICTS`` run on ``threads`` threads (numpy and the compiled kernel release
    the GIL). Districts are independent: any split of the districts (blocks here, dask chunks in
    ``heatneed.distributed``) gives the same numbers.
    ``fused``: run the per-member results compiled in one pass per district (``heatneed.fused``)
    rather than as numpy passes; by default from ``FUSED_MIN_CELLS`` cells on.
    ``power``: share of each step with power (district, time) [0..1] from an hourly schedule; None =
    the daily share ``cooling[:, 1]`` in every step (the special case: the same numbers).
    ``block_districts``: districts per block (default ``BLOCK_DISTRICTS``).
    """
    fused = use_fused(temp.size) if fused is None else fused
    per_block = block_districts or BLOCK_DISTRICTS
    expected = (temp.shape[0], temp.shape[2], temp.shape[1] + 1)
    if indoor_out is not None and (indoor_out.shape != expected or indoor_out.dtype != np.float32):
        raise ValueError(f"indoor_out is {indoor_out.dtype} {indoor_out.shape}; expected float32 {expected}")
    names = MEMBER_COLUMNS + (SENSITIVITY_MEMBER_COLUMNS if sensitivity else ())
    per_member = np.empty((len(temp), len(names), temp.shape[2]))
    results = _fused_member_results if fused else _member_results

    def block(lo: int) -> None:
        hi = min(lo + per_block, len(temp))
        out = None if indoor_out is None else indoor_out[lo:hi]
        per_member[lo:hi] = results(temp[lo:hi], wind[lo:hi], cooling[lo:hi], dt, p, sensitivity, out,
                                    None if power is None else power[lo:hi])

    starts = range(0, len(temp), per_block)
    if threads > 1 and len(starts) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(block, starts))
    else:
        for lo in starts:
            block(lo)
    return _ensemble_statistics(dict(zip(names, np.moveaxis(per_member, 1, 0))), sensitivity, p.lead_hours)


def indoor_buffer(shape: tuple[int, int, int], fused: bool) -> np.ndarray:
    """An uninitialised float32 (district, member, time+1) array for the indoor temperatures of a
    (district, time, member) forecast, laid out as its kernel writes: time-major for the numpy
    passes (whole slices per step), district-major for the compiled kernel (one block per district)."""
    districts, steps, members = shape
    if fused:
        return np.empty((districts, steps + 1, members), dtype=np.float32).transpose(0, 2, 1)
    return np.empty((steps + 1, districts, members), dtype=np.float32).transpose(1, 2, 0)


def use_fused(cells: int) -> bool:
    """Whether a forecast of ``cells`` values runs the compiled kernel: large enough to be worth it,
    and the kernel loads (numba installed, its cache writable: beside the package or in ~/.cache)."""
    if cells < FUSED_MIN_CELLS:
        return False
    try:
        from . import fused  # noqa: F401
    except Exception as exc:  # the numpy passes give the same numbers, only slower
        warnings.warn(f"compiled kernel unavailable ({exc}); using numpy", RuntimeWarning, stacklevel=2)
        return False
    return True


def _member_results(temp, wind, cooling, dt, p: ModelParams, sensitivity: bool, indoor_out,
                    power=None) -> np.ndarray:
    """(district, ``MEMBER_COLUMNS`` [+ ``SENSITIVITY_MEMBER_COLUMNS``], member) for one block of districts;
    ``indoor_out`` (district, member, time+1) or None; ``power`` (district, time) or None (daily share)."""
    t_out = _time_major(temp)
    power = None if power is None else np.ascontiguousarray(np.transpose(power), dtype=np.float32)
    indoor, temp_eq = _cool(t_out, cooling, dt, p, None if indoor_out is None else indoor_out.transpose(2, 0, 1),
                            power)
    per_member = member_metrics(indoor, temp_eq, cooling[:, 0], dt, p, axis=0)
    temp_sum = _time_sum(t_out)
    temp_min = t_out.min(axis=0)
    values = [temp_min, _coldest_apparent(t_out, _time_major(wind), temp_min), per_member["min_indoor_c"],
              per_member["hours_below_12c"], _degree_hours_below(t_out, p.minimal_c, dt, temp_sum),
              temp_sum / len(t_out), per_member["hours_to_12c"], per_member["hours_to_5c"],
              per_member["hours_below_16c"], per_member["hours_below_9c"], per_member["hours_below_5c"]]
    if sensitivity:
        band = []  # hours below 16, 12, 9, 5 °C at each end, after the four columns before them
        edges = (p.low_c, p.exposure_c, p.high_c, p.very_high_c)  # as member_metrics takes them
        for tau_h in (p.tau_low_hours, p.tau_high_hours):
            fixed_tau = cooling.copy()
            fixed_tau[:, 0] = tau_h
            indoor, temp_eq = _cool(t_out, fixed_tau, dt, p, power=power)
            tau3 = np.asarray(fixed_tau[:, 0], dtype=np.float32)[:, None]  # as member_metrics has it
            values += [indoor.min(axis=0), physics.first_crossing_hours(indoor, temp_eq, tau3, dt, p.moderate_c, axis=0)]
            band += [physics.hours_below(indoor, temp_eq, tau3, dt, edge, axis=0) for edge in edges]
        values += band
    return np.stack(values, axis=1)


def _fused_member_results(temp, wind, cooling, dt, p: ModelParams, sensitivity: bool, indoor_out,
                          power=None) -> np.ndarray:
    """``_member_results`` computed by ``heatneed.fused.member_results``: the per-district inputs
    (equilibrium shift, start temperature, exponential factors) by numpy exactly as ``_cool``
    computes them, then one compiled pass per district."""
    from . import fused

    temp, wind = (np.ascontiguousarray(x, dtype=np.float32) for x in (temp, wind))  # as _time_major does
    dt32 = dt.astype(np.float32)
    kinds, step_kind = np.unique(dt32, return_inverse=True)
    thresholds = np.array([p.moderate_c, p.very_high_c, p.exposure_c, p.low_c, p.high_c, p.very_high_c],
                          dtype=np.float32)
    no_indoor = np.empty((0, 0, 0), dtype=np.float32)
    target = None if indoor_out is None else indoor_out.transpose(0, 2, 1)  # (district, time+1, member)
    indoor_out = target if target is None or target.flags.c_contiguous else np.empty(target.shape, np.float32)

    def run(block_cooling, out_indoor, outdoor=True):
        lanes = np.ones((len(temp), temp.shape[2]), dtype=np.float32)
        tau, p_on, gap = (lanes * block_cooling[:, [i]].astype(np.float32) for i in range(3))
        if power is not None:  # (district, time): the share of each step with power
            p_on = np.asarray(power, dtype=np.float32)
        shift = physics.equilibrium_temperature(np.float32(0.0), p_on, np.float32(p.internal_gain_k),
                                                np.float32(p.heater_gain_k))
        # T_eq − T_out per district and step: the daily share is the same in every step.
        shift = np.repeat(shift[:, :1], temp.shape[1], axis=1) if power is None else np.ascontiguousarray(shift)
        eq0 = temp[:, 0, :] + shift[:, :1]
        start = physics.exponential_decay(gap, np.float32(p.initial_indoor_c), eq0, tau).astype(np.float32)
        decay = np.stack([np.exp(-step / tau)[:, 0] for step in kinds], axis=1)
        out = np.empty((len(temp), len(MEMBER_COLUMNS), temp.shape[2]))
        fused.member_results(temp, wind, shift, start, np.ascontiguousarray(decay),
                             block_cooling[:, 3].astype(np.int64), np.ascontiguousarray(tau[:, 0]),
                             np.ascontiguousarray(dt, dtype=np.float64), step_kind.astype(np.int64), thresholds,
                             float(p.minimal_c), no_indoor if out_indoor is None else out_indoor, out, outdoor)
        return out

    values = run(cooling, indoor_out)
    if indoor_out is not target:  # a buffer in another layout than indoor_buffer's
        target[...] = indoor_out
    if sensitivity:
        extra, band = [], []
        for tau_h in (p.tau_low_hours, p.tau_high_hours):
            fixed_tau = cooling.copy()
            fixed_tau[:, 0] = tau_h
            other = run(fixed_tau, None, outdoor=False)  # the indoor results only
            extra += [other[:, fused.MIN_INDOOR], other[:, fused.HOURS_MODERATE]]
            band += [other[:, MEMBER_COLUMNS.index(c)] for c in MEMBER_BAND_HOURS]
        values = np.concatenate([values, np.stack(extra + band, axis=1)], axis=1)
    return values


def _ensemble_statistics(per_member: dict[str, np.ndarray], sensitivity: bool, lead_hours: float) -> np.ndarray:
    """(district, ``METRIC_COLUMNS`` [+ ``SENSITIVITY_COLUMNS``]) from (district, member) results:
    the ensemble median, P10/P90 of the coldest indoor temperature and of the hours to 12 °C
    ('never' later than any time), the shares of members falling below 12 and 5 °C (within the
    horizon and within ``lead_hours``) and the ensemble mean of the hours below each band edge
    (the cold harm is a mean over members; README: "Scores")."""
    hours_12, hours_5, min_indoor = per_member["hours_to_12c"], per_member["hours_to_5c"], per_member["min_indoor_c"]
    hours = [name for name in per_member if name.startswith("hours_to_")]
    band = {"hours_below_16c", "hours_below_9c", "hours_below_5c"}
    band_at_tau = [f"{c}_{tag}" for tag in TAU_ENDS for c in MEMBER_BAND_HOURS if f"{c}_{tag}" in per_member]
    plain = [name for name in per_member if name not in hours and name not in band and name not in band_at_tau]
    columns = dict(zip(plain, np.median(np.stack([per_member[n] for n in plain]), axis=-1)))
    columns.update(zip(hours, median_hours(np.stack([per_member[n] for n in hours]))))
    for q, tag in ((0.1, "p10"), (0.9, "p90")):
        columns[f"min_indoor_c_{tag}"] = np.quantile(min_indoor, q, axis=-1)
        columns[f"hours_to_12c_{tag}"] = quantile_hours(hours_12, q)
    columns["p_indoor_below_12c"] = (~np.isnan(hours_12)).mean(axis=-1)
    columns["p_indoor_below_5c"] = (~np.isnan(hours_5)).mean(axis=-1)
    with np.errstate(invalid="ignore"):
        columns["p_below_12c_lead"] = (hours_12 <= lead_hours).mean(axis=-1)  # NaN ('never') compares False
        columns["p_below_5c_lead"] = (hours_5 <= lead_hours).mean(axis=-1)
    for name, source in zip(risk.BAND_HOURS, MEMBER_BAND_HOURS):
        columns[name] = per_member[source].mean(axis=-1)
    for source in band_at_tau:  # the same means at the τ band's ends
        columns[f"mean_{source}"] = per_member[source].mean(axis=-1)
    return np.column_stack([columns[c] for c in METRIC_COLUMNS + (SENSITIVITY_COLUMNS if sensitivity else ())])


def _completeness(a: pd.DataFrame, p: ModelParams) -> pd.Series:
    """Which inputs a district lacks, in words ("complete" when none), and estimated residents."""
    missing = {"unheated count": a["unheated_buildings"].isna(),
               "outage status (assumed emergency, 24 h off)": a["outage_status"].isna(),
               f"share_65plus (national {p.share_65plus_national:.1%} shown)": a["share_65plus"].isna(),
               "warming_places (assumed none)": a["warming_places"].isna(),
               "unheated_since (assumed long before the forecast)":
                   a["unheated_since"].isna() & a["unheated_buildings"].gt(0)}
    estimated = ~a["residents_reported"].astype(bool) & a["per_building_estimated"].astype(bool) \
        & a["unheated_buildings"].notna()
    flags = np.column_stack([*missing.values(), estimated]).astype(int)
    texts = []  # one per combination of flags (64), not per district
    for code in range(2 ** flags.shape[1]):
        absent = [label for i, label in enumerate(missing) if code >> i & 1]
        text = "missing: " + ", ".join(absent) if absent else "complete"
        if code >> len(missing) & 1:
            text += f"; residents estimated at {p.residents_per_building:g} per building"
        texts.append(text)
    return pd.Series(np.array(texts, dtype=object)[flags @ (1 << np.arange(flags.shape[1]))], index=a.index)


def indoor_temperatures(temp: np.ndarray, cooling: np.ndarray, dt: np.ndarray, p: ModelParams,
                        power: np.ndarray | None = None) -> np.ndarray:
    """(district, member, time+1) indoor temperatures [°C] of (district, time, member) forecasts ``temp``;
    ``power`` (district, time) from an hourly schedule, None for the daily share."""
    power = None if power is None else np.ascontiguousarray(np.asarray(power).T)
    indoor, _ = _cool(_time_major(temp), cooling, dt, p, power=power)
    return indoor.transpose(1, 2, 0)


def _utc_ns(times: pd.Series) -> pd.Series:
    return pd.to_datetime(times, utc=True).astype("datetime64[ns, UTC]")


def _band_hours(temp: np.ndarray, wind: np.ndarray, cooling: np.ndarray, dt: np.ndarray,
                p: ModelParams) -> np.ndarray:
    """(district, 4) ensemble-mean hours below the band edges of a (counterfactual) run [h]; blocks of
    ``BLOCK_LANES`` (district, member) lanes, at least ``BLOCK_DISTRICTS`` districts."""
    block = max(BLOCK_DISTRICTS, BLOCK_LANES // max(temp.shape[2], 1))
    values = district_metrics(temp, wind, cooling, dt, p, threads=THREADS, block_districts=block)
    return values[:, [METRIC_COLUMNS.index(c) for c in risk.BAND_HOURS]]


def _band_hours_of(forecast: xr.Dataset, cooling: np.ndarray, dt: np.ndarray, p: ModelParams,
                   scheduler: str | None, fused: bool | None = None) -> np.ndarray:
    """``_band_hours`` of a forecast Dataset: in process, or chunk by chunk on dask (as ``rank``,
    with the kernel ``fused`` that ``rank`` chose for the whole forecast)."""
    fused = use_fused(forecast["temp_c"].size) if fused is None else fused
    values, _ = _run_kernel(forecast, cooling, dt, p, fused=fused, scheduler=scheduler)
    return values[:, [METRIC_COLUMNS.index(c) for c in risk.BAND_HOURS]]


def _run_kernel(forecast: xr.Dataset, cooling: np.ndarray, dt: np.ndarray, p: ModelParams, *, fused: bool,
                scheduler: str | None = None, sensitivity: bool = False, power: np.ndarray | None = None,
                keep_indoor: bool = False):
    """``district_metrics`` over a forecast Dataset: chunk by chunk on dask when it is lazy or a
    ``scheduler`` is given, else in process on ``THREADS`` threads. Returns ``(values, indoor)``:
    indoor temperatures (district, member, time+1) [°C] when ``keep_indoor`` (a lazy DataArray on
    dask, an array in process), else None in process."""
    if scheduler or forecast["temp_c"].chunks is not None:
        from . import distributed

        columns = len(METRIC_COLUMNS) + (len(SENSITIVITY_COLUMNS) if sensitivity else 0)
        return distributed.district_metrics(
            forecast, cooling, dt, p, kernel=district_metrics, indoor_kernel=indoor_temperatures, columns=columns,
            fused=fused, sensitivity=sensitivity, scheduler=scheduler, power=power)
    temp = forecast["temp_c"].transpose("district", "time", "member").values
    wind = forecast["wind_kmh"].transpose("district", "time", "member").values
    indoor = indoor_buffer(temp.shape, fused) if keep_indoor else None
    values = district_metrics(temp, wind, cooling, dt, p, sensitivity=sensitivity, indoor_out=indoor,
                              threads=THREADS, fused=fused, power=power)
    return values, indoor


def _scores(a: pd.DataFrame, metrics: pd.DataFrame, forecast: xr.Dataset | None, cooling: np.ndarray | None,
            dt: np.ndarray | None, p: ModelParams, times: pd.DatetimeIndex | None,
            scheduler: str | None = None, fused: bool | None = None) -> pd.DataFrame:
    """Cold harm, risk and its range, severity, expected residents and the driver decomposition.

    Without ``forecast`` (a what-if scored on its own metrics) the range is the score itself and the
    decomposition is skipped (``main_driver`` empty).

    ``risk_low``: the score with every missing input at its benign plausible extreme (power all day,
    heat lost at the unheated report time, warming places absorbing all they can), from a
    counterfactual run of the districts concerned; ``risk_high`` = the score (the assumptions are
    the worst plausible values). The decomposition runs on the ensemble-mean forecast (one member):
    as modelled, with power all day, with heat lost at the forecast start, and with both
    (``risk.VARIANTS``: weighted hours per resident).
    """
    residents = a["residents_unheated"].to_numpy(float)
    places = a["warming_places"].to_numpy(float)
    bands = metrics[list(risk.BAND_HOURS)].to_numpy(float)
    h = risk.harm(residents, places, bands, p)
    out = {"cold_harm": h["cold_harm"], "weighted_hours": h["weighted_hours"], "absorbed_share": h["absorbed_share"],
           "risk": h["risk"]}
    # Range over the missing inputs.
    no_outage, no_since = a["outage_status"].isna().to_numpy(), a["unheated_since"].isna().to_numpy()
    low_places = np.where(np.isnan(places), np.inf, places)
    rerun = (no_outage | no_since) & (residents > 0)
    low_bands = bands
    if forecast is None:
        low_places = places
    elif rerun.any():
        sub = a.loc[rerun]
        benign = sub.assign(power_on_share=np.where(no_outage[rerun], 1.0, sub["power_on_share"]),
                            unheated_since=_utc_ns(sub["unheated_since"]).fillna(_utc_ns(sub["unheated_reported_at"])))
        low_bands = bands.copy()
        low_bands[rerun] = _band_hours_of(forecast.isel(district=np.flatnonzero(rerun)),
                                          cooling_inputs(benign, times), dt, p, scheduler, fused)
    out["risk_low"] = np.fmin(risk.harm(residents, low_places, low_bands, p)["risk"], h["risk"])
    out["risk_high"] = h["risk"]

    # Severity and magnitudes (residents × ensemble probability).
    prob = {c: metrics[c].to_numpy(float) for c in ("p_indoor_below_12c", "p_indoor_below_5c", "p_below_12c_lead",
                                                      "p_below_5c_lead")}
    out["severity"] = risk.severity(residents, prob["p_indoor_below_12c"], prob["p_indoor_below_5c"],
                                    prob["p_below_12c_lead"], prob["p_below_5c_lead"], p)
    for name, column in (("expected_below_12c_24h", "p_below_12c_lead"), ("expected_below_5c_24h", "p_below_5c_lead"),
                         ("expected_below_12c", "p_indoor_below_12c"), ("expected_below_5c", "p_indoor_below_5c")):
        out[name] = residents * prob[column]

    if forecast is None:
        frame = pd.DataFrame(out, index=a.index).assign(main_driver="")
        return _unscored_unknown(frame, a)
    # Decomposition on the ensemble-mean forecast.
    # (Temperatures have no holes after validation; the wind does not enter the indoor model.) Lazy
    # forecasts are reduced chunk by chunk: only the (district, time) mean is held here.
    member_mean = forecast["temp_c"].transpose("district", "time", "member").mean("member", dtype=np.float64,
                                                                                   skipna=False)  # no holes: a plain mean
    mean_temp = np.asarray(member_mean.values, dtype=np.float32)[:, :, None]
    mean_wind = np.zeros_like(mean_temp)
    variants = dict(zip(risk.VARIANTS, ((None, None), (1.0, None), (None, 0.0), (1.0, 0.0))))
    stacked = []
    for p_on, gap in variants.values():
        c = cooling.copy()
        if p_on is not None:
            c[:, 1] = p_on
        if gap is not None:
            c[:, 2] = gap
        stacked.append(c)
    n = len(a)
    # One run over the four variants stacked as districts (districts are independent).
    bands4 = _band_hours(np.concatenate([mean_temp] * len(variants)), np.concatenate([mean_wind] * len(variants)),
                         np.concatenate(stacked), dt, p)
    for k, name in enumerate(variants):
        out[name] = risk.weighted_hours(bands4[k * n:(k + 1) * n], p)
    frame = pd.DataFrame(out, index=a.index)
    frame = pd.concat([frame, risk.decompose(frame.assign(residents_unheated=residents), p)], axis=1)
    return _unscored_unknown(frame, a)


def _unscored_unknown(frame: pd.DataFrame, a: pd.DataFrame) -> pd.DataFrame:
    """Districts without an unheated report: no exposure, no score (listed last)."""
    unknown = a["unheated_buildings"].isna().to_numpy()
    if unknown.any():
        frame.loc[unknown, ["cold_harm", "risk", "risk_low", "risk_high"]] = np.nan
        frame.loc[unknown, "main_driver"] = ""
        frame.loc[unknown, "severity"] = 0
    return frame


def rank(inputs: Inputs, p: ModelParams, *, sensitivity: bool = False, scheduler: str | None = None,
         now=None, stale_after_hours: float | None = None) -> RankResult:
    """Rank the districts of ``inputs`` by cold-exposure risk under parameters ``p``.

    ``scheduler``: address of a dask.distributed scheduler (``tcp://host:8786``) to run the model on
    (README: Scale and dask). The model then runs per district chunk on the cluster; scores and ranking are
    computed here from the gathered per-district results, exactly as in process. A forecast held
    in dask arrays (chunked over district) runs chunk by chunk even without a scheduler.
    ``now`` (UTC, default the current time) and ``stale_after_hours`` (default ``[forecast]
    stale_after_hours``) give the list's ``data_state`` (``heatneed.datastate``).
    """
    state = data_state(inputs.embedded, inputs.forecast.attrs, now, stale_after_hours)
    forecast, dt = _horizon(inputs.forecast, p.horizon_hours)
    covered = float(dt.sum())  # [h] modelled: less than the horizon for a short forecast
    times = pd.DatetimeIndex(forecast["time"].values)
    a = _district_arrays(inputs, p, times[0])
    boundaries = times.append(pd.DatetimeIndex([times[-1] + pd.Timedelta(hours=float(dt[-1]))]))
    power, power_notes = _hourly_power(inputs, a, boundaries, dt)
    cooling = cooling_inputs(a, times)
    coords = {"district": a.index.values, "member": forecast["member"].values, "time": boundaries.values}
    fused = use_fused(forecast["temp_c"].size)  # chosen once for the whole forecast
    values, indoor = _run_kernel(forecast, cooling, dt, p, fused=fused, scheduler=scheduler, sensitivity=sensitivity,
                                 power=power, keep_indoor=True)
    if isinstance(indoor, xr.DataArray):  # lazy, from the dask chunks
        indoor_c = indoor.assign_coords(coords)
    else:
        indoor_c = xr.DataArray(indoor, dims=("district", "member", "time"), coords=coords, attrs={"units": "degC"})
    metrics = pd.DataFrame(values, index=a.index,
                           columns=list(METRIC_COLUMNS + (SENSITIVITY_COLUMNS if sensitivity else ())))
    detail = score_detail(a, metrics, p, forecast=forecast, cooling=cooling, dt=dt, times=times, scheduler=scheduler,
                          fused=fused)
    if covered < p.horizon_hours:  # every row says the list stands on a short forecast
        detail["completeness"] += f"; forecast covers only {covered:g} of {p.horizon_hours:g} h"
    power_on = None
    if power is not None:
        detail["completeness"] += "; " + power_notes
        detail["outage_source"] = power_notes.str.removeprefix("power: ")
        power_on = xr.DataArray(power, dims=("district", "time"), coords={"district": a.index.values,
                                "time": times.values}, attrs={"units": "1"})
    priority = priority_table(detail, inputs, forecast, p, state)
    detail = detail.loc[priority["district_code"]]
    result = RankResult(priority, detail, indoor_c, forecast, p, inputs, state, power_on)
    invariants.check(result)  # nothing is exported or published from an impossible list
    return result


def score_detail(a: pd.DataFrame, metrics: pd.DataFrame, p: ModelParams, *, forecast: xr.Dataset | None = None,
                 cooling: np.ndarray | None = None, dt: np.ndarray | None = None, times: pd.DatetimeIndex | None = None,
                 scheduler: str | None = None, fused: bool | None = None) -> pd.DataFrame:
    """Per-district detail (registry order): model inputs ``a``, scores and ``metrics``
    (``METRIC_COLUMNS``), person-hours and completeness.

    With the modelled ``forecast``, ``cooling`` inputs, steps ``dt`` and ``times`` (a full rank) the
    score range over missing inputs and the driver decomposition are computed too (``_scores``);
    without them (a what-if scenario of ``heatneed.needs``, scored on its own metrics) the range is the
    score itself and no driver is named.
    """
    scores = _scores(a, metrics, forecast, cooling, dt, p, times, scheduler, fused)
    detail = pd.concat([a, scores, metrics], axis=1)
    detail.insert(detail.columns.get_loc("hours_below_12c") + 1, "person_hours_below_12c",
                  (detail["hours_below_12c"] * a["residents_unheated"]).round())
    detail["completeness"] = _completeness(a, p)
    return detail


def _hourly_power(inputs: Inputs, a: pd.DataFrame, boundaries: pd.DatetimeIndex, dt: np.ndarray):
    """p_on (district, time) from the outage schedule, or (None, None) without one. With a schedule,
    ``a``'s daily ``power_on_share`` and ``hours_off_per_day`` become the schedule's time-weighted
    means over the horizon, so that every figure after the kernel describes the power modelled."""
    if inputs.hourly_power is None:
        return None, None
    from . import schedules

    power, notes = schedules.hourly_power(inputs.hourly_power, a, boundaries)
    mean = (power * (dt / dt.sum())).sum(axis=1)  # time-weighted, without a BLAS call
    known = a["outage_status"].notna() | (inputs.hourly_power.shares.reindex(a.index).fillna(0).sum(axis=1) > 0)
    a["power_on_share"] = np.where(known, mean, np.nan)  # unknown without queues: stays unknown (worst case)
    a["hours_off_per_day"] = np.where(known, 24.0 * (1.0 - mean), a["hours_off_per_day"])
    return power, notes


def data_as_of(inputs: Inputs) -> str:
    """The newest report time among the unheated and outage reports used."""
    stamps = pd.concat([inputs.unheated["reported_at"], inputs.outages["reported_at"]])
    return iso_utc(stamps.max()) if stamps.notna().any() else ""


def priority_table(detail: pd.DataFrame, inputs: Inputs, forecast: xr.Dataset, p: ModelParams,
                   state: DataState | None = None) -> pd.DataFrame:
    """The ranked priority list: the columns of ``heatneed.columns``, rounded there for publication.
    ``state``: the run's data state (default: from the inputs and the forecast's age now)."""
    reg = inputs.districts.reindex(detail.index)
    severity = detail["severity"].astype(int)
    labels = np.array([""] + list(p.labels()), dtype=object)
    columns = {  # built as one frame: inserting ~20 columns one by one costs more than the model
        "rank": 0, "district_code": reg["district_code"], "district_name": reg["district_name"],
        "admin1_code": reg["admin1_code"], "risk_score": detail["risk"], "severity": severity,
        "severity_label": pd.Series(labels[severity.to_numpy()], index=detail.index),
        "outage_status": detail["outage_status"].fillna("unknown"),
        "main_driver": detail["main_driver"], "completeness": detail["completeness"],
        "forecast_issued_at": forecast.attrs.get("issued_at", ""), "data_as_of": data_as_of(inputs),
        "district_name_uk": reg["district_name_uk"].fillna("") if "district_name_uk" in reg
        else pd.Series("", index=detail.index),
        "data_state": (state or data_state(inputs.embedded, forecast.attrs)).label(),
    }
    columns.update({col: detail[col] for col in list_columns.PRIORITY_COLUMNS if col not in columns})
    out = list_columns.publish(pd.DataFrame(columns, index=detail.index))
    # Indoor measures describe unheated homes: where there are none they stay empty, not "falls in 8 h".
    no_homes = detail["unheated_buildings"].to_numpy() == 0
    for col in ("min_indoor_c", "hours_to_12c", "hours_to_5c", "p_indoor_below_12c"):
        out[col] = out[col].mask(no_homes)
    out = out.loc[ranking_order(out["risk_score"], out["residents_unheated"], out["district_code"])]
    out["rank"] = np.arange(1, len(out) + 1)
    return out.reset_index(drop=True)


def ranking_order(risk_score: pd.Series, residents: pd.Series, codes: pd.Series) -> pd.Index:
    """The list's order (the one rule, also behind ``heatneed.explain``'s rank ranges): highest
    published (rounded) score first; ties by residents exposed, then ``district_code`` (README: The
    model). Unknown score last. Returns the index labels in rank order."""
    order = pd.DataFrame({"_r": risk_score.astype(float).fillna(-1), "_p": residents.astype(float).fillna(-1),
                          "_c": codes.astype(str)}, index=risk_score.index)
    return order.sort_values(["_r", "_p", "_c"], ascending=[False, False, True], kind="stable").index


def risk_at_tau(result: RankResult, tau_hours: float) -> pd.Series:
    """The score of every district of ``result`` with every district's τ set to ``tau_hours`` [h]
    (the τ band's ends: how the ranking moves with the building time constant). One kernel run, no
    decomposition or score range; NaN where the unheated count is unknown. Index: ``result.detail``'s."""
    codes = result.forecast["district"].values
    a = result.detail.loc[codes]
    times = pd.DatetimeIndex(result.forecast["time"].values)
    dt = np.diff(result.indoor_c["time"].values).astype("timedelta64[s]").astype(float) / 3600.0
    power = None if result.power_on is None else result.power_on.sel(district=codes).values
    values, _ = _run_kernel(result.forecast, cooling_inputs(a, times, tau_hours), dt, result.params,
                            fused=use_fused(result.forecast["temp_c"].size), power=power)
    bands = values[:, [METRIC_COLUMNS.index(c) for c in risk.BAND_HOURS]]
    return _risk_of_bands(a, bands, result.params).loc[result.detail.index]


def risk_at_tau_end(result: RankResult, end: str) -> pd.Series | None:
    """``risk_at_tau(result, tau)`` at an end of the τ band (``end``: "tau_low" or "tau_high", τ =
    ``tau_low_hours`` or ``tau_high_hours``) from the band hours a rank with ``sensitivity`` keeps
    (``TAU_BAND_HOURS``): the same runs, no kernel run here. None when the result lacks them."""
    if end not in TAU_BAND_HOURS:
        raise ValueError(f"end must be one of {', '.join(TAU_ENDS)}, not {end!r}")
    columns = list(TAU_BAND_HOURS[end])
    if not set(columns) <= set(result.detail.columns):
        return None
    return _risk_of_bands(result.detail, result.detail[columns].to_numpy(float), result.params)


def _risk_of_bands(a: pd.DataFrame, bands: np.ndarray, p: ModelParams) -> pd.Series:
    """Score (``risk.harm``) of each district of ``a`` from its (district, 4) ``risk.BAND_HOURS``
    [h]; NaN where the unheated count is unknown. Index: ``a``'s."""
    scores = risk.harm(a["residents_unheated"].to_numpy(float), a["warming_places"].to_numpy(float), bands, p)["risk"]
    scores = np.where(a["unheated_buildings"].isna().to_numpy(), np.nan, scores)
    return pd.Series(scores, index=a.index, name="risk")
