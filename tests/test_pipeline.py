"""The ranking pipeline: the embedded scenario end to end, and the properties users rely on."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heatneed import pipeline, physics
from heatneed.config import default_params
from synth import frames, to_inputs

P = default_params()
PROPERTY = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def kyiv():
    return pipeline.rank(pipeline.load_inputs(), P, sensitivity=True)


def test_embedded_scenario_ranks_ten_kyiv_districts_with_the_design_columns(kyiv):
    pl = kyiv.priority
    assert list(pl.columns) == pipeline.PRIORITY_COLUMNS
    assert len(pl) == 10 and pl["rank"].tolist() == list(range(1, 11))
    assert pl["district_code"].str.startswith("UA800000000").all()
    assert pl["risk_score"].between(0, 10).all()
    assert pl["forecast_issued_at"].unique().tolist() == ["2026-02-01T00:00:00Z"]
    assert pl["data_as_of"].unique().tolist() == ["2026-02-01T06:00:00Z"]
    # Highest risk first; ties by residents exposed.
    key = list(zip(-pl["risk_score"], -pl["residents_unheated"].astype(float)))
    assert key == sorted(key)


def test_districts_with_no_unheated_buildings_have_zero_risk(kyiv):
    zero = kyiv.priority[kyiv.priority["unheated_buildings"] == 0]
    assert len(zero) == 2
    assert (zero["risk_score"] == 0).all() and (zero["severity"] == 1).all()
    assert (zero["person_hours_below_12c"] == 0).all()
    assert zero[["min_indoor_c", "hours_to_12c", "hours_to_5c", "p_indoor_below_12c"]].isna().all().all()


def test_missing_data_is_named_not_imputed(kyiv):
    pl = kyiv.priority.set_index("district_name")
    assert pl.loc["Podilskyi", "completeness"] == ("missing: share_65plus (national 18.4% shown), "
                                                   "unheated_since (assumed long before the forecast)")
    assert pl.loc["Sviatoshynskyi", "completeness"] == "missing: warming_places (assumed none)"
    assert np.isnan(kyiv.detail.loc["UA80000000000719633", "share_65plus"])
    assert kyiv.detail.loc["UA80000000000719633", "share_65plus_used"] == P.share_65plus_national


def test_indoor_model_reproduces_the_exact_solution_for_one_district(kyiv):
    # Holosiivskyi: heat lost 2026-01-31T22:00Z; scheduled outages 18 h/day → p_on = 0.25.
    code = "UA80000000000126643"
    a = kyiv.detail.loc[code]
    fc = kyiv.forecast.sel(district=code, member=0)["temp_c"].values
    eq = physics.equilibrium_temperature(fc, a["power_on_share"], P.internal_gain_k, P.heater_gain_k)
    gap = (pd.Timestamp("2026-02-01") - a["unheated_since"].tz_localize(None)).total_seconds() / 3600
    start = physics.exponential_decay(gap, P.initial_indoor_c, eq[0], P.tau_hours)
    expected = physics.indoor_temperature(eq, P.tau_hours, start, np.ones(len(eq)))
    np.testing.assert_allclose(kyiv.indoor_c.sel(district=code, member=0).values, expected, atol=2e-3)


def test_ensemble_probability_and_quantiles_are_consistent(kyiv):
    d = kyiv.detail
    assert ((d["p_indoor_below_12c"] >= 0) & (d["p_indoor_below_12c"] <= 1)).all()
    assert (d["min_indoor_c_p10"] <= d["min_indoor_c"] + 1e-6).all()
    assert (d["min_indoor_c"] <= d["min_indoor_c_p90"] + 1e-6).all()


@pytest.mark.parametrize("hours, q, expected", [
    ([10, 20, 30, 40, np.nan], 0.1, 14.0),  # between two times: linear
    ([10, 20, 30, 40, np.nan], 0.75, 40.0),  # on the last member that crosses
    ([10, 20, 30, 40, np.nan], 0.9, np.nan),  # between 40 h and a member that never crosses: never
    ([10, np.nan, np.nan, np.nan, np.nan], 0.1, np.nan),  # was 4e11 h with a finite stand-in for never
    ([np.nan] * 5, 0.5, np.nan),
    ([8.0] * 51, 0.9, 8.0),
])
def test_quantile_hours_treats_never_as_later_than_any_time(hours, q, expected):
    got = pipeline.quantile_hours(np.array([hours, hours]), q)
    np.testing.assert_array_equal(got, [expected, expected])


@given(st.lists(st.one_of(st.none(), st.floats(0, 400)), min_size=1, max_size=60), st.floats(0, 1))
def test_quantile_hours_is_never_exactly_when_it_reaches_a_member_that_never_crosses(values, q):
    hours = np.array([np.nan if v is None else v for v in values])
    got = float(pipeline.quantile_hours(hours, q))
    finite = np.sort(hours[~np.isnan(hours)])
    if len(finite) == len(hours):
        assert got == pytest.approx(np.quantile(hours, q))
    else:  # sorted, the members that cross come first; the quantile's position is q·(n − 1)
        assert np.isnan(got) == (q * (len(hours) - 1) > len(finite) - 1)
        assert np.isnan(got) or finite[0] <= got <= finite[-1]


def test_tau_sensitivity_brackets_the_default(kyiv):
    d = kyiv.detail
    assert (d["min_indoor_c_tau_low"] <= d["min_indoor_c"] + 1e-6).all()
    assert (d["min_indoor_c"] <= d["min_indoor_c_tau_high"] + 1e-6).all()


def test_horizon_limits_the_modelled_hours():
    inputs = pipeline.load_inputs()
    short = pipeline.rank(inputs, P.replace(horizon_hours=24))
    assert short.forecast.sizes["time"] == 24
    assert short.indoor_c.sizes["time"] == 25


def test_unknown_outage_status_assumes_an_emergency_and_says_so():
    d, u, o, f = frames(3)
    result = pipeline.rank(to_inputs(d, u, o.iloc[1:], f), P)
    row = result.priority.set_index("district_code").loc[d["district_code"][0]]
    assert row["outage_status"] == "unknown"
    assert "outage status (assumed emergency, 24 h off)" in row["completeness"]


def test_missing_unheated_report_leaves_the_score_empty():
    d, u, o, f = frames(3)
    result = pipeline.rank(to_inputs(d, u.iloc[1:], o, f), P)
    last = result.priority.iloc[-1]
    assert last["district_code"] == d["district_code"][0]
    assert pd.isna(last["risk_score"]) and last["severity"] == 0
    assert "missing: unheated count" in last["completeness"]


def risk_of(inputs_frames):
    return pipeline.rank(to_inputs(*inputs_frames), P).priority.set_index("district_code")["risk_score"].sort_index()


@PROPERTY
@given(seed=st.integers(0, 10_000), delta=st.floats(0.5, 15), which=st.integers(0, 3))
def test_colder_forecast_never_lowers_risk(seed, delta, which):
    d, u, o, f = frames(4, seed=seed)
    base = risk_of((d, u, o, f))
    colder = f.copy()
    colder.loc[colder["district_code"] == d["district_code"][which], "temp_c"] -= delta
    after = risk_of((d, u, o, colder))
    assert (after >= base).all()


@PROPERTY
@given(seed=st.integers(0, 10_000), extra=st.integers(1, 500), which=st.integers(0, 3))
def test_more_unheated_buildings_never_lower_risk(seed, extra, which):
    d, u, o, f = frames(4, seed=seed)
    base = risk_of((d, u, o, f))
    more = u.copy()
    more.loc[which, "unheated_buildings"] += extra
    assert (risk_of((d, more, o, f)) >= base).all()


@PROPERTY
@given(seed=st.integers(0, 10_000), extra=st.floats(0.5, 24), which=st.integers(0, 3))
def test_more_hours_without_power_never_lower_risk(seed, extra, which):
    d, u, o, f = frames(4, seed=seed)
    base = risk_of((d, u, o, f))
    worse = o.astype({"hours_off_per_day": float})
    hours = min(24.0, float(worse.loc[which, "hours_off_per_day"]) + extra)
    worse.loc[which, ["status", "hours_off_per_day"]] = ["scheduled", hours]
    assert (risk_of((d, u, worse, f)) >= base).all()


@PROPERTY
@given(seed=st.integers(0, 10_000), order=st.randoms(use_true_random=False))
def test_shuffling_the_rows_of_any_input_never_changes_the_ranking(seed, order):
    d, u, o, f = frames(5, seed=seed)
    base = pipeline.rank(to_inputs(d, u, o, f), P).priority
    shuffled = [x.sample(frac=1, random_state=order.randint(0, 2**31)).reset_index(drop=True)
                for x in (d, u, o, f)]
    after = pipeline.rank(to_inputs(*shuffled), P).priority
    pd.testing.assert_frame_equal(after.reset_index(drop=True), base.reset_index(drop=True))


@PROPERTY
@given(seed=st.integers(0, 10_000), drop=st.integers(0, 4))
def test_adding_or_removing_a_district_never_changes_another_districts_score(seed, drop):
    d, u, o, f = frames(5, seed=seed)
    full = risk_of((d, u, o, f))
    code = d["district_code"][drop]
    keep = [x[x["district_code"] != code] for x in (d, u, o, f)]
    fewer = risk_of(keep)
    pd.testing.assert_series_equal(fewer, full.drop(code).loc[fewer.index])
