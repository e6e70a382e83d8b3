"""A small file must not be able to claim a machine's memory.

A NetCDF forecast of 0.8 MB can declare 50 million time steps (a second apart: its time axis
compresses to almost nothing, its values are fill values stored nowhere): read whole, it takes gigabytes. The
upload limit (100 MB) bounds CSV and Parquet, not this. Run as the command line in a subprocess
capped at 3 GiB of address space (a normal ``rank`` needs about 0.2 GB), so the test machine is
safe whatever the readers do; the same readers serve the app's uploads.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd
from hardening_support import ROOT, SCENARIO
from refresh_support import subprocess_env

ADDRESS_SPACE = 3 * 1024 ** 3  # [bytes]
STEPS = 50_000_000  # one a second: 1.6 years


def forecast_bomb(path, steps: int = STEPS) -> None:
    """A tidy NetCDF forecast (dims district, time, member) declaring ``steps`` time steps."""
    import netCDF4

    codes = pd.read_csv(SCENARIO / "districts.csv", dtype=str)["district_code"].tolist()
    with netCDF4.Dataset(path, "w") as ds:
        ds.createDimension("district", len(codes))
        ds.createDimension("time", steps)
        ds.createDimension("member", 1)
        district = ds.createVariable("district", str, ("district",))
        for i, code in enumerate(codes):
            district[i] = code
        times = ds.createVariable("time", "i4", ("time",), chunksizes=(1 << 20,), zlib=True, complevel=9,
                                  shuffle=True)
        times.units = "seconds since 2026-02-01 00:00:00"
        for start in range(0, steps, 1 << 22):
            times[start:start + (1 << 22)] = np.arange(start, min(steps, start + (1 << 22)), dtype="i4")
        ds.createVariable("member", "i4", ("member",))[:] = [0]
        for name, unit, fill in (("temp_c", "degC", -5.0), ("wind_kmh", "km/h", 10.0)):
            var = ds.createVariable(name, "f4", ("district", "time", "member"), chunksizes=(1, 1 << 20, 1),
                                    fill_value=fill)
            var.units = unit


def capped():
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def test_a_forecast_declaring_millions_of_steps_is_refused_before_it_is_read(tmp_path):
    bomb = tmp_path / "forecast.nc"
    forecast_bomb(bomb)
    assert bomb.stat().st_size < 2 * 1024 ** 2
    out = tmp_path / "priority.csv"
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "heatneed", "rank", "--forecast", str(bomb), "--out", str(out)],
                          cwd=ROOT, env=subprocess_env(), capture_output=True, text=True, timeout=120,
                          preexec_fn=capped)
    took = time.monotonic() - started
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("heatneed: error: forecast.nc"), proc.stderr
    assert "MemoryError" not in proc.stderr, f"refused only because memory ran out: {proc.stderr.strip()}"
    assert took < 20
    assert not out.exists()
