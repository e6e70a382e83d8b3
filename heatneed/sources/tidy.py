"""Tidy forecast tables (CSV/Parquet) and tidy NetCDF (dims district, time[, member]).

Tidy table columns (README: Input files): ``district_code``, ``time`` (ISO 8601, UTC), ``temp_c``,
optional ``wind_kmh``, optional ``member`` (int; absent = one deterministic member 0),
optional ``issued_at`` (our addition: when the forecast was issued; else the first time step).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from ..errors import InputError, located, shorten
from ..inputs import read_table, to_times
from ..sheets import ACCEPTED_DATES
from .base import forecast_dataset, utc_naive


#: Columns of a tidy forecast table: name -> required.
COLUMNS = {"district_code": True, "time": True, "temp_c": True, "wind_kmh": False, "member": False,
           "issued_at": False}


def _numbers(cells: pd.Series, decimal_comma: bool) -> pd.Series:
    if pd.api.types.is_numeric_dtype(cells):
        return cells.astype(float)
    text = cells.astype(str).str.strip()
    if decimal_comma:
        text = text.str.replace(",", ".", regex=False)
    return pd.to_numeric(text.mask(text == ""), errors="coerce")


def parse_tidy_forecast(source, name: str | None = None) -> xr.Dataset:
    """Parse a tidy table into the canonical Dataset (not yet checked against the registry)."""
    table = read_table(source, name)
    frame, name = table.frame, table.name
    missing = [c for c, required in COLUMNS.items() if required and c not in frame.columns]
    if missing:
        raise InputError([located(name, "required column is missing", column=c) for c in missing])
    problems = []
    columns = {"district_code": frame["district_code"].astype(str).str.strip()}
    columns["time"] = to_times(frame["time"])  # ISO 8601 or day.month.year; no offset = UTC
    for col in ("temp_c", "wind_kmh", "member"):
        if col in frame.columns:
            columns[col] = _numbers(frame[col], table.decimal_comma)
    for col, what in (("time", "an ISO 8601 date-time in UTC between 1678 and 2261, or day.month.year "
                               "(01.02.2026 06:00)"), ("temp_c", "a number"),
                      ("wind_kmh", "a number"), ("member", "a whole number ≥ 0")):
        if col not in columns:
            continue
        bad = columns[col].isna() & (frame[col].astype(str).str.strip() != "")
        if col == "member":
            bad |= ~(columns[col].isna() | ((columns[col] >= 0) & (columns[col] % 1 == 0)))
        if col == "time":
            bad |= columns[col].isna()  # an empty temp_c is a gap, handled by ``conform``
        for i in np.flatnonzero(bad.to_numpy())[:20]:
            problems.append(located(name, f"must be {what} (got {shorten(repr(frame[col].iloc[i]))})",
                                    int(table.rows[i]), table.label(col)))
    if problems:
        raise InputError(problems)
    tidy = pd.DataFrame(columns)
    tidy["time"] = utc_naive(tidy["time"])
    tidy["member"] = tidy["member"].astype(int) if "member" in tidy else 0
    duplicated = tidy.duplicated(["district_code", "time", "member"])
    if duplicated.any():
        i = int(np.flatnonzero(duplicated.to_numpy())[0])
        raise InputError(located(name, "duplicate row for the same district, time and member",
                                 int(table.rows[i]), "time"))
    issued = None
    if "issued_at" in frame.columns and frame["issued_at"].astype(str).str.strip().ne("").any():
        issued = to_times(frame["issued_at"]).max()
        if pd.isna(issued):
            raise InputError(located(name, f"issued_at must be {ACCEPTED_DATES}",
                                     column=table.label("issued_at")))
    # Scatter the rows into a full (district, time, member) grid; holes stay NaN.
    d_idx, codes = pd.factorize(tidy["district_code"])
    t_idx, times = pd.factorize(tidy["time"], sort=True)
    m_idx, members = pd.factorize(tidy["member"], sort=True)
    shape = (len(codes), len(times), len(members))
    temp = np.full(shape, np.nan)
    temp[d_idx, t_idx, m_idx] = tidy["temp_c"].to_numpy(float)
    wind = None
    if "wind_kmh" in tidy:
        wind = np.full(shape, np.nan)
        wind[d_idx, t_idx, m_idx] = tidy["wind_kmh"].to_numpy(float)
    return forecast_dataset(temp, wind, codes, times, members, source=f"file:{name}", issued_at=issued)


def read_tidy_forecast(path, districts: pd.DataFrame, name: str | None = None) -> xr.Dataset:
    """A tidy CSV/Parquet forecast checked against ``districts``."""
    from .base import conform

    name = name or Path(path).name
    return conform(parse_tidy_forecast(path, name), districts, name)


def is_tidy_netcdf(path, name: str) -> bool:
    """True for a NetCDF file with a ``district`` dimension (else it is gridded)."""
    from .base import check_declared_size

    check_declared_size(path, name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # undecodable times: reported by the checks, not as warnings
            with xr.open_dataset(path) as ds:
                return "district" in ds.dims
    except Exception as exc:  # netCDF/HDF5 raise OSError, ValueError, KeyError… for damaged files
        raise InputError(located(name, f"not a readable NetCDF file ({type(exc).__name__})")) from None


TIDY_CELSIUS = ("degC", "°C", "C", "celsius", "degree_Celsius", "degrees_Celsius", "deg_C")
TIDY_KMH = ("km/h", "km h-1", "km h**-1", "kmh", "km.h-1")


def read_tidy_netcdf(path, districts: pd.DataFrame, name: str | None = None, chunks: dict | None = None) -> xr.Dataset:
    """A NetCDF forecast with dims (district, time[, member]) and variables temp_c[, wind_kmh].

    The values keep the file's float type (float32 stays float32) and are read once, straight
    into the arrays of the returned Dataset: a country-size ensemble is not copied again here.
    With ``chunks`` (e.g. ``{"district": 200}``) nothing is read yet: the Dataset holds dask
    arrays, for ``pipeline.rank`` to run chunk by chunk or on a dask.distributed cluster.
    """
    from .base import DIMS, check_declared_size, conform, iso_utc

    name = name or Path(path).name
    check_declared_size(path, name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # undecodable times: reported by the checks, not as warnings
            raw = xr.open_dataset(path, chunks=chunks)
    except Exception as exc:  # undecodable times or attributes: the file's fault, said in one line
        raise InputError(located(name, f"not a readable NetCDF forecast ({type(exc).__name__}: "
                                       f"{shorten(str(exc).splitlines()[0] if str(exc) else '')})")) from None
    try:
        check_declared_size(raw, name)
        if "temp_c" not in raw:
            raise InputError(located(name, "variable temp_c is missing", column="temp_c"))
        for var, accepted, expected in (("temp_c", TIDY_CELSIUS, "°C (degC)"), ("wind_kmh", TIDY_KMH, "km/h")):
            units = str(raw[var].attrs.get("units", "")).strip() if var in raw else ""
            if units and units not in accepted:  # the name states the unit: a contradiction is refused
                raise InputError(located(name, f"{var} has units {shorten(units)!r}; expected {expected}",
                                         column=var))
        if "time" not in raw.coords or not np.issubdtype(raw["time"].dtype, np.datetime64):
            raise InputError(located(name, "time values are not dates in range (give CF units such as "
                                           "'hours since 2026-02-01 00:00:00', dates between 1678 and 2261)",
                                     column="time"))
        ds = raw[[v for v in ("temp_c", "wind_kmh") if v in raw]]
        if chunks is None:
            ds = ds.load()
    finally:
        if chunks is None:
            raw.close()
    if "member" not in ds.dims:
        ds = ds.expand_dims(member=[0])
    extra = sorted(set(ds["temp_c"].dims) - set(DIMS))
    if extra:
        raise InputError(located(name, f"unexpected dimension(s) {', '.join(extra)}; expected district, time[, member]"))
    ds = ds.transpose(*DIMS)
    temp = ds["temp_c"]
    wind = ds["wind_kmh"].broadcast_like(temp) if "wind_kmh" in ds else xr.full_like(temp, np.nan)
    out = xr.Dataset(
        {"temp_c": (DIMS, temp.data, {"units": "degC", "long_name": "air temperature at 2 m"}),
         "wind_kmh": (DIMS, wind.transpose(*DIMS).data, {"units": "km/h", "long_name": "wind speed at 10 m"}),
         "is_forecast": xr.ones_like(temp, dtype=bool).variable},
        coords={"district": np.asarray([str(d) for d in ds["district"].values], dtype=object),
                "time": utc_naive(ds["time"].values).values,
                "member": np.asarray(ds["member"].values, dtype=int)})
    times = out["time"].values
    out.attrs = {"source": f"file:{name}",
                 "issued_at": iso_utc(raw.attrs.get("issued_at") or times.min())}  # not file order
    return conform(out, districts, name)
