"""Scores on fixed scales: INFORM vectors, band edges, missing dimensions, severity classes."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from heatneed import risk
from heatneed.config import default_params

P = default_params()


def test_geometric_mean_inform_vectors():
    assert risk.geometric_mean(6, 4, 5) == pytest.approx(4.9324, abs=1e-4)
    assert risk.geometric_mean(8, 2, 2) == pytest.approx(3.1748, abs=1e-4)


def test_geometric_mean_leaves_out_missing_dimensions():
    assert risk.geometric_mean(8, np.nan, 2) == pytest.approx(4.0)
    assert np.isnan(risk.geometric_mean(np.nan, np.nan))
    assert risk.geometric_mean(0, 9, 9) == 0.0  # nobody exposed: no risk


@pytest.mark.parametrize(("indoor", "score"), [(20, 0), (18, 0), (16, 2), (14, 3), (12, 4), (9, 6), (5, 8),
                                               (0, 10), (-15, 10)])
def test_hazard_follows_health_bands(indoor, score):
    assert risk.hazard_score(indoor, P) == pytest.approx(score)


def test_exposure_is_log_scaled_and_fixed():
    assert risk.exposure_score(0, P) == 0
    assert risk.exposure_score(1_000_000, P) == pytest.approx(10)
    assert risk.exposure_score(999, P) == pytest.approx(5.0, abs=1e-3)  # log10(1000)/log10(1e6+1)·10


def test_power_score_is_the_uncovered_heat_deficit():
    # Deficit to 18 °C at −21 °C outdoors with 3.9 K internal gains: 35.1 K; full power covers 10 K.
    assert risk.power_score(1.0, -21.0, P) == pytest.approx(10 * (1 - 10 / 35.1))
    assert risk.power_score(0.0, -21.0, P) == 10.0
    assert risk.power_score(1.0, 20.0, P) == 0.0  # no deficit
    assert np.isnan(risk.power_score(np.nan, -21.0, P))


def test_warming_places_shortfall():
    assert risk.warming_score(0, 1000, P) == 10.0
    assert risk.warming_score(500, 1000, P) == 0.0  # half the residents covered = target
    assert risk.warming_score(250, 1000, P) == pytest.approx(5.0)
    assert risk.warming_score(10, 0, P) == 0.0


def test_severity_classes_use_fixed_cut_points():
    assert risk.severity([0.0, 1.99, 2.0, 3.5, 5.0, 6.49, 6.5, 10.0, np.nan], P).tolist() == [1, 1, 2, 3, 4, 4, 5, 5, 0]


def test_score_table_names_the_main_driver_and_skips_missing():
    m = pd.DataFrame({"residents_unheated": [20000.0, 20000.0], "min_indoor_c": [15.0, -5.0],
                      "power_on_share": [1.0, np.nan], "mean_temp_c": [-20.0, -20.0],
                      "share_65plus": [0.18, np.nan], "warming_places": [np.nan, 0.0]}, index=["a", "b"])
    s = risk.score_table(m, P)
    assert s.loc["a", "main_driver"] == "people exposed"
    assert s.loc["b", "main_driver"] == "indoor cold"
    assert np.isnan(s.loc["b", "vulnerability"])
    assert s.loc["b", "lack_of_coping"] == 10.0  # only the warming component is known
    hazard_exposure = np.sqrt(10 * risk.exposure_score(20000, P))
    assert s.loc["b", "risk"] == pytest.approx(np.sqrt(hazard_exposure * 10))  # HE and LCC only


@given(st.floats(-40, 25), st.floats(0.01, 10))
def test_hazard_never_falls_as_homes_get_colder(t, dt):
    assert risk.hazard_score(t - dt, P) >= risk.hazard_score(t, P)
