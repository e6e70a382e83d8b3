"""Gridded NetCDF/GRIB sampled at district centroids, checked against hand-computed samples."""

from __future__ import annotations

from pathlib import Path

import eccodes
import netCDF4
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from heatneed.errors import InputError
from heatneed.sources import read_forecast_file
from heatneed.sources.gridded import axis_neighbours, read_gridded

GRIDDED = Path(__file__).parent / "fixtures" / "gridded"
NETCDF = GRIDDED / "ensemble_global.nc"
GRIB = GRIDDED / "ensemble_kyiv.grib2"
KYIV = ("UA80", 50.45, 30.52)
MADRID = ("ES-M", 40.42, -3.70)  # west of Greenwich: 356.30 on a 0..360 grid


def table(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["district_code", "lat", "lon"])


def bilinear(v00, v01, v10, v11, wy, wx):
    """v<lat><lon>: corner values; wy, wx: fractions of the way to the second corner."""
    return (1 - wy) * (1 - wx) * v00 + (1 - wy) * wx * v01 + wy * (1 - wx) * v10 + wy * wx * v11


def raw_netcdf_t2m(member, step, lat_index, lon_index):
    """A grid value [K] read straight from the file with netCDF4, not through heatneed."""
    with netCDF4.Dataset(NETCDF) as nc:
        return float(nc["t2m"][member, step, lat_index, lon_index])


# NetCDF grid: latitude 90, 80, ..., -90 (index 0..18, descending); longitude 0, 10, ..., 350
# (index 0..35). Kyiv 50.45N 30.52E lies between latitudes 60 (index 3) and 50 (index 4) and
# longitudes 30 (index 3) and 40 (index 4). Madrid 40.42N 356.30E lies between latitudes 50
# (index 4) and 40 (index 5) and longitudes 350 (index 35) and 360 = 0 (index 0, the seam).

@pytest.mark.parametrize("member, step", [(0, 0), (2, 1)])
def test_netcdf_bilinear_matches_hand_computation(member, step):
    ds = read_gridded(NETCDF, table(KYIV, MADRID), method="bilinear")
    # Kyiv: from latitude 50 toward 60 by 0.45/10, from longitude 30 toward 40 by 0.52/10
    kyiv = bilinear(raw_netcdf_t2m(member, step, 4, 3), raw_netcdf_t2m(member, step, 4, 4),
                    raw_netcdf_t2m(member, step, 3, 3), raw_netcdf_t2m(member, step, 3, 4),
                    wy=0.045, wx=0.052) - 273.15
    # Madrid: from latitude 40 toward 50 by 0.042, from longitude 350 toward 360 by 0.63
    madrid = bilinear(raw_netcdf_t2m(member, step, 5, 35), raw_netcdf_t2m(member, step, 5, 0),
                      raw_netcdf_t2m(member, step, 4, 35), raw_netcdf_t2m(member, step, 4, 0),
                      wy=0.042, wx=0.63) - 273.15
    got = ds["temp_c"].isel(time=step).sel(member=member)
    assert got.sel(district="UA80").item() == pytest.approx(kyiv, abs=0.1)
    assert got.sel(district="ES-M").item() == pytest.approx(madrid, abs=0.1)
    # the hand values are not trivially equal to a neighbour: bilinear matters here
    assert abs(madrid - (raw_netcdf_t2m(member, step, 5, 35) - 273.15)) > 0.5


def test_netcdf_nearest_takes_the_closest_cell():
    ds = read_gridded(NETCDF, table(KYIV, MADRID), method="nearest")
    # Kyiv -> latitude 50 (index 4), longitude 30 (index 3); Madrid -> 40 (5), 0 (index 0)
    assert ds["temp_c"].sel(district="UA80", member=1).isel(time=2).item() == pytest.approx(
        raw_netcdf_t2m(1, 2, 4, 3) - 273.15, abs=0.1)
    assert ds["temp_c"].sel(district="ES-M", member=0).isel(time=0).item() == pytest.approx(
        raw_netcdf_t2m(0, 0, 5, 0) - 273.15, abs=0.1)


