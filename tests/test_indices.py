"""Wind chill and degree-day indices against the published vectors of [JAGTI2001] and [NWSWindChill] (docs/references.md)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from heatneed import indices

# Environment Canada chart values: metric formula, unrounded ([JAGTI2001]).
METRIC = [((-25, 20), -36.7881), ((-20, 20), -30.4789), ((0, 10), -3.3147), ((-30, 40), -47.5041),
          ((-40, 80), -66.6362), ((-10, 30), -19.5205), ((-5, 20), -11.5514), ((-15, 50), -28.5857),
          ((5, 5), 4.0828), ((-50, 80), -80.8447), ((5, 75), -2.5034), ((-45, 70), -72.4955),
          ((-21, 15), -30.3098), ((-21, 25), -32.8970), ((-30, 20), -43.0973)]
# NWS chart values: imperial formula, unrounded ([NWSWindChill]).
IMPERIAL = [((0, 15), -19.3980), ((-10, 15), -32.2064), ((-20, 25), -50.8337), ((10, 30), -12.2832),
            ((40, 5), 36.4724), ((30, 10), 21.2483), ((20, 20), 4.2428), ((-30, 40), -70.5531),
            ((5, 25), -17.4088), ((-40, 60), -90.8735), ((0, 5), -10.5099), ((10, 10), -3.5402)]


@pytest.mark.parametrize(("args", "expected"), METRIC)
def test_wind_chill_metric_matches_environment_canada_vectors(args, expected):
    assert indices.wind_chill_metric(*args) == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize(("args", "expected"), IMPERIAL)
def test_wind_chill_imperial_matches_nws_vectors(args, expected):
    assert indices.wind_chill_imperial(*args) == pytest.approx(expected, abs=1e-4)


def test_chart_values_are_the_rounded_formula():
    assert round(indices.wind_chill_metric(-25, 20)) == -37  # EC worked example
    assert round(indices.wind_chill_imperial(0, 15)) == -19  # NWS worked example


def test_the_two_forms_are_separate_regressions():
    # −20 °C / 20 km/h through the °F formula gives −30.449, not the metric −30.479 (research §3.1.5).
    t_f, v_mph = -20 * 9 / 5 + 32, 20 / 1.609344
    via_imperial_c = (indices.wind_chill_imperial(t_f, v_mph) - 32) * 5 / 9
    assert via_imperial_c == pytest.approx(-30.449, abs=2e-3)
    assert abs(via_imperial_c - indices.wind_chill_metric(-20, 20)) > 0.02


def test_wind_chill_outside_validity_is_nan():
    assert np.isnan(indices.wind_chill_metric(12, 20))  # too warm
    assert np.isnan(indices.wind_chill_metric(-10, 4.8))  # calm: V must exceed 4.8 km/h
    assert np.isnan(indices.wind_chill_imperial(50.5, 10))
    assert np.isnan(indices.wind_chill_imperial(0, 3))
    assert not np.isnan(indices.wind_chill_imperial(50, 3.01))


def test_wind_chill_is_vectorised_and_apparent_cold_falls_back_to_air_temperature():
    t = np.array([-25.0, -10.0, 15.0])
    v = np.array([20.0, 2.0, 30.0])
    wct = indices.wind_chill_metric(t, v)
    assert wct.shape == (3,)
    np.testing.assert_allclose(indices.apparent_cold_c(t, v), [-36.7881, -10.0, 15.0], atol=1e-4)


@given(st.floats(-50, 10), st.floats(5, 100), st.floats(0.1, 20))
def test_wind_chill_gets_colder_with_more_wind(t, v, dv):
    assert indices.wind_chill_metric(t, v + dv) <= indices.wind_chill_metric(t, v) + 1e-9


DAILY = [-21, -15.5, -8, 0, 5, 12, 15, 16]


def test_heating_degree_days_published_vectors():
    assert indices.heating_degree_days(DAILY, 15.5) == pytest.approx(121.0)
    assert indices.heating_degree_days(DAILY, 18.0) == pytest.approx(140.5)


def test_degree_hours_weight_by_step_length():
    assert indices.degree_hours_below([10.0, 20.0, 12.0], 18.0, dt_hours=[1.0, 1.0, 0.5]) == pytest.approx(11.0)
    assert indices.degree_hours_below([[0.0], [30.0]], 18.0, axis=-1).tolist() == [18.0, 0.0]
