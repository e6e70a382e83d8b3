"""The app's map: district polygons coloured by severity over the oblast outlines, circles sized by
residents without heat, no basemap. App layer (pydeck; legends as SVG); no Streamlit, so testable.

- **Polygons** (layer ``district_polygons``): the shipped boundary of each district
  (``heatneed.boundaries.join``), filled with ``SEVERITY_COLOURS``.
- **Circles** (layer ``districts``) at the registry's centroid, radius on the fixed square-root
  scale of ``app_support.marker_radius_px`` (6 px + 0.12 px·√residents, ≤ 48 px): a white ring
  on districts with a polygon and residents without heat (none for zero residents), a filled
  severity-coloured point on districts without a polygon (always drawn, so no district vanishes).
- **Backdrop** (layer ``backdrop``): the 27 oblast-level units in light grey, not pickable.
- **Names** (layer ``names``) only up to ``LABEL_MAX`` districts (1,469 names would cover the map).

Display constants (colours, pixel sizes, label limit) live here, not in ``defaults.toml``: they
change no published number.

Both pickable layers carry ``district_code`` and a ready-made ``tooltip`` with numbers formatted
for the language (Babel), so a click or a hover needs no lookup.
"""

from __future__ import annotations

import html
import json
import threading
import weakref
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

from . import boundaries, i18n
from .i18n import number  # Babel, one format per language
from .app_support import SEVERITY_COLOURS, _hex_rgb, marker_radius_px, view_state

POLYGON_LAYER = "district_polygons"
POINT_LAYER = "districts"
BACKDROP_LAYER = "backdrop"
NAME_LAYER = "names"
PICKABLE_LAYERS = (POLYGON_LAYER, POINT_LAYER)
DECK_CACHE = 4  # decks kept by cached_deck
LABEL_MAX = 40  # districts up to which names are drawn on the map
SIZE_LEGEND_RESIDENTS = (1_000, 10_000, 100_000)  # reference circles of the size legend
POLYGON_ALPHA = 200
BACKDROP_FILL = [238, 238, 238, 255]
BACKDROP_LINE = [160, 160, 160, 255]
RING_LINE = [25, 25, 25, 230]
RING_FILL = [255, 255, 255, 90]


@dataclass(frozen=True)
class MapData:
    """What the map draws: ``districts`` (one row per listed district: centroid, colour, circle
    radius, ``circle`` whether it is drawn), ``polygons`` and ``points`` (the two pickable layers'
    records: one per polygon part, one per circle, big circles first so small ones stay clickable
    on top), the ``join`` report, ``bounds`` (two lon/lat corners framing everything) and whether
    names are drawn."""

    districts: pd.DataFrame
    polygons: list[dict]
    points: list[dict]
    join: boundaries.BoundaryJoin
    bounds: pd.DataFrame
    labels: bool

    @property
    def missing(self) -> list[str]:
        """Listed districts with neither a polygon nor coordinates: not on the map."""
        d = self.districts
        return d.loc[~d["has_polygon"] & (d["lat"].isna() | d["lon"].isna()), "district_code"].tolist()


def integers(values, lang: str) -> list[str]:
    """Whole numbers in the language's format (``27 601`` in Ukrainian, ``27,601`` in English):
    ``i18n.number``, fast enough for thousands of tooltips."""
    return [number(int(v), lang) for v in values]


def tooltip_texts(frame: pd.DataFrame, labels: list[str], lang: str) -> list[str]:
    """Each district's tooltip: rank, name, severity and residents, numbers in the language's format;
    a district without a polygon says it is drawn as a point."""
    template = i18n.text("map_tooltip", lang, rank="{rank}", name="{name}", severity="{severity}",
                         label="{label}", residents="{residents}")
    point = "\n" + i18n.text("map_no_boundary", lang)
    return [template.format(rank=r, name=n, severity=s, label=lab, residents=p) + ("" if poly else point)
            for r, n, s, lab, p, poly in zip(integers(frame["rank"], lang), frame["name"], frame["severity"].tolist(),
                                             labels, integers(frame["residents"], lang),
                                             frame["has_polygon"].tolist())]


