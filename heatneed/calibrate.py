"""Calibrating τ and the gain from field thermometer readings in unheated flats (``heatneed calibrate``).

Readings are read and validated by ``heatneed.readings``; this module fits them.

The model is the one the ranking integrates (``heatneed.physics``, exact per step for
piecewise-constant forcing held at its value at the start of each step):

    T_in[k+1] = T_eq[k] + (T_in[k] − T_eq[k]) · exp(−Δt_k / τ)        T_eq[k] = T_out[k] + g

τ [h] is the building time constant and g [K] the equilibrium shift (internal gains, heated
neighbours). Because the recurrence is linear, the simulated indoor temperature of one cool-down
episode that starts at T0 is

    T_in(t) = F_τ(T_out)(t) + T0 · e^(−t/τ) + g · (1 − e^(−t/τ))

with F_τ(T_out) the recurrence driven by the outdoor series from 0 (``physics.indoor_temperature``).
The fit minimises the squared differences between readings and this *simulated trajectory*
(not one-step differences, which break on noisy readings), all episodes of a site jointly with
their own start values T0, by ``scipy.optimize.least_squares`` within bounds.

Uncertainty is the profile likelihood: for every τ on a log grid the other parameters enter
linearly and are solved exactly, giving RSS(τ); the interval is where
RSS(τ) ≤ RSS_min · (1 + F(1, n − p; level) / (n − p)) (exact for linear models, [Venzon1988]).
It assumes independent reading errors; model error (two time scales, sun, neighbours) makes it too
narrow, which is why residuals and the two-time-constant comparison are reported beside it.

Identifiability (README "Calibrating τ"; [Bacher2011] on choosing such models): with a day or two of readings τ and g
cannot be told apart. When the free fit's intervals are open or too wide, g is fixed at the
model's ``internal_gain_k`` and τ is reported under that assumption; when even that leaves τ
unmeasured (flat readings, tiny indoor–outdoor gap, too few readings) the site is refused with
the reason.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import physics
from .errors import InputError
from .readings import attach_outdoor, outdoor_from_source, read_outdoor, read_readings

FREE, FIXED_GAIN, REFUSED = "free", "fixed_gain", "refused"
SITE_COLUMNS = ["site_id", "district_code", "status", "tau_hours", "tau_low_hours", "tau_high_hours",
                "gain_k", "gain_low_k", "gain_high_k", "corr_tau_gain", "rmse_k", "n_readings", "n_episodes",
                "span_hours", "heating_from", "tau_fast_hours", "tau_slow_hours", "bic_first_order",
                "bic_two_node", "preferred_model", "message"]
DISTRICT_COLUMNS = ["district_code", "tau_hours", "tau_low_hours", "tau_high_hours", "n_sites"]


# --------------------------------------------------------------------------- settings

@dataclass(frozen=True)
class CalibrateSettings:
    """The ``[calibrate]`` table of ``defaults.toml`` (sources there) plus the model's default gain."""

    tau_min_hours: float
    tau_max_hours: float
    gain_min_k: float
    gain_max_k: float
    confidence: float
    min_span_hours: float
    min_readings: int
    min_gap_k: float
    max_tau_ratio: float
    max_gap_hours: float
    heating_rise_k: float
    two_node_min_hours: float
    profile_grid_points: int
    default_gain_k: float  # [model] internal_gain_k


def calibrate_settings(config: dict | None = None, **overrides) -> CalibrateSettings:
    """Settings from a loaded config (``heatneed.config.load_config``); unknown keys are an error."""
    from .config import load_config, model_params

    config = load_config() if config is None else config
    table = dict(config.get("calibrate", {}))
    names = {f.name for f in dataclasses.fields(CalibrateSettings)} - {"default_gain_k"}
    problems = [f"unknown setting [calibrate] {key}" for key in table if key not in names]
    problems += [f"missing setting [calibrate] {key}" for key in names if key not in table]
    if problems:
        raise InputError(problems)
    table["default_gain_k"] = model_params(config).internal_gain_k
    table.update({k: v for k, v in overrides.items() if v is not None})
    for key, value in table.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
            problems.append(f"[calibrate] {key} must be a number (got {value!r})")
    if not problems:
        s = CalibrateSettings(**table)
        if not 0 < s.tau_min_hours < s.tau_max_hours:
            problems.append("[calibrate] needs 0 < tau_min_hours < tau_max_hours")
        if not s.gain_min_k <= s.default_gain_k <= s.gain_max_k:
            problems.append("[calibrate] gain_min_k ≤ [model] internal_gain_k ≤ gain_max_k must hold")
        if not 0 < s.confidence < 1:
            problems.append("[calibrate] confidence must lie between 0 and 1")
        if s.profile_grid_points < 10 or s.min_readings < 3 or s.max_tau_ratio <= 1:
            problems.append("[calibrate] needs profile_grid_points ≥ 10, min_readings ≥ 3, max_tau_ratio > 1")
    if problems:
        raise InputError(problems)
    return s


