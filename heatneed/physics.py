"""Indoor cooling of unheated dwellings: pure, vectorised formulas (numpy arrays, scalars or xarray).

First-order (lumped RC, "Newton cooling") model of a dwelling whose heating has stopped
(research/domain.md §1.1; DESIGN §3). With piecewise-constant hourly forcing the solution is
exact per step:

    T_in[k+1] = T_eq[k] + (T_in[k] − T_eq[k]) · exp(−Δt_k / τ)
    T_eq[k]   = T_out[k] + g_int + p_on[k] · g_heat

Parameter glossary (units in brackets):
    temp_out [°C] outdoor air temperature, temp_in [°C] indoor air temperature,
    tau_hours [h] building time constant, dt_hours [h] step length,
    internal_gain_k [K] equilibrium shift from occupants/appliances (Q/H, e.g. 300 W / 77 W/K = 3.9 K),
    heater_gain_k [K] equilibrium shift from electric heating while powered,
    power_on_share [0..1] share of the step with grid power (1 − hours_off_per_day/24).

Out-of-domain values give NaN or ±inf as documented; only a bad *argument* raises.
"""

from __future__ import annotations

import numpy as np


def exponential_decay(elapsed_hours, temp_start, temp_out, tau_hours):
    """Indoor temperature after ``elapsed_hours`` at constant outdoor temperature [°C].

    T(t) = T_out + (T0 − T_out)·e^(−t/τ)   (Newton cooling; research/domain.md §1.1, §7.3).
    """
    return temp_out + (temp_start - temp_out) * np.exp(-np.asarray(elapsed_hours, dtype=float) / tau_hours)


def hours_to_threshold(temp_start, temp_out, threshold, tau_hours):
    """Hours until the indoor temperature falls to ``threshold`` at constant outdoor temperature [h].

    t* = τ·ln[(T0 − T_out)/(T_th − T_out)]; 0 if T0 ≤ T_th already; +inf if T_th ≤ T_out (never).
    Source: research/domain.md §7.3 (exact solution of Newton cooling).
    """
    t0, tout, th = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (temp_start, temp_out, threshold)))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = tau_hours * np.log((t0 - tout) / (th - tout))
    t = np.where(th <= tout, np.inf, t)
    t = np.where(t0 <= th, 0.0, t)
    return t if t.ndim else float(t)


def tau_from_readings(elapsed_hours, temp_start, temp_out, temp_reading):
    """Time constant from two indoor readings at constant outdoor temperature [h].

    τ = t / ln[(T0 − T_out)/(T(t) − T_out)] (inversion of Newton cooling; research/domain.md §7.3).
    NaN when the readings cannot come from cooling (T(t) ≥ T0 or T(t) ≤ T_out).
    """
    t0, tout, tr = (np.asarray(x, dtype=float) for x in (temp_start, temp_out, temp_reading))
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = np.asarray(elapsed_hours, dtype=float) / np.log((t0 - tout) / (tr - tout))
    tau = np.where((tr < t0) & (tr > tout), tau, np.nan)
    return tau if tau.ndim else float(tau)


def equilibrium_temperature(temp_out, power_on_share, internal_gain_k, heater_gain_k):
    """Temperature the dwelling tends to [°C]: T_eq = T_out + g_int + p_on·g_heat (DESIGN §3)."""
    return temp_out + internal_gain_k + power_on_share * heater_gain_k


