"""Indoor cooling of unheated dwellings: pure, vectorised formulas (numpy arrays, scalars or xarray).

First-order (lumped RC, "Newton cooling") model of a dwelling whose heating has stopped
([NewtonCooling], [ISO13790]; README: The model). With piecewise-constant hourly forcing the solution is
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
from numpy.lib.array_utils import normalize_axis_index


def exponential_decay(elapsed_hours, temp_start, temp_out, tau_hours):
    """Indoor temperature after ``elapsed_hours`` at constant outdoor temperature [°C].

    T(t) = T_out + (T0 − T_out)·e^(−t/τ)   (Newton cooling [NewtonCooling]).
    """
    return temp_out + (temp_start - temp_out) * np.exp(-np.asarray(elapsed_hours, dtype=float) / tau_hours)


def hours_to_threshold(temp_start, temp_out, threshold, tau_hours):
    """Hours until the indoor temperature falls to ``threshold`` at constant outdoor temperature [h].

    t* = τ·ln[(T0 − T_out)/(T_th − T_out)]; 0 if T0 ≤ T_th already; +inf if T_th ≤ T_out (never).
    Source: [NewtonCooling] (exact solution of Newton cooling).
    """
    t0, tout, th = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (temp_start, temp_out, threshold)))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = tau_hours * np.log((t0 - tout) / (th - tout))
    t = np.where(th <= tout, np.inf, t)
    t = np.where(t0 <= th, 0.0, t)
    return t if t.ndim else float(t)


def tau_from_readings(elapsed_hours, temp_start, temp_out, temp_reading):
    """Time constant from two indoor readings at constant outdoor temperature [h].

    τ = t / ln[(T0 − T_out)/(T(t) − T_out)] (inversion of Newton cooling [NewtonCooling]).
    NaN when the readings cannot come from cooling (T(t) ≥ T0 or T(t) ≤ T_out).
    """
    t0, tout, tr = (np.asarray(x, dtype=float) for x in (temp_start, temp_out, temp_reading))
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = np.asarray(elapsed_hours, dtype=float) / np.log((t0 - tout) / (tr - tout))
    tau = np.where((tr < t0) & (tr > tout), tau, np.nan)
    return tau if tau.ndim else float(tau)


def tau_iso13790(c_m_kj_per_k_m2, floor_area_m2, heat_loss_w_per_k):
    """Time constant of a building zone from ISO 13790's heat-capacity class [h].

    τ = C_m·A / (3600·H) with C_m the internal heat capacity per floor area [kJ/(K·m²)] (classes
    80, 110, 165, 260, 370 from very light to very heavy), A the floor area [m²] and H the heat-loss
    coefficient [W/K] [ISO13790]. E.g. C_m 260, A 54 m², H 77 W/K → 50.6 h.
    """
    c_m = np.asarray(c_m_kj_per_k_m2, dtype=float) * 1000.0  # [J/(K·m²)]
    tau = c_m * np.asarray(floor_area_m2, dtype=float) / (3600.0 * np.asarray(heat_loss_w_per_k, dtype=float))
    return tau if tau.ndim else float(tau)


def fit_three_readings(temp_0, temp_1, temp_2, interval_hours):
    """Equilibrium temperature [°C] and time constant [h] from three equally spaced readings.

    For T(t) = T_eq + (T0 − T_eq)·e^(−t/τ) sampled at 0, Δ, 2Δ the ratios (T1 − T_eq)/(T0 − T_eq) and
    (T2 − T_eq)/(T1 − T_eq) are equal, so T_eq = (T1² − T0·T2)/(2·T1 − T0 − T2) and
    τ = Δ / ln[(T0 − T_eq)/(T1 − T_eq)] (exact solution of Newton cooling; Homaei et al. 2021's
    21 / 15 / 11 °C at 0 / 48 / 96 h give 3.0 °C and 118.38 h [Homaei2021]). Unlike
    ``tau_from_readings`` it needs no outdoor temperature and absorbs any constant gain into T_eq.
    NaN when the readings are not a decay (not strictly decreasing at a decreasing rate).
    """
    t0, t1, t2 = (np.asarray(x, dtype=float) for x in (temp_0, temp_1, temp_2))
    with np.errstate(divide="ignore", invalid="ignore"):
        eq = (t1 * t1 - t0 * t2) / (2.0 * t1 - t0 - t2)
        tau = np.asarray(interval_hours, dtype=float) / np.log((t0 - eq) / (t1 - eq))
    ok = (t0 > t1) & (t1 > t2) & (t0 - t1 > t1 - t2)
    eq, tau = np.where(ok, eq, np.nan), np.where(ok, tau, np.nan)
    return (eq, tau) if eq.ndim else (float(eq), float(tau))


def equilibrium_temperature(temp_out, power_on_share, internal_gain_k, heater_gain_k):
    """Temperature the dwelling tends to [°C]: T_eq = T_out + g_int + p_on·g_heat (README: The model)."""
    return temp_out + internal_gain_k + power_on_share * heater_gain_k


def indoor_temperature(temp_eq, tau_hours, temp_start, dt_hours, heated=None, *, axis=-1, out=None):
    """Indoor temperature at the step boundaries under piecewise-constant forcing [°C].

    Parameters
    ----------
    temp_eq : array (..., n) [°C]
        Equilibrium temperature per step (``equilibrium_temperature``); time along ``axis``.
    tau_hours : scalar or array broadcastable to the other axes (...) [h]
    temp_start : scalar or array broadcastable to (...) [°C]
        Indoor temperature at the start of step 0.
    dt_hours : array (n,) [h]
        Length of each step.
    heated : bool array broadcastable to ``temp_eq``, optional
        True where the building is still heated during the step: the indoor temperature is held
        at ``temp_start`` (heat lost later than the forecast start).
    axis : int
        The time axis of ``temp_eq`` (and of the result); default the last.
    out : array, optional
        Where to write the result (shape of ``temp_eq`` with n + 1 along ``axis``).

    Returns
    -------
    array (..., n + 1): T_in at the start of every step and at the end of the last one
    (float32 for float32 forcing, else float64).

    Exact step solution T[k+1] = T_eq[k] + (T[k] − T_eq[k])·exp(−Δt_k/τ) (README: The model). The loop
    runs over time only, on whole (district, member) slices; with ``axis=0`` each slice is
    contiguous in memory, which is how the pipeline calls it.
    """
    temp_eq = np.asarray(temp_eq)
    dtype = np.result_type(temp_eq.dtype, np.float32)
    axis = normalize_axis_index(axis, temp_eq.ndim)
    eq = np.moveaxis(temp_eq, axis, 0)  # (n, ...): a view, time first
    n, rest = eq.shape[0], eq.shape[1:]
    tau = np.asarray(tau_hours, dtype=dtype)
    dt = np.asarray(dt_hours, dtype=dtype).reshape(n)
    decay = {step: np.exp(-step / tau) for step in np.unique(dt)}  # one per step length; broadcasts
    start = np.broadcast_to(np.asarray(temp_start, dtype=dtype), rest)
    if out is None:
        result = np.empty((n + 1,) + rest, dtype=dtype)
    else:
        result = np.moveaxis(out, axis, 0)
        if result.shape != (n + 1,) + rest:
            raise ValueError(f"out has shape {out.shape}; expected n + 1 = {n + 1} steps along axis {axis}")
    result[0, ...] = start
    held, holding = None, np.zeros(n, dtype=bool)
    if heated is not None:
        h = np.asarray(heated, dtype=bool)
        h = np.moveaxis(h.reshape((1,) * (temp_eq.ndim - h.ndim) + h.shape), axis, 0)
        holding = np.broadcast_to(h.reshape(h.shape[0], -1).any(axis=1), (n,))
        # Expanded once to whole slices for the steps that hold (few: the hours before heat is lost).
        last = np.flatnonzero(holding).max(initial=-1) + 1
        held = np.ascontiguousarray(np.broadcast_to(h, (n,) + rest)[:last])
    for k in range(n):
        step = result[k + 1, ...]
        np.subtract(result[k, ...], eq[k, ...], out=step)
        np.multiply(step, decay[dt[k]], out=step)
        np.add(step, eq[k, ...], out=step)
        if holding[k]:
            np.copyto(step, start, where=held[k, ...])
    return np.moveaxis(result, 0, axis) if out is None else out


def _step_crossing(temp_from, temp_to_eq, threshold, tau_hours):
    """Hours into a step at which the exponential reaches ``threshold`` (may be NaN)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return tau_hours * np.log((temp_from - temp_to_eq) / (threshold - temp_to_eq))


