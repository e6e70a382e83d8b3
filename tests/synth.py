"""Small synthetic inputs written as real CSV bytes, so tests run the real readers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from heatneed.pipeline import load_inputs


def frames(n_districts=4, hours=48, members=3, seed=0):
    """(districts, unheated, outages, forecast) DataFrames for ``n_districts`` made-up districts."""
    rng = np.random.default_rng(seed)
    codes = [f"UA99{i:04d}" for i in range(n_districts)]
    districts = pd.DataFrame({
        "district_code": codes, "district_name": [f"District {i}" for i in range(n_districts)],
        "admin1_code": "UA99", "lat": 50 + rng.uniform(-1, 1, n_districts),
        "lon": 30 + rng.uniform(-1, 1, n_districts), "population": rng.integers(10_000, 400_000, n_districts),
        "buildings_residential": rng.integers(1000, 3000, n_districts),  # ≥ every unheated count the tests make
        "share_65plus": rng.uniform(0.1, 0.3, n_districts).round(3),
        "warming_places": rng.integers(0, 5000, n_districts)})
    unheated = pd.DataFrame({"district_code": codes, "reported_at": "2026-02-01",
                             "unheated_buildings": rng.integers(0, 200, n_districts)})
    status = rng.choice(["none", "scheduled", "emergency"], n_districts)
    outages = pd.DataFrame({"district_code": codes, "status": status,
                            "hours_off_per_day": np.where(status == "none", 0,
                                                          np.where(status == "scheduled",
                                                                   rng.integers(4, 20, n_districts), 24)),
                            "reported_at": "2026-02-01T06:00:00Z"})
    times = pd.date_range("2026-02-01", periods=hours, freq="h")
    d, t, m = np.meshgrid(np.arange(n_districts), np.arange(hours), np.arange(members), indexing="ij")
    temp = -15 - 5 * np.sin(2 * np.pi * t / 24) - 2 * d + rng.normal(0, 1.5, d.shape)
    forecast = pd.DataFrame({"district_code": np.array(codes)[d.ravel()],
                             "time": times[t.ravel()].strftime("%Y-%m-%dT%H:%M:%SZ"),
                             "member": m.ravel(), "temp_c": temp.ravel().round(2),
                             "wind_kmh": rng.uniform(0, 30, d.size).round(1)})
    return districts, unheated, outages, forecast


def to_inputs(districts, unheated, outages, forecast):
    """Validated Inputs from the four frames, through the real CSV readers."""
    data = {role: f.to_csv(index=False).encode() for role, f in
            (("districts", districts), ("unheated", unheated), ("outages", outages), ("forecast", forecast))}
    return load_inputs(**data, names={role: f"{role}.csv" for role in data})
