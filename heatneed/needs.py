"""Needs in numbers: warming-place spaces, heaters and kilowatts, generator fuel, per district.

Pure, vectorised formulas first (units in brackets, sources as ``docs/references.md`` keys), then
the table built from one model run (``pipeline.RankResult``): for every district and ensemble
member the needs within the next 24 h and within the horizon, reported as the ensemble median and
P90 (the 90th percentile over members; a higher need is a colder member). The same functions run
the what-if scenarios ("power fails everywhere for 24 h", "heat returns at time T") on the same
ensemble (``what_if``).

Planning figures live in the ``[needs]`` table of ``heatneed/defaults.toml`` with their sources.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import physics, risk
from .config import ModelParams
from .planning import NeedsParams, needs_params  # noqa: F401  (re-exported)

DAY_HOURS = 24.0
TOTAL_CODE = "TOTAL"


# --------------------------------------------------------------------------- formulas

def heater_kw_per_flat(temp_out_c, heat_loss_w_per_k, target_indoor_c, internal_gain_k):
    """Heater power that holds a flat at ``target_indoor_c`` [kW].

    P = H·max(0, T_target − T_out − g_int) / 1000, with H [W/K] the flat's heat-loss coefficient,
    T_out [°C] the outdoor temperature, g_int [K] the internal-gain shift ([FlatHeatLoss]:
    77 W/K at −20 °C, 18 °C target, 3.9 K → 2.63 kW).
    """
    deficit = np.maximum(0.0, target_indoor_c - np.asarray(temp_out_c, dtype=float) - internal_gain_k)
    return heat_loss_w_per_k * deficit / 1000.0


def heaters_per_flat(kw_per_flat, heater_rating_kw):
    """Heaters of ``heater_rating_kw`` [kW] needed to deliver ``kw_per_flat`` [kW]: ⌈P / rating⌉."""
    return np.ceil(np.round(np.asarray(kw_per_flat, dtype=float) / heater_rating_kw, 9))


def generator_litres_per_day(generator_kw, load_factor, generator_hours_per_day, litres_per_kwh):
    """Diesel burnt per day [L/day] = rated kW × load factor × hours run per day × L/kWh ([GenFuel])."""
    return np.asarray(generator_kw, dtype=float) * load_factor * generator_hours_per_day * litres_per_kwh


def days_of_fuel(litres_on_hand, litres_per_day):
    """Days the fuel on hand lasts [days] = litres on hand / litres per day; NaN when nothing is burnt."""
    on_hand, rate = np.asarray(litres_on_hand, dtype=float), np.asarray(litres_per_day, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(rate > 0, on_hand / rate, np.nan)


def warming_shortfall(people_below, demand_share, capacity):
    """People a warming place cannot hold [persons] = max(0, share × people below 12 °C − capacity).

    ``demand_share``: share of the people in cold homes who need a warm place at a time (the
    ``[scores] warming_max_absorbed_share`` of the risk score, so score and shortfall agree); NaN
    capacity (unknown) gives NaN.
    """
    return np.maximum(0.0, demand_share * np.asarray(people_below, dtype=float) - np.asarray(capacity, dtype=float))


# --------------------------------------------------------------------------- scenarios

@dataclass(frozen=True)
class Scenario:
    """A what-if on the same ensemble: power off everywhere for ``power_off_hours`` [h] from the
    forecast start, and/or district heat back in every unheated home from ``heat_returns_at``."""

    power_off_hours: float = 0.0
    heat_returns_at: pd.Timestamp | None = None

    @property
    def is_baseline(self) -> bool:
        return not self.power_off_hours and self.heat_returns_at is None

    def label(self) -> str:
        parts = []
        if self.power_off_hours:
            parts.append(f"power off everywhere for {self.power_off_hours:g} h")
        if self.heat_returns_at is not None:
            parts.append(f"heat returns at {pd.Timestamp(self.heat_returns_at).strftime('%Y-%m-%dT%H:%MZ')}")
        return "; ".join(parts) or "baseline"


@dataclass
class MemberState:
    """Per-member model state of one run under one scenario (districts in registry order)."""

    indoor_c: np.ndarray  # (district, member, step+1) [°C] at step boundaries
    temp_eq_c: np.ndarray | None  # (district, member, step) [°C]; None for the unchanged baseline
    temp_out_c: np.ndarray  # (district, member, step) [°C]
    power_on: np.ndarray  # (district, step) share of each step with power [0..1]; NaN unknown status
    elapsed_h: np.ndarray  # (step+1,) hours from the start at each boundary
    heat_returns_h: float  # hours from the start when heat returns (inf: never)
    tau_hours: np.ndarray  # (district,)


def _inputs_frame(result) -> pd.DataFrame:
    """The pipeline's per-district model inputs and metrics, registry order."""
    return result.detail.reindex(pd.Index(result.indoor_c["district"].values))