def _steps(values, axis: int, which: slice):
    """``values`` sliced along ``axis`` (a view)."""
    return values[(slice(None),) * axis + (which,)]


def _along(values, axis: int, ndim: int):
    """A 1-D array shaped to lie along ``axis`` of an ``ndim``-dimensional array."""
    return np.reshape(values, [-1 if d == axis else 1 for d in range(ndim)])


def first_crossing_hours(temp_in, temp_eq, tau_hours, dt_hours, threshold, *, axis=-1):
    """Hours from the start until the indoor temperature first falls below ``threshold`` [h].

    Interpolated inside the step with the exponential, not rounded to the hour.
    0 if it starts below; NaN if it never falls below within the modelled steps.
    ``temp_in`` (..., n+1) and ``temp_eq`` (..., n) as in ``indoor_temperature``, time along
    ``axis``; ``tau_hours`` [h] broadcasts to the other axes.
    """
    temp_in, temp_eq = np.asarray(temp_in), np.asarray(temp_eq)
    axis = normalize_axis_index(axis, temp_in.ndim)
    dt = np.asarray(dt_hours, dtype=float)
    elapsed = np.concatenate([[0.0], np.cumsum(dt)])
    below = temp_in < threshold  # (..., n+1)
    n = below.shape[axis]
    index = np.uint16 if n < 2**16 else np.intp
    weight = _along(n - np.arange(n, dtype=index), axis, below.ndim)
    # Boundary index of the first value below (n: never) as n − max_k((n − k)·below_k): a product
    # and a maximum, which numpy runs along any axis without the transposing copy argmax makes.
    first = n - np.multiply(below, weight, dtype=index).max(axis=axis, keepdims=True).astype(np.intp)
    ever = first < n
    step = np.clip(first - 1, 0, temp_eq.shape[axis] - 1)
    t_from = np.take_along_axis(temp_in, step, axis=axis)
    eq = np.take_along_axis(temp_eq, step, axis=axis)
    first, ever, step, t_from, eq = (np.squeeze(x, axis=axis) for x in (first, ever, step, t_from, eq))
    tau = np.broadcast_to(np.asarray(tau_hours, dtype=float), t_from.shape)
    inside = np.clip(_step_crossing(t_from, eq, threshold, tau), 0.0, dt[step])
    hours = np.where(first == 0, 0.0, elapsed[step] + inside)
    return np.where(ever, hours, np.nan)


