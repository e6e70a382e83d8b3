"""Indoor cooling against exact exponential solutions ([NewtonCooling] test vectors) and its properties."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heatneed import physics


@pytest.mark.parametrize(("t", "expected"), [(6, 14.2890), (12, 9.3735), (24, 1.5013), (48, -8.6510),
                                             (72, -14.2227)])
def test_decay_case_a(t, expected):
    assert physics.exponential_decay(t, 20, -21, 40) == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize(("threshold", "hours"), [(18, 2.0004), (16, 4.1062), (12, 8.6826), (9, 12.4950),
                                                  (5, 18.2190), (0, 26.7620)])
def test_time_to_threshold_case_a(threshold, hours):
    assert physics.hours_to_threshold(20, -21, threshold, 40) == pytest.approx(hours, abs=1e-4)


def test_time_to_threshold_case_b_is_exact_logarithms():
    assert physics.hours_to_threshold(20, -10, 5, 20) == pytest.approx(20 * np.log(2), abs=1e-9)
    assert physics.hours_to_threshold(20, -10, 0, 20) == pytest.approx(20 * np.log(3), abs=1e-9)
    assert physics.exponential_decay(6, 20, -10, 20) == pytest.approx(12.2245, abs=1e-4)


def test_time_to_threshold_case_c_and_edges():
    assert physics.hours_to_threshold(22, -30, 12, 30) == pytest.approx(6.4072, abs=1e-4)
    assert physics.hours_to_threshold(20, -10, -12, 20) == np.inf  # never: threshold below outdoor
    assert physics.hours_to_threshold(20, -10, 21, 20) == 0.0  # already below


def test_piecewise_forcing_vector():
    eq = np.array([-10.0] * 12 + [-20.0] * 12)
    t_in = physics.indoor_temperature(eq, 40.0, 20.0, np.ones(24))
    assert t_in[12] == pytest.approx(12.2245, abs=1e-4)
    assert t_in[24] == pytest.approx(3.8725, abs=1e-4)


def test_one_long_step_equals_many_short_ones():
    a = physics.indoor_temperature(np.array([-21.0]), 40.0, 20.0, np.array([24.0]))
    b = physics.indoor_temperature(np.full(48, -21.0), 40.0, 20.0, np.full(48, 0.5))
    assert a[-1] == pytest.approx(1.5013, abs=1e-4)
    assert b[-1] == pytest.approx(a[-1], abs=1e-9)


@pytest.mark.parametrize(("args", "tau"), [((48, 21, 3, 10), 50.82), ((48, 21, -12, 4), 66.31),
                                           ((3.5, 18, -5, 14), 18.32), ((48, 21, 3, 17), 191.00)])
def test_tau_inversion_vectors(args, tau):
    assert physics.tau_from_readings(*args) == pytest.approx(tau, abs=0.01)


def test_tau_inversion_refuses_impossible_readings():
    assert np.isnan(physics.tau_from_readings(48, 21, 3, 22))  # warmer than the start
    assert np.isnan(physics.tau_from_readings(48, 21, 3, 2))  # colder than outdoors


def test_internal_gain_shift_from_domain():
    assert physics.equilibrium_temperature(-21.0, 0.0, 300 / 77, 10.0) == pytest.approx(-21 + 3.8961, abs=1e-4)
    assert physics.equilibrium_temperature(-21.0, 0.25, 0.0, 8.0) == pytest.approx(-19.0)


def test_first_crossing_is_interpolated_inside_the_step():
    eq = np.full(24, -21.0)
    t_in = physics.indoor_temperature(eq, 40.0, 20.0, np.ones(24))
    assert physics.first_crossing_hours(t_in, eq, 40.0, np.ones(24), 12.0) == pytest.approx(8.6826, abs=1e-4)
    assert physics.first_crossing_hours(t_in, eq, 40.0, np.ones(24), 5.0) == pytest.approx(18.2190, abs=1e-4)
    assert np.isnan(physics.first_crossing_hours(t_in, eq, 40.0, np.ones(24), -5.0))  # not within 24 h
    assert physics.first_crossing_hours(t_in, eq, 40.0, np.ones(24), 25.0) == 0.0


def test_hours_below_counts_partial_steps_and_recovery():
    # Cools through 12 °C at 8.6826 h, then power returns (equilibrium +30 °C) at 12 h and it warms back.
    eq = np.array([-21.0] * 12 + [30.0] * 12)
    t_in = physics.indoor_temperature(eq, 40.0, 20.0, np.ones(24))
    rise = 40.0 * np.log((t_in[12] - 30.0) / (12.0 - 30.0))
    expected = (12 - 8.6826) + rise
    assert physics.hours_below(t_in, eq, 40.0, np.ones(24), 12.0) == pytest.approx(expected, abs=1e-3)


def test_held_while_heated():
    eq = np.full(6, -20.0)
    heated = np.array([True, True, False, False, False, False])
    t_in = physics.indoor_temperature(eq, 40.0, 20.0, np.ones(6), heated)
    assert t_in[:3].tolist() == [20.0, 20.0, 20.0]
    assert t_in[6] == pytest.approx(physics.exponential_decay(4, 20.0, -20.0, 40.0), abs=1e-9)


def test_vectorised_over_districts_and_members():
    eq = np.stack([np.full((3, 12), -10.0), np.full((3, 12), -30.0)])  # (district, member, time)
    t_in = physics.indoor_temperature(eq, np.array([[20.0], [40.0]]), 20.0, np.ones(12))
    assert t_in.shape == (2, 3, 13)
    assert t_in[0, 1, 12] == pytest.approx(physics.exponential_decay(12, 20, -10, 20), abs=1e-9)
    assert t_in[1, 2, 12] == pytest.approx(physics.exponential_decay(12, 20, -30, 40), abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-35, 5), min_size=2, max_size=48), st.floats(10, 200), st.floats(0.5, 15))
def test_colder_forcing_never_warms_the_home(temps, tau, delta):
    eq = np.array(temps)
    warm = physics.indoor_temperature(eq, tau, 20.0, np.ones(len(eq)))
    cold = physics.indoor_temperature(eq - delta, tau, 20.0, np.ones(len(eq)))
    assert np.all(cold <= warm + 1e-9)
    assert np.all(cold >= np.minimum(20.0, eq.min() - delta) - 1e-9)  # never below the coldest equilibrium


# --------------------------------------------------------------------------- risk model v2 vectors (DOMAIN.md)

@pytest.mark.parametrize(("c_m", "h", "tau"), [(260, 77, 50.6), (260, 150, 26.0), (370, 77, 72.1), (370, 150, 37.0)])
def test_iso13790_time_constant_for_a_54_m2_flat(c_m, h, tau):
    assert physics.tau_iso13790(c_m, 54.0, h) == pytest.approx(tau, abs=0.05)


def test_iso13790_heaviest_class_cannot_give_100_hours():
    # τ = 100 h at A = 54 m², H = 77 W/K would need C_m ≈ 513 kJ/(K·m²), above the heaviest class (370).
    c_m = 100.0 * 3600 * 77 / 54 / 1000
    assert c_m == pytest.approx(513.3, abs=0.1)
    assert physics.tau_iso13790(370, 54, 77) < 100


@pytest.mark.parametrize(("args", "tau"), [((48, 21, 3, 14), 97.47), ((48, 21, 3, 10), 50.82), ((48, 21, -12, 4), 66.31)])
def test_viva_48_hour_readings(args, tau):
    assert physics.tau_from_readings(*args) == pytest.approx(tau, abs=0.005)


def test_homaei_three_readings_fit():
    eq, tau = physics.fit_three_readings(21.0, 15.0, 11.0, 48.0)
    assert eq == pytest.approx(3.0, abs=1e-12)
    assert tau == pytest.approx(118.38, abs=0.005)


def test_three_readings_fit_refuses_what_is_not_a_decay():
    assert all(np.isnan(physics.fit_three_readings(21, 15, 9, 48)))  # constant rate: no equilibrium
    assert all(np.isnan(physics.fit_three_readings(21, 22, 11, 48)))


@settings(max_examples=50, deadline=None)
@given(st.floats(-30, 10), st.floats(12, 40), st.floats(10, 300), st.floats(1, 72))
def test_three_readings_fit_recovers_any_decay(eq, start_above, tau, interval):
    t0 = eq + start_above
    t1, t2 = (physics.exponential_decay(k * interval, t0, eq, tau) for k in (1, 2))
    if t0 - t1 < 1e-3 or t1 - t2 < 1e-3 or (t0 - t1) - (t1 - t2) < 1e-3:
        return  # numerically flat: nothing to fit
    got_eq, got_tau = physics.fit_three_readings(t0, t1, t2, interval)
    assert got_eq == pytest.approx(eq, abs=1e-3 * start_above + 1e-3)
    assert got_tau == pytest.approx(tau, rel=1e-3)
