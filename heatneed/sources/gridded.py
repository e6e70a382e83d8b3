"""Gridded NetCDF and GRIB forecasts sampled at district centroids (README: Input files "forecast").

Reads regular latitude/longitude grids as written by ECMWF open data (GRIB2 via cfgrib: ``t2m``
[K], ``u10``/``v10`` [m s-1], dims ``number, step, latitude, longitude``) and NetCDF files in
CF style (``latitude``/``lat``, ``longitude``/``lon``, ``time`` or ``step``+``valid_time``,
optional ensemble dim ``number``/``realization``/``member``). Latitudes may descend (90 -> -90)
and longitudes may be 0..360 or -180..180 (any 360° window); a global grid wraps across its seam.

Sampling is pointwise per district: ``nearest`` takes the grid cell whose centre is closest in
latitude and longitude; ``bilinear`` weights the four surrounding cells by
``(1-wy)(1-wx), (1-wy)wx, wy(1-wx), wy wx`` with ``wy, wx`` the fractional positions between
neighbouring grid lines. Everything is done with index arithmetic and ``isel``, so a dask-chunked
Dataset stays lazy: only the cells next to districts are ever read.

Data: ECMWF open data is published under CC BY 4.0 and must be credited (``ATTRIBUTION``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from ..errors import InputError, located
from .base import DIMS, check_declared_size, iso_utc
from .registry import file_format

ATTRIBUTION = "ECMWF (CC BY 4.0)"
METHODS = ("bilinear", "nearest")

LAT_NAMES = ("latitude", "lat")
LON_NAMES = ("longitude", "lon")
MEMBER_NAMES = ("number", "realization", "member", "ensemble_member")
TEMP_NAMES = ("t2m", "2t", "tas", "temperature_2m")  # names that state the height
U_NAMES = ("u10", "10u", "uas")
V_NAMES = ("v10", "10v", "vas")
SPEED_NAMES = ("si10", "10si", "sfcWind", "wind_speed_10m")
ECMWF_NAMES = {"t2m", "2t", "u10", "10u", "v10", "10v", "si10", "10si"}  # units known if absent

KELVIN = {"k", "kelvin", "degk", "deg_k"}
CELSIUS = {"degc", "°c", "c", "celsius", "deg_c", "degree_celsius", "degrees_celsius"}
METRES_PER_SECOND = {"m s**-1", "m s-1", "m/s", "m.s-1", "m s^-1", "meter second-1"}
KM_PER_HOUR = {"km/h", "km h-1", "km h**-1", "kmh"}


def read_gridded(source, districts: pd.DataFrame, name: str | None = None,
                 method: str = "bilinear") -> xr.Dataset:
    """Sample a gridded forecast at district centroids -> canonical (district, time, member) Dataset.

    ``source`` is a path (.nc/.grib2/...) or an open ``xarray.Dataset`` (dask-chunked is fine:
    the result then stays lazy). ``districts`` needs ``district_code``, ``lat`` [°N], ``lon``
    [°E]. ``temp_c`` [°C] and ``wind_kmh`` [km/h] (``hypot(u10, v10) * 3.6``). A district
    outside the grid, an unknown layout or unknown units raise ``InputError`` naming the file.
    """
    if method not in METHODS:
        raise InputError(f"gridded sampling method must be one of {METHODS}, not {method!r}")
    if isinstance(source, xr.Dataset):
        return sample_grid(source, districts, name or "gridded dataset", method)
    path = Path(source)
    name = name or path.name
    if getattr(file_format(path.suffix), "reader", None) != "grib":
        check_declared_size(path, name)  # from the header, before xarray reads any coordinate
    with contextlib.ExitStack() as stack:
        ds = _open(path, name, stack)
        check_declared_size(ds, name)
        return sample_grid(ds, districts, name, method).load()


def _open(path: Path, name: str, stack: contextlib.ExitStack) -> xr.Dataset:
    """Open NetCDF with xarray, GRIB with cfgrib (one Dataset per hypercube, then merged)."""
    try:
        if getattr(file_format(path.suffix), "reader", None) != "grib":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # undecodable times: reported by the checks, not as warnings
                return stack.enter_context(xr.open_dataset(path))
        import cfgrib

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # cfgrib's merge FutureWarning is not ours to fix
            parts = cfgrib.open_datasets(str(path), backend_kwargs={"indexpath": ""})
    except (OSError, ValueError, RuntimeError, KeyError, EOFError) as exc:
        # The message must not show the path: in the app it is a server temp file, not the upload.
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0].replace(str(path), name)
        raise InputError(located(name, f"cannot read as a NetCDF/GRIB forecast grid ({first})")
                         ) from None
    for part in parts:
        stack.callback(part.close)
    try:
        return _merge_grib_parts(parts)
    except (xr.MergeError, ValueError):  # e.g. a 6-hourly maximum next to instantaneous fields
        raise InputError(located(name, "its variables do not share one time axis and grid (several "
                                       "products in one file?); keep the 2 m temperature and 10 m wind "
                                       "of one forecast run")) from None


def _merge_grib_parts(parts: list[xr.Dataset]) -> xr.Dataset:
    """Join cfgrib hypercubes: one variable may be split over parts (control ``cf`` with scalar
    ``number`` 0 and perturbed ``pf`` members); levels differ per variable (2 m vs 10 m)."""
    level_coords = {"heightAboveGround", "surface", "meanSea", "isobaricInhPa", "depthBelowLand"}
    pieces: dict[str, list[xr.DataArray]] = {}
    for part in parts:
        for var in part.data_vars:
            levels = {c: part[var].coords[c] for c in part[var].coords if c in level_coords}
            da = part[var].drop_vars(list(levels))
            for c, level in levels.items():  # kept for the quantity check (2 m / 10 m, not 850 hPa)
                if level.ndim == 0:
                    da.attrs[f"GRIB_level_{c}"] = float(level.values)
                elif level.size > 1:
                    da.attrs[f"GRIB_level_{c}"] = "several"
            if "number" in da.coords and "number" not in da.dims:
                da = da.expand_dims("number")
            pieces.setdefault(str(var), []).append(da)
    merged = {var: (xr.concat(das, "number").sortby("number") if len(das) > 1 else das[0])
              for var, das in pieces.items()}
    return xr.Dataset(merged)


def sample_grid(ds: xr.Dataset, districts: pd.DataFrame, name: str,
                method: str = "bilinear") -> xr.Dataset:
    """The sampling core of ``read_gridded`` for an open Dataset (lazy in, lazy out)."""
    grid, issued_at = standardise_grid(ds, name)
    codes = districts["district_code"].astype(str).tolist()
    lats = np.asarray(districts["lat"], dtype=float)
    lons = np.asarray(districts["lon"], dtype=float)
    try:
        lat_nb = axis_neighbours(grid["latitude"].values, lats, method)
        lon_nb = axis_neighbours(grid["longitude"].values, lons, method, period=360.0)
    except ValueError as exc:
        raise InputError(located(name, str(exc))) from None
    outside = np.isnan(lat_nb[2]) | np.isnan(lon_nb[2])
    if outside.any():
        where = ", ".join(f"{c} ({la:g}, {lo:g})" for c, la, lo, out
                          in zip(codes, lats, lons, outside) if out)
        raise InputError(located(name, f"district(s) outside the forecast grid "
                                       f"(lat {_span(grid['latitude'])}, "
                                       f"lon {_span(grid['longitude'])}): {where}"))
    out = {}
    for var in ("temp_c", "wind_kmh"):
        sampled = _sample(grid[var], lat_nb, lon_nb)
        out[var] = sampled.drop_vars(["latitude", "longitude"], errors="ignore").transpose(*DIMS)
    result = xr.Dataset(out).astype(float).assign_coords(district=np.asarray(codes, dtype=object))
    result = result.drop_vars([c for c in result.coords if c not in DIMS]).transpose(*DIMS)
    result["temp_c"].attrs = {"units": "degC", "long_name": "air temperature at 2 m"}
    result["wind_kmh"].attrs = {"units": "km/h", "long_name": "wind speed at 10 m"}
    result["is_forecast"] = xr.ones_like(result["temp_c"], dtype=bool)
    times = pd.DatetimeIndex(result["time"].values)
    result.attrs = {"source": "gridded", "source_file": name, "attribution": ATTRIBUTION,
                    "sampling": method,
                    "issued_at": iso_utc(issued_at if issued_at is not None else times.min())}
    return result


def _span(coord: xr.DataArray) -> str:
    return f"{float(coord.min()):g}..{float(coord.max()):g}"


def axis_neighbours(coords, points, method: str, period: float | None = None):
    """Grid indices ``(i0, i1)`` and weight ``w`` of ``points`` along one 1-D axis.

    The sampled value is ``(1 - w) * v[i0] + w * v[i1]``; ``nearest`` gives ``i0 == i1, w == 0``.
    ``coords`` may be in any order (descending latitudes). With ``period`` (360 for longitude)
    points are moved into the grid's 360° window and a global axis wraps across its seam.
    Points off the grid get ``w = NaN``; ``nearest`` accepts half a grid step beyond the edges.
    """
    coords = np.asarray(coords, dtype=float)
    points = np.asarray(points, dtype=float)
    order = np.argsort(coords)
    c = coords[order]
    steps = np.diff(c)
    if len(c) < 2 or (steps <= 0).any():
        raise ValueError("a grid axis needs at least two distinct, unique coordinates")
    wraps = period is not None and (c[0] + period - c[-1]) <= steps.max() * 1.001
    if period is not None:
        points = c[0] + np.mod(points - c[0], period)
    if wraps:
        c = np.append(c, c[0] + period)
        order = np.append(order, order[0])
        steps = np.diff(c)
    slack = 0.0 if (method == "bilinear" or wraps) else 0.5
    low, high = c[0] - slack * steps[0], c[-1] + slack * steps[-1]
    if period is not None and not wraps:  # within half a step below the window's first line
        points = np.where(points > high, points - period, points)
    pos = np.interp(points, c, np.arange(len(c), dtype=float))
    outside = (points < low - 1e-9) | (points > high + 1e-9)
    if method == "nearest":
        k = np.rint(pos).astype(int)
        i0 = i1 = order[k]
        w = np.zeros(len(points))
    else:
        k = np.minimum(np.floor(pos).astype(int), len(c) - 2)
        i0, i1, w = order[k], order[k + 1], pos - k
    return i0, i1, np.where(outside, np.nan, w)


def _sample(da: xr.DataArray, lat_nb, lon_nb) -> xr.DataArray:
    """Vectorised (pointwise) bilinear/nearest sample along a new ``district`` dim."""
    (i0, i1, wy), (j0, j1, wx) = lat_nb, lon_nb
    ix = lambda a: xr.DataArray(np.asarray(a), dims="district")

    def cell(i, j, weight):
        value = da.isel(latitude=ix(i), longitude=ix(j))
        return xr.where(ix(weight) > 0, value * ix(weight), 0.0)  # 0-weight NaN cells ignored

    if np.all(wy == 0) and np.all(wx == 0):
        return da.isel(latitude=ix(i0), longitude=ix(j0))
    return (cell(i0, j0, (1 - wy) * (1 - wx)) + cell(i0, j1, (1 - wy) * wx)
            + cell(i1, j0, wy * (1 - wx)) + cell(i1, j1, wy * wx))


def standardise_grid(ds: xr.Dataset, name: str):
    """Rename to ``latitude, longitude, time, member``; ``temp_c`` [°C] and ``wind_kmh`` [km/h]
    on dims (member, time, latitude, longitude). Returns ``(grid, issued_at or None)``."""
    ds = ds.rename({_find(ds, LAT_NAMES, name, "latitude"): "latitude",
                    _find(ds, LON_NAMES, name, "longitude"): "longitude"})
    if ds["latitude"].ndim != 1 or ds["longitude"].ndim != 1:
        raise InputError(located(name, "only regular latitude/longitude grids are supported "
                                       "(1-D latitude and longitude coordinates)"))
    ds, issued_at = _time_axis(ds, name)
    if not np.issubdtype(ds["time"].dtype, np.datetime64):  # no CF units, or dates beyond 1678..2261
        raise InputError(located(name, "time values are not dates in range (give CF units such as "
                                       "'hours since 2026-02-01 00:00:00', dates between 1678 and 2261)",
                                 column="time"))
    ds = _member_axis(ds)
    temp_name = _quantity(ds, TEMPERATURE, name)
    temp_c = _to_celsius(ds[temp_name], temp_name, name)
    wind = _wind_kmh(ds, name)
    grid = xr.Dataset({"temp_c": temp_c,
                       "wind_kmh": wind if wind is not None else xr.full_like(temp_c, np.nan)})
    extra = [d for d in grid.dims if d not in ("member", "time", "latitude", "longitude")]
    for dim in extra:
        if grid.sizes[dim] != 1:
            raise InputError(located(name, f"unexpected dimension {dim!r} of size "
                                           f"{grid.sizes[dim]}; keep one level/run per file"))
    grid = grid.squeeze(extra, drop=True)
    return grid.transpose("member", "time", "latitude", "longitude"), issued_at


def _find(ds: xr.Dataset, names, file: str, what: str) -> str:
    for n in names:
        if n in ds.variables:
            return n
    raise InputError(located(file, f"no {what} found; looked for {', '.join(names)}"))


def _time_axis(ds: xr.Dataset, name: str):
    """``step`` + ``valid_time`` (GRIB) or ``time`` -> dim ``time`` of valid times; init time out."""
    issued_at = None
    for ref in ("forecast_reference_time", "reference_time"):
        if ref in ds.coords and ds[ref].ndim == 0:
            issued_at = pd.Timestamp(ds[ref].values)
    if "step" in ds.dims or ("valid_time" in ds.coords and "step" in ds.coords):
        if "time" in ds.dims:
            raise InputError(located(name, "several forecast runs (time and step dimensions); "
                                           "keep one run per file"))
        if "time" in ds.coords:
            issued_at = pd.Timestamp(ds["time"].values)
            ds = ds.drop_vars("time")
        if "step" not in ds.dims:
            ds = ds.expand_dims("step")
        valid = ds["valid_time"] if "valid_time" in ds.coords else ds["step"]
        if valid.dims != ("step",):
            valid = valid.broadcast_like(ds["step"])
        ds = ds.assign_coords(time=("step", pd.DatetimeIndex(np.atleast_1d(valid.values))))
        ds = ds.swap_dims(step="time").drop_vars(["step", "valid_time"], errors="ignore")
    elif "valid_time" in ds.dims:
        ds = ds.drop_vars("time", errors="ignore").rename(valid_time="time")
    elif "time" not in ds.dims:
        if "time" not in ds.coords:
            raise InputError(located(name, "no time, valid_time or step coordinate"))
        ds = ds.expand_dims("time")
    return ds, issued_at


def _member_axis(ds: xr.Dataset) -> xr.Dataset:
    for n in MEMBER_NAMES:
        if n in ds.variables:
            ds = ds.rename({n: "member"}) if n != "member" else ds
            return ds if "member" in ds.dims else ds.expand_dims("member")
    return ds.expand_dims(member=[0])


def _units(da: xr.DataArray, var: str, file: str, default: str | None) -> str:
    units = str(da.attrs.get("units", "")).strip().lower()
    if not units:
        if var not in ECMWF_NAMES or default is None:
            raise InputError(located(file, f"variable {var!r} has no units attribute"))
        return default
    return units


def _to_celsius(da: xr.DataArray, var: str, file: str) -> xr.DataArray:
    units = _units(da, var, file, "k")
    if units in KELVIN:
        return da - 273.15
    if units in CELSIUS:
        return da
    raise InputError(located(file, f"variable {var!r} in units {units!r}; expected K or °C"))


def _wind_kmh(ds: xr.Dataset, file: str) -> xr.DataArray | None:
    u = _quantity(ds, U_WIND, file, required=False)
    v = _quantity(ds, V_WIND, file, required=False)
    speed = _quantity(ds, WIND_SPEED, file, required=False)
    if u and v:
        factor = _speed_factor(ds[u], u, file)
        return np.hypot(ds[u], ds[v]) * factor
    if speed:
        return ds[speed] * _speed_factor(ds[speed], speed, file)
    return None


def _speed_factor(da: xr.DataArray, var: str, file: str) -> float:
    units = _units(da, var, file, "m s**-1")
    if units in METRES_PER_SECOND:
        return 3.6
    if units in KM_PER_HOUR:
        return 1.0
    raise InputError(located(file, f"variable {var!r} in units {units!r}; expected m/s or km/h"))


# --------------------------------------------------------------------------- which variable is which

@dataclasses.dataclass(frozen=True)
class Quantity:
    """How a quantity is recognised: names that state the height, the CF standard name, the GRIB
    parameter ids (ECMWF parameter database: 167 2t, 165 10u, 166 10v, 207 10si) and the height [m]."""

    what: str
    names: tuple[str, ...]
    standard_name: str
    param_ids: tuple[int, ...]
    height_m: float


TEMPERATURE = Quantity("2 m temperature (air)", TEMP_NAMES, "air_temperature", (167,), 2.0)
U_WIND = Quantity("10 m eastward wind", U_NAMES, "eastward_wind", (165,), 10.0)
V_WIND = Quantity("10 m northward wind", V_NAMES, "northward_wind", (166,), 10.0)
WIND_SPEED = Quantity("10 m wind speed", SPEED_NAMES, "wind_speed", (207,), 10.0)
HEIGHT_COORDS = ("height", "heightAboveGround", "height_above_ground", "level_height")
PRESSURE_COORDS = ("isobaricInhPa", "pressure", "plev", "pressure_level", "isobaric", "level", "lev")
EXTREMES = re.compile(r"max|min|mx2t|mn2t|gust|fg10|10fg", re.IGNORECASE)


def _height_of(da: xr.DataArray) -> float | str | None:
    """The variable's height above ground [m] from a CF height coordinate or cfgrib's level."""
    for key, value in da.attrs.items():
        if key.startswith("GRIB_level_"):
            return value if key == "GRIB_level_heightAboveGround" else f"level type {key[11:]}"
    for c in da.coords:
        coord = da.coords[c]
        if str(c) in HEIGHT_COORDS or coord.attrs.get("standard_name") == "height":
            if coord.size != 1:
                return "several heights"
            units = str(coord.attrs.get("units", "m")).strip().lower()
            value = float(np.asarray(coord.values).ravel()[0])
            return value if units in ("m", "meter", "metre", "meters", "metres") else f"{value:g} {units}"
    return None


def _not_quantity(da: xr.DataArray, var: str, q: Quantity) -> str | None:
    """Why variable ``var`` is not quantity ``q`` (None when it is, or may be)."""
    attrs = da.attrs
    param = attrs.get("GRIB_paramId")
    if param is not None and int(param) not in q.param_ids:
        return f"GRIB parameter {param} ({attrs.get('GRIB_name', '?')})"
    standard = attrs.get("standard_name")
    if standard is not None and standard != q.standard_name:
        return f"standard_name {standard!r}"
    step_type = str(attrs.get("GRIB_stepType", "instant"))
    methods = str(attrs.get("cell_methods", ""))
    if step_type not in ("instant", "") or re.search(r"maximum|minimum|mean", methods) \
            or EXTREMES.search(var) and var not in q.names:
        return "a maximum, minimum or mean over time, not an instantaneous value"
    if attrs.get("GRIB_typeOfLevel") not in (None, "heightAboveGround"):
        return f"on level type {attrs['GRIB_typeOfLevel']!r}"
    pressure = [str(c) for c in da.coords if str(c) in PRESSURE_COORDS
                or da.coords[c].attrs.get("standard_name") == "air_pressure"]
    if pressure or re.search(r"\d+\s*h?pa\b|_\d+hpa|hpa", var, re.IGNORECASE):
        return "on a pressure level"
    height = _height_of(da)
    if height is None:
        return None if var in q.names else "no height coordinate (2 m or 10 m above ground)"
    if isinstance(height, str) or abs(height - q.height_m) > 1e-6:
        return f"at height {height if isinstance(height, str) else f'{height:g} m'}"
    return None


def _quantity(ds: xr.Dataset, q: Quantity, file: str, required: bool = True) -> str | None:
    """The variable holding quantity ``q``: by name (which states the height) or by CF standard name
    plus a height coordinate; GRIB parameter, standard name, level and cell methods must agree."""
    candidates = [n for n in q.names if n in ds.data_vars]
    candidates += [str(n) for n, v in ds.data_vars.items()
                   if v.attrs.get("standard_name") == q.standard_name and str(n) not in candidates]
    candidates += [str(n) for n, v in ds.data_vars.items()
                   if v.attrs.get("GRIB_paramId") in q.param_ids and str(n) not in candidates]
    refused = []
    for var in candidates:
        why = _not_quantity(ds[var], var, q)
        if why is None:
            return var
        refused.append(f"{var!r} is {why}" if why.startswith(("a ", "on ", "at ")) else f"{var!r} has {why}")
    if refused and (required or any(n in ds.data_vars for n in q.names)):
        raise InputError(located(file, f"no {q.what} found: {'; '.join(refused)}"))
    if required:
        raise InputError(located(file, f"no {q.what} found; looked for {', '.join(q.names)} or standard_name "
                                       f"{q.standard_name!r} with a height of {q.height_m:g} m"))
    return None