def member_state(result, scenario: Scenario | None = None) -> MemberState:
    """The run's per-member state, recomputed from the same forecast when ``scenario`` changes it.

    Power off for h hours sets p_on = 0 on the steps starting within h hours of the start (the
    equilibrium is T_out + g_int + p_on·g_heat, README: "The model"); heat returning at T holds every home at
    ``initial_indoor_c`` from the first boundary at or after T (radiators bring a flat back within
    hours, fast against τ).
    """
    scenario = scenario or Scenario()
    p: ModelParams = result.params
    a = _inputs_frame(result)
    temp_out = result.forecast["temp_c"].transpose("district", "member", "time").values
    dt = np.diff(result.indoor_c["time"].values).astype("timedelta64[s]").astype(float) / 3600.0
    elapsed = np.concatenate([[0.0], np.cumsum(dt)])
    p_known = a["power_on_share"].where(a["outage_status"].notna()).to_numpy(float)
    power_on = np.repeat(p_known[:, None], len(dt), axis=1)
    heat_h = np.inf
    if scenario.heat_returns_at is not None:
        start = pd.Timestamp(result.indoor_c["time"].values[0], tz="UTC")
        heat_h = (pd.Timestamp(scenario.heat_returns_at).tz_convert("UTC") - start).total_seconds() / 3600.0
    tau = a["tau_hours"].to_numpy(float)
    if scenario.power_off_hours:
        power_on[:, elapsed[:-1] < scenario.power_off_hours] = 0.0
        from .pipeline import cooling_inputs

        cooling = cooling_inputs(a, pd.DatetimeIndex(result.forecast["time"].values))
        shift = physics.equilibrium_temperature(0.0, np.nan_to_num(power_on, nan=0.0), p.internal_gain_k,
                                                p.heater_gain_k)
        temp_eq = temp_out + shift[:, None, :]
        start_c = physics.exponential_decay(cooling[:, 2][:, None], p.initial_indoor_c, temp_eq[..., 0],
                                            tau[:, None])
        heated = (np.arange(len(dt))[None, :] < cooling[:, 3][:, None])[:, None, :]
        indoor = physics.indoor_temperature(temp_eq, tau[:, None], start_c, dt,
                                            heated if heated.any() else None, axis=-1)
    else:  # the pipeline's own indoor temperatures (float32, no copy); the equilibrium only when asked
        indoor = result.indoor_c.values
        temp_eq = None
    if np.isfinite(heat_h):  # heated again: held at the initial indoor temperature
        indoor = np.where(elapsed >= heat_h, np.maximum(indoor, p.initial_indoor_c), indoor)
        if temp_eq is not None:
            temp_eq = np.where(elapsed[:-1] >= heat_h, np.maximum(temp_eq, p.initial_indoor_c), temp_eq)
    return MemberState(indoor, temp_eq, temp_out, power_on, elapsed, heat_h, tau)


def _window_weights(state: MemberState, window_h: float, unheated_only: bool) -> np.ndarray:
    """Hours of each step inside [0, window_h] (and before heat returns when ``unheated_only``) [h]."""
    end = min(window_h, state.heat_returns_h) if unheated_only else window_h
    return np.clip(np.minimum(state.elapsed_h[1:], end) - state.elapsed_h[:-1], 0.0, None)


def below_within(state: MemberState, threshold_c: float, window_h: float) -> np.ndarray:
    """(district, member) True where the indoor temperature falls below ``threshold_c`` within
    ``window_h`` hours while homes are unheated. Within a step it moves monotonically toward
    T_eq, so the boundaries decide (as ``p_indoor_below_12c`` in the pipeline)."""
    keep = int(np.count_nonzero((state.elapsed_h <= window_h + 1e-9) & (state.elapsed_h < state.heat_returns_h)))
    if keep == 0:
        return np.zeros(state.indoor_c.shape[:2], dtype=bool)
    return state.indoor_c[..., :keep].min(axis=-1) < threshold_c  # a prefix of the boundaries: a view