# --------------------------------------------------------------------------- episodes

@dataclass
class Episode:
    """One free-floating cool-down of a site: readings at ``elapsed_hours`` from its first one."""

    times: pd.DatetimeIndex
    elapsed_hours: np.ndarray  # [h] (n,)
    indoor_c: np.ndarray  # [°C] (n,)
    outdoor_c: np.ndarray  # [°C] (n,); the step from reading k to k+1 uses outdoor_c[k]
    rows: np.ndarray  # Excel rows


def episode(elapsed_hours, indoor_c, outdoor_c, times=None, rows=None) -> Episode:
    """An Episode from plain arrays (times default to hours from 2026-01-01 UTC)."""
    elapsed = np.asarray(elapsed_hours, float)
    if times is None:
        times = pd.Timestamp("2026-01-01", tz="UTC") + pd.to_timedelta(elapsed, unit="h")
    n = len(elapsed)
    outdoor = np.broadcast_to(np.asarray(outdoor_c, float), (n,)).copy()
    return Episode(pd.DatetimeIndex(times), elapsed - elapsed[0], np.asarray(indoor_c, float), outdoor,
                   np.arange(n) + 2 if rows is None else np.asarray(rows))


def split_episodes(site: pd.DataFrame, s: CalibrateSettings) -> tuple[list[Episode], str]:
    """Free-floating episodes of one site's time-sorted readings, and how heating was known.

    With ``heating_on``: the runs of readings with heating off. Without it (detected): heating is
    taken as off except where the indoor temperature rises more than ``heating_rise_k`` above the
    lowest reading of the current episode, beyond any rise of the outdoor temperature since then;
    such a rise ends the episode at that lowest reading, and the next one starts at the following
    peak. Gaps longer than ``max_gap_hours`` also end an episode.
    """
    time = pd.DatetimeIndex(site["time"])
    hours = ((time - time[0]) / pd.Timedelta(hours=1)).to_numpy(float)
    indoor, outdoor = site["indoor_c"].to_numpy(float), site["outdoor_c"].to_numpy(float)
    given = "heating_on" in site and site["heating_on"].notna().all()
    off = ~site["heating_on"].to_numpy(bool) if given else np.ones(len(site), bool)
    groups, current = [], []
    low = None  # index of the lowest reading in the current episode (detection)
    rising = False
    for k in range(len(site)):
        if not off[k] or (current and hours[k] - hours[current[-1]] > s.max_gap_hours):
            groups.append(current)
            current, low, rising = [], None, False
            if not off[k]:
                continue
        if not given and low is not None:
            if indoor[k] - indoor[low] > s.heating_rise_k + max(0.0, outdoor[k] - outdoor[low]):
                groups.append(current[: current.index(low) + 1])  # the rise began after the lowest reading
                current, low, rising = [], None, True
        if rising:  # heated: wait for the peak (the next reading is lower)
            if k + 1 < len(site) and indoor[k + 1] >= indoor[k]:
                continue
            rising = False
        current.append(k)
        if low is None or indoor[k] <= indoor[low]:
            low = k
    groups.append(current)
    out = [episode(hours[g], indoor[g], outdoor[g], time[g], site["_row"].to_numpy()[g]) for g in groups if len(g) >= 2]
    return out, ("heating_on column" if given else "detected from indoor rises")


# --------------------------------------------------------------------------- the first-order model

def driven_response(ep: Episode, tau_hours) -> np.ndarray:
    """F_τ(T_out) [°C] at the readings: the model's recurrence driven by the outdoor series from 0.

    ``tau_hours`` scalar or (G,) → result (n,) or (G, n). Uses ``physics.indoor_temperature``.
    """
    tau = np.atleast_1d(np.asarray(tau_hours, float))
    dt = np.diff(ep.elapsed_hours)
    eq = np.broadcast_to(ep.outdoor_c[:-1], (len(tau), len(dt)))
    response = physics.indoor_temperature(eq, tau, 0.0, dt, axis=-1)
    return response[0] if np.ndim(tau_hours) == 0 else response


def simulate(ep: Episode, tau_hours: float, gain_k: float, start_c: float) -> np.ndarray:
    """Simulated indoor temperature [°C] at an episode's readings (the model's own discretisation)."""
    decay = np.exp(-ep.elapsed_hours / tau_hours)
    return driven_response(ep, tau_hours) + start_c * decay + gain_k * (1 - decay)


