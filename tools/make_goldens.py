"""Write the golden outputs of the embedded Kyiv scenario into ``tests/golden/``.

``tests/test_golden.py`` and ``tests/app/test_golden_downloads.py`` compare every run against these
files byte for byte. Regenerate them ONLY for an intended change of the outputs (a new column, a new
model), in the same commit as that change, and say so in its message:

    python tools/make_goldens.py
"""

from __future__ import annotations

import json
import sqlite3
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
SCENARIO = ROOT / "data" / "scenarios" / "kyiv-2026-02"
#: Manifest keys that differ from run to run by design (time of publication, random run id).
VOLATILE_MANIFEST_KEYS = ("run_id", "published_at")
#: History columns that differ from run to run by design.
VOLATILE_HISTORY_COLUMNS = ("seq", "run_id", "published_at", "manifest")


def rank_outputs(folder: Path) -> dict[str, bytes]:
    """``rank --out`` of the embedded scenario as CSV, HXL CSV and Parquet."""
    from heatneed.cli import main

    out = {}
    for name, extra in (("priority.csv", []), ("priority_hxl.csv", ["--hxl"]), ("priority.parquet", [])):
        target = folder / name
        assert main(["rank", "--out", str(target), *extra]) == 0, name
        out[name] = target.read_bytes()
    return out


def published_state(output_dir: Path) -> dict[str, bytes]:
    """A refresh's published folder in comparable form: every list file as is, the manifest without
    its volatile keys, and the history rows without their volatile columns."""
    state = {}
    for path in sorted((output_dir / "lists").iterdir()):
        state[f"published/lists/{path.name}"] = path.read_bytes()
    for path in sorted((output_dir / "latest").iterdir()):
        if path.name != "manifest.json":
            state[f"published/latest/{path.name}"] = path.read_bytes()
    manifest = json.loads((output_dir / "latest" / "manifest.json").read_text())
    for key in VOLATILE_MANIFEST_KEYS:
        manifest.pop(key)
    manifest.pop("heatneed_version", None)  # a release bump is not a change of outputs
    manifest.get("data_state", {}).pop("forecast_age_hours", None)  # grows with the clock
    state["published/manifest.json"] = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
    with sqlite3.connect(output_dir / "history.sqlite") as db:
        db.row_factory = sqlite3.Row
        rows = [{k: row[k] for k in row.keys() if k not in VOLATILE_HISTORY_COLUMNS}
                for row in db.execute("SELECT * FROM district_runs ORDER BY district_code")]
        runs = [{k: row[k] for k in row.keys() if k not in VOLATILE_HISTORY_COLUMNS + ("heatneed_version",)}
                for row in db.execute("SELECT * FROM runs")]
    state["published/history.json"] = (json.dumps({"runs": runs, "district_runs": rows}, indent=1,
                                                  sort_keys=True) + "\n").encode()
    return state


def refresh_outputs(folder: Path) -> dict[str, bytes]:
    """One scheduled refresh of the embedded scenario (its forecast file: no network)."""
    from heatneed.cli import main

    output_dir = folder / "out"
    assert main(["refresh", "--forecast", str(SCENARIO / "forecast.csv"), "--output-dir", str(output_dir),
                 "--log-level", "WARNING"]) == 0
    return published_state(output_dir)


def all_outputs() -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as tmp:
        return {**rank_outputs(Path(tmp)), **refresh_outputs(Path(tmp))}


def main() -> int:
    sys.path.insert(0, str(ROOT))
    for name, data in all_outputs().items():
        path = GOLDEN / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"wrote {path.relative_to(ROOT)} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
