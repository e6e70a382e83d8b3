"""The one shape every forecast source returns (README: Input files "forecast").

An ``xarray.Dataset`` with dims ``(district, time, member)``:

- ``temp_c``   [°C]   air temperature at 2 m
- ``wind_kmh`` [km/h] wind speed at 10 m (NaN where the source has none)
- ``is_forecast`` [bool] True for model/forecast values, False for observations

coords ``district`` (str codes), ``time`` (datetime64, UTC, tz-naive), ``member`` (int,
0 = control/deterministic); attrs ``source`` (str) and ``issued_at`` (ISO 8601 UTC string).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from ..xarray_compat import defer_dask_array_import

defer_dask_array_import()  # before this package builds its first xarray Variable

DIMS = ("district", "time", "member")


def utc_naive(times) -> pd.DatetimeIndex:
    """Times as a tz-naive UTC DatetimeIndex (aware inputs are converted, naive taken as UTC)."""
    idx = pd.DatetimeIndex(pd.to_datetime(times, utc=True))
    return idx.tz_convert("UTC").tz_localize(None)


def iso_utc(ts) -> str:
    """``2026-02-01T06:00:00Z`` for a timestamp (naive = UTC)."""
    t = pd.Timestamp(ts)
    if t.tzinfo is not None:
        t = t.tz_convert("UTC").tz_localize(None)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def forecast_dataset(
    temp_c: np.ndarray,
    wind_kmh: np.ndarray | None,
    districts,
    times,
    members=None,
    *,
    source: str,
    issued_at=None,
    is_forecast: np.ndarray | bool = True,
) -> xr.Dataset:
    """Build the canonical forecast Dataset from arrays shaped (district, time, member).

    ``issued_at`` defaults to the first time step when the source does not say.
    """
    temp_c = np.asarray(temp_c, dtype=float)
    if temp_c.ndim == 2:
        temp_c = temp_c[:, :, None]
    times = utc_naive(times)
    members = np.arange(temp_c.shape[2]) if members is None else np.asarray(members, dtype=int)
    wind = np.full(temp_c.shape, np.nan) if wind_kmh is None else np.asarray(wind_kmh, dtype=float)
    if wind.ndim == 2:
        wind = wind[:, :, None]
    flag = np.broadcast_to(np.asarray(is_forecast, dtype=bool), temp_c.shape)
    ds = xr.Dataset(
        {
            "temp_c": (DIMS, temp_c, {"units": "degC", "long_name": "air temperature at 2 m"}),
            "wind_kmh": (DIMS, np.broadcast_to(wind, temp_c.shape).copy(),
                         {"units": "km/h", "long_name": "wind speed at 10 m"}),
            "is_forecast": (DIMS, flag.copy()),
        },
        coords={
            "district": np.asarray([str(d) for d in districts], dtype=object),
            "time": times.values,
            "member": members,
        },
    )
    ds.attrs["source"] = source
    ds.attrs["issued_at"] = iso_utc(issued_at if issued_at is not None else times.min())
    return ds


#: Interior gaps up to this many hours are filled by linear interpolation in time; longer gaps are refused.
MAX_GAP_HOURS = 3
#: Plausible 2 m air temperature [°C]; values outside suggest Kelvin or another unit.
TEMP_RANGE_C = (-90.0, 60.0)
WIND_RANGE_KMH = (0.0, 400.0)
def check_declared_size(ds, name: str, limits=None) -> None:
    """Refuse a file whose declared dimensions are implausibly long (before reading it).

    ``ds`` is an ``xarray.Dataset`` or a path to a NetCDF file, whose dimensions are then read
    from the header alone (xarray would load a dimension's coordinate values on opening). Limits:
    ``[inputs]`` max_time_steps, max_members, max_dimension_size of defaults.toml.
    """
    from ..limits import check_dimensions, netcdf_dimensions

    sizes = dict(ds.sizes) if isinstance(ds, xr.Dataset) else netcdf_dimensions(ds)
    if sizes:
        check_dimensions(sizes, name, limits)


def check_time_axis(ds: xr.Dataset, name: str, limits=None) -> xr.Dataset:
    """The forecast with a strictly increasing, hole-free time axis, or ``InputError``.

    - times must be dates (a NetCDF time without CF ``units`` arrives as plain numbers) and not empty;
    - a time may appear once only (repeated times are refused, equal values or not);
    - a unique but unordered axis is sorted, and ``attrs["notes"]`` says so;
    - every step must be one of the product step lengths ``[inputs] forecast_steps_hours`` (1, 3,
      6 h) and steps may only grow (ECMWF switches from 3 h to 6 h): a longer step among shorter
      ones is a hole shared by every district and refused;
    - the forecast must cover ``[inputs] min_forecast_hours``; ``attrs["covered_hours"]`` holds
      what it covers (first time to last time plus one more step of the last length).
    """
    from ..errors import InputError, located
    from ..limits import input_limits

    limits = limits or input_limits()
    if "time" not in ds.dims:
        raise InputError(located(name, "no time dimension", column="time"))
    values = ds["time"].values
    if not np.issubdtype(values.dtype, np.datetime64):
        raise InputError(located(name, "time values are not dates (numbers need CF units such as "
                                       "'hours since 2026-02-01 00:00:00')", column="time"))
    if np.isnat(values).any():
        raise InputError(located(name, "time has empty values", column="time"))
    if len(values) < 2:
        raise InputError(located(name, "needs at least two time steps", column="time"))
    notes = [n for n in str(ds.attrs.get("notes", "")).split("; ") if n]
    ordered = np.sort(values, kind="stable")
    repeated = ordered[1:][ordered[1:] == ordered[:-1]]
    if repeated.size:
        raise InputError(located(name, f"time {iso_utc(repeated[0])} appears more than once"
                                       + (f" ({len(set(repeated.tolist()))} times repeated)"
                                          if len(set(repeated.tolist())) > 1 else "")
                                       + "; each time must appear once", column="time"))
    if not (np.diff(values) > np.timedelta64(0, "ns")).all():
        ds = ds.isel(time=np.argsort(values, kind="stable"))
        values = ds["time"].values
        notes.append("the time axis was not in increasing order and has been sorted")
    steps = np.diff(values).astype("timedelta64[s]").astype(float) / 3600.0  # [h]
    allowed = np.asarray(limits.forecast_steps_hours, dtype=float)
    odd = ~np.isin(steps, allowed)
    shrink = np.flatnonzero(steps[1:] < steps[:-1])
    if odd.any():
        i = int(np.flatnonzero(odd)[0])
        raise InputError(located(name, f"time step of {steps[i]:g} h from {iso_utc(values[i])} to "
                                       f"{iso_utc(values[i + 1])}; steps must be "
                                       f"{', '.join(f'{a:g}' for a in allowed)} h (the forecast products' own)",
                                 column="time"))
    if shrink.size:
        i = int(shrink[0])
        raise InputError(located(name, f"no forecast between {iso_utc(values[i])} and {iso_utc(values[i + 1])} "
                                       f"(a {steps[i]:g} h step among {steps[i + 1]:g} h steps): holes in the "
                                       "time axis are refused", column="time"))
    covered = float((values[-1] - values[0]) / np.timedelta64(1, "s") / 3600.0 + steps[-1])
    if covered < limits.min_forecast_hours:
        raise InputError(located(name, f"covers only {covered:g} h; at least {limits.min_forecast_hours:g} h "
                                       "are needed ([inputs] min_forecast_hours)", column="time"))
    ds.attrs["covered_hours"] = covered
    ds.attrs["checked_as"] = name
    if notes:
        ds.attrs["notes"] = "; ".join(notes)
    return ds


def conform(ds: xr.Dataset, districts: pd.DataFrame, name: str) -> xr.Dataset:
    """Check a forecast against the district registry and the physical ranges.

    Returns the forecast reordered to the registry's district order, with interior gaps of up to
    ``MAX_GAP_HOURS`` filled linearly in time. Raises InputError naming the file (``name``),
    the district and the time of any problem: districts missing, unknown districts, longer gaps,
    values out of range.
    """
    from ..errors import InputError, located

    ds = check_time_axis(ds, name)
    codes = [str(c) for c in districts["district_code"]]
    present = [str(d) for d in ds["district"].values]
    problems = []
    unknown = sorted(set(present) - set(codes))
    if unknown:
        problems.append(located(name, f"district_code {unknown[0]!r} is not in the districts file"
                                      + (f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""),
                                column="district_code"))
    missing = [c for c in codes if c not in set(present)]
    if missing:
        problems.append(located(name, f"no forecast for district {missing[0]!r}"
                                      + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""),
                                column="district_code"))
    if problems:
        raise InputError(problems)
    ds = ds.sel(district=codes)
    for var, (lo, hi), unit in (("temp_c", TEMP_RANGE_C, "°C"), ("wind_kmh", WIND_RANGE_KMH, "km/h")):
        values = ds[var]
        bad = ((values < lo) | (values > hi)).any("member")
        if bool(bad.any()):
            d, t = (int(i[0]) for i in np.nonzero(bad.values))
            value = float(values.isel(district=d, time=t).max() if float(values.isel(district=d, time=t).max()) > hi
                          else values.isel(district=d, time=t).min())
            hint = " — is it in Kelvin or Fahrenheit?" if var == "temp_c" else ""
            problems.append(located(name, f"{var} {value:g} {unit} at {iso_utc(ds.time.values[t])} for "
                                          f"district {codes[d]!r} is outside {lo:g}..{hi:g}{hint}", column=var))
    if problems:
        raise InputError(problems)
    temp = ds["temp_c"]
    if bool(temp.isnull().any()):
        hours = (ds["time"].values - ds["time"].values[0]) / np.timedelta64(1, "h")
        filled = fill_short_gaps(temp.transpose("district", "member", "time").values, hours, MAX_GAP_HOURS)
        if np.isnan(filled).any():
            d, _, t = (int(i[0]) for i in np.nonzero(np.isnan(filled)))
            raise InputError(located(name, f"temp_c missing at {iso_utc(ds.time.values[t])} for district "
                                           f"{codes[d]!r} (gaps over {MAX_GAP_HOURS} h, or at the start or "
                                           "end, are not filled)", column="temp_c"))
        ds = ds.assign(temp_c=(("district", "member", "time"), filled, temp.attrs))
        ds["temp_c"] = ds["temp_c"].transpose(*DIMS)
    return ds


def forecast_notes(ds: xr.Dataset, horizon_hours: float) -> list[str]:
    """Notes on a checked forecast: the readers' notes and a coverage shorter than the horizon."""
    name = str(ds.attrs.get("checked_as") or ds.attrs.get("source", "forecast"))
    notes = [f"{name}: {n}" for n in str(ds.attrs.get("notes", "")).split("; ") if n]
    covered = ds.attrs.get("covered_hours")
    if covered is not None and float(covered) < horizon_hours:
        notes.append(f"{name}: the forecast covers only {float(covered):g} of the {horizon_hours:g} h horizon; "
                     "the list models the covered hours (see completeness)")
    return notes


def fill_short_gaps(values: np.ndarray, hours: np.ndarray, max_gap_hours: float) -> np.ndarray:
    """Linear interpolation in time (last axis) across interior NaN runs of at most ``max_gap_hours``.

    A run counts as short when its valid neighbours are at most ``max_gap_hours`` + 1 h apart
    (three missing hourly values). Longer runs and runs at either end stay NaN.
    """
    n = values.shape[-1]
    missing = np.isnan(values)
    idx = np.arange(n)
    prev = np.maximum.accumulate(np.where(missing, -1, idx), axis=-1)
    nxt = np.minimum.accumulate(np.where(missing, n, idx)[..., ::-1], axis=-1)[..., ::-1]
    interior = missing & (prev >= 0) & (nxt < n)
    p, q = np.clip(prev, 0, n - 1), np.clip(nxt, 0, n - 1)
    span = hours[q] - hours[p]
    short = interior & (span <= max_gap_hours + 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        weight = (hours[idx] - hours[p]) / span
    before = np.take_along_axis(values, p, axis=-1)
    after = np.take_along_axis(values, q, axis=-1)
    return np.where(short, before + weight * (after - before), values)
