"""The shipped boundaries, their join to the district registries, and the hromada lookup registry."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
import shapely.geometry
from hypothesis import given, settings
from hypothesis import strategies as st

from heatneed import boundaries
from heatneed.errors import InputError
from heatneed.inputs import load_districts

ROOT = Path(__file__).resolve().parents[1]
REGISTRIES = ROOT / "data" / "registries"
ANDRIVSKA = "UA23020010000034566"  # two polygons in the source share this code
KYIV_CITY = "UA80000000000093317"


@pytest.fixture(scope="module")
def hromadas() -> pd.DataFrame:
    return pd.read_csv(REGISTRIES / "ukraine_hromadas.csv", dtype={"population": float}).set_index("district_code")


def test_kyiv_districts_match_their_osm_polygons_by_katotth_code():
    registry = load_districts(REGISTRIES / "kyiv_districts.csv")
    joined = boundaries.join(registry)
    assert joined.complete and not joined.ambiguous
    assert list(joined.matched.index) == list(registry.index)  # registry order
    assert set(joined.matched["matched_by"]) == {"code"}
    assert set(joined.matched["file"]) == {"kyiv_districts.geojson"}
    for code, feature in joined.matched["feature"].items():  # each registry centroid lies in its polygon
        lat, lon = registry.loc[code, ["lat", "lon"]]
        assert feature.shape.buffer(0.01).contains(shapely.Point(lon, lat)), code


def test_oblasts_match_by_p_code_and_kyiv_city_is_the_oblast_files_polygon():
    registry = load_districts(REGISTRIES / "ukraine_oblasts.csv")
    joined = boundaries.join(registry)
    assert joined.complete and len(joined.matched) == 27
    assert set(joined.matched["matched_by"]) == {"pcode"}
    assert set(joined.matched["file"]) == {"ukraine_adm1_oblasts.geojson"}  # not the hromada file's Kyiv
    assert joined.matched.loc["UA80", "feature"].code == KYIV_CITY


def test_the_hromada_registry_matches_1443_polygons_and_reports_the_rest(hromadas):
    joined = boundaries.join(hromadas)
    assert len(hromadas) == 1469 and hromadas.index.is_unique
    assert len(joined.matched) == 1443 and len(joined.unmatched) == 26
    assert set(joined.matched["matched_by"]) == {"code"}
    assert set(joined.matched["file"]) == {"ukraine_adm3_hromadas.geojson"}
    assert joined.ambiguous == (ANDRIVSKA,)
    assert set(joined.matched.index) | set(joined.unmatched) == set(hromadas.index)
    # the registry's centroid is the polygon's, empty exactly where there is no polygon
    assert hromadas.loc[list(joined.unmatched), ["lat", "lon"]].isna().all().all()
    for code, feature in joined.matched["feature"].iloc[::50].items():
        c = feature.shape.centroid
        assert (hromadas.at[code, "lon"], hromadas.at[code, "lat"]) == pytest.approx((c.x, c.y), abs=6e-5), code
    # Talalaivska: the two source polygons sharing one code went to the two hromadas by location
    east = joined.matched.loc["UA74080190000091939", "feature"].shape.centroid
    west = joined.matched.loc["UA74040330000024949", "feature"].shape.centroid
    assert east.x > 32.8 > 32.0 > west.x


def test_the_hromada_registry_has_codes_and_names_but_no_invented_population(hromadas):
    assert hromadas.index.str.fullmatch(r"UA\d{17}").all()
    assert (hromadas["pcode"] == hromadas.index.str[:9]).all()
    assert (hromadas["admin1_code"] == hromadas.index.str[:4]).all()
    oblasts = pd.read_csv(REGISTRIES / "ukraine_oblasts.csv")["district_code"]
    assert set(hromadas["admin1_code"]) <= set(oblasts) - {"UA01", "UA80", "UA85"}  # no Crimea, Kyiv, Sevastopol
    assert hromadas["district_name_uk"].str.endswith("територіальна громада").all()
    assert hromadas["population"].isna().all()
    with pytest.raises(InputError, match=r"ukraine_hromadas\.csv, row 2, column population: must not be empty"):
        load_districts(REGISTRIES / "ukraine_hromadas.csv")


def test_shipped_hromada_polygons_are_valid_and_keyed_by_katotth():
    doc = json.loads((ROOT / "data" / "boundaries" / "ukraine_adm3_hromadas.geojson").read_text(encoding="utf-8"))
    shapes = np.array([shapely.geometry.shape(f["geometry"]) for f in doc["features"]])
    assert shapely.is_valid(shapes).all() and not shapely.is_empty(shapes).any()
    assert set(shapely.get_type_id(shapes)) <= {3, 6}  # Polygon, MultiPolygon
    codes = pd.Series([f["properties"]["code"] for f in doc["features"]])
    assert codes[codes.duplicated(keep=False)].unique().tolist() == [ANDRIVSKA]
    conflict = [f["properties"]["code_conflict"] for f in doc["features"]]
    assert sum(conflict) == 2
    lon_lat = shapely.bounds(shapes)
    assert (lon_lat[:, 0] > 22).all() and (lon_lat[:, 2] < 40.3).all()  # inside Ukraine
    assert (lon_lat[:, 1] > 44).all() and (lon_lat[:, 3] < 52.4).all()


def test_codes_are_matched_ignoring_case_and_blanks_and_the_katotth_column_is_the_last_resort():
    registry = pd.DataFrame({"katotth": [None, None, KYIV_CITY, None]},
                            index=pd.Index([" ua80000000000126643 ", "ua80", "KYIV-CITY", "XX99"], name="district_code"))
    joined = boundaries.join(registry)
    assert joined.matched["matched_by"].to_dict() == {" ua80000000000126643 ": "code", "ua80": "pcode",
                                                      "KYIV-CITY": "katotth"}
    assert joined.matched.loc["KYIV-CITY", "feature"].code == KYIV_CITY
    assert joined.unmatched == ("XX99",) and not joined.complete
    assert boundaries.polygons(registry) is None  # not every district has one
    assert boundaries.find("ua05") is not None and boundaries.find("nowhere") is None


def test_a_code_two_features_of_one_file_share_gets_no_polygon():
    registry = pd.DataFrame(index=pd.Index([ANDRIVSKA, "UA80000000000126643"], name="district_code"))
    joined = boundaries.join(registry)
    assert joined.unmatched == (ANDRIVSKA,) and joined.ambiguous == (ANDRIVSKA,)
    assert boundaries.find(ANDRIVSKA) is None


ALL_CODES = (["UA80000000000126643", "UA80000000000210193", "UA05", "UA80", "UA14160010000086090", ANDRIVSKA,
              "UA0502", "NOPE", "UA9", ""])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(ALL_CODES), min_size=0, max_size=8, unique=True))
def test_join_never_drops_or_reorders_a_district(codes):
    registry = pd.DataFrame(index=pd.Index(codes, name="district_code", dtype=object))
    joined = boundaries.join(registry)
    assert len(joined.matched) + len(joined.unmatched) == len(codes)
    assert [c for c in codes if c in joined.matched.index] == list(joined.matched.index)
    assert [c for c in codes if c not in joined.matched.index] == list(joined.unmatched)
    assert set(joined.ambiguous) <= set(joined.unmatched)


def test_backdrop_is_the_27_oblast_level_units():
    backdrop = boundaries.backdrop()
    assert len(backdrop) == 27 and {f.pcode for f in backdrop} >= {"UA01", "UA80", "UA85"}
    for f in backdrop:  # bounds computed at load agree with shapely's
        assert f.bounds == pytest.approx(f.shape.bounds)
