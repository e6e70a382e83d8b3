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
    ds.attrs["issued_at"] = iso_utc(issued_at if issued_at is not None else times[0])
    return ds


#: Interior gaps up to this many hours are filled by linear interpolation in time; longer gaps are refused.
MAX_GAP_HOURS = 3
#: Plausible 2 m air temperature [°C]; values outside suggest Kelvin or another unit.
TEMP_RANGE_C = (-90.0, 60.0)
WIND_RANGE_KMH = (0.0, 400.0)
#: Largest time and ensemble axes a forecast file may declare (a 16-day hourly forecast has 384
#: steps, a year 8,760; ECMWF ENS has 51 members). A small compressed file can declare millions
#: of steps and take gigabytes when read: refused before anything is read.
MAX_TIME_STEPS = 10_000
MAX_MEMBERS = 1_000
TIME_DIMS = ("time", "step", "valid_time")
MEMBER_DIMS = ("member", "number", "realization", "ensemble_member")


def check_declared_size(ds, name: str) -> None:
    """Refuse a file whose declared time or member axis is implausibly long (before reading it).

    ``ds`` is an ``xarray.Dataset`` or a path to a NetCDF file, whose dimensions are then read
    from the header alone (xarray would load a dimension's coordinate values on opening).
    """
    from ..errors import InputError, located

    if isinstance(ds, xr.Dataset):
        sizes = dict(ds.sizes)
    else:
        try:
            import netCDF4

            with netCDF4.Dataset(ds, "r") as nc:
                sizes = {dim: len(d) for dim, d in nc.dimensions.items()}
        except Exception:  # not NetCDF: the reader reports it in its own words
            return
    for dims, limit, what in ((TIME_DIMS, MAX_TIME_STEPS, "time steps"), (MEMBER_DIMS, MAX_MEMBERS, "members")):
        for dim in dims:
            size = sizes.get(dim, 0)
            if size > limit:
                raise InputError(located(name, f"declares {size:,} {what} along '{dim}'; at most {limit:,} "
                                               "are accepted"))


def conform(ds: xr.Dataset, districts: pd.DataFrame, name: str) -> xr.Dataset:
    """Check a forecast against the district registry and the physical ranges.

    Returns the forecast reordered to the registry's district order, with interior gaps of up to
    ``MAX_GAP_HOURS`` filled linearly in time. Raises InputError naming the file (``name``),
    the district and the time of any problem: districts missing, unknown districts, longer gaps,
    values out of range.
    """
    from ..errors import InputError, located

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