def expected_below(state: MemberState, residents: np.ndarray, threshold_c: float, window_h: float) -> np.ndarray:
    """People expected below ``threshold_c`` within ``window_h`` [persons] = residents × share of
    members that fall below it (the list's ``expected_below_12c[_24h]``). When risk model v2
    publishes those columns, point ``district_needs`` at them instead."""
    return residents * below_within(state, threshold_c, window_h).mean(axis=-1)


# --------------------------------------------------------------------------- the table

#: Columns of needs.csv in order: name -> (kind, HXL tag). Kinds: ``id`` text, ``count`` whole
#: number summed in the totals row, ``sum`` one decimal summed, ``ratio`` recomputed in the
#: totals row, ``rate`` per flat or per district (empty in the totals row).
NEEDS_COLUMNS: dict[str, tuple[str, str]] = {
    "district_code": ("id", "#adm5+code"),
    "district_name": ("id", "#adm5+name"),
    "admin1_code": ("id", "#adm1+code"),
    "scenario": ("id", "#x_scenario"),
    "residents_unheated": ("count", "#affected+ind"),
    "hours_off_per_day_24h": ("rate", "#x_outage+hours+next24h"),
    "warming_sites": ("count", "#x_sites+num"),
    "warming_capacity": ("count", "#capacity+persons"),
    "capacity_source": ("id", "#meta+capacity+source"),
    "expected_below_12c_24h": ("count", "#affected+ind+below12c+next24h+expected"),
    "expected_below_12c": ("count", "#affected+ind+below12c+expected"),
    "people_below_12c_24h_median": ("count", "#affected+ind+below12c+next24h+median"),
    "people_below_12c_24h_p90": ("count", "#affected+ind+below12c+next24h+p90"),
    "people_below_12c_median": ("count", "#affected+ind+below12c+median"),
    "people_below_12c_p90": ("count", "#affected+ind+below12c+p90"),
    "shortfall_24h_median": ("count", "#inneed+ind+shelter+next24h+median"),
    "shortfall_24h_p90": ("count", "#inneed+ind+shelter+next24h+p90"),
    "shortfall_median": ("count", "#inneed+ind+shelter+median"),
    "shortfall_p90": ("count", "#inneed+ind+shelter+p90"),
    "flats_with_power": ("count", "#x_flats+power"),
    "heater_kw_per_flat_24h_median": ("rate", "#x_heater+kw+flat+next24h+median"),
    "heater_kw_per_flat_24h_p90": ("rate", "#x_heater+kw+flat+next24h+p90"),
    "heater_kw_24h_median": ("sum", "#x_heater+kw+next24h+median"),
    "heater_kw_24h_p90": ("sum", "#x_heater+kw+next24h+p90"),
    "heater_kw_median": ("sum", "#x_heater+kw+median"),
    "heater_kw_p90": ("sum", "#x_heater+kw+p90"),
    "heaters_24h_median": ("count", "#x_heater+num+next24h+median"),
    "heaters_24h_p90": ("count", "#x_heater+num+next24h+p90"),
    "heaters_median": ("count", "#x_heater+num+median"),
    "heaters_p90": ("count", "#x_heater+num+p90"),
    "generator_kw": ("sum", "#x_generator+kw"),
    "fuel_litres_per_day_24h": ("sum", "#x_fuel+litres+day+next24h"),
    "fuel_litres_horizon": ("sum", "#x_fuel+litres+horizon"),
    "fuel_litres_on_hand": ("sum", "#x_fuel+litres+stock"),
    "days_of_fuel": ("ratio", "#x_fuel+days"),
    "blankets_median": ("count", "#x_blankets+num+median"),
    "blankets_p90": ("count", "#x_blankets+num+p90"),
    "hot_meals_per_day_median": ("count", "#x_meals+num+day+median"),
    "hot_meals_per_day_p90": ("count", "#x_meals+num+day+p90"),
    "notes": ("id", "#meta+notes"),
}
OPTIONAL = {"blankets_median": "blankets_per_person_below_9c", "blankets_p90": "blankets_per_person_below_9c",
            "hot_meals_per_day_median": "hot_meals_per_person_per_day",
            "hot_meals_per_day_p90": "hot_meals_per_person_per_day"}