def test_netcdf_ensemble_layout_time_wind_and_issue_time():
    ds = read_gridded(NETCDF, table(KYIV))
    assert ds["temp_c"].dims == ("district", "time", "member")
    assert ds["member"].values.tolist() == [0, 1, 2]
    assert pd.DatetimeIndex(ds["time"].values).hour.tolist() == [0, 6, 12]
    # u10 = 3 + number, v10 = 4 [m/s] -> hypot * 3.6 [km/h]
    assert ds["wind_kmh"].sel(district="UA80").isel(time=0).values == pytest.approx(
        [5 * 3.6, np.hypot(4, 4) * 3.6, np.hypot(5, 4) * 3.6])
    assert ds.attrs["issued_at"] == "2026-01-12T18:00:00Z"
    assert ds.attrs["attribution"] == "ECMWF (CC BY 4.0)"


def raw_grib_t2m():
    """{(number, step): 5x5 array [K]} read with eccodes, not through cfgrib or heatneed."""
    values = {}
    with open(GRIB, "rb") as fh:
        while (gid := eccodes.codes_grib_new_from_file(fh)) is not None:
            if eccodes.codes_get(gid, "shortName") == "2t":
                key = (eccodes.codes_get(gid, "number"), eccodes.codes_get(gid, "step"))
                values[key] = eccodes.codes_get_values(gid).reshape(5, 5)
            eccodes.codes_release(gid)
    return values


# GRIB grid: latitudes 51.0, 50.75, 50.5, 50.25, 50.0 (descending), longitudes 30.0 .. 31.0 by
# 0.25. Kyiv lies between latitude rows 50.5 (j=2) and 50.25 (j=3), 0.05/0.25 = 0.2 of the way,
# and longitude columns 30.5 (i=2) and 30.75 (i=3), 0.02/0.25 = 0.08 of the way.
# In the generator the 2t base field holds 258.2, 259.0 (row 2) and 259.6, 260.3 (row 3) there,
# minus 2 K per member number and 0.25 K per forecast hour.

def test_grib_bilinear_and_nearest_match_hand_computation():
    raw = raw_grib_t2m()
    assert raw[(1, 0)][2, 2:4] == pytest.approx([256.2, 257.0], abs=0.01)
    district = table(KYIV)
    lin = read_gridded(GRIB, district, method="bilinear")
    near = read_gridded(GRIB, district, method="nearest")
    for number, step in [(1, 0), (2, 6)]:
        offset = -2.0 * number - 0.25 * step
        by_hand = bilinear(258.2, 259.0, 259.6, 260.3, wy=0.2, wx=0.08) + offset - 273.15
        from_file = bilinear(*raw[(number, step)][2, 2:4], *raw[(number, step)][3, 2:4],
                             wy=0.2, wx=0.08) - 273.15
        valid = pd.Timestamp("2026-01-13") + pd.Timedelta(hours=step)
        got = lin["temp_c"].sel(district="UA80", member=number, time=valid).item()
        assert got == pytest.approx(by_hand, abs=0.1)
        assert got == pytest.approx(from_file, abs=0.01)
        nearest = near["temp_c"].sel(district="UA80", member=number, time=valid).item()
        assert nearest == pytest.approx(258.2 + offset - 273.15, abs=0.1)
    assert lin["wind_kmh"].sel(member=2).values.ravel() == pytest.approx(
        [np.hypot(4.0, 1.5) * 3.6] * 2)
    assert lin.attrs["issued_at"] == "2026-01-13T00:00:00Z"


def test_dispatcher_reads_grib_as_gridded():
    ds = read_forecast_file(GRIB, table(KYIV))
    assert ds.attrs["source"] == "gridded" and ds["member"].values.tolist() == [1, 2]


