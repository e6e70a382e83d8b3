"""Benchmark of the ranking pipeline against the memory floor of the same run (issue 6).

    python benchmarks/bench_rank.py                     # sweep: 0.1×, 1× and 10× the country size
    python benchmarks/bench_rank.py --districts 1469 --hours 384 --members 51
    python benchmarks/bench_rank.py --cli               # whole-process `python -m heatneed rank` on a NetCDF
    python benchmarks/bench_rank.py --districts 1469 --hourly-power   # also with an hourly outage schedule
    python benchmarks/bench_rank.py --districts 1469 --hours 168 --horizon-hours 72 --sensitivity  # the app's re-rank

One JSON line per size: ``pipeline_s`` is the median of ``--repeats`` (≥ 5) runs of
``pipeline.rank`` on in-memory inputs; ``floor_s`` the median time of one numpy pass that reads the
same float32 temperature array and writes an array of the same size (``temp + 0``: what producing
the indoor temperatures costs at least); ``floor_read_s`` a read-only pass (``temp.min()``);
``ratio`` = pipeline_s / floor_s; ``peak_rss_mb`` the process's peak resident memory while ranking
(inputs included); ``cells_per_s`` = districts·modelled hours·members / pipeline_s; ``threads`` the
threads ``pipeline.rank`` used; ``load_1min`` the machine's load average (other processes skew
every timing, the ratio less). With ``--hourly-power`` the same inputs are ranked again with an
hourly outage schedule (12 queues, two 4-hour outages a day each, every district in 3 queues):
runs alternate with daily ones; ``hourly_s`` and ``daily_alternating_s`` are their medians and
``hourly_ratio`` = hourly_s / daily_alternating_s (issue 17: ≤ 1.5). With ``--sensitivity`` the app's
re-rank is timed too: ``sensitivity_s`` the median of ``pipeline.rank(..., sensitivity=True)`` (the τ band's
ends modelled as well), ``tau_ranks_s`` that of ``explain.tau_ranks`` on its result (the "why this rank" τ
ranks, from the band hours the rank kept). Every size runs in a fresh process, so its peak memory is its own. The whole forecast is modelled
(``horizon_hours = hours``) unless ``--horizon-hours`` says otherwise (the model default is 72 h).

Inputs are synthetic but shaped like a country: hromadas scattered around Ukraine's oblast
centroids (data/registries/ukraine_oblasts.csv) with log-normal populations, a mix of missing
optional columns, unheated reports with heat lost before and after the forecast start, outages
of every status, and an ensemble forecast (float32, as read from a NetCDF file) with a latitude
gradient, a cold wave, a diurnal cycle and member spread growing with lead time.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from heatneed import pipeline  # noqa: E402
from heatneed.config import default_params  # noqa: E402

COUNTRY = (1469, 384, 51)  # hromadas of Ukraine × 16 days hourly × ECMWF ENS members
START = pd.Timestamp("2026-02-01T00:00")


# --------------------------------------------------------------------------- synthetic inputs

def synthetic_frames(n_districts: int, seed: int = 0) -> dict[str, pd.DataFrame]:
    """District registry, unheated and outage reports for ``n_districts`` made-up hromadas."""
    rng = np.random.default_rng(seed)
    oblasts = pd.read_csv(ROOT / "data" / "registries" / "ukraine_oblasts.csv")
    home = rng.integers(0, len(oblasts), n_districts)
    n = n_districts
    codes = [f"UA{i:017d}" for i in range(n)]
    population = np.clip(rng.lognormal(np.log(12_000), 0.9, n), 800, 3_000_000).round()
    districts = pd.DataFrame({
        "district_code": codes,
        "district_name": [f"Hromada {i}" for i in range(n)],
        "admin1_code": oblasts["district_code"].to_numpy()[home],
        "lat": (oblasts["lat"].to_numpy()[home] + rng.uniform(-0.8, 0.8, n)).round(4),
        "lon": (oblasts["lon"].to_numpy()[home] + rng.uniform(-1.2, 1.2, n)).round(4),
        "population": population.astype(int),
        "buildings_residential": np.maximum(1, population / rng.uniform(15, 120, n)).round().astype(int),
        "tau_hours": np.where(rng.random(n) < 0.15, rng.uniform(30, 150, n).round(), np.nan),
        "share_65plus": np.where(rng.random(n) < 0.95, rng.uniform(0.12, 0.32, n).round(3), np.nan),
        "warming_places": np.where(rng.random(n) < 0.9, (population * rng.uniform(0.002, 0.03, n)).round(), np.nan),
    })
    reporting = rng.random(n) < 0.7
    lost = START + pd.to_timedelta(rng.integers(-48, 24, n), unit="h")  # some lose heat after the start
    unheated = pd.DataFrame({
        "district_code": codes,
        # Reported once the last loss is known (unheated_since ≤ reported_at, a plausibility rule).
        "reported_at": (START + pd.Timedelta(hours=24)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "unheated_buildings": rng.integers(0, np.maximum(2, districts["buildings_residential"] // 8)),
        "residents": np.where(rng.random(n) < 0.3, np.minimum(rng.integers(0, 5000, n), population), np.nan),
        "unheated_since": np.where(rng.random(n) < 0.8, lost.strftime("%Y-%m-%dT%H:%M:%SZ"), ""),
    })[reporting]
    status = rng.choice(["none", "scheduled", "emergency"], n, p=[0.3, 0.5, 0.2])
    hours = np.where(status == "none", 0.0, np.where(status == "scheduled", rng.integers(4, 21, n), 24.0))
    outages = pd.DataFrame({
        "district_code": codes, "status": status,
        "hours_off_per_day": np.where((status == "emergency") & (rng.random(n) < 0.5), np.nan, hours),
        "reported_at": "2026-02-01T06:00:00Z",
    })[rng.random(n) < 0.9]
    return {"districts": districts, "unheated": unheated, "outages": outages}


def synthetic_forecast(districts: pd.DataFrame, hours: int, members: int, seed: int = 0) -> xr.Dataset:
    """Ensemble forecast (district, time, member), float32 [°C] and [km/h], canonical attrs."""
    rng = np.random.default_rng(seed + 1)
    n = len(districts)
    t = np.arange(hours, dtype=np.float32)
    lat = districts["lat"].to_numpy(np.float32)
    lon = districts["lon"].to_numpy(np.float32)
    base = -6.0 - 0.7 * (lat - 48.5) - 0.25 * (lon - 31.0)  # colder north and east [°C]
    cold_wave = -9.0 * np.exp(-(((t - 100.0) / 60.0) ** 2))  # a cold spell peaking on day 4
    diurnal = -3.5 * np.cos(2 * np.pi * (t - 2.0) / 24.0)  # coldest around 02 UTC (04 local)
    spread = (0.4 + 3.5 * np.sqrt(t / max(hours, 1))).astype(np.float32)
    member_anomaly = np.cumsum(rng.standard_normal((hours, members), dtype=np.float32), axis=0)
    member_anomaly = spread[:, None] * member_anomaly / np.sqrt(np.arange(1, hours + 1, dtype=np.float32))[:, None]
    member_anomaly[:, 0] = 0.0  # member 0 is the control run
    wind_base = rng.uniform(8, 25, n).astype(np.float32)
    wind_member = 1 + 0.3 * np.tanh(member_anomaly / 4)
    temp = np.empty((n, hours, members), np.float32)
    wind = np.empty((n, hours, members), np.float32)
    for lo in range(0, n, 256):  # chunked, so that 10× the country stays within memory
        hi = min(n, lo + 256)
        k = hi - lo
        weight = (1 + 0.2 * rng.standard_normal(k, dtype=np.float32))[:, None, None]
        temp[lo:hi] = (base[lo:hi, None, None] + (cold_wave + diurnal)[None, :, None]
                       + weight * member_anomaly[None] + 0.8 * rng.standard_normal((k, hours, members), np.float32))
        wind[lo:hi] = np.maximum(0, wind_base[lo:hi, None, None] * wind_member[None]
                                 + 3 * rng.standard_normal((k, hours, members), np.float32))
    times = pd.date_range(START, periods=hours, freq="h")
    ds = xr.Dataset(
        {"temp_c": (("district", "time", "member"), temp, {"units": "degC", "long_name": "air temperature at 2 m"}),
         "wind_kmh": (("district", "time", "member"), wind, {"units": "km/h", "long_name": "wind speed at 10 m"}),
         "is_forecast": (("district", "time", "member"), np.ones(temp.shape, bool))},
        coords={"district": np.asarray(districts["district_code"], dtype=object), "time": times.values,
                "member": np.arange(members)})
    ds.attrs = {"source": "synthetic", "issued_at": START.strftime("%Y-%m-%dT%H:%M:%SZ")}
    return ds


def synthetic_inputs(n_districts: int, hours: int, members: int, seed: int = 0):
    """Validated ``Inputs`` through the real readers (CSV bytes and a forecast Dataset)."""
    frames = synthetic_frames(n_districts, seed)
    data = {role: frame.to_csv(index=False).encode() for role, frame in frames.items()}
    forecast = synthetic_forecast(frames["districts"], hours, members, seed)
    return pipeline.load_inputs(**data, forecast=forecast, names={role: f"{role}.csv" for role in data})


def synthetic_schedule(n_districts: int, hours: int, seed: int = 0) -> tuple[bytes, bytes]:
    """An outage schedule CSV (12 queues, two 4-hour outages per Kyiv day each, staggered) covering the
    forecast, and a district → queue CSV (3 queues per district, shares 0.5 / 0.3 / 0.2)."""
    rng = np.random.default_rng(seed + 2)
    queues = [f"{i}.{j}" for i in range(1, 7) for j in (1, 2)]
    days = pd.date_range(START.normalize() - pd.Timedelta(days=1), periods=hours // 24 + 3, freq="D")
    rows = ["queue,start,end"]
    for n, queue in enumerate(queues):
        for day in days:
            for first in (4 * (n // 2), 4 * (n // 2) + 12):
                start = day + pd.Timedelta(hours=first % 24)
                rows.append(f"{queue},{start:%Y-%m-%dT%H:%M},{start + pd.Timedelta(hours=4):%Y-%m-%dT%H:%M}")
    first = rng.integers(0, 12, n_districts)
    shares = ["district_code,queue,share"] + [f"UA{i:017d},{queues[(q + k) % 12]},{share}"
                                              for i, q in enumerate(first) for k, share in enumerate((0.5, 0.3, 0.2))]
    return "\n".join(rows).encode(), "\n".join(shares).encode()


def write_scenario(folder: Path, n_districts: int, hours: int, members: int, seed: int = 0) -> dict[str, Path]:
    """The synthetic inputs as files: three CSVs and a float32 NetCDF ensemble ``forecast.nc``."""
    folder.mkdir(parents=True, exist_ok=True)
    frames = synthetic_frames(n_districts, seed)
    paths = {}
    for role, frame in frames.items():
        paths[role] = folder / f"{role}.csv"
        frame.to_csv(paths[role], index=False)
    forecast = synthetic_forecast(frames["districts"], hours, members, seed)
    paths["forecast"] = folder / "forecast.nc"
    forecast.drop_vars("is_forecast").assign_coords(district=forecast["district"].astype(str)).to_netcdf(
        paths["forecast"])
    return paths


# --------------------------------------------------------------------------- measuring

def _median_seconds(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (Linux ``clear_refs`` 5), so the peak is the ranking's own."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_rss_mb() -> float:
    """Peak resident memory of this process since ``reset_peak_rss`` [MiB] (Linux; else the lifetime peak)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(n_districts: int, hours: int, members: int, repeats: int = 5, horizon_hours: float | None = None,
            hourly_power: bool = False, sensitivity: bool = False) -> dict:
    """Time ``pipeline.rank`` and the numpy floor on the same inputs in this process (and with an hourly
    outage schedule when ``hourly_power``, and the app's re-rank with the τ band when ``sensitivity``)."""
    inputs = synthetic_inputs(n_districts, hours, members)
    params = default_params().replace(horizon_hours=float(horizon_hours or hours))
    temp = inputs.forecast["temp_c"].values
    assert temp.dtype == np.float32 and temp.shape == (n_districts, hours, members)
    steps = pipeline.rank(inputs, params).forecast.sizes["time"]  # warm-up: imports, caches
    gc.collect()
    reset_peak_rss()
    pipeline_s = _median_seconds(lambda: pipeline.rank(inputs, params), repeats)
    peak = peak_rss_mb()
    floor_s = _median_seconds(lambda: temp + 0, repeats)
    floor_read_s = _median_seconds(temp.min, repeats)
    cells = n_districts * steps * members  # modelled
    return {"districts": n_districts, "hours": hours, "members": members, "horizon_hours": params.horizon_hours,
            "pipeline_s": round(pipeline_s, 4), "floor_s": round(floor_s, 4), "ratio": round(pipeline_s / floor_s, 1),
            "floor_read_s": round(floor_read_s, 4), "ratio_read": round(pipeline_s / floor_read_s, 1),
            "peak_rss_mb": round(peak), "cells_per_s": round(cells / pipeline_s), "threads": pipeline.THREADS,
            "load_1min": _load()} | (_hourly(inputs, n_districts, hours, params, repeats) if hourly_power
                                     else {}) | (_sensitivity(inputs, params, repeats) if sensitivity else {})


