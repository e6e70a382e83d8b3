"""Write the embedded, ILLUSTRATIVE Kyiv scenario data/scenarios/kyiv-2026-02/.

The scenario is shaped on public city-level figures of 1-7 Feb 2026 (-21 °C observed, forecast
to -30 °C, 500+ buildings without heat, power off up to 20 h/day; [KyivReports2026] in docs/references.md). Their split
across districts is not published: every per-district number below is made up to be plausible
and is documented in the scenario's README.md.

Deterministic: no network, and the one random generator has a fixed seed.

    python tools/make_kyiv_scenario.py
"""

from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = ROOT / "data" / "registries" / "kyiv_districts.csv"
OUT = ROOT / "data" / "scenarios" / "kyiv-2026-02"

RESIDENTS_PER_BUILDING = 230  # people per multi-storey residential building (assumption)
WARMING_POINTS_KYIV = 1300  # Points of Invincibility in Kyiv, 10 Jan 2026 (domain.md §5.7)
PEOPLE_PER_POINT = 50  # assumed capacity of one point
LEFT_BANK = {"Darnytskyi", "Desnianskyi", "Dniprovskyi"}
LEFT_BANK_OFFSET_K = -0.5
ISSUED_AT = pd.Timestamp("2026-02-01T00:00Z")
HOURS = 168
MEMBERS = 10  # member 0 = control (unperturbed)
SEED = 20260201

# Illustrative share of residents aged 65+: older central districts a little higher, districts
# with much new housing a little lower. None = not available (shows missing-data handling).
SHARE_65PLUS = {
    "Holosiivskyi": 0.17, "Darnytskyi": 0.16, "Desnianskyi": 0.18, "Dniprovskyi": 0.19,
    "Obolonskyi": 0.18, "Pecherskyi": 0.20, "Podilskyi": None, "Sviatoshynskyi": 0.18,
    "Solomianskyi": 0.17, "Shevchenkivskyi": 0.19,
}
NO_WARMING_DATA = {"Sviatoshynskyi"}  # warming-place capacity not reported

# Buildings without heat: (count on 31 Jan, unheated_since, count on 1 Feb, unheated_since).
# Weighted toward the five districts that lost heat on 9 Jan 2026 (domain.md §4.5 (d)).
UNHEATED = {
    "Holosiivskyi": (80, "2026-01-31T03:00:00Z", 70, "2026-01-31T22:00:00Z"),
    "Darnytskyi": (120, "2026-01-30T22:00:00Z", 110, "2026-01-30T22:00:00Z"),
    "Desnianskyi": (135, "2026-01-30T22:00:00Z", 120, "2026-01-30T22:00:00Z"),
    "Dniprovskyi": (100, "2026-01-31T03:00:00Z", 95, "2026-01-31T03:00:00Z"),
    "Obolonskyi": (35, "2026-01-31T03:00:00Z", 30, "2026-01-31T22:00:00Z"),
    "Pecherskyi": (4, "2026-01-31T03:00:00Z", 0, ""),
    "Podilskyi": (6, "", 5, ""),
    "Sviatoshynskyi": (30, "2026-01-31T03:00:00Z", 25, "2026-01-31T03:00:00Z"),
    "Solomianskyi": (70, "2026-01-29T16:00:00Z", 65, "2026-01-29T16:00:00Z"),
    "Shevchenkivskyi": (0, "", 0, ""),
}

# Power: (status, hours off per day); None = not reported (emergency then defaults to 24).
OUTAGES = {
    "Holosiivskyi": ("scheduled", 18), "Darnytskyi": ("emergency", 22),
    "Desnianskyi": ("emergency", None), "Dniprovskyi": ("scheduled", 20),
    "Obolonskyi": ("scheduled", 14), "Pecherskyi": ("none", 0),
    "Podilskyi": ("scheduled", 12), "Sviatoshynskyi": ("scheduled", 16),
    "Solomianskyi": ("scheduled", 16), "Shevchenkivskyi": ("scheduled", 12),
}

# City daily-mean temperature [°C] and wind [km/h] at 12 UTC of 1..7 Feb; hours between are
# interpolated linearly. Diurnal half-range [K]: 2.5, i.e. a 5 K day-night swing.
DAILY_MEAN_C = [-20.5, -25.0, -26.0, -21.5, -17.0, -13.5, -10.0]
DAILY_WIND_KMH = [14.0, 18.0, 12.0, 8.0, 10.0, 15.0, 19.0]
DIURNAL_HALF_RANGE_K = 2.5