def _profile(episodes: list[Episode], taus: np.ndarray, gain_k: float | None, s: CalibrateSettings):
    """Exact minimum over the linear parameters for each τ: (rss, gain, information on gain).

    For every τ the simulated trajectory is linear in the starts T0_e and g; they are solved by
    least squares (g clipped to its bounds, the RSS being quadratic in g: RSS_min + c·(g − ĝ)²).
    """
    n_eps, g_count = len(episodes), len(taus)
    free_gain = gain_k is None
    p = n_eps + free_gain
    xtx = np.zeros((g_count, p, p))
    xtz = np.zeros((g_count, p))
    ztz = np.zeros(g_count)
    for e, ep in enumerate(episodes):
        decay = np.exp(-ep.elapsed_hours[None, :] / taus[:, None])  # (G, n)
        z = ep.indoor_c[None, :] - driven_response(ep, taus)
        if not free_gain:
            z = z - gain_k * (1 - decay)
        cols = [decay] + ([1 - decay] if free_gain else [])
        idx = [e] + ([n_eps] if free_gain else [])
        for a, ca in zip(idx, cols):
            xtz[:, a] += np.sum(ca * z, axis=1)
            for b, cb in zip(idx, cols):
                xtx[:, a, b] += np.sum(ca * cb, axis=1)
        ztz += np.sum(z * z, axis=1)
    beta = np.linalg.solve(xtx, xtz[..., None])[..., 0]
    rss = np.maximum(ztz - np.sum(beta * xtz, axis=1), 0.0)
    if not free_gain:
        return rss, np.full(g_count, gain_k), np.full(g_count, np.inf)
    info = 1.0 / np.linalg.inv(xtx)[:, -1, -1]  # RSS rises by info·(g − ĝ)² away from ĝ
    gain = beta[:, -1]
    clipped = np.clip(gain, s.gain_min_k, s.gain_max_k)
    return rss + info * (clipped - gain) ** 2, clipped, info


@dataclass
class FirstOrderFit:
    """Least-squares fit of one site (τ [h], gain [K], starts [°C]) with its profile intervals."""

    tau_hours: float
    gain_k: float
    starts_c: np.ndarray
    rss: float
    n: int
    n_params: int
    gain_fixed: bool
    corr_tau_gain: float = np.nan
    tau_low_hours: float = np.nan
    tau_high_hours: float = np.nan
    gain_low_k: float = np.nan
    gain_high_k: float = np.nan
    tau_closed: bool = False
    gain_closed: bool = False

    @property
    def rmse_k(self) -> float:
        return float(np.sqrt(self.rss / self.n))


def fit_first_order(episodes: list[Episode], settings: CalibrateSettings, gain_k: float | None = None,
                    intervals: bool = True) -> FirstOrderFit:
    """Joint least-squares fit of τ and g (or τ alone with ``gain_k`` fixed) to all episodes.

    Start: the minimum of the profile on a log-spaced τ grid; then ``scipy.optimize.least_squares``
    on the simulated trajectories over (log τ, g, T0_1 … T0_E) within the bounds. Intervals: the
    profile likelihood at ``settings.confidence`` (see module docstring); open when the RSS does
    not rise above the threshold before a bound.
    """
    from scipy import optimize  # here, not at import: scipy adds about a second to the app's start

    s = settings
    taus = np.geomspace(s.tau_min_hours, s.tau_max_hours, s.profile_grid_points)
    grid = _profile(episodes, taus, gain_k, s)
    rss_grid, gain_grid = grid[0], grid[1]
    j = int(np.argmin(rss_grid))
    free_gain = gain_k is None
    n = sum(len(ep.indoor_c) for ep in episodes)

    def unpack(x):
        tau = np.exp(x[0])
        g = x[1] if free_gain else gain_k
        return tau, g, x[1 + free_gain:]

    cache: dict = {}

    def evaluate(x):
        """Residuals and their Jacobian at ``x``; the driven response at τ and τ·(1 + h) in one pass."""
        key = x.tobytes()
        if key not in cache:
            tau, g, starts = unpack(x)
            h = 1e-6
            res, jac = [], np.zeros((n, len(x)))
            row = 0
            for e, (ep, t0) in enumerate(zip(episodes, starts)):
                both = driven_response(ep, np.array([tau, tau * (1 + h)]))
                decay = np.exp(-ep.elapsed_hours / tau)
                rows = slice(row, row + len(decay))
                res.append(both[0] + t0 * decay + g * (1 - decay) - ep.indoor_c)
                # d/d ln τ: the driven part by a relative step, the exponentials exactly
                jac[rows, 0] = (both[1] - both[0]) / h + (t0 - g) * decay * ep.elapsed_hours / tau
                if free_gain:
                    jac[rows, 1] = 1 - decay
                jac[rows, 1 + free_gain + e] = decay
                row += len(decay)
            cache.clear()
            cache[key] = (np.concatenate(res), jac)
        return cache[key]

    def residuals(x):
        return evaluate(x)[0]

    def jacobian(x):
        return evaluate(x)[1]

    starts0 = [ep.indoor_c[0] for ep in episodes]
    log_tau0 = np.log(taus[j])
    if 0 < j < len(taus) - 1:  # vertex of the parabola through the grid minimum and its neighbours
        y0, y1, y2 = rss_grid[j - 1: j + 2]
        curvature = y0 - 2 * y1 + y2
        if curvature > 0:
            log_tau0 += 0.5 * (y0 - y2) / curvature * (np.log(taus[1]) - np.log(taus[0]))
    x0 = np.array([log_tau0] + ([gain_grid[j]] if free_gain else []) + starts0)
    lower = [np.log(s.tau_min_hours)] + ([s.gain_min_k] if free_gain else []) + [-np.inf] * len(episodes)
    upper = [np.log(s.tau_max_hours)] + ([s.gain_max_k] if free_gain else []) + [np.inf] * len(episodes)
    x0 = np.clip(x0, np.nextafter(lower, np.inf), np.nextafter(upper, -np.inf))
    sol = optimize.least_squares(residuals, x0, jac=jacobian, bounds=(lower, upper), x_scale="jac")
    tau, g, starts = unpack(sol.x)
    rss = float(np.sum(sol.fun ** 2))
    if rss_grid[j] < rss:  # the grid found a lower point (flat valleys): keep it
        tau, g, rss = float(taus[j]), float(gain_grid[j]), float(rss_grid[j])
        starts = np.array(starts0, float)
    fit = FirstOrderFit(float(tau), float(g), np.asarray(starts, float), rss, n, len(x0), not free_gain)
    if free_gain:
        with np.errstate(all="ignore"):
            jac = sol.jac
            cov = np.linalg.pinv(jac.T @ jac)
            fit.corr_tau_gain = float(np.clip(cov[0, 1] / np.sqrt(cov[0, 0] * cov[1, 1]), -1, 1))
    if intervals and n > fit.n_params:
        _intervals(fit, episodes, taus, grid, gain_k, s)
    return fit


