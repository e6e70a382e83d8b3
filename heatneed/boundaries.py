"""District boundaries shipped in ``data/boundaries/`` and their join to a district registry.

Files (provenance and licences in ``data/boundaries/SOURCES.md``):

- ``kyiv_districts.geojson``: Kyiv's 10 urban districts (© OpenStreetMap contributors, ODbL 1.0);
- ``ukraine_adm1_oblasts.geojson``: the 27 oblast-level units (geoBoundaries [Runfola2020],
  © OpenStreetMap contributors, ODbL 1.0);
- ``ukraine_adm3_hromadas.geojson``: 1,443 of the 1,469 hromadas (S. Matuszak, ukrainian_geodata,
  CC BY 4.0 [Matuszak2020]), simplified by ``tools/make_hromadas.py``.

Every feature carries ``code`` (KATOTTH, 19 characters) and ``pcode`` (OCHA-style p-code, the
KATOTTH code truncated to 4, 6 or 9 characters). **Matching rule** for a registry row, codes
compared after trimming blanks and upper-casing:

1. its ``district_code`` equals a feature's ``code`` (KATOTTH registries: Kyiv's districts,
   hromadas) → ``matched_by = "code"``;
2. else its ``district_code`` equals a feature's ``pcode`` (p-code registries: the oblasts)
   → ``"pcode"``;
3. else its optional ``katotth`` column equals a feature's ``code`` → ``"katotth"``.

Files are searched in the order of ``BOUNDARY_FILES``; the first feature with a code wins, so
Kyiv city (``UA80``) is the oblast file's polygon. A code two features of one file share is
ambiguous and gets no polygon. A district without a polygon is reported (``unmatched``) and keeps
its point marker on the map; it is never dropped.

No drawing library here: the app layer (``heatneed.app_map``) turns the join into map layers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

BOUNDARIES_DIR = Path(__file__).resolve().parent.parent / "data" / "boundaries"
#: Shipped boundary files, in matching order (the first feature with a code wins).
BOUNDARY_FILES = ("kyiv_districts.geojson", "ukraine_adm1_oblasts.geojson", "ukraine_adm3_hromadas.geojson")
#: The backdrop drawn under every map: the oblast-level units.
BACKDROP_FILE = "ukraine_adm1_oblasts.geojson"


@dataclass(frozen=True)
class Feature:
    """One boundary: codes, names and the GeoJSON geometry as parsed (lon/lat degrees, WGS84)."""

    code: str
    pcode: str
    name_en: str
    name_uk: str
    file: str
    geometry: dict = field(repr=False, compare=False)
    bounds: tuple[float, float, float, float] = field(repr=False, compare=False)  # lon/lat min, max

    @property
    def polygons(self) -> list:
        """The polygons as lists of rings (outer ring first, then holes) of ``[lon, lat]`` pairs."""
        coords = self.geometry["coordinates"]
        return [coords] if self.geometry["type"] == "Polygon" else list(coords)

    @property
    def shape(self):
        """The geometry as a shapely polygon or multipolygon (made once per feature)."""
        key = (self.file, self.code)
        if key not in _SHAPES:
            import shapely.geometry

            _SHAPES[key] = shapely.geometry.shape(self.geometry)
        return _SHAPES[key]


_SHAPES: dict[tuple[str, str], object] = {}


def _bounds(geometry: dict) -> tuple[float, float, float, float]:
    coords = geometry["coordinates"]
    rings = [coords] if geometry["type"] == "Polygon" else coords
    xy = np.concatenate([np.asarray(ring, dtype=float) for polygon in rings for ring in polygon])
    return (*xy.min(axis=0).tolist(), *xy.max(axis=0).tolist())


def _norm(code) -> str:
    return str(code).strip().upper() if code is not None and not pd.isna(code) else ""


@lru_cache(maxsize=None)
def load_file(file: str) -> tuple[tuple[Feature, ...], frozenset[str]]:
    """The features of one shipped file with a code, and the codes two of its features share."""
    doc = json.loads((BOUNDARIES_DIR / file).read_text(encoding="utf-8"))
    features, seen, shared = [], set(), set()
    for item in doc["features"]:
        p = item["properties"]
        code = _norm(p.get("code"))
        if not code or item.get("geometry") is None:
            continue
        (shared if code in seen else seen).add(code)
        features.append(Feature(code, _norm(p.get("pcode")), str(p.get("name_en") or ""),
                                str(p.get("name_uk") or ""), file, item["geometry"], _bounds(item["geometry"])))
    return tuple(f for f in features if f.code not in shared), frozenset(shared)


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, Feature], dict[str, Feature], frozenset[str]]:
    by_code: dict[str, Feature] = {}
    by_pcode: dict[str, Feature] = {}
    ambiguous: set[str] = set()
    for file in BOUNDARY_FILES:
        features, shared = load_file(file)
        ambiguous |= shared - by_code.keys()
        for f in features:
            by_code.setdefault(f.code, f)
            if f.pcode:
                by_pcode.setdefault(f.pcode, f)
    return by_code, by_pcode, frozenset(ambiguous)


def find(code) -> Feature | None:
    """The boundary of a district code (KATOTTH ``code`` first, then ``pcode``), or None."""
    by_code, by_pcode, _ = _index()
    code = _norm(code)
    return by_code.get(code) or by_pcode.get(code)


@dataclass(frozen=True)
class BoundaryJoin:
    """Registry districts with and without a shipped polygon.

    ``matched``: indexed by ``district_code`` (the registry's spelling), columns ``feature``
    (:class:`Feature`), ``matched_by`` (code, pcode, katotth) and ``file``; in registry order.
    ``unmatched``: registry codes without a polygon, in registry order; ``ambiguous``: those of
    them whose code two features of one file share.
    """

    matched: pd.DataFrame
    unmatched: tuple[str, ...]
    ambiguous: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.unmatched


def join(registry: pd.DataFrame) -> BoundaryJoin:
    """Match each registry district (index ``district_code``, optional ``katotth`` column) to a
    shipped boundary by the rule of the module docstring."""
    by_code, by_pcode, shared = _index()
    katotth = registry["katotth"] if "katotth" in registry.columns else pd.Series(None, index=registry.index)
    rows, unmatched, ambiguous = [], [], []
    for code, alt in zip(registry.index, katotth):
        key = _norm(code)
        for how, feature in (("code", by_code.get(key)), ("pcode", by_pcode.get(key)),
                             ("katotth", by_code.get(_norm(alt)))):
            if feature is not None:
                rows.append((code, feature, how, feature.file))
                break
        else:
            unmatched.append(code)
            if key in shared or _norm(alt) in shared:
                ambiguous.append(code)
    matched = pd.DataFrame(rows, columns=["district_code", "feature", "matched_by", "file"]).set_index("district_code")
    return BoundaryJoin(matched, tuple(unmatched), tuple(ambiguous))


def backdrop() -> tuple[Feature, ...]:
    """The oblast-level units drawn as a plain backdrop under every map (no basemap tiles)."""
    return load_file(BACKDROP_FILE)[0]


def polygons(registry: pd.DataFrame) -> dict[str, object] | None:
    """Shapely polygons of every registry district, or None when any district has none."""
    joined = join(registry)
    if not joined.complete:
        return None
    return {code: f.shape for code, f in joined.matched["feature"].items()}