def map_data(priority: pd.DataFrame, districts: pd.DataFrame, names: pd.Series, lang: str) -> MapData:
    """The priority list joined to the registry's centroids and the shipped boundaries.

    Every listed district is kept: one the registry lacks (a published list made with another
    registry) still gets its shipped polygon by code and its name from the list; one with neither
    polygon nor coordinates is not drawn (``MapData.missing``)."""
    rows = priority.set_index("district_code")
    registry = districts.reindex(rows.index)
    if "district_name" in rows:
        names = names.reindex(rows.index).fillna(rows["district_name"])
    joined = boundaries.join(registry)
    codes = rows.index.astype(str).tolist()
    has_polygon = rows.index.isin(joined.matched.index)
    severity = rows["severity"].fillna(0).astype(int).to_numpy()
    residents = rows["residents_unheated"].fillna(0).clip(lower=0).round().astype(np.int64).to_numpy()
    translated = {s: i18n.severity_label(s, lang) for s in set(rows["severity_label"].fillna("").tolist())}
    labels = [translated[s] for s in rows["severity_label"].fillna("").tolist()]
    name_of = names.dropna().astype(str).to_dict()
    frame = pd.DataFrame({
        "district_code": codes,
        "name": [name_of.get(c, c) for c in codes],
        "rank": rows["rank"].astype(int).to_numpy(),
        "severity": severity,
        "residents": residents,
        "has_polygon": has_polygon,
        "lat": registry["lat"].astype(float).to_numpy(),
        "lon": registry["lon"].astype(float).to_numpy(),
    })
    frame["tooltip"] = tooltip_texts(frame, labels, lang)
    palette = {k: _hex_rgb(c, POLYGON_ALPHA) for k, c in SEVERITY_COLOURS.items()}
    frame["colour"] = [palette.get(s, palette[0]) for s in severity.tolist()]
    located = (frame["lat"].notna() & frame["lon"].notna()).to_numpy()
    frame["circle"] = located & (~has_polygon | (residents > 0))
    frame["radius_px"] = np.where(frame["circle"], marker_radius_px(residents), 0.0)
    frame["fill"] = [RING_FILL if poly else c for c, poly in zip(frame["colour"], has_polygon.tolist())]

    at = {c: i for i, c in enumerate(codes)}
    tooltip, colour = frame["tooltip"].tolist(), frame["colour"].tolist()
    polygons = [{"district_code": code, "polygon": part, "tooltip": tooltip[at[code]], "colour": colour[at[code]]}
                for code, feature in zip(joined.matched.index.tolist(), joined.matched["feature"].tolist())
                for part in feature.polygons]
    drawn = frame[frame["circle"]].sort_values("residents", ascending=False, kind="stable")
    points = [{"district_code": c, "lon": x, "lat": y, "fill": f, "radius_px": r, "tooltip": t}
              for c, x, y, f, r, t in zip(drawn["district_code"].tolist(), drawn["lon"].tolist(),
                                          drawn["lat"].tolist(), drawn["fill"].tolist(),
                                          drawn["radius_px"].round(2).tolist(), drawn["tooltip"].tolist())]

    corners = np.array([f.bounds for f in joined.matched["feature"]] +
                       [(x, y, x, y) for x, y in zip(frame.loc[located, "lon"], frame.loc[located, "lat"])])
    bounds = pd.DataFrame({"lon": [corners[:, 0].min(), corners[:, 2].max()] if len(corners) else [],
                           "lat": [corners[:, 1].min(), corners[:, 3].max()] if len(corners) else []})
    return MapData(frame, polygons, points, joined, bounds, labels=len(frame) <= LABEL_MAX)


def _backdrop(bounds: pd.DataFrame) -> list[dict]:
    """The oblast outlines near the view: those whose box meets ``bounds`` widened by its own
    size (at least 1°) on each side (all 27 for a national registry, Kyiv and its oblast for Kyiv)."""
    if bounds.empty:
        return []
    x0, x1 = float(bounds["lon"].min()), float(bounds["lon"].max())
    y0, y1 = float(bounds["lat"].min()), float(bounds["lat"].max())
    dx, dy = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
    return [{"polygon": part} for f in boundaries.backdrop()
            if f.bounds[0] <= x1 + dx and f.bounds[2] >= x0 - dx and f.bounds[1] <= y1 + dy and f.bounds[3] >= y0 - dy
            for part in f.polygons]