def indoor_temperature(temp_eq, tau_hours, temp_start, dt_hours, heated=None):
    """Indoor temperature at the step boundaries under piecewise-constant forcing [°C].

    Parameters
    ----------
    temp_eq : array (..., n) [°C]
        Equilibrium temperature per step (``equilibrium_temperature``).
    tau_hours : scalar or array broadcastable to (...) [h]
    temp_start : scalar or array broadcastable to (...) [°C]
        Indoor temperature at the start of step 0.
    dt_hours : array (n,) [h]
        Length of each step.
    heated : bool array broadcastable to (..., n), optional
        True where the building is still heated during the step: the indoor temperature is held
        at ``temp_start`` (heat lost later than the forecast start).

    Returns
    -------
    array (..., n + 1): T_in at the start of every step and at the end of the last one.

    Exact step solution T[k+1] = T_eq[k] + (T[k] − T_eq[k])·exp(−Δt_k/τ) (DESIGN §3). The loop
    runs over time only; districts and members are vectorised.
    """
    temp_eq = np.asarray(temp_eq)
    dtype = np.result_type(temp_eq.dtype, np.float32)
    tau = np.asarray(tau_hours, dtype=dtype)
    decay = np.exp(-np.asarray(dt_hours, dtype=dtype) / tau[..., None])  # (..., n)
    decay = np.broadcast_to(decay, temp_eq.shape)
    start = np.broadcast_to(np.asarray(temp_start, dtype=dtype), temp_eq.shape[:-1])
    out = np.empty(temp_eq.shape[:-1] + (temp_eq.shape[-1] + 1,), dtype=dtype)
    out[..., 0] = start
    held = None if heated is None else np.broadcast_to(heated, temp_eq.shape)
    current = start.copy()
    for k in range(temp_eq.shape[-1]):
        eq = temp_eq[..., k]
        current = eq + (current - eq) * decay[..., k]
        if held is not None:
            current = np.where(held[..., k], start, current)
        out[..., k + 1] = current
    return out


def _step_crossing(temp_from, temp_to_eq, threshold, tau_hours):
    """Hours into a step at which the exponential reaches ``threshold`` (may be NaN)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return tau_hours * np.log((temp_from - temp_to_eq) / (threshold - temp_to_eq))


def first_crossing_hours(temp_in, temp_eq, tau_hours, dt_hours, threshold):
    """Hours from the start until the indoor temperature first falls below ``threshold`` [h].

    Interpolated inside the step with the exponential, not rounded to the hour.
    0 if it starts below; NaN if it never falls below within the modelled steps.
    ``temp_in`` (..., n+1) and ``temp_eq`` (..., n) as in ``indoor_temperature``.
    """
    temp_in = np.asarray(temp_in)
    dt = np.asarray(dt_hours, dtype=float)
    elapsed = np.concatenate([[0.0], np.cumsum(dt)])
    below = temp_in < threshold  # (..., n+1)
    ever = below.any(axis=-1)
    first = np.argmax(below, axis=-1)  # boundary index of first value below
    step = np.clip(first - 1, 0, temp_eq.shape[-1] - 1)
    t_from = np.take_along_axis(temp_in, step[..., None], axis=-1)[..., 0]
    eq = np.take_along_axis(np.asarray(temp_eq), step[..., None], axis=-1)[..., 0]
    tau = np.broadcast_to(np.asarray(tau_hours, dtype=float), t_from.shape)
    inside = np.clip(_step_crossing(t_from, eq, threshold, tau), 0.0, dt[step])
    hours = np.where(first == 0, 0.0, elapsed[step] + inside)
    return np.where(ever, hours, np.nan)


def hours_below(temp_in, temp_eq, tau_hours, dt_hours, threshold):
    """Total hours spent below ``threshold`` over the modelled steps [h], exact per step.

    Within a step the temperature moves monotonically toward T_eq, so the time below the
    threshold is Δt (both ends below), Δt − s (falls through it at s) or s (rises through it at s).
    """
    temp_in = np.asarray(temp_in)
    start, end = temp_in[..., :-1], temp_in[..., 1:]
    dt = np.asarray(dt_hours, dtype=float)
    tau = np.asarray(tau_hours, dtype=float)[..., None] if np.ndim(tau_hours) else tau_hours
    s = np.clip(np.nan_to_num(_step_crossing(start, temp_eq, threshold, tau), nan=0.0), 0.0, dt)
    below_start, below_end = start < threshold, end < threshold
    per_step = np.where(below_start & below_end, dt,
                        np.where(~below_start & below_end, dt - s,
                                 np.where(below_start & ~below_end, s, 0.0)))
    return per_step.sum(axis=-1)
