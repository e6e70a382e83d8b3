"""Risk model v2: cold harm, score transform, severity rules, decomposition, coherent defaults,
and the Kyiv plausibility check (README "The model", "Scores")."""

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heatneed import physics, risk
from heatneed.config import default_params, model_params
from heatneed.errors import InputError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import kyiv_plausibility  # noqa: E402

P = default_params()


# --------------------------------------------------------------------------- coherent defaults

def test_one_heat_loss_coefficient_behind_both_gains_and_tau():
    assert P.heat_loss_w_per_k == 77.0
    assert P.internal_gain_k == pytest.approx(300 / 77)  # 3.896 K
    assert P.heater_gain_k == pytest.approx(1500 / 77)  # 19.48 K
    # τ default and band: ISO 13790 classes for a 54 m² flat (heavy at H 77 / 150; very heavy at 77).
    assert P.tau_hours == pytest.approx(physics.tau_iso13790(260, 54, P.heat_loss_w_per_k), abs=0.5)
    assert P.tau_low_hours == pytest.approx(physics.tau_iso13790(260, 54, 150), abs=0.5)
    assert P.tau_high_hours == pytest.approx(physics.tau_iso13790(370, 54, P.heat_loss_w_per_k), abs=0.5)


def test_gains_follow_the_heat_loss_coefficient_unless_set_explicitly():
    leaky = P.replace(heat_loss_w_per_k=150.0)
    assert leaky.internal_gain_k == pytest.approx(2.0) and leaky.heater_gain_k == pytest.approx(10.0)
    explicit = model_params(heater_gain_k=10.0)  # the --heater-gain-k flag
    assert explicit.heater_gain_k == 10.0 and explicit.internal_gain_k == pytest.approx(300 / 77)
    assert explicit.replace(heat_loss_w_per_k=150.0).heater_gain_k == 10.0  # explicit wins
    assert explicit.heat_loss_w_per_k == 77.0  # H stays for the needs figures


@pytest.mark.parametrize("change", [{"heat_loss_w_per_k": 0.0}, {"band_weights": (1.0, 2.0, 4.0)},
                                    {"band_weights": (4.0, 2.0, 1.0, 8.0)}, {"warming_max_absorbed_share": 1.5},
                                    {"likely_probability": -0.1}, {"severity_labels": ("a", "b", "c", "d", "{x}")},
                                    {"heater_w": -5.0}])
def test_bad_settings_are_refused_with_a_message(change):
    with pytest.raises(InputError):
        P.replace(**change)


def test_severity_labels_carry_the_numbers_of_the_rules():
    labels = P.labels()
    assert labels[0] == "nobody modelled below 12 °C within 72 h"
    assert labels[4] == "≥10,000 residents likely below 5 °C within 24 h"
    assert "≥1,000 residents likely below 5 °C within 24 h" in labels[3]
    assert P.replace(horizon_hours=48).labels()[1] == "residents possibly below 12 °C within 48 h"


# --------------------------------------------------------------------------- harm and score

def test_band_weights_count_hours_per_band():
    # 72 h below 5 °C: 72 × 8; 10 h at 12–16 °C only: 10 × 1; 6 h at 9–12 plus 4 h at 5–9: 6·2 + 4·4.
    bands = np.array([[72, 72, 72, 72], [10, 0, 0, 0], [10, 10, 4, 0]], dtype=float)
    np.testing.assert_allclose(risk.weighted_hours(bands, P), [576.0, 10.0, 28.0])


def test_warming_places_absorb_capacity_times_hours_up_to_the_cap():
    # 100 places × 24/24 × 72 h = 7,200 person-hours against 1,000 residents × 36 h below 16 °C = 20 %.
    assert risk.absorbed_share(100, 1000, 36.0, P) == pytest.approx(0.2)
    assert risk.absorbed_share(100, 1000, 36.0, P.replace(warming_hours_per_day=12.0)) == pytest.approx(0.1)
    assert risk.absorbed_share(1e9, 1000, 36.0, P) == P.warming_max_absorbed_share
    assert risk.absorbed_share(np.nan, 1000, 36.0, P) == 0.0  # unknown = none (stated assumption)
    assert risk.absorbed_share(100, 0, 36.0, P) == 0.0