def _sensitivity(inputs, params, repeats: int) -> dict:
    """``pipeline.rank(..., sensitivity=True)`` and ``explain.tau_ranks`` of its result (the app's re-rank)."""
    from heatneed import explain

    result = pipeline.rank(inputs, params, sensitivity=True)  # warm-up
    explain.tau_ranks(result)
    return {"sensitivity_s": round(_median_seconds(lambda: pipeline.rank(inputs, params, sensitivity=True), repeats), 4),
            "tau_ranks_s": round(_median_seconds(lambda: explain.tau_ranks(result), repeats), 4)}


def _hourly(inputs, n_districts: int, hours: int, params, repeats: int) -> dict:
    """``pipeline.rank`` of the same inputs with an hourly outage schedule, and its ratio to the daily case."""
    from heatneed import schedules

    schedule, queues = synthetic_schedule(n_districts, hours)
    power = schedules.load_hourly_power(schedule, queues, inputs.districts, schedules.ScheduleSettings.from_config(None),
                                        {"outage_schedule": "schedule.csv", "district_queues": "queues.csv"})
    hourly = type(inputs)(**{**vars(inputs), "hourly_power": power})
    pipeline.rank(hourly, params)  # warm-up
    # Daily and hourly runs alternate, so that a change in the machine's load hits both alike.
    daily_s, hourly_s = [], []
    for _ in range(repeats):
        daily_s.append(_median_seconds(lambda: pipeline.rank(inputs, params), 1))
        hourly_s.append(_median_seconds(lambda: pipeline.rank(hourly, params), 1))
    daily, hourly_median = statistics.median(daily_s), statistics.median(hourly_s)
    return {"daily_alternating_s": round(daily, 4), "hourly_s": round(hourly_median, 4),
            "hourly_ratio": round(hourly_median / daily, 2)}


