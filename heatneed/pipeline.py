"""The one ranking pipeline called by the CLI, the app and the refresh job.

validated inputs -> physics over (district, member, time) -> metrics -> scores -> ranked list.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from . import indices, physics, risk
from .config import ModelParams
from .errors import InputError, located
from .inputs import Inputs, load_districts, load_reports, sha256_of
from .sources import read_forecast_file
from .sources.base import iso_utc

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
EMBEDDED_SCENARIO = DATA_DIR / "scenarios" / "kyiv-2026-02"
FORECAST_NAMES = ("forecast.csv", "forecast.parquet", "forecast.nc", "forecast.json", "forecast.grib2",
                  "forecast.grib")

#: Output columns of the priority list, in order (DESIGN §5).
PRIORITY_COLUMNS = [
    "rank", "district_code", "district_name", "admin1_code", "risk_score", "severity", "severity_label",
    "residents_unheated", "unheated_buildings", "outage_status", "hours_off_per_day", "min_temp_c",
    "min_wind_chill_c", "min_indoor_c", "hours_to_12c", "hours_to_5c", "person_hours_below_12c",
    "p_indoor_below_12c", "main_driver", "completeness", "forecast_issued_at", "data_as_of",
]
DEFAULT_HOURS_OFF = {"none": 0.0, "emergency": 24.0}


# --------------------------------------------------------------------------- assembling inputs

def scenario_files(directory: Path) -> dict[str, Path]:
    """The input files of a scenario folder (DESIGN §4 ``--scenario``)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(located(directory, "scenario folder not found"))
    files = {role: directory / f"{role}.csv" for role in ("districts", "unheated", "outages")}
    forecast = next((directory / n for n in FORECAST_NAMES if (directory / n).exists()), None)
    missing = [str(p.name) for p in files.values() if not p.exists()] + ([] if forecast else ["forecast.*"])
    if missing:
        raise InputError(located(directory, f"scenario folder lacks {', '.join(missing)}"))
    files["forecast"] = forecast
    return files


def load_inputs(districts=None, unheated=None, outages=None, forecast=None, scenario=None,
                names: dict[str, str] | None = None) -> Inputs:
    """Validated inputs; each one not given comes from ``scenario`` or the embedded Kyiv scenario.

    Each argument is a path, raw bytes (``names`` then gives the file name for messages), or for
    ``forecast`` an already fetched ``xarray.Dataset`` or a callable that fetches one for the
    validated district registry (live sources).
    """
    base = scenario_files(scenario or EMBEDDED_SCENARIO)
    given = {"districts": districts, "unheated": unheated, "outages": outages, "forecast": forecast}
    chosen = {role: base[role] if value is None else value for role, value in given.items()}
    names = dict(names or {})
    for role, value in chosen.items():
        if isinstance(value, (str, Path)):
            names.setdefault(role, Path(value).name)
    registry = load_districts(chosen["districts"], names.get("districts"))
    unheated_df = load_reports(chosen["unheated"], "unheated", registry, names.get("unheated"))
    outages_df = load_reports(chosen["outages"], "outages", registry, names.get("outages"))
    fc = chosen["forecast"]
    if callable(fc):
        fc = fc(registry)
    if isinstance(fc, xr.Dataset):
        from .sources.base import conform

        fc = conform(fc, registry, fc.attrs.get("source", "forecast"))
    elif isinstance(fc, (bytes, bytearray)):
        fc = _forecast_from_bytes(bytes(fc), registry, names.get("forecast", "forecast"))
    else:
        fc = read_forecast_file(fc, registry, names.get("forecast"))
    hashes = {role: sha256_of(v) for role, v in chosen.items() if isinstance(v, (str, Path, bytes))}
    return Inputs(registry, unheated_df, outages_df, fc, files=names, hashes=hashes)


def _forecast_from_bytes(data: bytes, registry: pd.DataFrame, name: str) -> xr.Dataset:
    import tempfile

    suffix = Path(name).suffix.lower() or ".csv"
    with tempfile.TemporaryDirectory() as tmp:  # readers of NetCDF/GRIB need a real file
        path = Path(tmp) / f"upload{suffix}"  # never the uploader's file name as a path
        path.write_bytes(data)
        ds = read_forecast_file(path, registry, name=name)
        return ds.load()


# --------------------------------------------------------------------------- result

@dataclass
class RankResult:
    """Everything a UI needs: the priority list, per-district detail and the modelled temperatures."""

    priority: pd.DataFrame  # DESIGN §5 columns, ranked
    detail: pd.DataFrame  # index district_code: scores, ensemble P10/P90, τ sensitivity, inputs used
    indoor_c: xr.DataArray  # (district, member, time) at step boundaries [°C]
    forecast: xr.Dataset  # trimmed to the horizon
    params: ModelParams
    inputs: Inputs

    @property
    def stale(self) -> bool:
        return bool(self.forecast.attrs.get("stale", False))


