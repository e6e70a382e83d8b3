"""Tidy forecast files: CSV and NetCDF into the canonical Dataset; gap filling is bounded."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from heatneed.errors import InputError
from heatneed.sources import read_forecast_file
from heatneed.sources.base import fill_short_gaps
from synth import frames
from heatneed.inputs import load_districts


def test_fill_short_gaps_fills_three_hours_but_not_four_or_the_ends():
    v = np.array([1, np.nan, np.nan, 4, np.nan, np.nan, np.nan, np.nan, 9, np.nan], float)
    out = fill_short_gaps(v[None, :], np.arange(10.0), 3)[0]
    np.testing.assert_allclose(out[:4], [1, 2, 3, 4])
    assert np.isnan(out[4:8]).all() and out[8] == 9 and np.isnan(out[9])


@pytest.fixture
def synthetic(tmp_path):
    d, u, o, f = frames(3, hours=12, members=2)
    d.to_csv(tmp_path / "d.csv", index=False)
    return load_districts(tmp_path / "d.csv"), f


def test_tidy_csv_without_member_is_one_deterministic_member(tmp_path, synthetic):
    registry, f = synthetic
    one = f[f["member"] == 0].drop(columns="member")
    one.to_csv(tmp_path / "f.csv", index=False)
    ds = read_forecast_file(tmp_path / "f.csv", registry)
    assert dict(ds.sizes) == {"district": 3, "time": 12, "member": 1}
    assert ds["member"].values.tolist() == [0]
    assert ds.attrs["issued_at"] == "2026-02-01T00:00:00Z"  # no issued_at column: first step
    first = one.iloc[0]
    assert float(ds["temp_c"].sel(district=first["district_code"], member=0).isel(time=0)) == first["temp_c"]


def test_tidy_netcdf_matches_the_csv(tmp_path, synthetic):
    registry, f = synthetic
    f.to_csv(tmp_path / "f.csv", index=False)
    from_csv = read_forecast_file(tmp_path / "f.csv", registry)
    from_csv[["temp_c", "wind_kmh"]].to_netcdf(tmp_path / "f.nc")
    from_nc = read_forecast_file(tmp_path / "f.nc", registry)
    xr.testing.assert_allclose(from_nc["temp_c"], from_csv["temp_c"])
    assert from_nc.sizes["member"] == 2


def test_a_single_missing_hour_is_filled_linearly(tmp_path, synthetic):
    registry, f = synthetic
    code = registry.index[0]
    hole = (f["district_code"] == code) & (f["member"] == 1) & (f["time"] == "2026-02-01T05:00:00Z")
    f.loc[hole, "temp_c"] = np.nan
    f.to_csv(tmp_path / "f.csv", index=False)
    ds = read_forecast_file(tmp_path / "f.csv", registry)
    series = ds["temp_c"].sel(district=code, member=1).values
    assert series[5] == pytest.approx((series[4] + series[6]) / 2)


def test_forecast_for_an_unknown_district_is_refused(tmp_path, synthetic):
    registry, f = synthetic
    f.loc[f["district_code"] == registry.index[0], "district_code"] = "NOPE"
    f.to_csv(tmp_path / "f.csv", index=False)
    with pytest.raises(InputError, match="f.csv, column district_code: district_code 'NOPE' is not in the districts"):
        read_forecast_file(tmp_path / "f.csv", registry)