def test_district_outside_the_grid_is_refused_by_name():
    lviv = ("UA46", 49.84, 24.03)
    with pytest.raises(InputError) as err:
        read_gridded(GRIB, table(KYIV, lviv))
    assert err.value.problems[0].startswith("ensemble_kyiv.grib2: district(s) outside")
    assert "UA46 (49.84, 24.03)" in err.value.problems[0]
    assert "UA80" not in err.value.problems[0]


def test_nearest_accepts_half_a_step_beyond_the_edge_bilinear_does_not():
    edge = table(("EDGE", 51.1, 30.0))  # 0.1 north of the last row; half a step is 0.125
    assert read_gridded(GRIB, edge, method="nearest")["temp_c"].notnull().all()
    with pytest.raises(InputError, match="outside the forecast grid"):
        read_gridded(GRIB, edge, method="bilinear")


def test_dask_chunked_input_stays_lazy_and_gives_the_same_numbers():
    eager = read_gridded(NETCDF, table(KYIV, MADRID))
    with xr.open_dataset(NETCDF, chunks={}) as chunked:
        lazy = read_gridded(chunked, table(KYIV, MADRID))
        assert lazy["temp_c"].chunks is not None  # still a dask graph
        np.testing.assert_allclose(lazy["temp_c"].values, eager["temp_c"].values, atol=1e-9)


def test_celsius_lat_lon_names_and_signed_longitudes_without_members():
    grid = xr.Dataset(
        {"t2m": (("time", "lat", "lon"), np.array([[[-10.0, -12.0], [-14.0, -16.0]]]),
                 {"units": "degC"})},
        coords={"time": [pd.Timestamp("2026-01-13 06:00")], "lat": [50.0, 51.0],
                "lon": [-1.0, 1.0]})
    ds = read_gridded(grid, table(("GB", 50.5, 0.0)), name="uk.nc")
    assert ds["member"].values.tolist() == [0]
    assert ds["temp_c"].item() == pytest.approx((-10 - 12 - 14 - 16) / 4)
    assert np.isnan(ds["wind_kmh"].item())


def test_unknown_units_and_missing_temperature_are_refused():
    grid = xr.Dataset({"t2m": (("time", "latitude", "longitude"), np.zeros((1, 2, 2)),
                               {"units": "degF"})},
                      coords={"time": [pd.Timestamp("2026-01-13")], "latitude": [50.0, 51.0],
                              "longitude": [30.0, 31.0]})
    with pytest.raises(InputError, match="f.nc: variable 't2m' in units 'degf'"):
        read_gridded(grid, table(KYIV), name="f.nc")
    with pytest.raises(InputError, match="no 2 m temperature"):
        read_gridded(grid.rename(t2m="msl"), table(KYIV), name="f.nc")


@pytest.mark.parametrize("coords, point, expected", [
    ([50.0, 50.25, 50.5], [50.3], (1, 2, 0.2)),            # ascending
    ([50.5, 50.25, 50.0], [50.3], (1, 0, 0.2)),            # descending: same cells
])
def test_axis_neighbours_handles_either_order(coords, point, expected):
    i0, i1, w = axis_neighbours(coords, point, "bilinear")
    assert (i0[0], i1[0]) == expected[:2] and w[0] == pytest.approx(expected[2])


def test_axis_neighbours_wraps_a_global_longitude_axis():
    lons = np.arange(0.0, 360.0, 90.0)  # 0, 90, 180, 270
    i0, i1, w = axis_neighbours(lons, [-45.0, 315.0, 585.0], "bilinear", period=360.0)
    assert i0.tolist() == [3, 3, 2] and i1.tolist() == [0, 0, 3]
    assert w == pytest.approx([0.5, 0.5, 0.5])


@pytest.mark.parametrize("name", ["junk.nc", "junk.grib2"])
def test_unreadable_file_is_an_input_error_naming_it(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"this is not a forecast grid\n" * 20)
    with pytest.raises(InputError) as err:
        read_gridded(path, table(KYIV))
    assert err.value.problems[0].startswith(f"{name}: ")
