"""Forecast sources -> one ``xarray.Dataset`` (district, time, member); see ``base``.

``read_forecast_file`` recognises a file's kind from its extension and content:
.csv/.parquet tidy tables, .nc tidy (dims district/time[/member]) or gridded, .grib/.grib2 gridded,
.json Open-Meteo.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import xarray as xr

from ..errors import InputError, located
from .base import DIMS, conform, forecast_dataset, to_tidy  # noqa: F401  (public re-exports)

GRIB_SUFFIXES = {".grib", ".grib2", ".grb", ".grb2"}


def read_forecast_file(path, districts: pd.DataFrame, name: str | None = None) -> xr.Dataset:
    """Read any forecast file into the canonical Dataset for ``districts``.

    ``name`` is how the file is called in error messages (the upload's name in the app).
    Every kind passes the same checks (``base.conform``): districts, ranges, short gaps filled.
    """
    from ..limits import check_input_file

    path = Path(path)
    name = name or path.name
    suffix = path.suffix.lower()
    grid = suffix in GRIB_SUFFIXES or suffix in {".nc", ".nc4", ".netcdf", ".cdf"}  # read lazily
    check_input_file(path, name, grid=grid)  # regular files within [inputs] limits, before any reader
    if suffix in {".csv", ".txt", ".parquet"}:
        from .tidy import read_tidy_forecast

        return read_tidy_forecast(path, districts, name=name)
    if suffix == ".json":
        from .open_meteo import read_open_meteo_file

        return conform(read_open_meteo_file(path, districts, name=name), districts, name)
    if suffix in GRIB_SUFFIXES:
        from .gridded import read_gridded

        return conform(read_gridded(path, districts, name=name), districts, name)
    if suffix in {".nc", ".nc4", ".netcdf", ".cdf"}:
        from .gridded import read_gridded
        from .tidy import is_tidy_netcdf, read_tidy_netcdf

        if is_tidy_netcdf(path, name=name):
            return read_tidy_netcdf(path, districts, name=name)
        return conform(read_gridded(path, districts, name=name), districts, name)
    raise InputError(located(name, f"unknown forecast file type {suffix!r}; expected .csv, "
                                   ".parquet, .nc, .grib/.grib2 or Open-Meteo .json"))