def rss_threshold(rss_min: float, n: int, n_params: int, confidence: float) -> float:
    """RSS bound of the profile-likelihood interval: RSS_min·(1 + F(1, n−p; level)/(n−p)) [Venzon1988]."""
    from scipy import stats

    dof = n - n_params
    return rss_min * (1.0 + stats.f.ppf(confidence, 1, dof) / dof)


def _brackets(x: np.ndarray, y: np.ndarray, limit: float, at: float) -> list[tuple[float, float] | None]:
    """For each side of ``at`` (inside: y ≤ limit), a bracket (inside point, first grid point above).

    None when ``y`` never rises above ``limit`` on that side of the grid (the interval is open there).
    """
    out = []
    for side in (x < at, x > at):
        idx = np.flatnonzero(side & (y > limit))
        if not idx.size:
            out.append(None)
            continue
        k = idx[-1] if x[idx[-1]] < at else idx[0]  # the grid point above the limit nearest to ``at``
        nearer = np.flatnonzero(side & (y <= limit) & ((x > x[k]) if x[k] < at else (x < x[k])))
        inner = at if not nearer.size else (x[nearer].min() if x[k] < at else x[nearer].max())
        out.append((float(inner), float(x[k])))
    return out


def _zoom(evaluate, bracket: list, limit: float, rounds: int = 3, points: int = 15) -> list[float | None]:
    """Ends of the region where ``evaluate`` ≤ ``limit``, each bracket narrowed ``points + 1``-fold per round.

    ``evaluate`` takes an array of abscissae (both ends at once: one vectorised call per round);
    the end is interpolated linearly in the last bracket.
    """
    live = [b for b in bracket if b is not None]
    for _ in range(rounds):
        if not live:
            break
        grids = [np.linspace(a, b, points + 2)[1:-1] for a, b in live]
        values = evaluate(np.concatenate(grids)).reshape(len(live), points)
        narrowed = []
        for (a, b), grid, y in zip(live, grids, values):
            xs, ys = np.concatenate([[a], grid, [b]]), np.concatenate([[-np.inf], y, [np.inf]])
            k = int(np.argmax(ys > limit))  # first point (from the inside) above the limit
            narrowed.append((xs[k - 1], xs[k], ys[k - 1], ys[k]))
        live = [(a, b) for a, b, _, _ in narrowed]
        last = narrowed
    ends, i = [], 0
    for b in bracket:
        if b is None:
            ends.append(None)
            continue
        a, bb, ya, yb = last[i]
        i += 1
        ya = limit if not np.isfinite(ya) else ya
        ends.append(float(a + (limit - ya) * (bb - a) / (yb - ya)) if np.isfinite(yb) and yb != ya else float(a))
    return ends