def _load() -> float | None:
    """The 1-minute load average: other processes on the machine skew every timing."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def measure_cli(n_districts: int, hours: int, members: int, repeats: int = 3) -> dict:
    """Whole-process ``python -m heatneed rank`` on the synthetic inputs with a NetCDF forecast."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_scenario(Path(tmp), n_districts, hours, members)
        out = Path(tmp) / "priority.csv"
        command = [sys.executable, "-m", "heatneed", "rank", "--out", str(out),
                   "--horizon-hours", str(hours)] + [f"--{role}={path}" for role, path in paths.items()]
        env = dict(os.environ, PYTHONPATH=str(ROOT))

        def run():
            done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
            if done.returncode:
                raise SystemExit(f"rank failed: {done.stderr}")

        cli_s = _median_seconds(run, repeats)
        size_mb = paths["forecast"].stat().st_size / 2**20
        rows = len(pd.read_csv(out))
    return {"districts": n_districts, "hours": hours, "members": members, "cli_s": round(cli_s, 2),
            "forecast_nc_mb": round(size_mb), "rows": rows, "load_1min": _load()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--districts", type=int)
    parser.add_argument("--hours", type=int, default=COUNTRY[1])
    parser.add_argument("--members", type=int, default=COUNTRY[2])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--horizon-hours", type=float, help="hours modelled (default: all of --hours)")
    parser.add_argument("--sweep", action="store_true", help="0.1×, 1× and 10× the districts (default with no size)")
    parser.add_argument("--cli", action="store_true", help="time the whole CLI on a NetCDF forecast instead")
    parser.add_argument("--hourly-power", action="store_true",
                        help="also rank with an hourly outage schedule and report its ratio to the daily case")
    parser.add_argument("--sensitivity", action="store_true",
                        help="also time rank(sensitivity=True) and explain.tau_ranks (the app's re-rank)")
    args = parser.parse_args(argv)
    if args.repeats < 5 and not args.cli:
        parser.error("--repeats must be at least 5")
    districts = args.districts or COUNTRY[0]
    if args.cli:
        print(json.dumps(measure_cli(districts, args.hours, args.members, min(args.repeats, 3))), flush=True)
        return 0
    if args.districts and not args.sweep:
        print(json.dumps(measure(districts, args.hours, args.members, args.repeats, args.horizon_hours,
                                 args.hourly_power, args.sensitivity)), flush=True)
        return 0
    for n in (round(districts / 10), districts, districts * 10):  # each size in a fresh process
        command = [sys.executable, __file__, "--districts", str(n), "--hours", str(args.hours),
                   "--members", str(args.members), "--repeats", str(args.repeats)]
        command += ["--horizon-hours", str(args.horizon_hours)] if args.horizon_hours else []
        command += ["--hourly-power"] if args.hourly_power else []
        command += ["--sensitivity"] if args.sensitivity else []
        done = subprocess.run(command, capture_output=True, text=True)
        sys.stdout.write(done.stdout)
        if done.returncode:
            sys.stderr.write(done.stderr)
            return done.returncode
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
