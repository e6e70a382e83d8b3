"""What the Streamlit app needs besides widgets: inputs from uploads and edits, display tables,
per-district series, map and chart specifications. No Streamlit here, so all of it is testable.

Everything numeric comes from ``pipeline`` (the same code the command line runs); this module
only selects, reshapes and labels it.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import math
import re
import shlex
import unicodedata
from collections.abc import Mapping
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import pydeck as pdk

from . import columns, export, i18n, pipeline, risk, store
from .config import DEFAULTS_FILE, ModelParams
from .datastate import DataState, data_state
# The district's hour-by-hour series come from the library: the app draws them, never computes physics.
from .detail import DistrictDetail, district_detail  # noqa: F401  (re-exported for the page)
from .export import priority_bytes
from .inputs import Inputs
from .sources.base import iso_utc
from .sources.registry import FORECAST_SUFFIXES, TABLE_SUFFIXES

DISPLAY_TZ = "Europe/Kyiv"
#: Inputs the app lets users replace; the district registry always comes from the scenario.
UPLOAD_ROLES = ("unheated", "outages", "forecast", "warming_sites", "outage_schedule", "district_queues")
TABLE_TYPES = [suffix[1:] for suffix in TABLE_SUFFIXES]  # csv, txt, xlsx, xls, ods, parquet (sources.registry)
UPLOAD_TYPES = {
    "districts": TABLE_TYPES,  # the registry, uploaded in its own part of the inputs tab
    "unheated": TABLE_TYPES,
    "outages": TABLE_TYPES,
    "forecast": [suffix[1:] for suffix in FORECAST_SUFFIXES],
    "warming_sites": TABLE_TYPES,
    "outage_schedule": ["json"] + [t for t in TABLE_TYPES if t != "parquet"],
    "district_queues": TABLE_TYPES,
}
#: The two uploads that give hourly power; used only together (``heatneed.schedules``).
SCHEDULE_ROLES = ("outage_schedule", "district_queues")
#: Severity 0 (unknown) … 5, pale yellow to dark red after the JIAF severity scale's colour ramp.
SEVERITY_COLOURS = {0: "#bdbdbd", 1: "#f7e9a0", 2: "#f5c542", 3: "#f08a24", 4: "#d7301f", 5: "#7f0000"}
#: Model settings offered in the app: ModelParams field -> (min, max, step, display format) of the widget.
SETTINGS = {
    "horizon_hours": (12.0, 384.0, 6.0, "%.0f"),
    "tau_hours": (12.0, 400.0, 1.0, "%.0f"),
    "tau_low_hours": (6.0, 400.0, 1.0, "%.0f"),
    "tau_high_hours": (6.0, 600.0, 1.0, "%.0f"),
    "initial_indoor_c": (5.0, 30.0, 0.5, "%.1f"),
    "heat_loss_w_per_k": (20.0, 400.0, 1.0, "%.0f"),  # the gains below are divided by it (g = Q/H)
    "internal_gains_w": (0.0, 2000.0, 10.0, "%.0f"),
    "heater_w": (0.0, 5000.0, 100.0, "%.0f"),
    "residents_per_building": (1.0, 2000.0, 10.0, "%.0f"),
    "warming_max_absorbed_share": (0.0, 0.95, 0.05, "%.2f"),
}


# --------------------------------------------------------------------------- inputs

@dataclasses.dataclass(frozen=True)
class Upload:
    """One replacement input: its bytes and the name shown in messages (never used as a path)."""

    role: str  # unheated, outages or forecast
    name: str
    data: bytes = dataclasses.field(repr=False)
    digest: str = ""
    edited: bool = False  # written from edits in the app, not uploaded
    illustrative: bool = False  # edited from the embedded scenario's data: still illustrative

    @classmethod
    def of(cls, role: str, name: str, data: bytes, edited: bool = False, illustrative: bool = False) -> "Upload":
        return cls(role, display_name(name), bytes(data), hashlib.sha256(data).hexdigest(), edited, illustrative)


def display_name(name: str) -> str:
    """A file name safe to show: last path part, printable characters only, at most 80 long.

    Keeps the suffix, which tells the readers a file's format.
    """
    base = re.split(r"[\\/]", str(name))[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] not in "CZ" or c == " ").strip()
    if len(base) > 80:
        suffix = Path(base).suffix[:10]
        base = base[: 80 - len(suffix)] + suffix
    return base or "upload"


def plain(text) -> str:
    """``text`` (a file name, a cell value in an error message) shown literally in Markdown: an
    inline code span, fenced with more backticks than it holds, whitespace runs made one space.

    Streamlit renders messages as Markdown, and its GitHub-flavoured autolinker turns URLs,
    ``www.`` names and e-mail addresses into links even when every character is backslash-escaped
    (it works on the text after escapes are resolved); inside a code span nothing is a link, an
    image, HTML, a colour directive or an emoji code.
    """
    body = " ".join(str(text).split())
    if not body:
        return ""
    fence = "`" * (max((len(run) for run in re.findall(r"`+", body)), default=0) + 1)
    pad = " " if body.startswith("`") or body.endswith("`") else ""
    return f"{fence}{pad}{body}{pad}{fence}"


def sources_key(sources: Mapping[str, Upload]) -> tuple[tuple[str, str], ...]:
    """A small hashable key for a set of uploads: role, content hash, and the name and origin.

    The name is part of the key because cached results carry it (messages, the forecast's
    ``source``): two sessions uploading the same bytes under different names each see their own.
    """
    return tuple(sorted((role, up.digest, up.name, up.illustrative) for role, up in sources.items()))


def load_sources(sources: Mapping[str, Upload]) -> Inputs:
    """Validated inputs: the uploads given, the embedded scenario for the rest (raises InputError).

    The outage schedule and the district queues are used once both are there (``schedule_pending``);
    a schedule uploaded alone is checked at once all the same.
    """
    given = {role: up.data for role, up in sources.items() if role != "warming_sites"}
    if schedule_pending(sources):
        if "outage_schedule" in given:
            from .schedules import read_schedule

            read_schedule(given["outage_schedule"], sources["outage_schedule"].name)
        given = {role: data for role, data in given.items() if role not in SCHEDULE_ROLES}
    inputs = pipeline.load_inputs(**given, names={role: up.name for role, up in sources.items()},
                                  illustrative=[role for role, up in sources.items() if up.illustrative])
    if "warming_sites" in sources:  # as rank --warming-sites: site capacity replaces warming_places
        from .warming_sites import attach

        inputs = attach(inputs, sources["warming_sites"].data, name=sources["warming_sites"].name)
    return inputs

def needs_view(result: pipeline.RankResult, scenario=None) -> pd.DataFrame:
    """The needs table of a run (``rank --needs-out``'s rows and totals) under an optional what-if."""
    from .needs import needs_params, needs_table

    return needs_table(result, needs_params(), result.inputs.sites, scenario)


def site_points(sites: pd.DataFrame | None) -> pd.DataFrame:
    """Warming sites for the map: position, name, capacity, district, how it was assigned."""
    if sites is None or not len(sites):
        return pd.DataFrame(columns=["lat", "lon", "name", "capacity", "district_code", "assigned_by"])
    return pd.DataFrame({"lat": sites["lat"], "lon": sites["lon"], "name": sites["name"].map(plain),
                         "capacity": sites["capacity_usable"].astype(int), "district_code": sites["district_code"],
                         "assigned_by": sites["assigned_by"]})


def sites_deck(points: pd.DataFrame, districts: pd.DataFrame) -> pdk.Deck:
    """Warming sites (blue) over the district centroids (grey), no basemap tiles."""
    centroids = pd.DataFrame({"lat": districts["lat"], "lon": districts["lon"],
                              "name": districts["district_name"].map(plain)})
    layers = [pdk.Layer("ScatterplotLayer", centroids, get_position="[lon, lat]", get_radius=900,
                        get_fill_color=[150, 150, 150, 120], pickable=True),
              pdk.Layer("ScatterplotLayer", points, get_position="[lon, lat]", get_radius=350,
                        get_fill_color=[31, 119, 180, 220], pickable=True)]
    both = pd.concat([centroids[["lat", "lon"]], points[["lat", "lon"]]])
    return pdk.Deck(layers=layers, initial_view_state=view_state(both), map_style=None,
                    tooltip={"text": "{name}"})


def schedule_pending(sources: Mapping[str, Upload]) -> bool:
    """Whether one of the two hourly-power uploads waits for the other."""
    return sum(role in sources for role in SCHEDULE_ROLES) == 1


# --------------------------------------------------------------------------- editing reports in place

#: Columns of the editor, by the report they belong to.
EDIT_COLUMNS_BY_ROLE = {"unheated": ["unheated_buildings", "residents"],
                        "outages": ["outage_status", "hours_off_per_day"]}
EDIT_COLUMNS = [c for columns in EDIT_COLUMNS_BY_ROLE.values() for c in columns]


def editable_reports(inputs: Inputs) -> pd.DataFrame:
    """The latest report per district, one row each in registry order (the data editor's table)."""
    uh = inputs.unheated.reindex(inputs.districts.index)
    out = inputs.outages.reindex(inputs.districts.index)
    table = pd.DataFrame(index=inputs.districts.index)
    table["unheated_buildings"] = uh["unheated_buildings"].astype(float)
    table["residents"] = uh["residents"].astype(float) if "residents" in uh else np.nan
    table["outage_status"] = out["status"].astype(object).where(out["status"].notna(), None)
    hours = out["hours_off_per_day"] if "hours_off_per_day" in out else pd.Series(np.nan, index=out.index)
    table["hours_off_per_day"] = hours.astype(float)
    return table


def changed_rows(base: pd.DataFrame, edited: pd.DataFrame, columns=EDIT_COLUMNS) -> pd.Index:
    """District codes whose ``columns`` differ between the two tables (NaN equals NaN)."""
    edited = edited.reindex(base.index)[columns]
    base = base[columns]
    same = (base == edited) | (base.isna() & edited.isna())
    return base.index[~same.all(axis=1)]


def edited_sources(inputs: Inputs, sources: Mapping[str, Upload], edited: pd.DataFrame,
                   now: pd.Timestamp) -> dict[str, Upload]:
    """``sources`` with the unheated and/or outage file rebuilt from the edited table.

    A report file is rebuilt only if one of its columns was edited. Changed rows become reports
    made at ``now``; the other districts keep their latest report. A status changed to ``none`` or
    ``emergency`` without new hours gets the status' hours (0 h, 24 h: ``pipeline.DEFAULT_HOURS_OFF``,
    as a file without hours would), never the old schedule's.
    """
    base = editable_reports(inputs)
    edited = edited.reindex(base.index)
    stamp = iso_utc(now)
    new = dict(sources)

    changed = changed_rows(base, edited, EDIT_COLUMNS_BY_ROLE["unheated"])
    if not changed.empty:
        uh = inputs.unheated.reindex(base.index)
        rows = []
        for code in base.index:
            row = edited.loc[code] if code in changed else base.loc[code]
            if pd.isna(row["unheated_buildings"]) and pd.isna(row["residents"]):
                continue  # no report for this district, before or after the edit
            since = uh.at[code, "unheated_since"] if "unheated_since" in uh else pd.NaT
            rows.append({"district_code": code,
                         "reported_at": stamp if code in changed else _iso_or_empty(uh.at[code, "reported_at"]),
                         "unheated_buildings": _number(row["unheated_buildings"]),
                         "residents": _number(row["residents"]),
                         "unheated_since": _iso_or_empty(since)})
        new["unheated"] = Upload.of("unheated", "unheated-edited-in-app.csv", _csv(rows), edited=True,
                                    illustrative=_illustrative(sources, "unheated"))

    changed = changed_rows(base, edited, EDIT_COLUMNS_BY_ROLE["outages"])
    if not changed.empty:
        out = inputs.outages.reindex(base.index)
        rows = []
        for code in base.index:
            row = edited.loc[code] if code in changed else base.loc[code]
            status = row["outage_status"]
            if not isinstance(status, str) or not status:
                continue
            hours = row["hours_off_per_day"]
            if code in changed and status in pipeline.DEFAULT_HOURS_OFF and status != base.at[code, "outage_status"] \
                    and _same(hours, base.at[code, "hours_off_per_day"]):
                hours = pipeline.DEFAULT_HOURS_OFF[status]  # none -> 0 h, emergency -> 24 h
            rows.append({"district_code": code, "status": status, "hours_off_per_day": _number(hours),
                         "reported_at": stamp if code in changed else _iso_or_empty(out.at[code, "reported_at"])})
        new["outages"] = Upload.of("outages", "outages-edited-in-app.csv", _csv(rows), edited=True,
                                   illustrative=_illustrative(sources, "outages"))
    return new


def _illustrative(sources: Mapping[str, Upload], role: str) -> bool:
    """An edit of the embedded scenario's reports (or of an edit of them) is still illustrative."""
    return role not in sources or sources[role].illustrative


def _same(a, b) -> bool:
    return (pd.isna(a) and pd.isna(b)) or a == b


def _iso_or_empty(ts) -> str:
    return "" if pd.isna(ts) else iso_utc(ts)


def _number(value) -> str:
    return "" if pd.isna(value) else f"{float(value):g}"


def _csv(rows: list[dict]) -> bytes:
    return pd.DataFrame(rows).to_csv(index=False, lineterminator="\n").encode("utf-8")


# --------------------------------------------------------------------------- settings

def setting_sources(path: Path = DEFAULTS_FILE) -> dict[str, str]:
    """The comment above each key of ``defaults.toml``: where its default comes from.

    A comment block applies to every key that follows it up to the next blank line or comment.
    """
    sources, block, inherit = {}, [], ""
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            block.append(stripped.lstrip("#").strip())
        elif "=" in stripped and not stripped.startswith("["):
            if block:
                inherit, block = " ".join(block), []
            sources[stripped.split("=", 1)[0].strip()] = inherit
        else:
            block, inherit = [], ""
    return sources


# --------------------------------------------------------------------------- what the page shows

@dataclasses.dataclass(frozen=True, eq=False)
class ListFiles:
    """A list's CSV and HXL downloads, made on first use (a click: the app's download buttons are
    deferred), once per list: a re-rank at 1,469 districts does not wait 0.1 s for each. It holds
    the list alone, so a session's download buttons keep no ranking arrays alive."""

    priority: pd.DataFrame
    published_csv: bytes | None = None  # the published file's bytes, as read

    @functools.cached_property
    def csv(self) -> bytes:
        """The CLI's bytes for a ranked list, the published file for a published one."""
        return self.published_csv if self.published_csv is not None else priority_bytes(self.priority, "csv")

    @functools.cached_property
    def hxl(self) -> bytes:
        return priority_bytes(self.priority, "csv", hxl=True)


@dataclasses.dataclass(frozen=True)
class Listing:
    """A priority list with its provenance: ranked here (``result``) or published (``published``)."""

    priority: pd.DataFrame  # README: Priority list columns
    files: ListFiles  # its CSV and HXL downloads
    issued_at: str
    forecast_source: str
    stale: bool
    result: pipeline.RankResult | None = None
    published: store.Published | None = None
    state: DataState | None = None  # embedded inputs and forecast age (``heatneed.datastate``)

    @property
    def csv(self) -> bytes:
        return self.files.csv

    @property
    def hxl(self) -> bytes:
        return self.files.hxl


def model_listing(result: pipeline.RankResult) -> Listing:
    return Listing(result.priority, ListFiles(result.priority), result.forecast.attrs.get("issued_at", ""),
                   result.forecast.attrs.get("source", ""), result.stale, result=result, state=result.data_state)


def published_listing(published: store.Published) -> Listing:
    """The published list; its download is the published file itself when it is still there."""
    forecast = published.manifest.get("forecast", {})
    name = f"{store.LATEST}/{store.PRIORITY_FILE}"
    try:
        data = (published.run_dir / store.PRIORITY_FILE).read_bytes()
        if store.sha256_hex(data) != published.manifest["files"][name]["sha256"]:
            raise ValueError("replaced since it was read")
    except (OSError, KeyError, ValueError):  # pruned or replaced by a refresh since: the list as read
        data = priority_bytes(published.priority, "csv")
    recorded = published.manifest.get("data_state") or {}
    state = data_state(recorded.get("embedded") or (), {"issued_at": forecast.get("issued_at"),
                                                         "stale": forecast.get("stale", False)},
                       stale_after_hours=recorded.get("stale_after_hours"))  # its age now, not at publication
    return Listing(published.priority, ListFiles(published.priority, data), forecast.get("issued_at") or "",
                   forecast.get("source") or "", published.stale or state.stale, published=published, state=state)


def data_state_lines(state: DataState | None, lang: str) -> tuple[str | None, str | None, str]:
    """(illustrative warning or None, stale-by-age error or None, forecast age text) for the header."""
    if state is None:
        return None, None, ""
    age = (i18n.text("forecast_age_unknown", lang) if state.age_hours is None
           else i18n.text("forecast_age", lang, age=age_label(state.age_hours, lang)))
    warning = (i18n.text("still_embedded", lang, roles=", ".join(i18n.role(r, lang) for r in state.embedded))
               if state.embedded else None)
    too_old = state.age_hours is None or state.age_hours > state.stale_after_hours
    error = (i18n.text("stale_age", lang, age=age_label(state.age_hours or 0.0, lang)
                       if state.age_hours is not None else "?", limit=i18n.short(state.stale_after_hours, lang))
             if too_old else None)
    return warning, error, age


# --------------------------------------------------------------------------- display tables

def district_names(districts: pd.DataFrame, lang: str) -> pd.Series:
    """District name per code in ``lang`` (Ukrainian from ``district_name_uk`` where given)."""
    names = districts["district_name"].astype(str)
    if lang == "uk" and "district_name_uk" in districts:
        names = districts["district_name_uk"].where(districts["district_name_uk"].notna(), names).astype(str)
    return names


def both_names(districts: pd.DataFrame, code: str, lang: str, fallback: str | None = None) -> str:
    """``Святошинський / Sviatoshynskyi``: the chosen language first, the other after it.

    ``fallback`` (default: the code) names a district missing from the registry, e.g. in a list
    published from another registry.
    """
    if code not in districts.index:
        return fallback or code
    return name_labels(districts, lang)[code]


def name_labels(districts: pd.DataFrame, lang: str) -> pd.Series:
    """``both_names`` of every district at once (index district_code): for the options of a
    selector, whose format function runs once per district on every rerun."""
    first = district_names(districts, lang)
    second = district_names(districts, "en" if lang == "uk" else "uk")
    return first.where(first == second, first + " / " + second)


def _translated(values: pd.Series, translate) -> pd.Series:
    """``translate`` applied once per distinct value (labels repeat across thousands of rows)."""
    return values.map({value: translate(value) for value in values.unique()})


def priority_view(priority: pd.DataFrame, names: pd.Series, lang: str) -> pd.DataFrame:
    """The priority list for the screen: localised names and labels, index district_code."""
    view = pd.DataFrame(index=pd.Index(priority["district_code"], name="district_code"))
    values = priority.set_index("district_code")
    # The key columns first (KEY_COLUMNS: visible on a 390 px phone without scrolling sideways).
    view["rank"] = values["rank"]
    view["district"] = names.reindex(view.index).fillna(values["district_name"]).astype(str)
    view["severity"] = values["severity"].astype(int)
    view["residents_unheated"] = values["residents_unheated"]
    view["hours_to_12c"] = values["hours_to_12c"]
    view["severity_label"] = _translated(values["severity_label"], lambda s: i18n.severity_label(s, lang))
    view["risk_score"] = values["risk_score"]
    for col in ("hours_to_5c", "min_indoor_c"):
        view[col] = values[col]
    view["main_driver"] = _translated(values["main_driver"].fillna(""), lambda d: i18n.driver(d, lang))
    view["outage_status"] = _translated(values["outage_status"], lambda s: i18n.outage_status(s, lang))
    for col in ("hours_off_per_day", "unheated_buildings", "min_temp_c", "min_wind_chill_c", "p_indoor_below_12c"):
        view[col] = values[col]
    # Risk model v2 columns; a list published before them shows them empty.
    for col in ("expected_below_12c_24h", "expected_below_5c_24h", "expected_below_12c", "expected_below_5c",
                "cold_harm"):
        view[col] = values[col] if col in values else pd.NA
    low = values["risk_low"] if "risk_low" in values else pd.Series(np.nan, index=values.index)
    high = values["risk_high"] if "risk_high" in values else pd.Series(np.nan, index=values.index)
    view["risk_range"] = [f"{i18n.number(lo, lang, 1)}–{i18n.number(hi, lang, 1)}"
                          if pd.notna(lo) and pd.notna(hi) else ""
                          for lo, hi in zip(low, high)]
    view["completeness"] = _translated(values["completeness"].fillna(""), lambda c: i18n.completeness(c, lang))
    return view


def why_table(why, lang: str) -> pd.DataFrame:
    """"Why this rank" (``explain.Why``): the reference district's score, the points each factor adds
    (``risk.decompose``) with how far they lie above the median of the list's districts, the main
    driver starred, the score they sum to, and the part of them resting on missing data (the score
    minus ``risk_low``; a main-driver candidate, not a summand). Points with two decimals (the factors are often
    tenths), signed."""
    t = lambda key, **v: i18n.text(key, lang, **v)  # noqa: E731
    num = lambda v, d: i18n.number(v, lang, d)  # noqa: E731
    signed = lambda v: ("+" if not np.isnan(v) and v >= 0 else "") + num(v, 2)  # noqa: E731
    c = why.contributions.sort_values("relative", ascending=False, kind="stable")
    main = i18n.driver(why.main_driver, lang)
    factors = [i18n.driver(risk.DRIVERS[k], lang) for k in c.index]
    rows = [(t("why_reference"), num(why.reference, 2), "")]
    rows += [(f"★ {name}" if name == main else name, signed(pts), signed(rel))
             for name, pts, rel in zip(factors, c["points"], c["relative"])]
    rows.append((t("why_total"), num(why.risk, 2), ""))
    missing = i18n.driver(risk.DRIVERS["missing"], lang)
    rows.append((("★ " if missing == main else "") + t("why_missing_row", driver=missing),
                 signed(why.missing_points), signed(why.missing_relative)))
    return pd.DataFrame(rows, columns=[t("why_factor"), t("why_points"), t("why_relative")])


def why_lines(why, lang: str, p: ModelParams) -> list[str]:
    """The rest of "why this rank" in words: main driver, what is missing and the score and rank range
    it allows, and the rank at both ends of the τ band."""
    t = lambda key, **v: i18n.text(key, lang, **v)  # noqa: E731
    lines = []
    if why.harmed:
        lines.append(t("why_main", driver=i18n.driver(why.main_driver, lang)))
    elif not np.isnan(why.risk):
        lines.append(t("why_nobody"))
    if why.missing:
        items = ", ".join(t(f"why_missing_{k}") for k in why.missing)
        lines.append(t("why_missing", items=items, low=i18n.number(why.risk_low, lang, 1), high=i18n.number(why.risk, lang, 1)))
    else:
        lines.append(t("why_complete"))
    rank_range = str(why.rank_best) if why.rank_best == why.rank_worst else f"{why.rank_best}–{why.rank_worst}"
    lines.append(t("why_rank_range", rank=why.rank, range=rank_range))
    if why.rank_tau_low is not None:
        lines.append(t("why_tau", low=i18n.short(p.tau_low_hours, lang), high=i18n.short(p.tau_high_hours, lang),
                       rank_low=why.rank_tau_low, rank_high=why.rank_tau_high))
    return lines


SEVERITY_LEVELS = tuple(str(level) for level in sorted(SEVERITY_COLOURS))


def styled_priority(view: pd.DataFrame, lang: str = i18n.REFERENCE):
    """The view for the table: severity as coloured badges (``severity_badges``), numbers written in
    ``lang`` as a Styler's display text (format only: no per-cell styles, which cost 0.6 s a rerun
    at 1,469 districts).

    The numbers are formatted by ``i18n.number`` (Babel: ``27 601`` and ``-9,4`` in Ukrainian) as the
    Styler's display values: Streamlit shows those while the cells keep their numbers, so sorting
    by a column still sorts numerically (printf formats in ``st.column_config`` cannot write a
    decimal comma).
    """
    formats = {name: functools.partial(i18n.number, lang=lang, decimals=decimals)
               for name, decimals in _display_decimals().items() if name in view.columns and name != "severity"}
    for name in HOURS_TO_COLUMNS:  # 0 h: already below the threshold, said in words as in the detail
        if name in formats:
            formats[name] = functools.partial(_hours_to_cell, number=formats[name], already=i18n.text("already_short", lang))
    return severity_badges(view).style.format(formats)


#: The table's "hours until indoors fall below a threshold" columns: 0 reads "already below".
HOURS_TO_COLUMNS = ("hours_to_12c", "hours_to_5c")


def _hours_to_cell(hours, number, already: str) -> str:
    return already if not pd.isna(hours) and float(hours) <= 0 else number(hours)


def needs_column_config(column_config, columns, lang: str) -> dict:
    """Headers of the needs and what-if tables in ``lang`` (``[needs_column]`` of the catalogues; a
    what-if column is its figure's header with "now", "what-if" or "change"), the column's code as
    help: the tables keep their codes, as the needs.csv download does."""
    def label(column: str) -> str | None:
        for suffix in ("_baseline", "_scenario", "_change"):  # the what-if table's three columns per figure
            if column.endswith(suffix):
                base = i18n.message("needs_column", column[: -len(suffix)], lang)
                return base and f"{base} ({i18n.message('needs_column', suffix, lang)})"
        return i18n.message("needs_column", column, lang)

    return {c: column_config.Column(label(c), help=c) for c in columns if label(c)}


def localised_numbers(frame: pd.DataFrame, lang: str):
    """``frame`` as a Styler writing every number column in ``lang`` (``i18n.number``) with the
    decimals its values have (up to 3: the tables are already rounded as published); the cells
    keep their numbers, so sorting stays numeric."""
    formats = {}
    for name in frame.columns:
        values = frame[name]
        if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
            continue
        finite = values.dropna().astype(float).to_numpy()
        finite = finite[np.isfinite(finite)]
        decimals = next((d for d in range(4) if np.allclose(finite, np.round(finite, d), rtol=0, atol=1e-9)), 3)
        formats[name] = functools.partial(i18n.number, lang=lang, decimals=decimals)
    return frame.style.format(formats)


def _display_decimals() -> dict[str, int]:
    """Decimals each number column of the app's table is shown with (the column registry's)."""
    return {col.name: col.decimals or 0 for col in columns.PRIORITY
            if col.label is not None and col.display != "text"}


def severity_badges(view: pd.DataFrame) -> pd.DataFrame:
    """The view with each severity as a one-badge list, for ``severity_column`` to colour.

    The table's severity colours come from the grid's own badge colouring, not a pandas Styler:
    a Styler renders every cell of the table in Python on every rerun (0.6 s for 1,469 districts
    on the benchmark machine, README: Speed), the badges cost nothing.
    """
    return view.assign(severity=[[str(level)] for level in view["severity"]])


def severity_column(column_config, t):
    """The severity column as coloured badges (``SEVERITY_COLOURS``), with the key column's short
    header, full label as help and width (``KEY_COLUMNS``); ``column_config`` is
    ``st.column_config``, ``t`` the page's translation function."""
    short, full, width = KEY_COLUMNS["severity"]
    return column_config.MultiselectColumn(t(short), help=t(full), options=list(SEVERITY_LEVELS),
                                           color=[SEVERITY_COLOURS[int(level)] for level in SEVERITY_LEVELS],
                                           width=width)


# --------------------------------------------------------------------------- key figures

@dataclasses.dataclass
class KeyFigures:
    residents_unheated: int
    severe_districts: int
    districts: int
    coldest_c: float | None = None
    coldest_time: pd.Timestamp | None = None  # UTC
    coldest_district: str | None = None
    earliest_hours: float | None = None  # from forecast start; None: nobody exposed / never
    earliest_time: pd.Timestamp | None = None
    earliest_district: str | None = None


def key_figures(priority: pd.DataFrame, forecast=None) -> KeyFigures:
    """Header figures from the priority list (and the forecast, for the times)."""
    exposed = priority[priority["residents_unheated"].fillna(0) > 0]
    kf = KeyFigures(residents_unheated=int(priority["residents_unheated"].fillna(0).sum()),
                    severe_districts=int((priority["severity"] >= 4).sum()), districts=len(priority))
    start = None
    # The coldest hour is the list's (published) min_temp_c in both views, the first such district in
    # list order: the model view adds only the time, from that district's ensemble-median forecast.
    if priority["min_temp_c"].notna().any():
        row = priority.loc[priority["min_temp_c"].idxmin()]
        kf.coldest_c, kf.coldest_district = float(row["min_temp_c"]), row["district_code"]
    if forecast is not None:
        start = pd.Timestamp(forecast["time"].values[0])
        if kf.coldest_district is not None and kf.coldest_district in forecast["district"].values:
            median = forecast["temp_c"].sel(district=kf.coldest_district).median("member")
            kf.coldest_time = pd.Timestamp(median["time"].values[int(median.argmin("time"))])
    hours = exposed["hours_to_12c"].dropna()
    if not hours.empty:
        row = exposed.loc[hours.idxmin()]
        kf.earliest_hours, kf.earliest_district = float(row["hours_to_12c"]), row["district_code"]
        if start is not None:
            kf.earliest_time = start + pd.Timedelta(hours=kf.earliest_hours)
    return kf


def headline(kf: KeyFigures, names: pd.Series, lang: str, horizon_hours: float) -> list[tuple]:
    """The four key figures as (label, value, note, help) in ``lang``; notes name district and time."""
    t = lambda key, **kw: i18n.text(key, lang, **kw)  # noqa: E731
    coldest_note = " · ".join(filter(None, [local_time(kf.coldest_time), names.get(kf.coldest_district, "")]))
    if kf.earliest_hours is None:
        earliest = t("none_exposed") if kf.residents_unheated == 0 else t("not_within", hours=i18n.short(horizon_hours, lang))
    elif kf.earliest_hours == 0:
        earliest = t("already")
    elif kf.earliest_time is not None:
        earliest = local_time(kf.earliest_time)
    else:  # a published list: hours from a forecast start it does not record
        earliest = t("after_hours", hours=i18n.number(kf.earliest_hours, lang, 1))
    return [
        (t("kf_residents"), i18n.number(kf.residents_unheated, lang), None, t("kf_residents_help")),
        (t("kf_severe"), t("kf_severe_value", count=kf.severe_districts, total=kf.districts), None, None),
        (t("kf_coldest"), i18n.number(kf.coldest_c, lang, 1) + ("" if kf.coldest_c is None else " °C"),
         coldest_note or None,
         t("kf_coldest_help")),
        (t("kf_earliest"), earliest, names.get(kf.earliest_district) if kf.earliest_district else None,
         t("kf_earliest_help")),
    ]


def local_time(ts, fmt: str = "%d.%m %H:%M") -> str:
    """A UTC time (naive = UTC) in Kyiv time, e.g. ``01.02 06:00``; empty for missing."""
    if ts is None or (not isinstance(ts, str) and pd.isna(ts)) or ts == "":
        return ""
    t = pd.Timestamp(ts)
    t = t.tz_localize("UTC") if t.tzinfo is None else t
    return t.tz_convert(DISPLAY_TZ).strftime(fmt)


def age_text(hours: float) -> float:
    """Age rounded for display: tenths under ten hours, whole hours above."""
    return round(hours, 1) if hours < 10 else round(hours)


def age_label(hours: float, lang: str) -> str:
    """An age [h] as shown: ``2.5 h`` / ``2,5 год`` under ten hours, ``36 h`` above (``age_text``)."""
    return i18n.hours(age_text(hours), lang, 1 if hours < 10 else 0)


# --------------------------------------------------------------------------- one district in detail

def hours_text(hours, lang: str) -> str:
    """Hours to a threshold for the screen: "never" (not within the horizon), "already below" at 0 h
    (as the header says it), else one decimal."""
    if pd.isna(hours):
        return i18n.text("never", lang)
    return i18n.text("already", lang) if float(hours) <= 0 else i18n.number(hours, lang, 1)


def threshold_table(hours: pd.DataFrame, result: pipeline.RankResult, lang: str) -> pd.DataFrame:
    """``DistrictDetail.hours`` for the screen: labels, one decimal, the Kyiv time of the median."""
    t = lambda key, **kw: i18n.text(key, lang, **kw)  # noqa: E731
    p = result.params
    start = pd.Timestamp(result.forecast["time"].values[0])
    fmt = lambda h: hours_text(h, lang)  # noqa: E731
    return pd.DataFrame({
        t("th_threshold"): [t(k, c=i18n.short(c, lang)) for k, c in zip(("th_18", "th_12", "th_5"), hours.index)],
        t("th_median"): [fmt(h) for h in hours["median"]],
        t("th_when"): ["" if pd.isna(h) else local_time(start + pd.Timedelta(hours=h)) for h in hours["median"]],
        t("th_ensemble"): [fmt(a) if fmt(a) == fmt(b) else f"{fmt(a)} – {fmt(b)}"
                           for a, b in zip(hours["p10"], hours["p90"])],
        t("th_tau", low=i18n.short(p.tau_low_hours, lang), high=i18n.short(p.tau_high_hours, lang)):
            [fmt(a) if fmt(a) == fmt(b) else f"{fmt(a)} … {fmt(b)}"
             for a, b in zip(hours["tau_low"], hours["tau_high"])],
    })


# --------------------------------------------------------------------------- charts

#: Decimals of the temperatures [°C] handed to the charts: their tooltips show the data, so it is
#: rounded as the list publishes temperatures (one decimal), never a raw float.
CHART_DECIMALS = 1

def localised(chart, lang: str):
    """``chart`` with its axes and tooltips writing numbers as ``i18n.number`` does in ``lang``
    (Vega-Lite ``config.locale``: ``-9,4`` in Ukrainian)."""
    return chart.configure(locale=i18n.vega_locale(lang))


def wall_clock(times) -> pd.DatetimeIndex:
    """UTC times (naive = UTC) as naive Kyiv wall-clock times.

    Vega-Lite shows times in the viewer's time zone unless they carry none; naive wall-clock
    times show as Kyiv time on every laptop, as the axis titles say.
    """
    index = pd.DatetimeIndex(times)
    index = index.tz_localize("UTC") if index.tz is None else index
    return index.tz_convert(DISPLAY_TZ).tz_localize(None)


def _long(series: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    frame = series[list(columns)].rename(columns=columns).round(CHART_DECIMALS)
    frame.index = wall_clock(frame.index).rename("time")
    return frame.reset_index().melt("time", var_name="series", value_name="temp_c").dropna()


def _band(series: pd.DataFrame, low: str, high: str, label: str) -> pd.DataFrame:
    frame = series[[low, high]].dropna().rename(columns={low: "low", high: "high"}).round(CHART_DECIMALS)
    frame.index = wall_clock(frame.index).rename("time")
    return frame.reset_index().assign(series=label)


# The detail's three charts are redrawn on every re-rank (a new τ changes the indoor curve, a new
# horizon every curve). Building an Altair chart and serialising it cost 0.05–0.1 s each, so each
# chart's Vega-Lite spec is built once per language (and threshold lines) as a skeleton: JSON text
# whose curves are named datasets and whose labels that change with a setting are placeholders;
# a district's chart is the skeleton with its curves and labels put in (``_from_skeleton``).
# The skeletons live as long as the process: they are built with Altair's default data transformer
# and theme, which the app never changes (it draws every chart with ``st.vega_lite_chart``; Streamlit
# switches them only while drawing ``st.altair_chart`` and its simple charts).

def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as Vega-Lite data values, times written as Altair writes them (ISO 8601, no zone)."""
    times = {c: frame[c].dt.strftime("%Y-%m-%dT%H:%M:%S") for c in frame.columns
             if pd.api.types.is_datetime64_any_dtype(frame[c])}
    return frame.assign(**times).to_dict("records")


def _from_skeleton(skeleton: str, datasets: dict[str, pd.DataFrame], labels: Mapping[str, str] | None = None) -> dict:
    """A chart's spec: the ``skeleton`` (JSON text) with each placeholder of ``labels`` replaced by
    its text and each of ``datasets`` given as the named data of that name."""
    for placeholder, label in (labels or {}).items():
        skeleton = skeleton.replace(placeholder, json.dumps(label)[1:-1])
    spec = json.loads(skeleton)
    spec.setdefault("datasets", {}).update({name: _records(frame) for name, frame in datasets.items()})
    return spec


def _time_axis(lang: str) -> alt.X:
    return alt.X("time:T", title=i18n.text("axis_time", lang), axis=alt.Axis(format="%d.%m %H:%M"))


@functools.lru_cache(maxsize=8)
def _outdoor_skeleton(lang: str) -> str:
    """``outdoor_chart``'s spec without its curves (named datasets ``lines``, ``band``)."""
    t = lambda key, **kw: i18n.text(key, lang, **kw)  # noqa: E731
    colours = alt.Scale(domain=[t("series_outdoor"), t("series_wind_chill"), t("series_outdoor_band")],
                        range=["#1f5fa8", "#6a3d9a", "#9ecae1"])
    x = _time_axis(lang)
    area = alt.Chart(alt.NamedData(name="band")).mark_area(opacity=0.45).encode(
        x=x, y=alt.Y("low:Q", title=t("axis_temp")), y2="high:Q",
        color=alt.Color("series:N", scale=colours, title=None,
                        legend=alt.Legend(orient="bottom", columns=1, labelLimit=0)))
    line = alt.Chart(alt.NamedData(name="lines")).mark_line().encode(
        x=x, y="temp_c:Q", color=alt.Color("series:N", scale=colours, title=None),
        tooltip=[alt.Tooltip("time:T", format="%d.%m %H:%M", title=t("axis_time")), alt.Tooltip("series:N", title=" "),
                 alt.Tooltip("temp_c:Q", format=".1f", title=t("axis_temp"))])
    return json.dumps(localised((area + line).properties(height=260), lang).to_dict(validate=False))


def outdoor_chart(series: pd.DataFrame, lang: str) -> dict:
    """Outdoor temperature (median line, P10–P90 band) and wind chill over the horizon: a Vega-Lite spec."""
    t = lambda key, **kw: i18n.text(key, lang, **kw)  # noqa: E731
    return _from_skeleton(_outdoor_skeleton(lang), {
        "lines": _long(series, {"outdoor_c": t("series_outdoor"), "wind_chill_c": t("series_wind_chill")}),
        "band": _band(series, "outdoor_c_p10", "outdoor_c_p90", t("series_outdoor_band"))})


#: The indoor chart's series labels, as placeholders in its skeleton (they name τ and the τ band).
INDOOR_LABELS = {"median": "@@median@@", "ensemble_band": "@@ensemble_band@@", "tau_band": "@@tau_band@@"}


@functools.lru_cache(maxsize=16)
def _indoor_skeleton(lang: str, rules_c: tuple[float, float, float]) -> str:
    """``indoor_chart``'s spec without its curves (named datasets ``median``, ``ensemble_band``,
    ``tau_band``), its series labels as ``INDOOR_LABELS`` placeholders."""
    t = lambda key, **kw: i18n.text(key, lang, **kw)  # noqa: E731
    labels = INDOOR_LABELS
    colours = alt.Scale(domain=[labels["median"], labels["ensemble_band"], labels["tau_band"]],
                        range=["#b3261e", "#f4a582", "#fddbc7"])
    x = _time_axis(lang)
    color = alt.Color("series:N", scale=colours, title=None,
                      legend=alt.Legend(orient="bottom", columns=1, labelLimit=0))
    tau_band = alt.Chart(alt.NamedData(name="tau_band")).mark_area(opacity=0.6).encode(
        x=x, y=alt.Y("low:Q", title=t("axis_temp")), y2="high:Q", color=color)
    ens_band = alt.Chart(alt.NamedData(name="ensemble_band")).mark_area(opacity=0.7).encode(
        x=x, y="low:Q", y2="high:Q", color=color)
    line = alt.Chart(alt.NamedData(name="median")).mark_line(strokeWidth=2.5).encode(
        x=x, y="temp_c:Q", color=color,
        tooltip=[alt.Tooltip("time:T", format="%d.%m %H:%M", title=t("axis_time")),
                 alt.Tooltip("temp_c:Q", format=".1f", title=t("axis_temp"))])
    rules = pd.DataFrame({"temp_c": list(rules_c), "label": [f"{i18n.short(c, lang)} °C" for c in rules_c]})
    rule = alt.Chart(rules).mark_rule(strokeDash=[5, 4], color="#444").encode(y="temp_c:Q")
    text = alt.Chart(rules).mark_text(align="left", dx=4, dy=-6, color="#444").encode(
        y="temp_c:Q", text="label:N", x=alt.value(0))
    return json.dumps(localised((tau_band + ens_band + line + rule + text).properties(height=300), lang)
                      .to_dict(validate=False))


def indoor_chart(series: pd.DataFrame, p: ModelParams, tau_hours: float, lang: str) -> dict:
    """Indoor temperature: median line, ensemble P10–P90 band, τ band, and the 18/12/5 °C lines: a Vega-Lite spec."""
    t = lambda key, **kw: i18n.text(key, lang, **kw)  # noqa: E731
    labels = {"median": t("series_indoor", tau=i18n.short(tau_hours, lang)),
              "ensemble_band": t("series_indoor_band"),
              "tau_band": t("series_tau_band", low=i18n.short(p.tau_low_hours, lang),
                            high=i18n.short(p.tau_high_hours, lang))}
    skeleton = _indoor_skeleton(lang, (float(p.minimal_c), float(p.moderate_c), float(p.very_high_c)))
    return _from_skeleton(skeleton, {
        "tau_band": _band(series, "indoor_c_tau_low", "indoor_c_tau_high", labels["tau_band"]),
        "ensemble_band": _band(series, "indoor_c_p10", "indoor_c_p90", labels["ensemble_band"]),
        "median": _long(series, {"indoor_c": labels["median"]})},
        {INDOOR_LABELS[name]: label for name, label in labels.items()})


@functools.lru_cache(maxsize=8)
def _power_skeleton(lang: str) -> str:
    """``power_chart``'s spec without its bars (named dataset ``power``)."""
    t = lambda key, **kw: i18n.text(key, lang, **kw)  # noqa: E731
    return json.dumps(localised(alt.Chart(alt.NamedData(name="power")).mark_bar(color="#f2b01e").encode(
        x=_time_axis(lang), x2="end:T",
        y=alt.Y("power_on:Q", title=t("axis_power"), scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format=".0%", values=[0, 0.5, 1])), y2=alt.datum(0),
        tooltip=[alt.Tooltip("time:T", format="%d.%m %H:%M", title=t("axis_time")),
                 alt.Tooltip("power_on:Q", format=".0%", title=t("axis_power"))],
    ).properties(height=160), lang).to_dict(validate=False))


def power_chart(series: pd.DataFrame, lang: str) -> dict:
    """Bars under the indoor curve: the share of each hour with power (1 = on all hour, 0 = off): a Vega-Lite spec."""
    frame = series[["power_on"]].dropna().copy()
    frame["end"] = frame.index + pd.Timedelta(hours=1) if len(frame) < 2 else \
        frame.index.append(pd.DatetimeIndex([frame.index[-1] + (frame.index[-1] - frame.index[-2])]))[1:]
    frame.index, frame["end"] = wall_clock(frame.index), wall_clock(frame["end"])
    return _from_skeleton(_power_skeleton(lang), {"power": frame.rename_axis("time").reset_index()})


def history_chart(history: pd.DataFrame, lang: str) -> alt.Chart:
    """Risk score (0–10) of one district over the published runs (``store.read_history``)."""
    frame = history[["published_at", "risk_score"]].copy()
    frame["published_at"] = wall_clock(frame["published_at"])
    return localised(alt.Chart(frame).mark_line(point=alt.OverlayMarkDef(color="#b3261e"), color="#b3261e").encode(
        x=alt.X("published_at:T", title=i18n.text("axis_published", lang), axis=alt.Axis(format="%d.%m %H:%M")),
        y=alt.Y("risk_score:Q", title=i18n.text("col_risk", lang), scale=alt.Scale(domain=[0, 10])),
        tooltip=[alt.Tooltip("published_at:T", format="%d.%m %H:%M", title=i18n.text("axis_published", lang)),
                 alt.Tooltip("risk_score:Q", format=".1f", title=i18n.text("col_risk", lang))],
    ).properties(height=220), lang)


# --------------------------------------------------------------------------- map

def _hex_rgb(colour: str, alpha: int = 220) -> list[int]:
    return [int(colour[i:i + 2], 16) for i in (1, 3, 5)] + [alpha]


def marker_radius_px(residents) -> np.ndarray:
    """Marker radius [px] on a fixed square-root scale of residents exposed (6 px at none, ≤ 48 px)."""
    r = np.sqrt(np.clip(np.nan_to_num(np.asarray(residents, dtype=float)), 0, None))
    return np.minimum(6.0 + 0.12 * r, 48.0)


def view_state(points: pd.DataFrame, width_px: float = 900.0, height_px: float = 480.0) -> pdk.ViewState:
    """A view that shows every point in a map of about ``width_px`` × ``height_px`` (Web Mercator)."""
    lat = float(points["lat"].mean())
    span_lon = max(float(points["lon"].max() - points["lon"].min()), 0.02)
    span_lat = max(float(points["lat"].max() - points["lat"].min()), 0.02) / math.cos(math.radians(lat))
    # deck.gl's world is 512 px wide at zoom 0: one degree spans 512·2^z/360 px (÷cos(lat) north–south).
    zoom = min(math.log2(width_px * 360.0 / (512.0 * span_lon)), math.log2(height_px * 360.0 / (512.0 * span_lat)))
    return pdk.ViewState(latitude=lat, longitude=float(points["lon"].mean()),
                         zoom=float(np.clip(zoom - 0.4, 3.0, 12.0)))


# --------------------------------------------------------------------------- export

def report_edits(base: Inputs, current: Inputs) -> tuple:
    """The report cells edited in the app (``export.Edit``: district, column, before -> after): the
    editor's table of the inputs before the edits against the inputs in use."""
    return export.edit_log(editable_reports(base), editable_reports(current))


def listing_provenance(listing: Listing, edits: tuple = ()) -> export.Provenance:
    """What a shown list stands on, for the XLSX's provenance sheet and the export names: the
    ranking here with the app's ``edits``, or the published run's manifest."""
    if listing.result is not None:
        return export.provenance_of(listing.result, edits)
    return export.provenance_of_published(listing.published.manifest)


#: The key columns of the app's table, first and in this order: short header (i18n id), the full
#: label as its help tooltip, width [px]. With the row selector (33 px) they take 354 px of the
#: 356 px a 390 px wide phone leaves the table, so they are seen without scrolling sideways.
KEY_COLUMNS = {
    "rank": ("short_rank", "col_rank", 30),
    "district": ("col_district", "col_district", 110),
    "severity": ("short_severity", "col_severity", 40),
    "residents_unheated": ("short_residents", "col_residents", 62),
    "hours_to_12c": ("short_hours_12", "col_hours_12", 79),
}


def header_width_px(label: str) -> int:
    """A column width [px] that shows ``label`` whole in the table's 14 px header font (about 7.5 px
    a character, 16 px padding and room for the sort arrow), at most 260 px."""
    return int(min(260, 30 + 7.5 * len(label)))


def priority_column_config(column_config, t) -> dict:
    """The app table's column configuration from the column registry (``heatneed.columns``) and
    the key columns' layout (``KEY_COLUMNS``).

    ``column_config`` is ``st.column_config`` (passed in: the library does not import Streamlit),
    ``t`` the translation function of the page. Number columns get no format here: their text
    comes from ``styled_priority`` in the page's language (Streamlit shows a Styler's text only in
    number columns without a format; a progress bar always writes its number with a point, so the
    risk score is a number column too).
    """
    out = {}
    for col in columns.PRIORITY:
        if col.label is None:
            continue
        label = t(col.label)
        size = {"width": col.width or header_width_px(label), "help": label}  # whole header, also on hover
        if col.display == "text":
            out[col.name] = column_config.TextColumn(label, **size)
        else:
            out[col.name] = column_config.NumberColumn(label, **size)
    out["district"] = column_config.TextColumn(t("col_district"))
    for name, (short, full, width) in KEY_COLUMNS.items():
        kind = column_config.TextColumn if name == "district" else column_config.NumberColumn
        out[name] = kind(t(short), help=t(full), width=width)
    return out


def cli_command(params: ModelParams, defaults: ModelParams, sources: Mapping[str, Upload]) -> str:
    """The command line that writes the same priority list: flags, and a TOML file for the rest."""
    from .config import MODEL_FLAGS, load_config

    flag_of = {field: flag for flag, (field, _) in MODEL_FLAGS.items()}
    section_of = {key: section for section, values in load_config().items() if isinstance(values, dict)
                  for key in values}
    changed = {f.name: getattr(params, f.name) for f in dataclasses.fields(params)
               if getattr(params, f.name) != getattr(defaults, f.name)}
    command = ["python -m heatneed rank"]
    command += [f"--{role.replace('_', '-')} {shlex.quote(up.name)}" for role, up in sources.items()]
    command += [f"{flag_of[k]} {v:g}" for k, v in changed.items() if k in flag_of]
    in_toml = {k: v for k, v in changed.items() if k not in flag_of}
    lines = []
    if in_toml:
        command.append("--config settings.toml")
        lines.append("# settings.toml")
        for section in dict.fromkeys(section_of[k] for k in in_toml):
            lines.append(f"[{section}]")
            lines += [f"{k} = {v!r}" for k, v in in_toml.items()
                      if section_of[k] == section]
        lines.append("")
    return "\n".join(lines + [" ".join(command + ["--out priority.csv"])])
