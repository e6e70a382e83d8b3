"""Benchmark of the map (issue 13): time to build the deck for the 10 Kyiv districts and the
1,469 hromadas, and the size of the JSON Streamlit sends to the browser.

    python benchmarks/bench_map.py [--repeats 7]

One JSON line per registry with the medians [s] of ``map_data`` (join, colours, tooltips),
``map_deck`` (layers) and ``to_json`` (what ``st.pydeck_chart`` serialises; made once per deck), the
first call (boundary files loaded) and ``json_mb``. The hromada list is SYNTHETIC (seeded random
severities and residents): heatneed ships no hromada population. Not a test: numbers only.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

from heatneed import app_map, pipeline
from heatneed import app_support as support
from heatneed.config import default_params

ROOT = Path(__file__).resolve().parents[1]


def cases():
    inputs = pipeline.load_inputs()
    priority = pipeline.rank(inputs, default_params()).priority
    yield "kyiv_10", priority, inputs.districts, support.district_names(inputs.districts, "uk")
    registry = pd.read_csv(ROOT / "data" / "registries" / "ukraine_hromadas.csv").set_index("district_code")
    rng = np.random.default_rng(13)
    n = len(registry)
    severity = rng.integers(0, 6, n)
    labels = dict(zip(priority["severity"], priority["severity_label"]))
    synthetic = pd.DataFrame({"district_code": registry.index, "rank": np.arange(1, n + 1), "severity": severity,
                              "severity_label": [labels.get(s, "") for s in severity],
                              "residents_unheated": rng.integers(0, 60_000, n)})
    yield "hromadas_1469", synthetic, registry, registry["district_name_uk"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    for name, priority, districts, names in cases():
        runs = {"map_data": [], "map_deck": [], "to_json": []}
        first = None
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            data = app_map.map_data(priority, districts, names, "uk")
            t1 = time.perf_counter()
            deck = app_map.map_deck(data)
            t2 = time.perf_counter()
            text = deck.to_json()
            t3 = time.perf_counter()
            first = first if first is not None else t3 - t0
            for key, value in zip(runs, (t1 - t0, t2 - t1, t3 - t2)):
                runs[key].append(value)
        medians = {k: round(statistics.median(v), 4) for k, v in runs.items()}
        print(json.dumps({"case": name, **medians, "total": round(sum(medians.values()), 4),
                          "first_call": round(first, 4), "json_mb": round(len(text.encode()) / 1e6, 2)}))


if __name__ == "__main__":
    main()
