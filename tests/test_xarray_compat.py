"""heatneed.xarray_compat: small runs never import dask.array, and dask arrays are still dask arrays."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import json, sys
from heatneed import cli
status = cli.main(["rank", "--out", sys.argv[1]])
after_rank = "dask.array" in sys.modules
import dask.array as da
import numpy as np
import xarray as xr
from heatneed import pipeline
from heatneed.config import default_params
lazy = xr.Dataset({"t": ("x", da.zeros(4, chunks=2))})
inputs = pipeline.load_inputs(scenario=pipeline.EMBEDDED_SCENARIO)
chunked = pipeline.rank(type(inputs)(**{**vars(inputs), "forecast": inputs.forecast.chunk({"district": 5})}),
                        default_params())
plain = pipeline.rank(inputs, default_params())
print(json.dumps({"status": status, "dask_array_after_rank": after_rank,
                  "chunks": {k: list(v) for k, v in lazy.chunks.items()},
                  "wrapped": isinstance(lazy["t"].data, da.Array),
                  "chunked_stays_lazy": chunked.forecast["temp_c"].chunks is not None,
                  "same_list": chunked.priority.equals(plain.priority)}))
"""


def test_rank_on_the_embedded_scenario_never_imports_dask_array_and_dask_still_works(tmp_path):
    out = tmp_path / "p.csv"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "tests" / "netblock"), str(ROOT)])}
    run = subprocess.run([sys.executable, "-c", PROBE, str(out)], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen == {"status": 0, "dask_array_after_rank": False, "chunks": {"x": [2, 2]}, "wrapped": True,
                    "chunked_stays_lazy": True, "same_list": True}
    assert out.read_text().startswith("rank,district_code,")