@pytest.mark.parametrize(("harm", "expected"), [(0.0, 0.0), (1e-6, 0.1), (9.0, 1.0), (999_999.0, 6.0),
                                                (1e12, 10.0), (np.nan, np.nan)])
def test_score_is_a_fixed_log_transform_of_harm(harm, expected):
    got = risk.score(harm)
    assert (np.isnan(got) and np.isnan(expected)) or got == pytest.approx(expected)


@settings(max_examples=60, deadline=None)
@given(st.floats(0, 1e11), st.floats(0, 1e11))
def test_score_never_falls_as_harm_rises(a, b):
    low, high = sorted((a, b))
    assert risk.score(low) <= risk.score(high)
    assert (risk.score(high) > 0) == (high > 0)


@settings(max_examples=60, deadline=None)
@given(st.floats(1, 1e6), st.one_of(st.just(0.0), st.floats(1e-6, 72)), st.floats(0, 1), st.floats(0, 1e6))
def test_harm_of_people_in_the_cold_is_never_zero(residents, hours16, frac12, places):
    # hours below 1e-6 h (3.6 ms) are not a duration the model produces; subnormal ones (5e-324)
    # underflow to 0 in the product with the weights, a floating-point artefact, not a harm of 0
    bands = np.array([[hours16, hours16 * frac12, 0.0, 0.0]])
    h = risk.harm(np.array([residents]), np.array([places]), bands, P)
    assert (h["cold_harm"][0] > 0) == (hours16 > 0)
    assert h["absorbed_share"][0] <= P.warming_max_absorbed_share


# --------------------------------------------------------------------------- severity

@pytest.mark.parametrize(("residents", "probs", "level"), [
    (0, (1, 1, 1, 1), 1),  # nobody exposed
    (500, (0, 0, 0, 0), 1),  # nobody below 12 °C
    (500, (0.1, 0, 0, 0), 2),  # possibly below 12 °C
    (500, (1, 1, 1, 1), 2),  # few people: 2 whatever the band
    (2000, (0.6, 0, 0, 0), 2),  # likely below 12 °C, but only after 24 h
    (2000, (0.6, 0, 0.6, 0), 3),  # likely below 12 °C within 24 h
    (2000, (1, 0.6, 0, 0), 3),  # likely below 5 °C within the horizon
    (2000, (1, 1, 1, 0.6), 4),  # likely below 5 °C within 24 h
    (20000, (1, 0.6, 0, 0), 4),  # many likely below 5 °C within the horizon
    (20000, (1, 1, 1, 0.6), 5),  # many likely below 5 °C within 24 h
    (20000, (1, 1, 1, 0.5), 4),  # 50 % is not "likely" (≥ 60 %, Met Office CWA)
    (np.nan, (1, 1, 1, 1), 0),  # unknown
])
def test_severity_rules(residents, probs, level):
    assert risk.severity(np.array([residents], dtype=float), *([x] for x in probs), P).tolist() == [level]


@settings(max_examples=60, deadline=None)
@given(st.floats(0, 1e5), st.floats(0, 1e5), st.lists(st.floats(0, 1), min_size=4, max_size=4),
       st.lists(st.floats(0, 1), min_size=4, max_size=4))
def test_severity_never_falls_with_more_people_or_likelier_cold(r1, r2, p1, p2):
    r_lo, r_hi = sorted((r1, r2))
    p_lo, p_hi = np.minimum(p1, p2), np.maximum(p1, p2)
    assert risk.severity([r_lo], *([x] for x in p_lo), P)[0] <= risk.severity([r_hi], *([x] for x in p_hi), P)[0]


# --------------------------------------------------------------------------- decomposition

def _decomposition_frame(residents, w_mean, w_power_on, w_fresh, w_benign, w_ens, places_share, risk_low=None):
    """A ``risk.decompose`` input from weighted hours per resident [h] of the four counterfactual runs."""
    residents, w_ens, a = (np.asarray(x, dtype=float) for x in (residents, w_ens, places_share))
    risk_ = risk.score(residents * w_ens * (1 - a))
    return pd.DataFrame({"residents_unheated": residents, "risk": risk_,
                         "risk_low": risk_ if risk_low is None else risk_low, "absorbed_share": a,
                         "weighted_hours": w_ens, "weighted_hours_mean": w_mean, "weighted_hours_power_on": w_power_on,
                         "weighted_hours_fresh": w_fresh, "weighted_hours_benign": w_benign})