# --------------------------------------------------------------------------- physics over the grid

def _horizon(forecast: xr.Dataset, horizon_hours: float) -> tuple[xr.Dataset, np.ndarray]:
    """Steps from the first forecast time through the horizon, and their lengths [h]."""
    times = pd.DatetimeIndex(forecast["time"].values)
    if len(times) < 2:
        raise InputError(located(forecast.attrs.get("source", "forecast"), "needs at least two time steps",
                                 column="time"))
    hours = np.diff(times.values).astype("timedelta64[s]").astype(float) / 3600.0
    dt = np.append(hours, hours[-1])  # the last value holds for one more step of the same length
    keep = np.concatenate([[0.0], np.cumsum(dt)[:-1]]) < horizon_hours
    return forecast.isel(time=np.flatnonzero(keep)), dt[keep]


def _district_arrays(inputs: Inputs, p: ModelParams, t0: pd.Timestamp) -> pd.DataFrame:
    """Per-district model inputs (registry order): residents, τ, power share, heat-loss time."""
    reg = inputs.districts
    a = pd.DataFrame(index=reg.index)
    uh = inputs.unheated.reindex(reg.index)
    out = inputs.outages.reindex(reg.index)
    a["unheated_buildings"] = uh["unheated_buildings"]
    per_building = p.residents_per_building
    if "buildings_residential" in reg:
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = reg["population"] / reg["buildings_residential"].where(reg["buildings_residential"] > 0)
        a["per_building"] = ratio.fillna(per_building)
        a["per_building_estimated"] = ratio.isna()
    else:
        a["per_building"], a["per_building_estimated"] = per_building, True
    residents = uh["residents"] if "residents" in uh else pd.Series(np.nan, index=reg.index)
    a["residents_reported"] = residents.notna()
    a["residents_unheated"] = residents.fillna(a["unheated_buildings"] * a["per_building"]).round()
    a["tau_hours"] = reg["tau_hours"].fillna(p.tau_hours) if "tau_hours" in reg else p.tau_hours
    a["outage_status"] = out["status"]
    hours_off = out["hours_off_per_day"] if "hours_off_per_day" in out else pd.Series(np.nan, index=reg.index)
    a["hours_off_per_day"] = hours_off.fillna(out["status"].map(DEFAULT_HOURS_OFF))
    # Unknown outage status: the indoor model assumes no power (worst case, stated in completeness).
    a["power_on_share"] = 1.0 - a["hours_off_per_day"] / 24.0
    since = uh["unheated_since"] if "unheated_since" in uh else pd.Series(pd.NaT, index=reg.index)
    a["unheated_since"] = since
    a["share_65plus"] = reg["share_65plus"] if "share_65plus" in reg else np.nan
    a["warming_places"] = reg["warming_places"] if "warming_places" in reg else np.nan
    return a


def simulate(forecast: xr.Dataset, a: pd.DataFrame, p: ModelParams, dt: np.ndarray,
             tau_hours=None) -> tuple[np.ndarray, np.ndarray]:
    """Indoor temperature (district, member, time+1) and equilibrium (district, member, time) [°C]."""
    temp_out = forecast["temp_c"].transpose("district", "member", "time").values.astype(np.float32)
    tau = (a["tau_hours"].to_numpy(float) if tau_hours is None else np.full(len(a), float(tau_hours)))
    tau = tau.astype(np.float32)[:, None]  # (district, 1) broadcasts over members
    p_on = np.nan_to_num(a["power_on_share"].to_numpy(float), nan=0.0).astype(np.float32)
    temp_eq = physics.equilibrium_temperature(temp_out, p_on[:, None, None], np.float32(p.internal_gain_k),
                                              np.float32(p.heater_gain_k))
    times = pd.DatetimeIndex(forecast["time"].values)
    t0 = times[0]
    since = pd.to_datetime(a["unheated_since"], utc=True).dt.tz_localize(None)
    elapsed = ((t0 - since).dt.total_seconds() / 3600.0).to_numpy(float)  # NaN = unknown: start at T0
    # Heat lost before the forecast starts: cool toward the first step's equilibrium for the gap.
    gap = np.clip(np.nan_to_num(elapsed), 0.0, None)[:, None].astype(np.float32)
    temp_start = physics.exponential_decay(gap, np.float32(p.initial_indoor_c), temp_eq[:, :, 0], tau)
    heated = None
    if (elapsed < 0).any():  # heat lost after the forecast start: held at T0 until then
        step_start = np.asarray(times.values, dtype="datetime64[ns]")
        loss = since.to_numpy(dtype="datetime64[ns]")
        heated = (step_start[None, :] < loss[:, None])[:, None, :]
    indoor = physics.indoor_temperature(temp_eq, tau, temp_start.astype(np.float32), dt.astype(np.float32),
                                        heated)
    return indoor, temp_eq


