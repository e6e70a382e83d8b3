"""Forecast sources -> one ``xarray.Dataset`` (district, time, member); see ``base``.

``read_forecast_file`` recognises a file's kind from its extension (``registry.FILE_FORMATS``) and
content: tidy tables, NetCDF tidy (dims district/time[/member]) or gridded, GRIB gridded, Open-Meteo JSON.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import xarray as xr

from ..errors import InputError, located
from .base import DIMS, conform, forecast_dataset  # noqa: F401  (public re-exports)
from .registry import file_format, formats_text


def read_forecast_file(path, districts: pd.DataFrame, name: str | None = None) -> xr.Dataset:
    """Read any forecast file into the canonical Dataset for ``districts``.

    ``name`` is how the file is called in error messages (the upload's name in the app).
    Every kind passes the same checks (``base.conform``): districts, ranges, short gaps filled.
    """
    from ..limits import check_input_file

    path = Path(path)
    name = name or path.name
    suffix = path.suffix.lower()
    kind = file_format(suffix)
    # regular files within [inputs] limits, before any reader; grids (NetCDF/GRIB) are read lazily
    check_input_file(path, name, grid=kind is not None and kind.reader in ("grib", "netcdf"))
    if kind is None:
        raise InputError(located(name, f"unknown forecast file type {suffix!r}; expected {formats_text()}"))
    if kind.reader == "tidy":
        from .tidy import read_tidy_forecast

        return read_tidy_forecast(path, districts, name=name)
    if kind.reader == "open-meteo":
        from .open_meteo import read_open_meteo_file

        return conform(read_open_meteo_file(path, districts, name=name), districts, name)
    from .gridded import read_gridded

    if kind.reader == "netcdf":
        from .tidy import is_tidy_netcdf, read_tidy_netcdf

        if is_tidy_netcdf(path, name=name):
            return read_tidy_netcdf(path, districts, name=name)
    return conform(read_gridded(path, districts, name=name), districts, name)