def test_main_driver_differs_when_the_drivers_differ():
    # a: many people, power all day; b: few people, 24 h without power (W 3× the powered one).
    d = _decomposition_frame(residents=[50_000, 3_000, 0], w_mean=[100.0, 300.0, 300.0],
                             w_power_on=[100.0, 100.0, 100.0], w_fresh=[100.0, 300.0, 300.0],
                             w_benign=[100.0, 100.0, 100.0], w_ens=[100.0, 300.0, 300.0],
                             places_share=[0.5, 0.5, 0.0]).set_axis(list("abc"))
    out = risk.decompose(d, P)
    assert out["main_driver"].tolist() == ["people exposed", "hours without power", "nobody in the cold"]
    assert out.loc["a", "points_people"] == pytest.approx(np.log10((1 + 50_000 * 72 * 0.5) / (1 + 230 * 72 * 0.5)))
    assert out.loc["b", "points_power"] == pytest.approx(np.log10((1 + 3_000 * 300 * 0.5) / (1 + 3_000 * 100 * 0.5)))
    assert out.loc["a", "points_power"] == 0.0 and out.loc["b", "points_since"] == 0.0
    # Relative to the median of the two harmed districts: ± half the difference.
    assert out.loc["a", "relative_people"] == pytest.approx(-out.loc["b", "relative_people"])


def test_missing_data_is_the_driver_when_assumptions_carry_the_score():
    d = _decomposition_frame([1_000, 1_000], [200.0] * 2, [200.0] * 2, [200.0] * 2, [200.0] * 2, [200.0] * 2,
                             [0.0, 0.0], risk_low=[5.0, 3.0])
    assert risk.decompose(d, P)["main_driver"].tolist() == ["people exposed", "missing data"]


def test_a_lone_district_gets_the_factor_adding_the_most_points():
    d = _decomposition_frame([500], [800.0], [100.0], [800.0], [100.0], [800.0], [0.5])
    out = risk.decompose(d, P)
    assert out.loc[0, "points_power"] > out.loc[0, "points_people"] > 0
    assert out.loc[0, "main_driver"] == "hours without power"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1e6), st.floats(0, 500), st.floats(0, 500), st.floats(0, 500),
                          st.floats(0, 500), st.floats(0, 500), st.floats(0, 0.5)), min_size=1, max_size=6))
def test_reference_and_points_sum_to_the_score(rows):
    d = _decomposition_frame(*zip(*rows))
    out = risk.decompose(d, P)
    total = out["score_reference"] + out[[f"points_{k}" for k in risk.DRIVERS if k != "missing"]].sum(axis=1)
    np.testing.assert_allclose(total, d["risk"], atol=1e-9)
    assert (out["points_warming"] >= -1e-12).all()  # places never absorb more than their most


# --------------------------------------------------------------------------- Kyiv plausibility (README)

def test_kyiv_reports_lie_within_the_model_for_the_first_two_days_with_some_power():
    # Reported +1 … +10 °C in unheated Kyiv flats (media, C); +10 °C with −19 °C outdoors.
    day1, day2 = (kyiv_plausibility.indoor_after(d, -19.0, 4.0, P) for d in (1, 2))
    assert day1 == pytest.approx(8.0, abs=0.05) and day2 == pytest.approx(0.6, abs=0.05)
    with_12h = kyiv_plausibility.indoor_after([1, 2], -19.0, 12.0, P)
    np.testing.assert_allclose(with_12h, [10.5, 4.5], atol=0.05)
    high_tau = kyiv_plausibility.indoor_after(2, -19.0, 4.0, P, P.tau_high_hours)
    assert 1.0 <= high_tau <= 10.0  # the τ band's upper end still inside the reports on day 2


def test_kyiv_model_is_colder_than_every_report_from_day_three_without_power():
    for t_out in kyiv_plausibility.OBSERVED_OUTDOOR_C:
        assert kyiv_plausibility.indoor_after(3, t_out, 0.0, P) < kyiv_plausibility.REPORTED_C[0]
        assert kyiv_plausibility.indoor_after(3, t_out, 0.0, P, P.tau_high_hours) < kyiv_plausibility.REPORTED_C[0]
    assert "| -19 °C | 4 | +8.0" in kyiv_plausibility.table(P)