def _median_hours(hours: np.ndarray) -> np.ndarray:
    """Median over members (last axis) where 'never' (NaN) counts as later than any time."""
    med = np.median(np.where(np.isnan(hours), np.inf, hours), axis=-1)
    return np.where(np.isinf(med), np.nan, med)


def _quantile_hours(hours: np.ndarray, q: float) -> np.ndarray:
    """Quantile over members where 'never' (NaN) is later than any time; NaN if the quantile is 'never'."""
    never = 1e12  # finite stand-in: linear interpolation with inf would give inf − inf
    v = np.quantile(np.where(np.isnan(hours), never, hours), q, axis=-1, method="linear")
    return np.where(v > never / 2, np.nan, v)


def member_metrics(indoor, temp_eq, tau, dt, p: ModelParams) -> dict[str, np.ndarray]:
    """Per (district, member): coldest indoor °C, hours to 12/5 °C, hours below the exposure threshold."""
    tau3 = np.asarray(tau, dtype=np.float32)[:, None]
    return {
        "min_indoor_c": indoor.min(axis=-1),
        "hours_to_12c": physics.first_crossing_hours(indoor, temp_eq, tau3, dt, p.moderate_c),
        "hours_to_5c": physics.first_crossing_hours(indoor, temp_eq, tau3, dt, p.very_high_c),
        "hours_below_12c": physics.hours_below(indoor, temp_eq, tau3, dt, p.exposure_c),
    }


def _completeness(a: pd.DataFrame, p: ModelParams) -> pd.Series:
    notes = []
    for code in a.index:
        row = a.loc[code]
        missing = [label for label, absent in (
            ("unheated count", pd.isna(row["unheated_buildings"])),
            ("outage status (model assumes no power)", pd.isna(row["outage_status"])),
            ("share_65plus", pd.isna(row["share_65plus"])),
            ("warming_places", pd.isna(row["warming_places"])),
        ) if absent]
        text = "missing: " + ", ".join(missing) if missing else "complete"
        if not row["residents_reported"] and row["per_building_estimated"] and not pd.isna(row["unheated_buildings"]):
            text += f"; residents estimated at {p.residents_per_building:g} per building"
        notes.append(text)
    return pd.Series(notes, index=a.index)


