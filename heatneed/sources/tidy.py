"""Tidy forecast tables (CSV/Parquet) and tidy NetCDF (dims district, time[, member]).

Tidy table columns (DESIGN §2): ``district_code``, ``time`` (ISO 8601, UTC), ``temp_c``,
optional ``wind_kmh``, optional ``member`` (int; absent = one deterministic member 0),
optional ``issued_at`` (our addition: when the forecast was issued; else the first time step).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from ..errors import InputError, located
from ..inputs import read_table
from .base import forecast_dataset, utc_naive


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
    missing = [c for c in ("district_code", "time", "temp_c") if c not in frame.columns]
    if missing:
        raise InputError([located(name, "required column is missing", column=c) for c in missing])
    problems = []
    columns = {"district_code": frame["district_code"].astype(str).str.strip()}
    times = pd.to_datetime(frame["time"], utc=True, errors="coerce", format="ISO8601") \
        if not pd.api.types.is_datetime64_any_dtype(frame["time"]) else pd.to_datetime(frame["time"], utc=True)
    columns["time"] = times
    for col in ("temp_c", "wind_kmh", "member"):
        if col in frame.columns:
            columns[col] = _numbers(frame[col], table.decimal_comma)
    for col, what in (("time", "an ISO 8601 date-time in UTC"), ("temp_c", "a number"),
                      ("wind_kmh", "a number"), ("member", "a whole number ≥ 0")):
        if col not in columns:
            continue
        bad = columns[col].isna() & (frame[col].astype(str).str.strip() != "")
        if col == "member":
            bad |= ~(columns[col].isna() | ((columns[col] >= 0) & (columns[col] % 1 == 0)))
        if col in ("time", "temp_c"):
            bad |= columns[col].isna()
        for i in np.flatnonzero(bad.to_numpy())[:20]:
            problems.append(located(name, f"must be {what} (got {frame[col].iloc[i]!r})",
                                    int(table.rows[i]), col))
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
        issued = pd.to_datetime(frame["issued_at"].astype(str).str.strip().replace("", None),
                                utc=True, errors="coerce", format="ISO8601").max()
        if pd.isna(issued):
            raise InputError(located(name, "issued_at must be an ISO 8601 date-time", column="issued_at"))
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
    try:
        with xr.open_dataset(path) as ds:
            return "district" in ds.dims
    except Exception as exc:  # netCDF/HDF5 raise OSError, ValueError, KeyError… for damaged files
        raise InputError(located(name, f"not a readable NetCDF file ({type(exc).__name__})")) from None


def read_tidy_netcdf(path, districts: pd.DataFrame, name: str | None = None) -> xr.Dataset:
    """A NetCDF forecast with dims (district, time[, member]) and variables temp_c[, wind_kmh]."""
    from .base import conform

    name = name or Path(path).name
    with xr.open_dataset(path) as raw:
        if "temp_c" not in raw:
            raise InputError(located(name, "variable temp_c is missing", column="temp_c"))
        units = str(raw["temp_c"].attrs.get("units", "degC"))
        if units not in ("degC", "°C", "C", "celsius", "degree_Celsius", "degrees_Celsius"):
            raise InputError(located(name, f"temp_c has units {units!r}; expected °C (degC)", column="temp_c"))
        ds = raw.load()
    if "member" not in ds.dims:
        ds = ds.expand_dims(member=[0])
    ds = ds.transpose("district", "time", "member", ...)
    wind = ds["wind_kmh"].values if "wind_kmh" in ds else None
    out = forecast_dataset(ds["temp_c"].values, wind, ds["district"].values.astype(str),
                           ds["time"].values, ds["member"].values, source=f"file:{name}",
                           issued_at=ds.attrs.get("issued_at"))
    return conform(out, districts, name)
