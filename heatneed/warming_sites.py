"""Warming sites (Points of Invincibility, municipal warming centres): reading, district assignment,
capacity per district.

A sites file (CSV, Parquet or an .xlsx/.xls/.ods workbook) is validated like every other input (``heatneed.inputs``: one
line per problem naming file, row as Excel shows it, column). Each site gets a district:

- ``given``: its ``district_code`` column, which must be in the district registry;
- ``polygon``: when the registry's districts all have boundaries (``heatneed.boundaries``), the
  district whose polygon holds the point (shapely); a point inside none is refused;
- ``nearest_centroid``: otherwise the district with the nearest centroid (great-circle distance).

The usable capacity of a site is ``capacity_persons``, limited to ``floor_area_m2 / 3.5`` where
the area is given (Sphere shelter standard 3, [Sphere2018]); a site with ``has_heating = no`` or
open 0 hours a day holds no one against the cold and adds no capacity.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import boundaries
from .errors import InputError, located
from .inputs import RawTable, parse_table, read_table

YES = ("yes", "true", "1", "так")
EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)


def read_sites_table(source, name: str | None = None) -> RawTable:
    """The sites file as cells: CSV, Parquet or workbook through the one reader ``inputs.read_table``."""
    return read_table(source, name or (Path(source).name if isinstance(source, (str, Path)) else "warming_sites"))


def district_polygons(registry: pd.DataFrame) -> dict[str, object] | None:
    """Polygons of every registry district, or None when any district has no shipped boundary."""
    return boundaries.polygons(registry)


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance [km] between points given in degrees (broadcasting)."""
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(x, dtype=float)) for x in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


def assign_districts(sites: pd.DataFrame, registry: pd.DataFrame, name: str,
                     polygons: dict | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Sites with ``district_code`` filled and ``assigned_by`` (given, polygon, nearest_centroid).

    ``polygons`` (code → shapely geometry; default: the shipped boundaries when they cover the
    registry) decides by location; without them the nearest centroid does. Problems: a given
    code not in the registry; with polygons, a point inside no district.
    """
    import shapely

    polygons = district_polygons(registry) if polygons is None else polygons
    out = sites.copy()
    given = out["district_code"].notna() if "district_code" in out else pd.Series(False, index=out.index)
    if "district_code" not in out:
        out["district_code"] = None
    out["assigned_by"] = np.where(given, "given", "polygon" if polygons else "nearest_centroid")
    problems = [located(name, f"district_code {code!r} is not in the districts file", int(row), "district_code")
                for code, row in zip(out.loc[given, "district_code"], out.loc[given, "_row"])
                if code not in registry.index]
    todo = out.index[~given]
    if len(todo) and polygons:
        x, y = out.loc[todo, "lon"].to_numpy(float), out.loc[todo, "lat"].to_numpy(float)
        found = np.full(len(todo), None, dtype=object)
        for code, geometry in polygons.items():  # tens of districts: one vectorised test each
            # intersects: a point on a shared border goes to the first district listed, not to none
            inside = shapely.intersects_xy(geometry, x, y) & (found == None)  # noqa: E711 (element-wise)
            found[inside] = code
        for i in np.flatnonzero(found == None):  # noqa: E711
            row = int(out.loc[todo[i], "_row"])
            problems.append(located(name, f"the site at lat {y[i]:g}, lon {x[i]:g} lies outside every district "
                                          "of the districts file (give district_code or fix the location)",
                                    row, "lat"))
        out.loc[todo, "district_code"] = found
    elif len(todo):
        distance = haversine_km(out.loc[todo, "lat"].to_numpy(float)[:, None], out.loc[todo, "lon"].to_numpy(float)[:, None],
                                registry["lat"].to_numpy(float)[None, :], registry["lon"].to_numpy(float)[None, :])
        out.loc[todo, "district_code"] = registry.index.to_numpy()[np.argmin(distance, axis=1)]
    return out, problems


def usable_capacity(sites: pd.DataFrame, floor_area_m2_per_person: float) -> pd.Series:
    """Persons a site can hold against the cold [persons]: capacity_persons, at most
    floor_area_m2 / floor_area_m2_per_person where the area is given (Sphere shelter standard 3,
    [Sphere2018]), rounded down; 0 for a site without heating."""
    capacity = sites["capacity_persons"].astype(float)
    if "floor_area_m2" in sites:
        by_area = np.floor(sites["floor_area_m2"].astype(float) / floor_area_m2_per_person)
        capacity = capacity.where(by_area.isna(), np.minimum(capacity, by_area))
    if "has_heating" in sites:
        capacity = capacity.where(~sites["has_heating"].isin(("no", "false", "0", "ні")), 0.0)
    return capacity.where(sites["hours_open_per_day"] > 0, 0.0)  # never open: holds no one


def load_sites(source, registry: pd.DataFrame, floor_area_m2_per_person: float, name: str | None = None,
               polygons: dict | None = None) -> pd.DataFrame:
    """Validated sites with ``district_code``, ``assigned_by`` and ``capacity_usable``; InputError
    listing every problem (file, row, column) otherwise."""
    table = read_sites_table(source, name)
    frame, problems = parse_table(table, "warming_sites")
    if not problems:
        frame, problems = assign_districts(frame, registry, table.name, polygons)
    if problems:
        raise InputError(table.relabel(problems))
    frame["capacity_usable"] = usable_capacity(frame, floor_area_m2_per_person)
    return frame


def capacity_by_district(sites: pd.DataFrame, registry: pd.DataFrame) -> pd.Series:
    """Usable warming-place capacity per district [persons] (0 where the file lists no site)."""
    return sites.groupby("district_code")["capacity_usable"].sum().reindex(registry.index, fill_value=0.0)


def with_site_capacity(inputs, sites: pd.DataFrame):
    """A copy of ``inputs`` whose registry ``warming_places`` is the sites' usable capacity."""
    import dataclasses

    districts = inputs.districts.copy()
    districts["warming_places"] = capacity_by_district(sites, districts)
    return dataclasses.replace(inputs, districts=districts)


def attach(inputs, source, config: dict | None = None, name: str | None = None):
    """``inputs`` with the warming sites of ``source`` (path or bytes): validated against the
    registry, their usable capacity replacing the registry's ``warming_places``, and the file's
    name and sha256 recorded under the role ``warming_sites``."""
    import dataclasses

    from .inputs import sha256_of
    from .planning import needs_params

    name = name or (Path(source).name if isinstance(source, (str, Path)) else "warming_sites")
    sites = load_sites(source, inputs.districts, needs_params(config).floor_area_m2_per_person, name)
    out = with_site_capacity(inputs, sites)
    return dataclasses.replace(out, sites=sites, files={**inputs.files, "warming_sites": name},
                               hashes={**inputs.hashes, "warming_sites": sha256_of(source)})