def _ensemble(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(median, P90) over members (last axis); NaN rows stay NaN."""
    with np.errstate(invalid="ignore"):
        return np.median(values, axis=-1), np.quantile(values, 0.9, axis=-1)


def site_fuel(sites: pd.DataFrame | None, hours_off_per_day: pd.Series, np_: NeedsParams) -> pd.DataFrame:
    """Per district: generator kW, L/day, fuel on hand and sites without a generator rating.

    A site's generator runs in the outage hours that fall while it is open; heatneed assumes they
    overlap as far as they can, min(hours off, hours open) per day (an upper bound on fuel).
    ``hours_off_per_day`` [h/day] per district (NaN: unknown outage status, fuel not computed).
    """
    index = hours_off_per_day.index
    columns = ["generator_kw", "fuel_litres_per_day", "fuel_litres_on_hand", "sites_without_generator_kw",
               "warming_sites"]
    if sites is None or not len(sites):
        return pd.DataFrame(np.nan if sites is None else 0.0, index=index, columns=columns)
    kw = sites["generator_kw"] if "generator_kw" in sites else pd.Series(np.nan, index=sites.index)
    fuel = sites["fuel_litres_on_hand"] if "fuel_litres_on_hand" in sites else pd.Series(np.nan, index=sites.index)
    off = hours_off_per_day.reindex(sites["district_code"]).to_numpy(float)
    hours = np.minimum(off, sites["hours_open_per_day"].to_numpy(float))
    frame = pd.DataFrame({
        "district_code": sites["district_code"].to_numpy(),
        "generator_kw": kw.fillna(0.0).to_numpy(float),
        "fuel_litres_per_day": generator_litres_per_day(kw.fillna(0.0).to_numpy(float), np_.generator_load_factor,
                                                        hours, np_.diesel_l_per_kwh),
        "fuel_litres_on_hand": fuel.fillna(0.0).to_numpy(float),
        "sites_without_generator_kw": kw.isna().to_numpy(float),
        "warming_sites": 1.0,
    })
    grouped = frame.groupby("district_code")[columns].sum().reindex(index).fillna(0.0)
    grouped.loc[hours_off_per_day.isna().to_numpy(), "fuel_litres_per_day"] = np.nan
    return grouped


def district_needs(result, np_: NeedsParams, sites: pd.DataFrame | None = None,
                   scenario: Scenario | None = None) -> pd.DataFrame:
    """Unrounded needs per district (registry order) of one run under ``scenario``.

    ``sites``: validated warming sites (``warming_sites.load_sites``); without them capacity is the
    registry's ``warming_places`` and the fuel columns are empty.
    """
    p: ModelParams = result.params
    scenario = scenario or Scenario()
    state = member_state(result, scenario)
    a = _inputs_frame(result)
    residents = a["residents_unheated"].to_numpy(float)[:, None]
    horizon_h = float(state.elapsed_h[-1])
    if sites is not None:
        from .warming_sites import capacity_by_district

        capacity = capacity_by_district(sites, a).to_numpy(float)
        source = "sites"
    else:
        capacity = a["warming_places"].to_numpy(float)
        source = "registry"
    share = p.warming_max_absorbed_share  # the share of the exposure warming places can take in the score
    flats = np.ceil(np.round(a["residents_unheated"].to_numpy(float) / np_.persons_per_flat, 9))
    out: dict[str, np.ndarray] = {}
    windows = {"_24h": min(DAY_HOURS, horizon_h), "": horizon_h}
    for tag, window in windows.items():
        below = below_within(state, p.exposure_c, window).astype(float)
        people = residents * below
        out[f"expected_below_12c{tag}"] = expected_below(state, residents[:, 0], p.exposure_c, window)
        out[f"people_below_12c{tag}_median"], out[f"people_below_12c{tag}_p90"] = _ensemble(people)
        short = warming_shortfall(people, share, capacity[:, None])
        out[f"shortfall{tag}_median"], out[f"shortfall{tag}_p90"] = _ensemble(short)
        weights = _window_weights(state, window, unheated_only=True)
        unheated_h = weights.sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_out = (state.temp_out_c @ weights.astype(state.temp_out_c.dtype)) / unheated_h  # (district, member)
            power_share = (state.power_on * weights).sum(axis=-1) / unheated_h  # (district,)
        kw_flat = heater_kw_per_flat(mean_out, p.heat_loss_w_per_k, p.minimal_c, p.internal_gain_k)
        if unheated_h <= 0:  # heat is back before the window starts: no home needs heaters
            kw_flat = np.zeros_like(kw_flat)
            power_share = np.where(np.isnan(state.power_on[:, 0]), np.nan, 0.0)
        with_power = np.where(np.isnan(power_share), np.nan, np.where(power_share > 0, flats, 0.0))
        if tag == "_24h":
            out["flats_with_power"] = with_power
            out["heater_kw_per_flat_24h_median"], out["heater_kw_per_flat_24h_p90"] = _ensemble(kw_flat)
        out[f"heater_kw{tag}_median"], out[f"heater_kw{tag}_p90"] = _ensemble(with_power[:, None] * kw_flat)
        heaters = with_power[:, None] * heaters_per_flat(kw_flat, np_.heater_rating_kw)
        out[f"heaters{tag}_median"], out[f"heaters{tag}_p90"] = _ensemble(heaters)
        hours = _window_weights(state, window, unheated_only=False)
        with np.errstate(invalid="ignore"):
            off = DAY_HOURS * (1.0 - (state.power_on * hours).sum(axis=-1) / hours.sum())
        if tag == "_24h":
            out["hours_off_per_day_24h"] = off
            fuel = site_fuel(sites, pd.Series(off, index=a.index), np_)
            out["fuel_litres_per_day_24h"] = fuel["fuel_litres_per_day"].to_numpy(float)
            for col in ("generator_kw", "fuel_litres_on_hand", "warming_sites", "sites_without_generator_kw"):
                out[col] = fuel[col].to_numpy(float)
        else:
            fuel = site_fuel(sites, pd.Series(off, index=a.index), np_)
            out["fuel_litres_horizon"] = fuel["fuel_litres_per_day"].to_numpy(float) * window / DAY_HOURS
    out["days_of_fuel"] = days_of_fuel(out["fuel_litres_on_hand"], out["fuel_litres_per_day_24h"])
    if np_.blankets_per_person_below_9c > 0:
        below_9 = residents * below_within(state, p.high_c, horizon_h)
        out["blankets_median"], out["blankets_p90"] = _ensemble(np.ceil(below_9 * np_.blankets_per_person_below_9c))
    if np_.hot_meals_per_person_per_day > 0:
        at_sites = np.minimum(share * residents * below_within(state, p.exposure_c, horizon_h), capacity[:, None])
        out["hot_meals_per_day_median"], out["hot_meals_per_day_p90"] = _ensemble(
            at_sites * np_.hot_meals_per_person_per_day)
    frame = pd.DataFrame(out, index=a.index)
    frame["residents_unheated"] = a["residents_unheated"]
    frame["warming_capacity"] = capacity
    frame["capacity_source"] = np.where(np.isnan(capacity), "unknown", source)
    frame["scenario"] = scenario.label()
    frame["notes"] = _notes(a, frame, sites is not None)
    return frame


def _notes(a: pd.DataFrame, frame: pd.DataFrame, with_sites: bool) -> pd.Series:
    """What a district's needs leave out, in words ("" when nothing)."""
    notes = []
    for code in a.index:
        parts = []
        if pd.isna(a.at[code, "unheated_buildings"]):
            parts.append("no unheated report: needs not computed")
        if pd.isna(a.at[code, "outage_status"]):
            parts.append("outage status unknown: heaters and fuel not computed")
        if np.isnan(frame.at[code, "warming_capacity"]):
            parts.append("warming-place capacity unknown: shortfall not computed")
        if not with_sites:
            parts.append("no warming-sites file: fuel not computed")
        elif frame.at[code, "sites_without_generator_kw"] > 0:
            parts.append(f"{int(frame.at[code, 'sites_without_generator_kw'])} site(s) without generator_kw "
                         "count as having no generator")
        notes.append("; ".join(parts))
    return pd.Series(notes, index=a.index)


def needs_table(result, np_: NeedsParams, sites: pd.DataFrame | None = None,
                scenario: Scenario | None = None) -> pd.DataFrame:
    """needs.csv: one row per district in priority order plus a ``TOTAL`` row, rounded for
    publication (people, heaters whole numbers; kW per flat two decimals; kW, litres, hours, days one).

    The totals row is the sum of the rounded rows (the sum of district medians or P90s, not the
    median of the total); ``days_of_fuel`` there is total fuel on hand / total L/day.
    Optional item columns appear only when their rate is set.
    """
    raw = district_needs(result, np_, sites, scenario)
    reg = result.inputs.districts.reindex(raw.index)
    raw["district_code"], raw["district_name"], raw["admin1_code"] = reg["district_code"], reg["district_name"], \
        reg["admin1_code"]
    columns = [c for c in NEEDS_COLUMNS if c not in OPTIONAL or getattr(np_, OPTIONAL[c]) > 0]
    table = pd.DataFrame(index=raw.index)
    for col in columns:
        kind = NEEDS_COLUMNS[col][0]
        if kind == "id":
            table[col] = raw[col]
        elif kind == "count":
            table[col] = raw[col].astype(float).round().astype("Int64")
        else:
            table[col] = raw[col].astype(float).round(2 if col.startswith("heater_kw_per_flat") else 1)
    table = table.loc[result.priority["district_code"]].reset_index(drop=True)
    total: dict = {col: None for col in columns}
    for col in columns:
        kind = NEEDS_COLUMNS[col][0]
        if kind in ("count", "sum"):
            value = table[col].sum(min_count=1)
            # a sum of one-decimal values, rounded again so that float dust never shows
            total[col] = value if kind == "count" or pd.isna(value) else round(float(value), 1)
    total.update(district_code=TOTAL_CODE, district_name="Total", admin1_code="",
                 scenario=table["scenario"].iloc[0] if len(table) else "", capacity_source="", notes="")
    on_hand, per_day = (float(total[c]) if pd.notna(total[c]) else np.nan
                        for c in ("fuel_litres_on_hand", "fuel_litres_per_day_24h"))
    total["days_of_fuel"] = float(np.round(days_of_fuel(on_hand, per_day), 1))
    totals = pd.DataFrame([total], columns=columns).astype({c: table[c].dtype for c in columns
                                                              if NEEDS_COLUMNS[c][0] == "count"})
    return pd.concat([table, totals], ignore_index=True)[columns]


def needs_bytes(table: pd.DataFrame, hxl: bool = False) -> bytes:
    """needs.csv bytes: UTF-8, comma, ``\\n``, optional HXL row; text neutralised for spreadsheets."""
    from .export import safe_for_spreadsheets

    safe = safe_for_spreadsheets(table)
    if hxl:
        tags = pd.DataFrame([[NEEDS_COLUMNS[c][1] for c in safe.columns]], columns=safe.columns)
        safe = pd.concat([tags, safe.astype(object)], ignore_index=True)
    return safe.to_csv(index=False, lineterminator="\n").encode("utf-8")


# --------------------------------------------------------------------------- what-if

def scenario_priority(result, scenario: Scenario) -> pd.DataFrame:
    """The priority list of ``result`` under ``scenario``, on the same ensemble and parameters."""
    from .pipeline import median_hours, priority_table, quantile_hours, score_detail

    if scenario.is_baseline:
        return result.priority
    p = result.params
    state = member_state(result, scenario)
    if state.temp_eq_c is None:  # heat returning alone leaves the cooling before it as the pipeline's
        shift = physics.equilibrium_temperature(0.0, np.nan_to_num(state.power_on, nan=0.0), p.internal_gain_k,
                                                p.heater_gain_k)
        temp_eq = state.temp_out_c + shift[:, None, :].astype(state.temp_out_c.dtype)
        temp_eq = np.where(state.elapsed_h[:-1] >= state.heat_returns_h,
                           np.maximum(temp_eq, p.initial_indoor_c), temp_eq)
        state = dataclasses.replace(state, temp_eq_c=temp_eq)
    a = _inputs_frame(result)
    base = a.copy()
    dt = np.diff(state.elapsed_h)
    with np.errstate(invalid="ignore"):
        mean_on = (state.power_on * dt).sum(axis=-1) / dt.sum()
    base["power_on_share"] = np.where(a["outage_status"].isna(), a["power_on_share"], mean_on)
    base["hours_off_per_day"] = np.where(a["outage_status"].isna(), a["hours_off_per_day"], DAY_HOURS * (1 - mean_on))
    tau = state.tau_hours[:, None]
    indoor, eq = state.indoor_c, state.temp_eq_c
    h12 = physics.first_crossing_hours(indoor, eq, tau, dt, p.moderate_c)
    h5 = physics.first_crossing_hours(indoor, eq, tau, dt, p.very_high_c)
    hb = physics.hours_below(indoor, eq, tau, dt, p.exposure_c)
    min_in = state.indoor_c.min(axis=-1)
    metrics = pd.DataFrame({c: a[c] for c in ("min_temp_c", "min_wind_chill_c", "degree_hours_below_18c",
                                              "mean_temp_c") if c in a}, index=a.index)
    metrics["hours_to_12c"] = median_hours(h12)
    metrics["hours_to_5c"] = median_hours(h5)
    metrics["min_indoor_c"] = np.median(min_in, axis=-1)
    for q, tag in ((0.1, "p10"), (0.9, "p90")):
        metrics[f"min_indoor_c_{tag}"] = np.quantile(min_in, q, axis=-1)
        metrics[f"hours_to_12c_{tag}"] = quantile_hours(h12, q)
    metrics["hours_below_12c"] = np.median(hb, axis=-1)
    metrics["p_indoor_below_12c"] = (~np.isnan(h12)).mean(axis=-1)
    # Risk model v2's inputs: shares of members below 5 °C, within the lead time, and the ensemble-mean
    # hours below each band edge (as pipeline._ensemble_statistics computes them).
    metrics["p_indoor_below_5c"] = (~np.isnan(h5)).mean(axis=-1)
    with np.errstate(invalid="ignore"):
        metrics["p_below_12c_lead"] = (h12 <= p.lead_hours).mean(axis=-1)  # NaN ('never') compares False
        metrics["p_below_5c_lead"] = (h5 <= p.lead_hours).mean(axis=-1)
    for name, edge in zip(risk.BAND_HOURS, (p.low_c, p.exposure_c, p.high_c, p.very_high_c)):
        metrics[name] = physics.hours_below(indoor, eq, tau, dt, edge).mean(axis=-1)
    model_inputs = base.loc[:, :"warming_places"] if "warming_places" in base else base
    detail = score_detail(model_inputs, metrics, p)
    return priority_table(detail, result.inputs, result.forecast, p)


#: Needs compared in the what-if table (baseline, scenario, change).
WHAT_IF_NEEDS = ("expected_below_12c_24h", "expected_below_12c", "shortfall_24h_median", "shortfall_median",
                 "heater_kw_24h_median", "heaters_24h_median", "fuel_litres_per_day_24h")


def what_if(result, np_: NeedsParams, scenario: Scenario, sites: pd.DataFrame | None = None) -> pd.DataFrame:
    """Baseline against ``scenario`` on the same ensemble: per district (baseline priority order)
    ranks, risk scores and the ``WHAT_IF_NEEDS`` before, after and their change; plus a totals row."""
    base_needs = needs_table(result, np_, sites).set_index("district_code")
    new_needs = needs_table(result, np_, sites, scenario).set_index("district_code")
    base_rank = result.priority.set_index("district_code")
    new_rank = scenario_priority(result, scenario).set_index("district_code")
    codes = list(result.priority["district_code"]) + [TOTAL_CODE]
    out = pd.DataFrame(index=pd.Index(codes, name="district_code"))
    out["district_name"] = base_needs["district_name"].reindex(codes)
    out["scenario"] = scenario.label()
    out["rank_baseline"] = base_rank["rank"].reindex(codes).astype("Int64")
    out["rank_scenario"] = new_rank["rank"].reindex(codes).astype("Int64")
    out["rank_change"] = out["rank_scenario"] - out["rank_baseline"]
    out["risk_baseline"] = base_rank["risk_score"].reindex(codes)
    out["risk_scenario"] = new_rank["risk_score"].reindex(codes)
    for col in WHAT_IF_NEEDS:
        before, after = base_needs[col].reindex(codes), new_needs[col].reindex(codes)
        out[f"{col}_baseline"], out[f"{col}_scenario"] = before, after
        out[f"{col}_change"] = (after - before).round(1) if after.dtype.kind == "f" else after - before
    return out.reset_index()


def what_if_bytes(table: pd.DataFrame) -> bytes:
    """The what-if comparison as CSV bytes (UTF-8, comma, ``\\n``), text neutralised for spreadsheets."""
    from .export import safe_for_spreadsheets

    return safe_for_spreadsheets(table).to_csv(index=False, lineterminator="\n").encode("utf-8")