def _intervals(fit: FirstOrderFit, episodes, taus, grid, gain_k, s: CalibrateSettings) -> None:
    """Profile-likelihood intervals of τ (and g when free), set on ``fit``; ``grid`` is ``_profile`` on ``taus``."""
    rss_grid = grid[0]
    rss_min = min(fit.rss, float(rss_grid.min()))
    limit = rss_threshold(rss_min, fit.n, fit.n_params, s.confidence)
    log_taus, at = np.log(taus), np.log(fit.tau_hours)
    seen = [(taus, *grid)]

    def profile_at(log_tau):
        rss, gain, info = _profile(episodes, np.exp(log_tau), gain_k, s)
        seen.append((np.exp(log_tau), rss, gain, info))
        return rss

    lo, hi = _zoom(profile_at, _brackets(log_taus, rss_grid, limit, at), limit)
    fit.tau_low_hours = min(float(np.exp(lo)) if lo is not None else s.tau_min_hours, fit.tau_hours)
    fit.tau_high_hours = max(float(np.exp(hi)) if hi is not None else s.tau_max_hours, fit.tau_hours)
    fit.tau_closed = lo is not None and hi is not None
    if gain_k is not None:
        fit.gain_low_k = fit.gain_high_k = fit.gain_k
        fit.gain_closed = True
        return
    # Profile over g: min over τ of RSS(τ) + info(τ)·(g − ĝ(τ))², over every τ evaluated above
    # (they gather at the τ interval's ends, where the extreme gains lie: τ and g are correlated).
    inside = np.append(np.geomspace(fit.tau_low_hours, fit.tau_high_hours, 41), fit.tau_hours)
    seen.append((inside, *_profile(episodes, inside, None, s)))  # dense across the τ interval, and τ̂ itself
    rss_t, gain_t, info_t = (np.concatenate([x[i] for x in seen]) for i in (1, 2, 3))

    def gain_profile(g):
        return np.min(rss_t[:, None] + info_t[:, None] * (np.atleast_1d(g)[None, :] - gain_t[:, None]) ** 2, axis=0)

    gains = np.linspace(s.gain_min_k, s.gain_max_k, 301)
    glo, ghi = _zoom(gain_profile, _brackets(gains, gain_profile(gains), limit, fit.gain_k), limit)
    fit.gain_low_k = min(glo if glo is not None else s.gain_min_k, fit.gain_k)
    fit.gain_high_k = max(ghi if ghi is not None else s.gain_max_k, fit.gain_k)
    fit.gain_closed = glo is not None and ghi is not None


# --------------------------------------------------------------------------- two time constants

@dataclass
class TwoNodeFit:
    """Two-time-constant fit: T_in = c·F_fast(T_out) + (1 − c)·F_slow(T_out) + g + per-episode modes."""

    tau_fast_hours: float
    tau_slow_hours: float
    share_fast: float
    gain_k: float
    rss: float
    n_params: int


def fit_two_node(episodes: list[Episode], settings: CalibrateSettings) -> TwoNodeFit:
    """A 2R2C (air + mass) model in modal form, fitted by least squares.

    A two-node RC network (air/light contents and building mass) driven by T_out + g has two
    real modes: T_in = c·F_τf(T_out) + (1 − c)·F_τs(T_out) + g + A_e·e^(−t/τf) + B_e·e^(−t/τs), with
    0 ≤ c ≤ 1 and per-episode amplitudes A_e, B_e (the air and mass start temperatures) [Bacher2011].
    τ_fast, τ_slow by ``least_squares`` (log scale, τ bounds); the rest is linear, solved by
    bounded linear least squares (``lsq_linear``) for each pair.
    """
    from scipy import optimize

    s = settings
    n_eps = len(episodes)

    def design(log_taus):
        tf, ts = np.exp(np.sort(log_taus))
        blocks, target = [], []
        for e, ep in enumerate(episodes):
            ff, fs = driven_response(ep, np.array([tf, ts]))
            cols = np.zeros((len(ep.indoor_c), 2 + 2 * n_eps))
            cols[:, 0] = ff - fs
            cols[:, 1] = 1.0
            cols[:, 2 + 2 * e] = np.exp(-ep.elapsed_hours / tf)
            cols[:, 3 + 2 * e] = np.exp(-ep.elapsed_hours / ts)
            blocks.append(cols)
            target.append(ep.indoor_c - fs)
        return np.vstack(blocks), np.concatenate(target)

    lower = np.r_[0.0, s.gain_min_k, [-np.inf] * 2 * n_eps]
    upper = np.r_[1.0, s.gain_max_k, [np.inf] * 2 * n_eps]

    def inner(log_taus):
        x, z = design(log_taus)
        beta = np.linalg.lstsq(x, z, rcond=None)[0]
        if not np.all((beta >= lower) & (beta <= upper)):  # only then the bounded solver
            beta = optimize.lsq_linear(x, z, bounds=(lower, upper)).x
        return beta, x, z

    def residuals(log_taus):
        beta, x, z = inner(log_taus)
        return x @ beta - z

    best = None
    span = max(ep.elapsed_hours[-1] for ep in episodes)
    for guess in ((2.0, span), (6.0, 2 * span), (12.0, 4 * span)):
        x0 = np.clip(np.log(guess), np.log(s.tau_min_hours) + 1e-9, np.log(s.tau_max_hours) - 1e-9)
        sol = optimize.least_squares(residuals, x0, bounds=(np.log(s.tau_min_hours), np.log(s.tau_max_hours)))
        if best is None or sol.cost < best.cost:
            best = sol
    linear, _, _ = inner(best.x)
    tf, ts = np.exp(np.sort(best.x))
    return TwoNodeFit(float(tf), float(ts), float(linear[0]), float(linear[1]),
                      float(2 * best.cost), 4 + 2 * n_eps)


