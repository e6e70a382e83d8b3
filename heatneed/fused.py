"""The per-member model kernel compiled into one pass per district (numba), for large forecasts.

``pipeline._member_results`` computes the per-(district, member) results with about 25 numpy
passes over the (time, district, member) grid; at country size (1,469 districts × 384 h × 51
members) those passes, not arithmetic, set the time. ``member_results`` here computes the same
results — the indoor model of README: The model, the coldest apparent temperature, degree-hours and the
mean — while each district's forecast (384 × 51 float32 ≈ 78 KB) sits in cache: the grid is read
once from memory and the indoor temperatures are written once.

It repeats the numpy kernel's arithmetic step for step: float32 where that kernel is float32
(equilibrium, the exponential step, the logarithm of a crossing), float64 where it is float64
(wind chill, sums, hours) and the same order of additions in the sums. The coldest apparent
temperature is the minimum of the same float64 values over every hour that can hold it (a minimum
does not depend on which other hours are looked at), chosen with the numpy kernel's wind-chill
bound and a second, power-free bound. Its results equal the numpy kernel's to the last bit or
within an ulp of a float32 logarithm (tests/scale/test_kernel.py). Scalar
inputs that numpy computes per district (the exponential factor, the start temperature) are
computed by numpy here too and handed in.

numba is imported only when a forecast is large enough to use this (``pipeline.FUSED_MIN_CELLS``):
a small run does not pay its import and compile time.
"""

from __future__ import annotations

import numba
import numpy as np

#: Results per (district, member), in the order of ``pipeline.MEMBER_COLUMNS``.
MIN_TEMP, APPARENT, MIN_INDOOR, HOURS_BELOW, DEGREE_HOURS, MEAN_TEMP, HOURS_MODERATE, HOURS_VERY_HIGH, \
    HOURS_BELOW_LOW, HOURS_BELOW_HIGH, HOURS_BELOW_VERY_HIGH = range(11)
assert HOURS_VERY_HIGH == HOURS_MODERATE + 1  # member_results writes them as HOURS_MODERATE + j
#: Where the hours below each of ``thresholds[2:]`` go (exposure, then the other health-band edges).
BELOW_SLOTS = np.array([HOURS_BELOW, HOURS_BELOW_LOW, HOURS_BELOW_HIGH, HOURS_BELOW_VERY_HIGH], dtype=np.int64)


@numba.njit(nogil=True, cache=True)
def _wind_chill(t, v):
    """``indices.wind_chill_metric`` for one float64 value pair, NaN outside validity [°C]."""
    v16 = v ** 0.16
    if t <= 10.0 and v > 4.8:
        return 13.12 + 0.6215 * t - 11.37 * v16 + 0.3965 * t * v16
    return np.nan


@numba.njit(nogil=True, cache=True)
def _apparent(t32, v32):
    """``indices.apparent_cold_c`` of a float32 pair, in float64 [°C]."""
    t = np.float64(t32)
    wct = _wind_chill(t, np.float64(v32))
    return t if np.isnan(wct) else wct


#: V^0.16 at V = 0, 1, 2, … km/h, rounded up: an upper bound of V^0.16 for V ≤ i from the table.
_POWER_TABLE = np.nextafter(np.arange(0.0, 1001.0) ** 0.16, np.inf)


@numba.njit(nogil=True, cache=True)
def _apparent_at_least(t32, v32):
    """A lower bound of ``_apparent(t32, v32)`` [°C] without the power: V^0.16 ≤ ⌈V⌉^0.16 and WCT
    falls as V^0.16 rises below 28.7 °C. −∞ where no bound is cheap (V > 1000 km/h or NaN)."""
    t = np.float64(t32)
    v = np.float64(v32)
    if not v <= 1000.0:
        return -np.inf
    if not (t <= 10.0 and v > 4.8):
        return t
    v16 = _POWER_TABLE[int(np.ceil(v))]
    return 13.12 + 0.6215 * t - 11.37 * v16 + 0.3965 * t * v16 - 1e-9  # below any rounding of _apparent


@numba.njit(nogil=True, cache=True)
def _crossing_hours(temp_from, temp_eq, threshold32, tau64, step_hours):
    """``physics._step_crossing`` clipped to the step: float32 ratio and logarithm, float64 hours."""
    log = np.log((temp_from - temp_eq) / (threshold32 - temp_eq))
    inside = tau64 * np.float64(log)
    if inside < 0.0:
        return 0.0
    if inside > step_hours:
        return step_hours
    return inside  # NaN stays NaN, as np.clip keeps it


#: The one signature compiled (at import, or loaded from numba's cache beside this file): callers pass
#: contiguous float32 forecasts, so that no run pays for compiling another variant.
SIGNATURE = ("void(float32[:, :, ::1], float32[:, :, ::1], float32[:, ::1], float32[:, ::1], float32[:, ::1], "
             "int64[::1], float32[::1], float64[::1], int64[::1], float32[::1], float64, float32[:, :, ::1], "
             "float64[:, :, ::1], boolean)")