class CompactDeck(pdk.Deck):
    """A deck whose JSON has no indentation: pydeck indents by two spaces per level, which makes
    the 1,469-hromada map 15 MB instead of about 2 MB (Streamlit sends ``to_json()`` to the browser)."""

    def to_json(self) -> str:
        """Compact JSON, made once per deck (Streamlit asks for it on every rerun)."""
        if self not in _JSON:
            _JSON[self] = json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"),
                                     ensure_ascii=False)
        return _JSON[self]


_JSON: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_DECKS: dict[tuple, tuple] = {}  # content key → (MapData, deck), newest last
_LOCK = threading.Lock()


def _fingerprint(frame) -> int:
    return int(pd.util.hash_pandas_object(frame, index=True).sum())


def cached_deck(priority: pd.DataFrame, districts: pd.DataFrame, names: pd.Series, lang: str,
                width_px: float = 900.0, height_px: float = 560.0) -> tuple[MapData, "CompactDeck"]:
    """``map_data`` and ``map_deck``, kept for the last ``DECK_CACHE`` contents (the list's columns the
    map shows, the registry's codes and centroids, the names), so a rerun that changes nothing on
    the map neither rebuilds nor re-serialises it."""
    shown = [c for c in ("district_code", "rank", "severity", "severity_label", "residents_unheated") if c in priority]
    place = [c for c in ("lat", "lon", "katotth") if c in districts]
    key = (lang, width_px, height_px, _fingerprint(priority[shown]), _fingerprint(districts[place]),
           _fingerprint(names.astype(str)))
    with _LOCK:  # sessions run in threads of one process
        built = _DECKS.get(key)
    if built is None:
        data = map_data(priority, districts, names, lang)
        built = (data, map_deck(data, width_px, height_px))
        with _LOCK:
            _DECKS[key] = built
            while len(_DECKS) > DECK_CACHE:
                del _DECKS[next(iter(_DECKS))]
    return built


def map_deck(data: MapData, width_px: float = 900.0, height_px: float = 560.0) -> pdk.Deck:
    """The deck: backdrop, district polygons, circles and (few districts) names. ``map_provider=None``
    (pydeck's "no basemap": the style becomes ``__MAP_STYLE__``, for which Streamlit draws no base
    map) so nothing is fetched; ``map_style=None`` would get Streamlit's Carto basemap from the
    network. (pydeck turns strings into JavaScript expressions: literals are quoted.)"""
    highlight = {"auto_highlight": True, "highlight_color": [31, 119, 180, 160]}
    layers = [
        pdk.Layer("PolygonLayer", data=_backdrop(data.bounds), id=BACKDROP_LAYER, get_polygon="polygon",
                  get_fill_color=BACKDROP_FILL, get_line_color=BACKDROP_LINE, line_width_min_pixels=1,
                  stroked=True, filled=True, pickable=False),
        pdk.Layer("PolygonLayer", data=data.polygons, id=POLYGON_LAYER, get_polygon="polygon",
                  get_fill_color="colour", get_line_color=[60, 60, 60, 255], line_width_min_pixels=0.5,
                  stroked=True, filled=True, pickable=True, **highlight),
        pdk.Layer("ScatterplotLayer", data=data.points, id=POINT_LAYER, get_position=["lon", "lat"],
                  get_fill_color="fill", get_radius="radius_px", radius_units="'pixels'",
                  get_line_color=RING_LINE, line_width_min_pixels=1.5, stroked=True, filled=True,
                  pickable=True, **highlight),
    ]
    if data.labels:
        names = data.districts[data.districts["lat"].notna() & data.districts["lon"].notna()]
        names = names[["lon", "lat", "name", "radius_px"]].to_dict(orient="records")
        layers.append(pdk.Layer("TextLayer", data=names, id=NAME_LAYER,
                                get_position=["lon", "lat"], get_text="name", get_size=13,
                                get_color=[20, 20, 20, 255], get_pixel_offset="[0, -(radius_px + 8)]",
                                character_set="'auto'", font_family="'Helvetica, Arial, sans-serif'",
                                outline_width=3, outline_color=[255, 255, 255, 255], font_settings={"sdf": True}))
    view = view_state(data.bounds, width_px, height_px) if len(data.bounds) else pdk.ViewState()
    return CompactDeck(layers=layers, initial_view_state=view, map_provider=None, tooltip={"text": "{tooltip}"})