def bic(rss: float, n: int, n_params: int) -> float:
    """Bayesian information criterion for Gaussian errors: n·ln(RSS/n) + k·ln n (k counts σ too)."""
    return float(n * np.log(max(rss, 1e-300) / n) + (n_params + 1) * np.log(n))


# --------------------------------------------------------------------------- one site

@dataclass
class SiteResult:
    """What ``calibrate`` reports for one site (``SITE_COLUMNS``) plus the fitted series for plots."""

    row: dict
    episodes: list[Episode] = field(default_factory=list)
    fit: FirstOrderFit | None = None
    message: tuple[str, dict] = ("", {})  # i18n key (after ``cal_msg_``) and values of ``row["message"]``

    @property
    def series(self) -> pd.DataFrame:
        """Readings and the fitted trajectory: time, episode, indoor_c, outdoor_c, fitted_c, residual_k (built on demand)."""
        frames = []
        for e, (ep, t0) in enumerate(zip(self.episodes, self.fit.starts_c if self.fit else [])):
            fitted = simulate(ep, self.fit.tau_hours, self.fit.gain_k, t0)
            frames.append(pd.DataFrame({"time": ep.times, "episode": e + 1, "indoor_c": ep.indoor_c,
                                        "outdoor_c": ep.outdoor_c, "fitted_c": fitted,
                                        "residual_k": ep.indoor_c - fitted}))
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def site_message(key: str, values: dict, lang: str = "en") -> str:
    """A site's status message in ``lang``; the texts live in ``heatneed.i18n`` (keys ``cal_msg_*``)."""
    from . import i18n

    return i18n.text(f"cal_msg_{key}", lang, **values) if key else ""


def _refused(base: dict, key: str, values: dict) -> SiteResult:
    return SiteResult({**base, "status": REFUSED, "message": site_message(key, values)}, message=(key, values))


def calibrate_site(site_id: str, episodes: list[Episode], s: CalibrateSettings, district_code=None,
                   heating_from: str = "", two_node: bool = True) -> SiteResult:
    """Fit one site: the free fit if the data separate τ from g, else g fixed, else refused (with why)."""
    n = sum(len(ep.indoor_c) for ep in episodes)
    span = float(sum(ep.elapsed_hours[-1] for ep in episodes))
    base = {c: np.nan for c in SITE_COLUMNS} | {
        "site_id": site_id, "district_code": district_code, "n_readings": n, "n_episodes": len(episodes),
        "span_hours": span, "heating_from": heating_from, "preferred_model": "", "message": ""}
    if n < s.min_readings or span < s.min_span_hours:
        return _refused(base, "too_little", {"n": n, "span": f"{span:.1f}", "min_n": s.min_readings,
                                             "min_span": f"{s.min_span_hours:g}"})
    gap = max(abs(ep.indoor_c[0] - ep.outdoor_c[0] - s.default_gain_k) for ep in episodes)
    if gap < s.min_gap_k:
        return _refused(base, "no_gap", {"gap": f"{gap:.1f}", "min_gap": f"{s.min_gap_k:g}"})
    free = fit_first_order(episodes, s) if n > len(episodes) + 2 else None
    width_ok = lambda f: f.tau_closed and f.tau_high_hours <= s.max_tau_ratio * f.tau_low_hours  # noqa: E731
    corr = "" if free is None or np.isnan(free.corr_tau_gain) else f", corr(τ, g) = {free.corr_tau_gain:.2f}"
    # Both intervals must close inside the bounds: a τ interval held only by a gain bound is the bound's, not the data's.
    if free is not None and width_ok(free) and free.gain_closed:
        fit, status, key, values = free, FREE, "", {}
    else:
        fit = fit_first_order(episodes, s, gain_k=s.default_gain_k)
        if not width_ok(fit):
            low = "?" if np.isnan(fit.tau_low_hours) else f"{fit.tau_low_hours:.0f}"
            high = f"{fit.tau_high_hours:.0f}" if fit.tau_closed else f"> {s.tau_max_hours:g}"
            change = max(ep.indoor_c.max() - ep.indoor_c.min() for ep in episodes)
            return _refused(base | {"rmse_k": fit.rmse_k}, "unmeasurable",
                            {"gain": f"{s.default_gain_k:g}", "low": low, "high": high, "change": f"{change:.1f}",
                             "span": f"{span:.0f}", "corr": corr})
        status = FIXED_GAIN
        separable = free is not None and free.tau_closed and free.gain_closed
        key = "fixed_gain_wide" if separable else "fixed_gain_inseparable"
        values = {"span": f"{span:.0f}", "span_tau": f"{span / fit.tau_hours:.1f}", "corr": corr,
                  "gain": f"{s.default_gain_k:g}"}
        if separable:
            values |= {"low": f"{free.tau_low_hours:.0f}", "high": f"{free.tau_high_hours:.0f}"}
    message = site_message(key, values)
    row = base | {"status": status, "message": message, "tau_hours": fit.tau_hours,
                  "tau_low_hours": fit.tau_low_hours, "tau_high_hours": fit.tau_high_hours, "gain_k": fit.gain_k,
                  "gain_low_k": fit.gain_low_k, "gain_high_k": fit.gain_high_k,
                  "corr_tau_gain": free.corr_tau_gain if free is not None else np.nan, "rmse_k": fit.rmse_k,
                  "preferred_model": "first-order"}
    if two_node and span >= s.two_node_min_hours and n >= 4 + 2 * len(episodes) + 5:
        two = fit_two_node(episodes, s)
        b1, b2 = bic(free.rss if free else fit.rss, n, fit.n_params if free is None else free.n_params), \
            bic(two.rss, n, two.n_params)
        row |= {"tau_fast_hours": two.tau_fast_hours, "tau_slow_hours": two.tau_slow_hours,
                "bic_first_order": b1, "bic_two_node": b2, "preferred_model": "two-node" if b2 < b1 else "first-order"}
    return SiteResult(row, episodes, fit, (key, values))