def rank(inputs: Inputs, p: ModelParams, *, sensitivity: bool = False, scheduler: str | None = None) -> RankResult:
    """Rank the districts of ``inputs`` by cold-exposure risk under parameters ``p``.

    ``scheduler``: address of a dask.distributed scheduler to run the model on (DESIGN §7).
    """
    if scheduler:
        from .errors import SourceError

        raise SourceError("running on a dask.distributed cluster is not available yet")
    forecast, dt = _horizon(inputs.forecast, p.horizon_hours)
    t0 = pd.Timestamp(forecast["time"].values[0])
    a = _district_arrays(inputs, p, t0)
    indoor, temp_eq = simulate(forecast, a, p, dt)
    tau = a["tau_hours"].to_numpy(float)
    per_member = member_metrics(indoor, temp_eq, tau, dt, p)

    temp = forecast["temp_c"].transpose("district", "member", "time").values
    wind = forecast["wind_kmh"].transpose("district", "member", "time").values
    felt = indices.apparent_cold_c(temp, wind)
    m = pd.DataFrame(index=a.index)
    m["residents_unheated"] = a["residents_unheated"]
    m["min_indoor_c"] = np.median(per_member["min_indoor_c"], axis=-1)
    m["power_on_share"] = a["power_on_share"].where(a["outage_status"].notna())
    m["mean_temp_c"] = np.median(temp.mean(axis=-1), axis=-1)
    m["share_65plus"] = a["share_65plus"]
    m["warming_places"] = a["warming_places"]
    scores = risk.score_table(m, p)
    unknown = a["unheated_buildings"].isna()  # no report: no exposure, no score (never imputed)
    scores.loc[unknown, ["exposure", "hazard_exposure", "risk", "main_driver"]] = [np.nan, np.nan, np.nan, ""]
    scores.loc[unknown, "severity"] = 0

    detail = pd.concat([a, scores], axis=1)
    detail["min_temp_c"] = np.median(temp.min(axis=-1), axis=-1)
    detail["min_wind_chill_c"] = np.median(felt.min(axis=-1), axis=-1)
    detail["hours_to_12c"] = _median_hours(per_member["hours_to_12c"])
    detail["hours_to_5c"] = _median_hours(per_member["hours_to_5c"])
    for q, tag in ((0.1, "p10"), (0.9, "p90")):
        detail[f"min_indoor_c_{tag}"] = np.quantile(per_member["min_indoor_c"], q, axis=-1)
        detail[f"hours_to_12c_{tag}"] = _quantile_hours(per_member["hours_to_12c"], q)
    detail["min_indoor_c"] = m["min_indoor_c"]
    detail["hours_below_12c"] = np.median(per_member["hours_below_12c"], axis=-1)
    detail["person_hours_below_12c"] = (detail["hours_below_12c"] * a["residents_unheated"]).round()
    detail["p_indoor_below_12c"] = (~np.isnan(per_member["hours_to_12c"])).mean(axis=-1)
    detail["degree_hours_below_18c"] = np.median(indices.degree_hours_below(temp, p.minimal_c, dt), axis=-1)
    if sensitivity:
        for tag, tau_h in (("tau_low", p.tau_low_hours), ("tau_high", p.tau_high_hours)):
            ind, eq = simulate(forecast, a, p, dt, tau_hours=tau_h)
            mm = member_metrics(ind, eq, np.full(len(a), tau_h), dt, p)
            detail[f"min_indoor_c_{tag}"] = np.median(mm["min_indoor_c"], axis=-1)
            detail[f"hours_to_12c_{tag}"] = _median_hours(mm["hours_to_12c"])
    detail["completeness"] = _completeness(a, p)

    boundaries = pd.DatetimeIndex(forecast["time"].values).append(
        pd.DatetimeIndex([pd.Timestamp(forecast["time"].values[-1]) + pd.Timedelta(hours=float(dt[-1]))]))
    indoor_da = xr.DataArray(indoor, dims=("district", "member", "time"),
                             coords={"district": a.index.values, "member": forecast["member"].values,
                                     "time": boundaries.values}, attrs={"units": "degC"})
    priority = priority_table(detail, inputs, forecast, p)
    detail = detail.loc[priority["district_code"]]
    return RankResult(priority, detail, indoor_da, forecast, p, inputs)


def data_as_of(inputs: Inputs) -> str:
    """The newest report time among the unheated and outage reports used."""
    stamps = pd.concat([inputs.unheated["reported_at"], inputs.outages["reported_at"]])
    return iso_utc(stamps.max()) if stamps.notna().any() else ""


def priority_table(detail: pd.DataFrame, inputs: Inputs, forecast: xr.Dataset, p: ModelParams) -> pd.DataFrame:
    """The ranked priority list with exactly the DESIGN §5 columns, rounded for publication."""
    reg = inputs.districts
    out = pd.DataFrame(index=detail.index)
    out["district_code"] = reg["district_code"]
    out["district_name"] = reg["district_name"]
    out["admin1_code"] = reg["admin1_code"]
    out["risk_score"] = detail["risk"].round(1)
    out["severity"] = detail["severity"].astype(int)
    out["severity_label"] = [p.severity_labels[s - 1] if s > 0 else "" for s in out["severity"]]
    out["residents_unheated"] = detail["residents_unheated"].astype("Int64")
    out["unheated_buildings"] = detail["unheated_buildings"].round().astype("Int64")
    out["outage_status"] = detail["outage_status"].fillna("unknown")
    out["hours_off_per_day"] = detail["hours_off_per_day"].round(1)
    for col in ("min_temp_c", "min_wind_chill_c", "min_indoor_c", "hours_to_12c", "hours_to_5c"):
        out[col] = detail[col].astype(float).round(1)
    out["person_hours_below_12c"] = detail["person_hours_below_12c"].astype("Int64")
    out["p_indoor_below_12c"] = detail["p_indoor_below_12c"].round(2)
    out["main_driver"] = detail["main_driver"]
    out["completeness"] = detail["completeness"]
    out["forecast_issued_at"] = forecast.attrs.get("issued_at", "")
    out["data_as_of"] = data_as_of(inputs)
    # Highest risk first; ties by residents exposed, then district_code (DESIGN §3). Unknown risk last.
    order = out.assign(_r=out["risk_score"].fillna(-1), _p=out["residents_unheated"].fillna(-1).astype(float))
    order = order.sort_values(["_r", "_p", "district_code"], ascending=[False, False, True], kind="stable")
    out = out.loc[order.index]
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out.reset_index(drop=True)[PRIORITY_COLUMNS]
