"""Field thermometer readings for ``heatneed calibrate``: reading, validating, attaching outdoor temperatures.

Readings come as CSV (every dialect ``heatneed.inputs`` accepts), workbooks (.xlsx/.xls/.ods, first
visible sheet, ``heatneed.sheets``) or Parquet; they are checked with the same pandera machinery and one-line problems
(file, row as Excel shows it, column) as every other input. Outdoor temperatures come from the
readings' ``outdoor_c``, an outdoor series file, or a weather source near the district's centroid.
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from .errors import InputError, located
from .inputs import BOOLEAN_WORDS, RawTable, parse_table, read_table, unknown_codes


def _raw(source, name: str | None) -> RawTable:
    return read_table(source, name)  # CSV, Parquet or workbook: the one reader of heatneed.inputs


def read_readings(source, name: str | None = None, registry: pd.DataFrame | None = None) -> pd.DataFrame:
    """Validated thermometer readings from CSV, Parquet or Excel (raises InputError, one line per problem).

    Columns: ``site_id``, ``time`` (ISO 8601; no offset = UTC), ``indoor_c`` [°C]; optional
    ``outdoor_c`` [°C], ``heating_on`` (true/false, 1/0, yes/no, так/ні), ``district_code``.
    Rows may come in any order; a site's readings are sorted by time. Returns a frame with the
    typed columns, ``heating_on`` as bool (absent column: NaN) and ``_row`` (the Excel row).
    """
    table = _raw(source, name)
    frame, problems = parse_table(table, "readings")
    if problems:
        raise InputError(problems)
    if "heating_on" in frame:
        frame["heating_on"] = frame["heating_on"].map(BOOLEAN_WORDS)
    duplicated = frame.duplicated(["site_id", "time"], keep=False)
    if duplicated.any():
        first = frame[duplicated].groupby(["site_id", "time"])["_row"].transform("min")
        problems += [located(table.name, f"site {s!r} has two readings at {t:%Y-%m-%d %H:%M}Z (also row {f})", int(r),
                             "time") for s, t, r, f in zip(frame.loc[duplicated, "site_id"],
                                                            frame.loc[duplicated, "time"],
                                                            frame.loc[duplicated, "_row"], first) if r != f]
    if "district_code" in frame:
        codes = frame.groupby("site_id")["district_code"].nunique()
        for site in codes.index[codes > 1]:
            rows = frame.loc[frame["site_id"] == site, "_row"]
            problems.append(located(table.name, f"site {site!r} is given in more than one district_code "
                                                f"(rows {rows.min()}–{rows.max()})", column="district_code"))
        if registry is not None:
            known = frame.dropna(subset=["district_code"])
            problems += unknown_codes(known, registry.index, table.name)
    if problems:
        raise InputError(table.relabel(problems))
    return frame.sort_values(["site_id", "time", "_row"], kind="stable").reset_index(drop=True)


def read_outdoor(source, name: str | None = None) -> pd.DataFrame:
    """An outdoor temperature series: ``time``, ``outdoor_c`` [°C], optional ``district_code``."""
    table = _raw(source, name)
    frame, problems = parse_table(table, "outdoor")
    keys = ["district_code", "time"] if "district_code" in frame else ["time"]
    if not problems:
        duplicated = frame.duplicated(keys, keep="first")
        problems += [located(table.name, "a second value for the same time", int(r), "time")
                     for r in frame.loc[duplicated, "_row"]]
    if problems:
        raise InputError(table.relabel(problems))
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)


def _interpolated(times: pd.Series, series: pd.Series, max_gap_hours: float) -> np.ndarray:
    """``series`` (time-indexed) linearly interpolated at ``times``; NaN outside or across long gaps."""
    index = pd.DatetimeIndex(series.index)
    x = (index - index[0]) / pd.Timedelta(hours=1)
    t = (pd.DatetimeIndex(times) - index[0]) / pd.Timedelta(hours=1)
    values = np.interp(t, x, series.to_numpy(float), left=np.nan, right=np.nan)
    after = np.searchsorted(np.asarray(x), np.asarray(t), side="left").clip(1, len(x) - 1)
    gap = np.asarray(x)[after] - np.asarray(x)[after - 1]
    exact = np.isin(np.asarray(t), np.asarray(x))
    return np.where((gap <= max_gap_hours) | exact, values, np.nan)


def attach_outdoor(readings: pd.DataFrame, outdoor: pd.DataFrame | dict, name: str, outdoor_name: str,
                   max_gap_hours: float) -> pd.DataFrame:
    """Readings with ``outdoor_c`` filled from an outdoor series, linear in time.

    ``outdoor`` is a frame (``time``, ``outdoor_c``, optional ``district_code``) or a dict
    district_code → time-indexed Series (from a weather source). A reading the series does not
    cover (outside it, or inside a gap longer than ``max_gap_hours``) is an error naming its row.
    """
    out = readings.copy()
    filled = np.full(len(out), np.nan)
    if isinstance(outdoor, pd.DataFrame):
        if "district_code" in outdoor:
            series = {c: g.set_index("time")["outdoor_c"] for c, g in outdoor.groupby("district_code")}
        else:
            series = {None: outdoor.set_index("time")["outdoor_c"]}
    else:
        series = outdoor
    problems = []
    keys = out["district_code"] if None not in series else pd.Series(None, index=out.index, dtype=object)
    for key, rows in out.groupby(keys, dropna=False).groups.items():
        key = None if isinstance(key, float) and np.isnan(key) else key
        if key not in series:
            problems.append(located(outdoor_name, f"no outdoor temperatures for district {key!r}",
                                    column="district_code"))
            continue
        at = out.index.get_indexer(rows)
        filled[at] = _interpolated(out.loc[rows, "time"], series[key], max_gap_hours)
    for i in np.flatnonzero(np.isnan(filled))[:20]:
        if not problems or "no outdoor" not in problems[-1]:
            problems.append(located(name, f"no outdoor temperature in {outdoor_name} covers "
                                          f"{out.at[i, 'time']:%Y-%m-%d %H:%M}Z (outside its series or in a gap "
                                          f"over {max_gap_hours:g} h)",
                                    int(out.at[i, "_row"]), "time"))
    if problems:
        raise InputError(problems)
    out["outdoor_c"] = filled
    return out


def outdoor_from_source(source_name: str, registry: pd.DataFrame, readings: pd.DataFrame, config: dict,
                        district: str | None = None) -> dict[str, pd.Series]:
    """Outdoor series per district from a weather source (e.g. meteostat observations near the centroid).

    Uses ``heatneed.sources.live.fetch_forecast`` over the readings' time span (whole hours, one
    hour of margin). Raises SourceError when the source fails.
    """
    from .sources.live import fetch_forecast

    codes = sorted(set(readings["district_code"].dropna())) if "district_code" in readings else []
    codes = codes or ([district] if district else [])
    if not codes:
        raise InputError("readings without outdoor_c need a district (a district_code column or --district) "
                         "to fetch outdoor temperatures near it")
    missing = [c for c in codes if c not in registry.index]
    if missing:
        raise InputError(f"district_code {', '.join(map(repr, missing))} is not in the districts file")
    start = readings["time"].min().tz_convert(None).floor("h") - pd.Timedelta(hours=1)
    end = readings["time"].max().tz_convert(None).ceil("h") + pd.Timedelta(hours=1)
    ds = fetch_forecast(source_name, registry.loc[codes], start, end, dict(config.get("forecast", {})), None,
                        now=end)
    temp = ds["temp_c"].isel(member=0)
    return {c: pd.Series(temp.sel(district=c).values, index=pd.DatetimeIndex(ds["time"].values).tz_localize("UTC"))
            .dropna() for c in codes}