# --------------------------------------------------------------------------- whole files and districts

@dataclass
class Calibration:
    """Per-site results and per-district τ rows of one readings file."""

    sites: pd.DataFrame  # SITE_COLUMNS
    districts: pd.DataFrame  # DISTRICT_COLUMNS
    results: dict[str, SiteResult]  # site_id -> result (``.series``: readings and fitted trajectory)

    @property
    def series(self) -> dict[str, pd.DataFrame]:
        """site_id -> readings and fitted trajectory (empty for refused sites)."""
        return {site: result.series for site, result in self.results.items()}


def calibrate(readings: pd.DataFrame, settings: CalibrateSettings, district: str | None = None) -> Calibration:
    """Fit every site of validated readings that carry ``outdoor_c`` (see ``attach_outdoor``)."""
    if "outdoor_c" not in readings or readings["outdoor_c"].isna().any():
        raise InputError("readings need outdoor temperatures: an outdoor_c column, --outdoor FILE or "
                         "--forecast-source with a district")
    results = []
    for site_id, site in readings.groupby("site_id", sort=True):
        code = site["district_code"].dropna().iloc[0] if "district_code" in site and site["district_code"].notna().any() \
            else district
        episodes, how = split_episodes(site.reset_index(drop=True), settings)
        results.append(calibrate_site(str(site_id), episodes, settings, code, how))
    sites = pd.DataFrame([r.row for r in results], columns=SITE_COLUMNS)
    return Calibration(sites, district_table(sites), {r.row["site_id"]: r for r in results})


def district_table(sites: pd.DataFrame) -> pd.DataFrame:
    """One row per district with calibrated sites: median τ and its band (rows the registry accepts).

    With three or more sites the band is P10–P90 of the sites' τ (the spread of the building
    stock); with one or two it is the envelope of their own intervals (a measurement, not a spread).
    """
    ok = sites[sites["status"] != REFUSED].dropna(subset=["district_code"])
    rows = []
    for code, group in ok.groupby("district_code", sort=True):
        tau = group["tau_hours"].to_numpy(float)
        if len(tau) >= 3:
            low, high = np.percentile(tau, [10, 90])
        else:
            low, high = group["tau_low_hours"].min(), group["tau_high_hours"].max()
        rows.append({"district_code": code, "tau_hours": float(np.median(tau)), "tau_low_hours": float(low),
                     "tau_high_hours": float(high), "n_sites": len(tau)})
    return pd.DataFrame(rows, columns=DISTRICT_COLUMNS)


def apply_to_registry(registry: pd.DataFrame, districts: pd.DataFrame) -> pd.DataFrame:
    """The district registry with calibrated ``tau_hours`` and band set for the calibrated districts."""
    out = registry.copy()
    for column in ("tau_hours", "tau_low_hours", "tau_high_hours"):
        if column not in out:
            out[column] = np.nan
        values = districts.set_index("district_code")[column]
        hit = out["district_code"].isin(values.index)
        out.loc[hit, column] = out.loc[hit, "district_code"].map(values).astype(float)
    return out