def diurnal(hour_utc: np.ndarray) -> np.ndarray:
    """Shape in [-1, 1]: minimum at 04 UTC, maximum at 12 UTC, zero daily mean."""
    phase = (hour_utc - 4) % 24
    return np.where(phase < 8, -np.cos(np.pi * phase / 8), np.cos(np.pi * (phase - 8) / 16))


def ar1_noise(rng: np.random.Generator, members: int, hours: int, corr_hours: float) -> np.ndarray:
    """Unit-variance noise (member, hour), correlated in time; member 0 (control) is zero."""
    rho = np.exp(-1 / corr_hours)
    z = rng.standard_normal((members, hours))
    noise = np.empty_like(z)
    noise[:, 0] = z[:, 0]
    for k in range(1, hours):
        noise[:, k] = rho * noise[:, k - 1] + np.sqrt(1 - rho**2) * z[:, k]
    noise[0] = 0.0
    return noise


def make_forecast(districts: pd.DataFrame) -> pd.DataFrame:
    times = pd.date_range(ISSUED_AT, periods=HOURS, freq="h")
    lead_h = np.arange(HOURS, dtype=float)
    day_centres = 12 + 24 * np.arange(len(DAILY_MEAN_C))
    diurnal_shape = diurnal(times.hour.to_numpy())
    temp = np.interp(lead_h, day_centres, DAILY_MEAN_C) + DIURNAL_HALF_RANGE_K * diurnal_shape
    wind = np.interp(lead_h, day_centres, DAILY_WIND_KMH) + 3.0 * diurnal_shape

    # Ensemble spread grows from 0.5 K (day 0) to 3 K (day 6) and 1 to 4 km/h; the same member
    # perturbation applies to the whole city (one weather system).
    rng = np.random.default_rng(SEED)
    temp_spread = np.clip(0.5 + 2.5 * lead_h / 144, None, 3.0)
    wind_spread = np.clip(1.0 + 3.0 * lead_h / 144, None, 4.0)
    temp_members = temp + temp_spread * ar1_noise(rng, MEMBERS, HOURS, corr_hours=24)
    wind_members = np.clip(wind + wind_spread * ar1_noise(rng, MEMBERS, HOURS, corr_hours=12), 5, 25)

    frames = []
    for row in districts.itertuples():
        offset = LEFT_BANK_OFFSET_K if row.district_name in LEFT_BANK else 0.0
        frames.append(pd.DataFrame({
            "district_code": row.district_code,
            "time": np.tile(times.strftime("%Y-%m-%dT%H:%M:%SZ"), MEMBERS),
            "member": np.repeat(np.arange(MEMBERS), HOURS),
            "temp_c": (temp_members + offset).ravel().round(1),
            "wind_kmh": wind_members.ravel().round(1),
        }))
    forecast = pd.concat(frames).sort_values(["district_code", "time", "member"], kind="stable")
    return forecast.assign(issued_at=ISSUED_AT.strftime("%Y-%m-%dT%H:%M:%SZ"))


def main() -> None:
    registry = pd.read_csv(REGISTRY, dtype={"district_code": str})
    name = registry["district_name"]

    points = (WARMING_POINTS_KYIV * registry["population"] / registry["population"].sum()).round()
    districts = registry.drop(columns="area_km2").assign(
        buildings_residential=(registry["population"] / RESIDENTS_PER_BUILDING).round().astype(int),
        share_65plus=name.map(SHARE_65PLUS).astype(float),
        warming_places=(points * PEOPLE_PER_POINT).astype("Int64").mask(name.isin(NO_WARMING_DATA)),
    )

    code = dict(zip(name, registry["district_code"]))
    unheated = pd.DataFrame(
        [(code[d], "2026-01-31", n31, since31) for d, (n31, since31, _, _) in UNHEATED.items()]
        + [(code[d], "2026-02-01", n01, since01) for d, (_, _, n01, since01) in UNHEATED.items()],
        columns=["district_code", "reported_at", "unheated_buildings", "unheated_since"],
    )
    outages = pd.DataFrame(
        [(code[d], status, hours, "2026-02-01T06:00:00Z") for d, (status, hours) in OUTAGES.items()],
        columns=["district_code", "status", "hours_off_per_day", "reported_at"],
    ).astype({"hours_off_per_day": "Int64"})

    OUT.mkdir(parents=True, exist_ok=True)
    districts.to_csv(OUT / "districts.csv", index=False)
    unheated.to_csv(OUT / "unheated.csv", index=False)
    outages.to_csv(OUT / "outages.csv", index=False)
    make_forecast(registry).to_csv(OUT / "forecast.csv", index=False, float_format="%.1f")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
