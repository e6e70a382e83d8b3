"""Build the shipped hromada boundaries and the hromada lookup registry (README "Map").

Inputs (the project's boundary collection, provenance in ``data/boundaries/SOURCES.md``):
``ukraine_adm3_hromadas.geojson`` (slawomirmatuszak/ukrainian_geodata, CC BY 4.0, codes matched to
KATOTTH by the collection) and ``ua_admin_codes_katotth_2024.csv`` (the KATOTTH codifier).

Outputs:

- ``data/boundaries/ukraine_adm3_hromadas.geojson``: the features with a KATOTTH hromada code
  (category H), simplified with shapely (``simplify``, ``preserve_topology``, tolerance
  ``TOLERANCE_DEG``) and rounded to ``GRID_DEG``; every polygon valid and non-empty (checked).
  Dropped: features without a code, the whole-Crimea, Kyiv-city and Sevastopol polygons (the oblast
  file holds those units). The two features that share Andrivska's code stay, marked
  ``code_conflict`` (which one is the 2024 hromada cannot be told; ``heatneed.boundaries`` gives
  that code no polygon). The two Talalaivska features that share one code are told apart by
  location: the eastern one (on the Sumy border, Talalaivka town) is Prylutskyi raion's UA7408019,
  the western one Nizhynskyi raion's UA7404033.
- ``data/registries/ukraine_hromadas.csv``: the 1,469 hromadas of the codifier outside Crimea, with
  codes, names, oblast p-code and the centroid of the shipped polygon (empty where there is none).
  ``population`` is left empty: no open hromada population is in the collection.

``python tools/make_hromadas.py /path/to/boundary-collection`` rewrites both files.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import shapely
import shapely.geometry

ROOT = Path(__file__).resolve().parent.parent
TOLERANCE_DEG = 0.002  # ≈ 140 m east–west, 220 m north–south at 50° N; under a pixel up to zoom 7
GRID_DEG = 1e-4  # coordinate grid ≈ 7–11 m
#: src_id → code for the features that share one code in the collection (resolved by location).
RESOLVED = {340: "UA74040330000024949", 341: "UA74080190000091939"}
AMBIGUOUS = {"UA23020010000034566"}  # two Andrivska polygons, one codifier entry


def main(collection: Path) -> None:
    codifier = list(csv.DictReader((collection / "ua_admin_codes_katotth_2024.csv").open(encoding="utf-8")))
    hromadas = {r["katotth"]: r for r in codifier if r["level"] == "ADM3" and not r["pcode"].startswith("UA01")}
    doc = json.loads((collection / "ukraine_adm3_hromadas.geojson").read_text(encoding="utf-8"))
    features, centroids = [], {}
    for feature in doc["features"]:
        p = feature["properties"]
        code = RESOLVED.get(p["src_id"], p["code"])
        if code not in hromadas:
            continue
        geometry = shapely.simplify(shapely.geometry.shape(feature["geometry"]), TOLERANCE_DEG, preserve_topology=True)
        geometry = shapely.set_precision(geometry, GRID_DEG)
        if not geometry.is_valid:
            geometry = shapely.make_valid(geometry)
        assert geometry.is_valid and not geometry.is_empty and geometry.geom_type in ("Polygon", "MultiPolygon"), code
        assert code not in centroids, code
        row = hromadas[code]
        if code not in AMBIGUOUS:
            centroids[code] = geometry.centroid
        features.append({"type": "Feature", "properties": {
            "code": code, "pcode": row["pcode"], "name_en": row["name_en"], "name_uk": row["name_uk"],
            "parent_code": row["parent_katotth"], "oblast_pcode": row["pcode"][:4],
            "match": "location" if p["src_id"] in RESOLVED else p["match"], "src_id": p["src_id"],
            "code_conflict": code in AMBIGUOUS},
            "geometry": shapely.geometry.mapping(geometry)})
    out = {"type": "FeatureCollection",
           "name": "ukraine_adm3_hromadas",
           "attribution": "Hromada boundaries: S. Matuszak, ukrainian_geodata (CC BY 4.0); codes: KATOTTH 2024",
           "features": features}
    text = json.dumps(out, ensure_ascii=False, separators=(",", ":"))
    (ROOT / "data" / "boundaries" / "ukraine_adm3_hromadas.geojson").write_text(text, encoding="utf-8")
    with (ROOT / "data" / "registries" / "ukraine_hromadas.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["district_code", "district_name", "district_name_uk", "admin1_code", "pcode", "raion_code",
                    "lat", "lon", "population"])
        for code, row in sorted(hromadas.items(), key=lambda kv: kv[1]["pcode"]):
            c = centroids.get(code)
            w.writerow([code, row["name_en"], row["name_uk"], row["pcode"][:4], row["pcode"], row["parent_katotth"],
                        f"{c.y:.4f}" if c else "", f"{c.x:.4f}" if c else "", ""])
    print(f"{len(features)} polygons, {len(hromadas)} hromadas, {len(hromadas) - len(centroids)} without a polygon, "
          f"{len(text) / 1e6:.2f} MB")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/work/shared/data/boundaries"))
