"""The fast kernel computes exactly what the reference formulas give, whatever the blocking."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heatneed import indices, physics, pipeline, risk
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
    assert eager.attrs == lazy.attrs == {"source": "file:forecast.nc", "issued_at": "2026-02-01T00:00:00Z",
                                         "covered_hours": 48.0, "checked_as": "forecast.nc"}
    assert eager.equals(lazy.load())


# --------------------------------------------------------------------------- compiled kernel

COLUMNS = pipeline.METRIC_COLUMNS + pipeline.SENSITIVITY_COLUMNS


def both_kernels(temp, wind, cooling, dt, p=P, sensitivity=True):
    """(numpy, compiled) × (metrics, indoor temperatures) for (district, time, member) forecasts."""
    results = []
    for fused in (False, True):
        indoor = pipeline.indoor_buffer(temp.shape, fused)
        indoor[...] = np.nan
        metrics = pipeline.district_metrics(temp, wind, cooling, dt, p, sensitivity=sensitivity,
                                            indoor_out=indoor, fused=fused)
        results.append((metrics, indoor))
    return results


#: Columns whose arithmetic is the same by construction in both kernels (comparisons, counts and the
#: recurrence fed by the same numpy-computed exponential factors): equal bit for bit on every CPU.
EXACT_COLUMNS = [c for c in COLUMNS if c.startswith(("min_indoor_c", "min_temp_c", "p_"))]
#: Wind chill calls pow (V^0.16): numpy's SIMD pow (AVX-512 paths included) and the C library's may
#: differ by a few ulp (7e-15 K seen on AVX-512 machines), so wind chill is compared to 1e-12 relative.
WIND_CHILL_RTOL = 1e-12


def assert_same_kernel_results(numpy_result, fused_result):
    """Indoor temperatures, indoor and air minima and probabilities bit for bit (same arithmetic by
    construction); wind chill to ``WIND_CHILL_RTOL`` (a transcendental function on different SIMD
    paths); sums and hours to 1e-6 (relative, or 1e-6 absolute near zero), 'never' (NaN) in the same
    places. The hours of a crossing may differ by an ulp of the float32 logarithm (numpy's SIMD log
    against the C library's), and numpy itself sums a single member pairwise rather than step by step."""
    (metrics, indoor), (fused_metrics, fused_indoor) = numpy_result, fused_result
    np.testing.assert_array_equal(fused_indoor, indoor)
    np.testing.assert_allclose(fused_metrics, metrics, rtol=1e-6, atol=1e-6)
    exact = [COLUMNS.index(c) for c in EXACT_COLUMNS if COLUMNS.index(c) < metrics.shape[1]]
    np.testing.assert_array_equal(fused_metrics[:, exact], metrics[:, exact])
    chill = COLUMNS.index("min_wind_chill_c")
    np.testing.assert_allclose(fused_metrics[:, chill], metrics[:, chill], rtol=WIND_CHILL_RTOL, atol=0)


def hostile_cooling(districts, seed):
    """τ across the band, every power share, heat lost long before, just before and after the start."""
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(40, 200, districts), rng.choice([0.0, 0.3, 1.0], districts),
                            rng.choice([0.0, 2.0, 30.0, 400.0], districts),
                            rng.choice([0, 0, 3, 12], districts)]).astype(float)


def test_compiled_kernel_gives_the_numpy_kernel_numbers_on_a_country(small_country):
    assert_same_kernel_results(*both_kernels(*small_country))


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("dt", [np.ones(60), np.r_[np.ones(40), np.full(20, 3.0)], np.full(60, 6.0)],
                         ids=["hourly", "mixed", "six-hourly"])
def test_compiled_kernel_gives_the_numpy_kernel_numbers_in_hostile_weather(seed, dt):
    temp, wind = hostile_weather(seed)  # warm lanes (degree-hour fallback), ties, calm and NaN winds
    temp, wind = np.moveaxis(temp, 0, 1).copy(), np.moveaxis(wind, 0, 1).copy()
    p = P.replace(moderate_c=12.3, very_high_c=4.9)  # thresholds that float32 cannot hold exactly
    assert_same_kernel_results(*both_kernels(temp, wind, hostile_cooling(len(temp), seed), dt, p))


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 40), st.integers(1, 4), st.integers(1, 6), st.integers(0, 2**32 - 1),
       st.sampled_from([1.0, 3.0, 6.0]))
