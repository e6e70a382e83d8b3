"""The fast kernel computes exactly what the reference formulas give, whatever the blocking."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from heatneed import indices, physics, pipeline
from heatneed.config import default_params
from heatneed.sources.tidy import read_tidy_netcdf

import bench_rank

P = default_params()


def hostile_weather(seed, steps=60, districts=7, members=5):
    """Temperatures from −40 to +25 °C and winds from calm to gale, with NaN winds and ties."""
    rng = np.random.default_rng(seed)
    temp = rng.uniform(-40, 25, (steps, districts, members)).astype(np.float32)
    temp[:, 0] = rng.uniform(12, 25, (steps, members))  # a lane with no cold hour at all
    temp[5:9, 1] = temp[:, 1].min() - 1  # several coldest hours
    wind = rng.choice([0.0, 3.0, 4.8, 5.0, 20.0, 90.0], (steps, districts, members)) * rng.uniform(0.5, 1.5)
    wind[:, 2] = np.nan  # a source without wind
    wind[::3, 3] = np.nan
    return temp, wind.astype(np.float32)


@pytest.mark.parametrize("seed", range(6))
def test_coldest_apparent_temperature_equals_the_brute_force_minimum(seed):
    temp, wind = hostile_weather(seed)
    everywhere = indices.apparent_cold_c(temp, wind).min(axis=0)
    np.testing.assert_array_equal(pipeline._coldest_apparent(temp, wind, temp.min(axis=0)), everywhere)


@pytest.mark.parametrize("dt", [np.ones(60), np.r_[np.ones(40), np.full(20, 3.0)]], ids=["hourly", "mixed"])
def test_degree_hours_shortcut_equals_the_index(dt):
    temp, _ = hostile_weather(1)
    temp[7, 4, 2] = np.nan
    expected = indices.degree_hours_below(temp, 18.0, dt[:, None, None], axis=0)
    got = pipeline._degree_hours_below(temp, 18.0, dt, pipeline._time_sum(temp))
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_physics_along_any_time_axis_gives_the_same_numbers():
    rng = np.random.default_rng(0)
    eq = rng.normal(0, 12, (6, 4, 50)).astype(np.float32)  # (district, member, time)
    tau = rng.uniform(20, 150, (6, 1)).astype(np.float32)
    start = rng.uniform(5, 20, (6, 4)).astype(np.float32)
    dt = np.r_[np.ones(30), np.full(20, 3.0)]
    heated = (np.arange(50)[None, :] < rng.integers(0, 10, 6)[:, None])[:, None, :]
    last = physics.indoor_temperature(eq, tau, start, dt, heated)
    first = physics.indoor_temperature(np.moveaxis(eq, -1, 0), tau, start, dt, np.moveaxis(heated, -1, 0), axis=0)
    np.testing.assert_array_equal(np.moveaxis(first, 0, -1), last)
    for threshold in (12.0, 5.0, -60.0, 30.0):
        for f in (physics.first_crossing_hours, physics.hours_below):
            np.testing.assert_array_equal(f(first, np.moveaxis(eq, -1, 0), tau, dt, threshold, axis=0),
                                          f(last, eq, tau, dt, threshold))


@pytest.fixture(scope="module")
def small_country():
    inputs = bench_rank.synthetic_inputs(90, 72, 9, seed=11)
    forecast, dt = pipeline._horizon(inputs.forecast, 72.0)
    times = pd.DatetimeIndex(forecast["time"].values)
    cooling = pipeline.cooling_inputs(pipeline._district_arrays(inputs, P, times[0]), times)
    return forecast["temp_c"].values, forecast["wind_kmh"].values, cooling, dt


def test_district_blocks_and_threads_do_not_change_any_number(small_country, monkeypatch):
    reference = pipeline.district_metrics(*small_country, P, sensitivity=True)
    for block, threads in ((1, 1), (7, 2), (500, 1)):
        monkeypatch.setattr(pipeline, "BLOCK_DISTRICTS", block)
        np.testing.assert_array_equal(pipeline.district_metrics(*small_country, P, sensitivity=True, threads=threads),
                                      reference)


def test_float64_forecast_gives_the_float32_numbers(small_country):
    temp, wind, cooling, dt = small_country
    np.testing.assert_array_equal(pipeline.district_metrics(temp.astype(float), wind.astype(float), cooling, dt, P),
                                  pipeline.district_metrics(temp, wind, cooling, dt, P))


def test_tidy_netcdf_is_read_once_in_its_own_type_or_lazily(tmp_path):
    paths = bench_rank.write_scenario(tmp_path, 40, 48, 5)
    registry = pipeline.load_inputs(paths["districts"], paths["unheated"], paths["outages"],
                                    paths["forecast"]).districts
    eager = read_tidy_netcdf(paths["forecast"], registry)
    lazy = read_tidy_netcdf(paths["forecast"], registry, chunks={"district": 16})
    assert eager["temp_c"].dtype == np.float32 and eager["temp_c"].chunks is None
    assert lazy["temp_c"].chunks[0] == (16, 16, 8)
    assert eager.attrs == lazy.attrs == {"source": "file:forecast.nc", "issued_at": "2026-02-01T00:00:00Z"}
    assert eager.equals(lazy.load())