def hours_below(temp_in, temp_eq, tau_hours, dt_hours, threshold, *, axis=-1):
    """Total hours spent below ``threshold`` over the modelled steps [h], exact per step.

    Within a step the temperature moves monotonically toward T_eq, so the time below the
    threshold is Δt (both ends below), Δt − s (falls through it at s) or s (rises through it at s):
    Σ Δt over the steps that end below, minus s where it falls through, plus s where it rises.
    Arrays as in ``first_crossing_hours``; the logarithm for s is taken only where it crosses.
    """
    temp_in, temp_eq = np.asarray(temp_in), np.asarray(temp_eq)
    axis = normalize_axis_index(axis, temp_in.ndim)
    dt = np.asarray(dt_hours, dtype=float)
    below = temp_in < threshold
    below_start, below_end = _steps(below, axis, slice(None, -1)), _steps(below, axis, slice(1, None))
    if dt.size and np.all(dt == dt[0]):  # equal steps: a count times the step length
        total = _count_true(below_end, axis) * dt[0]
    else:
        total = np.sum(below_end * _along(dt, axis, below.ndim), axis=axis)
    index = np.unravel_index(np.flatnonzero(below_start != below_end), below_start.shape)
    if index[0].size:
        others = tuple(i for d, i in enumerate(index) if d != axis)
        tau = np.broadcast_to(np.asarray(tau_hours, dtype=float), total.shape)[others]
        crossing = _step_crossing(_steps(temp_in, axis, slice(None, -1))[index], temp_eq[index], threshold, tau)
        s = np.clip(np.nan_to_num(crossing, nan=0.0), 0.0, dt[index[axis]])
        part = np.where(below_end[index], -s, s)  # falls through it: Δt − s; rises through it: s
        flat = np.ravel_multi_index(others, total.shape) if total.ndim else np.zeros(len(part), dtype=int)
        total = total + np.bincount(flat, weights=part, minlength=total.size).reshape(total.shape)
    return total if total.ndim else total[()]


def _count_true(mask, axis: int):
    """Number of True values along ``axis`` (summing bytes is several times faster than count_nonzero)."""
    return mask.view(np.uint8).sum(axis=axis, dtype=np.int32)