def selected_code(selection) -> str | None:
    """The district code of the object clicked on the map (a pydeck selection state), or None."""
    objects = (selection or {}).get("objects", {}) if isinstance(selection, dict) else getattr(selection, "objects", {})
    for layer in PICKABLE_LAYERS:
        for obj in (objects or {}).get(layer, []) or []:
            if isinstance(obj, dict) and obj.get("district_code"):
                return str(obj["district_code"])
    return None


def severity_legend_svg(labels, lang: str) -> str:
    """Fill-colour key as an SVG: one swatch per severity 5 … 1 with its label in the language
    (``labels``: the model's English severity labels 1–5), and grey for 0 (not assessed)."""
    rows = [(k, f"{k} {i18n.severity_label(label, lang)}") for k, label in zip(range(5, 0, -1), list(labels)[::-1])]
    rows.append((0, i18n.text("map_not_assessed", lang)))
    title = html.escape(i18n.text("map_colour_legend", lang))
    parts = [f"<text x='0' y='14'>{title}</text>"]
    for i, (k, label) in enumerate(rows):
        y = 24 + 20 * i
        parts.append(f"<rect x='0' y='{y}' width='18' height='14' fill='{SEVERITY_COLOURS[k]}' stroke='#191919' "
                     f"stroke-width='0.5'/><text x='26' y='{y + 12}'>{html.escape(label)}</text>")
    width = 40 + 7.5 * max(len(label) for _, label in rows)  # about 7 px a character at 13 px
    return (f"<svg xmlns='http://www.w3.org/2000/svg' width='{width:.0f}' height='{24 + 20 * len(rows):.0f}' "
            f"role='img' aria-label='{title}' style='font: 13px sans-serif'>" + "".join(parts) + "</svg>")


def size_legend_svg(lang: str) -> str:
    """Circle-size key as an SVG drawn at the map's own pixel radii: the reference residents of
    ``SIZE_LEGEND_RESIDENTS`` as rings, each labelled to its right, then the filled point of a
    district without a boundary. Text is escaped; numbers in the language's format."""
    radius = marker_radius_px(SIZE_LEGEND_RESIDENTS)
    top, x, parts = 22.0, 2.0, []
    middle = top + radius.max() + 2
    ring = "fill='rgba(255,255,255,0.35)' stroke='#191919' stroke-width='1.5'"
    for r, label in zip(radius, integers(SIZE_LEGEND_RESIDENTS, lang)):
        parts.append(f"<circle cx='{x + r:.1f}' cy='{middle:.1f}' r='{r:.1f}' {ring}/>"
                     f"<text x='{x + 2 * r + 6:.1f}' y='{middle + 4:.1f}'>{html.escape(label)}</text>")
        x += 2 * r + 70
    point = SEVERITY_COLOURS[3]
    parts.append(f"<circle cx='{x + 6:.1f}' cy='{middle:.1f}' r='6' fill='{point}' stroke='#191919' stroke-width='1.5'/>"
                 f"<text x='{x + 18:.1f}' y='{middle + 4:.1f}'>{html.escape(i18n.text('map_no_boundary', lang))}</text>")
    width, height = x + 320, middle + radius.max() + 4
    title = html.escape(i18n.text("map_size_legend", lang))
    return (f"<svg xmlns='http://www.w3.org/2000/svg' width='{width:.0f}' height='{height:.0f}' role='img' "
            f"aria-label='{title}' style='font: 13px sans-serif'><text x='0' y='14'>{title}</text>"
            + "".join(parts) + "</svg>")