def test_compiled_kernel_equals_numpy_kernel_for_any_shape(steps, districts, members, seed, step_hours):
    """Fewer and more than 16 steps (the float32 partial sums), single members and districts."""
    rng = np.random.default_rng(seed)
    temp = rng.uniform(-45, 30, (districts, steps, members)).astype(np.float32)
    wind = rng.choice([np.nan, 0.0, 4.8, 12.0, 60.0], (districts, steps, members)).astype(np.float32)
    dt = np.full(steps, step_hours)
    dt[steps // 2:] *= rng.choice([1.0, 2.0])
    assert_same_kernel_results(*both_kernels(temp, wind, hostile_cooling(districts, seed), dt))


def test_large_forecasts_take_the_compiled_kernel_small_ones_numpy(monkeypatch):
    calls = []
    monkeypatch.setattr(pipeline, "_fused_member_results", lambda *a: calls.append("fused") or
                        pipeline._member_results(*a))
    temp, wind = (np.zeros((3, 10, 2), np.float32),) * 2
    cooling = hostile_cooling(3, 0)
    pipeline.district_metrics(temp, wind, cooling, np.ones(10), P)
    assert calls == []
    monkeypatch.setattr(pipeline, "FUSED_MIN_CELLS", temp.size)
    pipeline.district_metrics(temp, wind, cooling, np.ones(10), P)
    assert calls == ["fused"]
    assert pipeline.use_fused(pipeline.FUSED_MIN_CELLS) and not pipeline.use_fused(pipeline.FUSED_MIN_CELLS - 1)


def test_without_a_loadable_compiled_kernel_large_forecasts_use_numpy(monkeypatch):
    import heatneed

    monkeypatch.setitem(sys.modules, "heatneed.fused", None)  # as if numba could not load or cache
    monkeypatch.delattr(heatneed, "fused", raising=False)
    with pytest.warns(RuntimeWarning, match="compiled kernel unavailable"):
        assert not pipeline.use_fused(pipeline.FUSED_MIN_CELLS)


@pytest.mark.parametrize("fused", [False, True])
def test_an_indoor_buffer_of_the_wrong_shape_is_refused_not_overrun(small_country, fused):
    temp, wind, cooling, dt = small_country
    short = pipeline.indoor_buffer((temp.shape[0], temp.shape[1] - 1, temp.shape[2]), fused)
    with pytest.raises(ValueError, match="expected float32"):
        pipeline.district_metrics(temp, wind, cooling, dt, P, indoor_out=short, fused=fused)


def test_indoor_buffer_of_either_layout_serves_either_kernel(small_country):
    temp, wind, cooling, dt = small_country
    results = []
    for layout in (False, True):
        for fused in (False, True):
            indoor = pipeline.indoor_buffer(temp.shape, layout)
            pipeline.district_metrics(temp, wind, cooling, dt, P, indoor_out=indoor, fused=fused)
            results.append(np.array(indoor))
    for other in results[1:]:
        np.testing.assert_array_equal(other, results[0])


@pytest.mark.parametrize("seed", range(3))
def test_both_kernels_give_the_same_band_hours_and_probabilities_of_the_cold_harm(seed):
    """Risk model v2 metrics (hours below 16/12/9/5 °C, P(below 5 °C), within the lead time), with
    an unknown heat-loss time (gap = +inf: the home starts at its equilibrium): same numbers."""
    temp, wind = hostile_weather(seed)
    temp, wind = np.moveaxis(temp, 0, 1).copy(), np.moveaxis(wind, 0, 1).copy()
    cooling = hostile_cooling(len(temp), seed)
    cooling[::3, 2] = np.inf
    (metrics, indoor), (fused_metrics, fused_indoor) = both_kernels(temp, wind, cooling, np.ones(temp.shape[1]),
                                                                    sensitivity=False)
    np.testing.assert_array_equal(fused_indoor, indoor)
    new = [pipeline.METRIC_COLUMNS.index(c) for c in ("p_indoor_below_5c", "p_below_12c_lead", "p_below_5c_lead",
                                                       *risk.BAND_HOURS)]
    np.testing.assert_allclose(fused_metrics[:, new], metrics[:, new], rtol=1e-6, atol=1e-6)
    assert np.isfinite(metrics[:, new]).all()