@numba.njit(SIGNATURE, nogil=True, cache=True)
def member_results(temp, wind, shift, start, decay, held_steps, tau, dt, step_kind, thresholds, base,
                   indoor_out, out, outdoor):
    """Fill ``out`` (district, 11, member) with the per-member results of a block of districts.

    temp, wind   (district, time, member) [°C], [km/h]
    shift        (district, time) float32: T_eq − T_out per step [K] (``physics.equilibrium_temperature``
                 at 0 °C; the same in every step for a daily power share, varying with an hourly schedule)
    start        (district, member) float32: indoor temperature at the first step [°C]
    decay        (district, kinds) float32: exp(−Δt/τ) per kind of step length
    held_steps   (district,) int: steps still heated (held at ``start``) after the forecast start
    tau          (district,) float32 [h]
    dt           (time,) float64 step lengths [h]; ``step_kind`` (time,) int: column of ``decay``
    thresholds   float32 [moderate, very high, exposure, low, high, very high] indoor thresholds [°C]:
                 first crossings of the first two, hours below each of the last four
    base         float64 degree-hour base [°C]
    indoor_out   (district, time + 1, member) float32, C-contiguous: the indoor temperatures [°C];
                 pass a zero-length array not to keep them
    outdoor      False: skip the results of the outdoor air (left NaN: coldest and mean temperature,
                 apparent temperature, degree-hours), for runs that need only the indoor ones (the τ
                 sensitivity runs): about half the work
    """
    n_district, n, n_member = temp.shape
    keep_indoor = indoor_out.shape[0] > 0
    whole = n // 16 * 16
    equal_steps = True
    for k in range(n):
        if dt[k] != dt[0]:
            equal_steps = False
    elapsed = np.zeros(n + 1)
    for k in range(n):
        elapsed[k + 1] = elapsed[k] + dt[k]
    t_min = np.empty(n_member, np.float32)
    t_max = np.empty(n_member, np.float32)
    v_max = np.empty(n_member, np.float32)
    partial = np.empty(n_member, np.float32)
    total = np.empty(n_member)
    rest = np.empty(n_member)
    upper = np.empty(n_member)
    theta = np.empty(n_member, np.float32)
    low = np.empty(n_member, np.float32)
    n_below = thresholds.shape[0] - 2
    below_steps = np.empty((n_below, n_member), np.int32)  # steps ending below each hours threshold
    below_hours = np.empty((n_below, n_member))  # their hours, with unequal steps
    crossing_sum = np.empty((n_below, n_member))
    coldest = np.zeros(n_member, np.int32)  # first hour of the coldest air
    scratch = np.empty((n + 1, n_member), np.float32)  # indoor temperatures when not kept
    alarm = np.empty((2, n_member), np.float32)  # moderate, very high threshold until first reached
    base32 = np.float32(base)
    # The outdoor loops run over no step and no member when ``outdoor`` is False.
    n_outdoor, members_outdoor = (n, n_member) if outdoor else (0, 0)

    for d in range(n_district):
        if not outdoor:
            for slot in (MIN_TEMP, APPARENT, DEGREE_HOURS, MEAN_TEMP):
                out[d, slot, :] = np.nan
        # Outdoor air: extremes, the first coldest hour, the sum over time (float32 partial sums of
        # 16 steps, then float64, as pipeline._time_sum).
        t_min[:] = np.inf
        t_max[:] = -np.inf
        v_max[:] = -np.inf  # stays −∞ only where every wind is NaN (np.fmax.reduce gives NaN)
        total[:] = 0.0
        rest[:] = 0.0
        for k in range(n_outdoor):
            for m in range(n_member):
                t = np.float32(temp[d, k, m])
                coldest[m] = np.int32(k) if t < t_min[m] else coldest[m]
                t_min[m] = min(t_min[m], t)
                t_max[m] = max(t_max[m], t)
            for m in range(n_member):
                v = np.float32(wind[d, k, m])
                v_max[m] = v if v > v_max[m] else v_max[m]  # a NaN wind is passed over, as np.fmax does
            if k >= whole:
                for m in range(n_member):
                    rest[m] += np.float64(np.float32(temp[d, k, m]))
            elif k % 16 == 0:
                for m in range(n_member):
                    partial[m] = np.float32(temp[d, k, m])
            else:
                for m in range(n_member):
                    partial[m] += np.float32(temp[d, k, m])
                if k % 16 == 15:
                    for m in range(n_member):
                        total[m] += np.float64(partial[m])
        for m in range(members_outdoor):
            temp_sum = total[m] + rest[m]
            out[d, MIN_TEMP, m] = t_min[m]
            out[d, MEAN_TEMP, m] = temp_sum / n
            if t_max[m] <= base32 and equal_steps:
                out[d, DEGREE_HOURS, m] = n * dt[0] * base - dt[0] * temp_sum
            else:
                deficit = 0.0
                for k in range(n):
                    deficit += max(base - np.float64(np.float32(temp[d, k, m])), 0.0) * dt[k]
                out[d, DEGREE_HOURS, m] = deficit
            # The wind-chill bound of pipeline._coldest_apparent: U at the coldest hour, then θ.
            # pipeline takes U over every hour tied for the coldest; the first one suffices: if the
            # coldest air is ≤ 10 °C, θ lies above it (wind chill ≤ air temperature there), so the
            # tied hours are among those evaluated below; above 10 °C every tied hour has U = T_min.
            upper[m] = _apparent(t_min[m], np.float32(wind[d, coldest[m], m]))
            vm = np.float64(max(v_max[m], np.float32(5.0)))  # np.fmax(NaN, 5) is 5 too
            at_zero = _wind_chill(0.0, vm)
            slope = _wind_chill(1.0, vm) - at_zero
            theta[m] = np.float32((upper[m] - at_zero) / slope + 0.01)
        for k in range(n_outdoor):
            for m in range(n_member):
                t = np.float32(temp[d, k, m])
                if t <= theta[m]:
                    v = np.float32(wind[d, k, m])
                    if _apparent_at_least(t, v) <= upper[m]:  # the power only where it may be lower
                        upper[m] = min(upper[m], _apparent(t, v))
        for m in range(members_outdoor):
            out[d, APPARENT, m] = upper[m]

        # Indoor model: the exact exponential step in float32 (physics.indoor_temperature), and in the
        # same pass over each step's members the results of pipeline.member_metrics; the rare
        # crossings of a threshold are handled apart.
        tau64 = np.float64(tau[d])
        indoor = indoor_out[d] if keep_indoor else scratch
        indoor[0] = start[d]
        low[:] = start[d]
        below_steps[:, :] = 0
        below_hours[:, :] = 0.0
        crossing_sum[:, :] = 0.0
        for j in range(2):  # the threshold still to be reached by each member, else −∞
            for m in range(n_member):
                reached_at_start = start[d, m] < thresholds[j]
                alarm[j, m] = -np.inf if reached_at_start else thresholds[j]
                out[d, HOURS_MODERATE + j, m] = 0.0 if reached_at_start else np.nan
        for k in range(n):
            held = k < held_steps[d]
            factor = decay[d, step_kind[k]]
            reached = np.int32(0)  # integer sums vectorise; flags or float sums would not
            if held:
                indoor[k + 1] = start[d]
            else:
                for m in range(n_member):  # (three simple loops, each vectorised, not one)
                    eq = np.float32(temp[d, k, m]) + shift[d, k]
                    indoor[k + 1, m] = (indoor[k, m] - eq) * factor + eq
            for m in range(n_member):
                low[m] = min(low[m], indoor[k + 1, m])
            for m in range(n_member):
                reached += np.int32(1) if (indoor[k + 1, m] < alarm[0, m]) | (indoor[k + 1, m] < alarm[1, m]) \
                    else np.int32(0)
            for j in range(n_below):
                exposure = thresholds[2 + j]
                crossed = np.int32(0)  # members crossing this threshold in this step
                for m in range(n_member):
                    is_below = indoor[k + 1, m] < exposure
                    below_steps[j, m] += np.int32(1) if is_below else np.int32(0)
                    crossed += np.int32(1) if is_below != (indoor[k, m] < exposure) else np.int32(0)
                if not equal_steps:  # hours of the steps ending below, summed in order as numpy does
                    for m in range(n_member):
                        below_hours[j, m] += dt[k] if indoor[k + 1, m] < exposure else 0.0
                if crossed:  # falls through it at s: Δt − s; rises through it at s: s
                    for m in range(n_member):
                        is_below = indoor[k + 1, m] < exposure
                        if is_below != (indoor[k, m] < exposure):
                            eq = np.float32(temp[d, k, m]) + shift[d, k]
                            s = _crossing_hours(indoor[k, m], eq, exposure, tau64, dt[k])
                            s = 0.0 if np.isnan(s) else s
                            crossing_sum[j, m] += -s if is_below else s
            if reached:  # first fall below the moderate or very high threshold, inside this step
                for j in range(2):
                    for m in range(n_member):
                        if indoor[k + 1, m] < alarm[j, m]:
                            alarm[j, m] = -np.inf
                            eq = np.float32(temp[d, k, m]) + shift[d, k]
                            out[d, HOURS_MODERATE + j, m] = elapsed[k] + _crossing_hours(
                                indoor[k, m], eq, thresholds[j], tau64, dt[k])
        for m in range(n_member):
            out[d, MIN_INDOOR, m] = low[m]
        for j in range(n_below):
            for m in range(n_member):
                counted = below_steps[j, m] * dt[0] if equal_steps else below_hours[j, m]
                out[d, BELOW_SLOTS[j], m] = counted + crossing_sum[j, m]