def rounded(frame: pd.DataFrame) -> pd.DataFrame:
    """Frames as written to CSV: hours and kelvins to 0.1 (τ bands to 0.1 h), correlation and BIC to 0.01."""
    out = frame.copy()
    for column in out.columns:
        if column.endswith(("_hours", "_k", "_c")):
            out[column] = out[column].astype(float).round(1)
        elif column.startswith(("corr_", "bic_")):
            out[column] = out[column].astype(float).round(2)
    return out


# --------------------------------------------------------------------------- from files (CLI and app)

def default_registry_file() -> Path:
    """The embedded Kyiv district registry (the one ``rank`` uses when none is given)."""
    from .pipeline import EMBEDDED_SCENARIO, scenario_files

    return scenario_files(EMBEDDED_SCENARIO)["districts"]


def calibrate_files(readings, *, outdoor=None, forecast_source: str | None = None, district: str | None = None,
                    districts=None, config: dict | None = None, names: dict[str, str] | None = None
                    ) -> tuple[Calibration, pd.DataFrame]:
    """Read, validate and fit a readings file; returns the calibration and the district registry used.

    ``readings``/``outdoor``/``districts`` are paths or bytes (``names`` gives file names for bytes);
    outdoor temperatures come from the readings' ``outdoor_c``, else ``outdoor``, else
    ``forecast_source`` (e.g. meteostat observations near the district's centroid).
    """
    from .config import load_config
    from .inputs import load_districts

    names = names or {}
    config = load_config() if config is None else config
    settings = calibrate_settings(config)
    registry = load_districts(districts if districts is not None else default_registry_file(),
                              names.get("districts"))
    if district is not None and district not in registry.index:
        raise InputError(f"--district {district!r} is not in the districts file")
    name = names.get("readings") or (Path(readings).name if isinstance(readings, (str, Path)) else "readings")
    frame = read_readings(readings, name, registry)
    if district is not None:
        if "district_code" not in frame:
            frame["district_code"] = district
        frame["district_code"] = frame["district_code"].fillna(district)
    has_outdoor = "outdoor_c" in frame
    if sum([has_outdoor, outdoor is not None, forecast_source is not None]) > 1:
        raise InputError(f"{name}: give outdoor temperatures once: an outdoor_c column, --outdoor FILE or "
                         "--forecast-source")
    if outdoor is not None:
        outdoor_name = names.get("outdoor") or (Path(outdoor).name if isinstance(outdoor, (str, Path)) else "outdoor")
        frame = attach_outdoor(frame, read_outdoor(outdoor, outdoor_name), name, outdoor_name, settings.max_gap_hours)
    elif forecast_source is not None:
        series = outdoor_from_source(forecast_source, registry, frame, config, district)
        frame = attach_outdoor(frame, series, name, forecast_source, settings.max_gap_hours)
    elif not has_outdoor:
        raise InputError(f"{name}: no outdoor_c column; give --outdoor FILE or --forecast-source meteostat "
                         "(with district_code or --district)")
    return calibrate(frame, settings, district), registry


def table_bytes(frame: pd.DataFrame) -> bytes:
    """A result table as CSV (UTF-8, comma, ``\\n``; rounded; text neutralised for spreadsheets)."""
    from .export import safe_for_spreadsheets

    return safe_for_spreadsheets(rounded(frame)).to_csv(index=False, lineterminator="\n").encode("utf-8")


def registry_bytes(registry: pd.DataFrame, districts: pd.DataFrame) -> bytes:
    """The registry with calibrated τ columns, as a districts CSV ``rank --districts`` reads."""
    merged = apply_to_registry(registry.drop(columns=["_row"], errors="ignore"), districts)
    for column in merged.columns:  # counts read as floats are written back as whole numbers
        values = merged[column]
        if pd.api.types.is_float_dtype(values) and not column.endswith("_hours") and \
                values.dropna().mod(1).eq(0).all() and values.abs().max() < 2**53:
            merged[column] = values.astype("Int64")
    return table_bytes(merged)


def site_summary(row: dict | pd.Series) -> str:
    """One line per site for the terminal."""
    where = f" ({row['district_code']})" if isinstance(row["district_code"], str) else ""
    if row["status"] == REFUSED:
        return f"site {row['site_id']}{where}: refused: {row['message']}"
    text = (f"site {row['site_id']}{where}: τ {row['tau_hours']:.1f} h ({row['tau_low_hours']:.1f}–"
            f"{row['tau_high_hours']:.1f}), gain {row['gain_k']:.1f} K")
    if row["status"] == FREE:
        text += f" ({row['gain_low_k']:.1f}–{row['gain_high_k']:.1f}), τ and gain fitted"
    else:
        text += f" (fixed): {row['message']}"
    if row["preferred_model"] == "two-node":
        text += (f"; two time scales fit better (BIC): {row['tau_fast_hours']:.0f} h and "
                 f"{row['tau_slow_hours']:.0f} h")
    return text
