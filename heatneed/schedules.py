"""Hourly power from outage schedules: DTEK GPV JSON, Yasno JSON, plain CSV/XLSX (issue 17).

Outages in Ukraine are announced per queue (черга 1.1–6.2, more groups in Kyiv) as hourly or
half-hourly slots in Europe/Kyiv wall-clock time. This module reads such schedules and the
district → queue shares, and turns them into the share of each forecast step with power,

    p_on[d, k] = Σ_q share[d, q] · (share of step k in which queue q has power)      [0..1]

on the forecast's UTC grid. Where the schedule does not cover a step (before its first day,
after its last one, a weekday missing from the weekly preset) the district's daily status stands
in for that part of the step: ``1 − hours_off_per_day / 24``, as without a schedule. A district whose
latest outage report is ``emergency`` has no power at all (the emergency overrides the schedule).

Local wall-clock times are converted with ``zoneinfo`` (DST-correct): on the last Sunday of March
the hour 03:00–04:00 does not exist and a slot for it lasts 0 h; on the last Sunday of October the
hour 03:00–04:00 happens twice and its slot lasts 2 h. A day therefore has 23, 24 or 25 hours.

Formats (samples and licences in ``data/outage-schedules/``):

- DTEK "GPV" JSON (``fact``: days keyed by the Unix time of Kyiv midnight, queue → hour slot
  "1".."24" → value; ``preset``: the weekly template, weekday "1".."7" = Mon..Sun). Values:
  ``yes`` power, ``no`` outage, ``maybe`` possible outage, ``first``/``second`` outage in the first /
  second half-hour, ``mfirst``/``msecond`` possible outage in that half-hour.
- Yasno JSON: planned outages (group → ``today``/``tomorrow`` with ``slots`` of minutes from local
  midnight typed ``Definite`` (outage) or ``NotPlanned``, ``date`` and ``status``) or probable
  outages (region → dsos → groups → ``slots`` by weekday "0".."6" = Mon..Sun: a weekly preset).
  Status ``EmergencyShutdowns`` means the whole day without power; ``NoOutages`` a day with power.
- CSV or XLSX with columns ``queue, start, end`` (optional ``kind``: ``off`` or ``maybe``), one row
  per outage; times ISO 8601, with an offset or ``Z`` (absolute) or without (Europe/Kyiv wall time).
  The file covers every Kyiv day from its first start to its last end; outside its rows a queue
  has power on those days.
"""

from __future__ import annotations

import datetime as dt_
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from .errors import InputError, located

KYIV = ZoneInfo("Europe/Kyiv")
UTC = dt_.timezone.utc
#: Largest schedule file read [bytes]: a country's DTEK files are ~1 MB each.
MAX_FILE_BYTES = 50 * 2**20
#: Slot kinds: power off, possibly off ("maybe", off unless configured otherwise), emergency (always off).
OFF, MAYBE, EMERGENCY = "off", "maybe", "emergency"
#: DTEK values → kinds of the first and second half-hour of the hour slot (None: power on).
DTEK_VALUES = {"yes": (None, None), "no": (OFF, OFF), "maybe": (MAYBE, MAYBE), "first": (OFF, None),
               "second": (None, OFF), "mfirst": (MAYBE, None), "msecond": (None, MAYBE)}
YASNO_TYPES = {"Definite": OFF, "NotPlanned": None}
YASNO_STATUSES = ("ScheduleApplies", "WaitingForSchedule", "EmergencyShutdowns", "NoOutages")
CSV_KINDS = (OFF, MAYBE)
#: Columns of a CSV/XLSX schedule table: name -> required.
TABLE_COLUMNS = {"queue": True, "start": True, "end": True, "kind": False}
_QUEUE_PREFIX = re.compile(r"^(gpv|черга|група|queue|group|grupa|cherga)\s*", re.IGNORECASE)


def normalise_queue(name) -> str:
    """One spelling per queue: ``GPV1.1``, ``Черга 1.1``, ``1.1`` → ``1.1`` (case and prefix ignored)."""
    return _QUEUE_PREFIX.sub("", str(name).strip()).strip().lower()


# --------------------------------------------------------------------------- settings

@dataclass(frozen=True)
class ScheduleSettings:
    """``[inputs]`` settings of the schedules (defaults and sources in ``heatneed/defaults.toml``)."""

    maybe_off: bool  # "maybe" slots count as outages
    share_tolerance: float  # district shares must sum to 1 within this [1]

    @classmethod
    def from_config(cls, config: dict | None, origin="config") -> "ScheduleSettings":
        """From ``[inputs]`` of a loaded config (``config.load_config``; None: the defaults alone)."""
        from .config import load_config

        defaults = load_config()["inputs"]
        section = dict((config if config is not None else {}).get("inputs") or {})
        # [inputs] also holds the input limits and the warming-site file; unknown keys are named by the
        # config check (``config.check_against_schema``): only the schedule's own keys are read here.
        problems = []
        maybe = section.get("schedule_maybe_off", defaults["schedule_maybe_off"])
        if not isinstance(maybe, bool):
            problems.append(located(origin, "[inputs] schedule_maybe_off must be true or false"))
        tol = section.get("schedule_share_tolerance", defaults["schedule_share_tolerance"])
        if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 0 <= tol < 0.5:
            problems.append(located(origin, "[inputs] schedule_share_tolerance must be a number in 0 … 0.5"))
        for key in ("outage_schedule", "district_queues"):
            if section.get(key) is not None and not isinstance(section[key], str):
                problems.append(located(origin, f"[inputs] {key} must be a path in quotes"))
        if problems:
            raise InputError(problems)
        return cls(maybe_off=maybe, share_tolerance=float(tol))


# --------------------------------------------------------------------------- the schedule

@dataclass
class OutageSchedule:
    """A parsed schedule: dated outage slots (UTC) and an optional weekly preset (local minutes).

    ``slots``: queue, start, end (UTC, tz-naive datetime64), kind — the published days;
    ``days``: queue, date — the Kyiv days those slots cover (a covered day without slots has power);
    ``preset``: queue, weekday (0 = Monday), start_min, end_min, kind — minutes of Kyiv wall time;
    ``preset_days``: queue, weekday — the weekdays the preset covers.
    """

    name: str
    source: str  # "DTEK", "Yasno", "CSV"
    slots: pd.DataFrame
    days: pd.DataFrame
    preset: pd.DataFrame = field(default_factory=lambda: _frame(PRESET_COLUMNS))
    preset_days: pd.DataFrame = field(default_factory=lambda: _frame(("queue", "weekday")))

    @property
    def queues(self) -> set[str]:
        return set(self.days["queue"]) | set(self.preset_days["queue"]) | set(self.slots["queue"])


SLOT_COLUMNS = ("queue", "start", "end", "kind")
PRESET_COLUMNS = ("queue", "weekday", "start_min", "end_min", "kind")


def _frame(columns, rows=()) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=list(columns))
    if "start" in frame and "end" in frame:  # slots: UTC instants
        frame = frame.astype({"start": "datetime64[ns]", "end": "datetime64[ns]"})
    return frame


def wall_to_utc(dates, minutes) -> np.ndarray:
    """UTC instants (datetime64[ns], tz-naive) of Kyiv wall-clock ``minutes`` after midnight of ``dates``.

    DST-correct through ``zoneinfo``: a wall time that does not exist (03:00–04:00 on the last Sunday
    of March) maps with the offset in force before the change, so 03:00 and 04:00 are the same instant;
    a wall time that happens twice (last Sunday of October) maps to its first occurrence.
    """
    dates, minutes = list(dates), [int(m) for m in minutes]
    cache: dict[tuple, np.datetime64] = {}
    out = np.empty(len(dates), dtype="datetime64[ns]")
    for i, key in enumerate(zip(dates, minutes)):
        if key not in cache:
            wall = dt_.datetime.combine(key[0], dt_.time()) + dt_.timedelta(minutes=key[1])
            cache[key] = np.datetime64(wall.replace(tzinfo=KYIV).astimezone(UTC).replace(tzinfo=None), "ns")
        out[i] = cache[key]
    return out


def _day_slots(queue: str, date, intervals) -> list[tuple]:
    """(queue, start UTC, end UTC, kind) rows of one Kyiv day's (start_min, end_min, kind) outages."""
    intervals = [i for i in intervals if i[2] is not None]
    if not intervals:
        return []
    starts = wall_to_utc([date] * len(intervals), [i[0] for i in intervals])
    ends = wall_to_utc([date] * len(intervals), [i[1] for i in intervals])
    return [(queue, s, e, i[2]) for s, e, i in zip(starts, ends, intervals)]


def _half_hours(codes: list) -> list[tuple]:
    """(start_min, end_min, kind) of 48 half-hour kinds, consecutive equal kinds joined."""
    out = []
    for j, kind in enumerate(codes):
        if out and out[-1][2] == kind and out[-1][1] == 30 * j:
            out[-1] = (out[-1][0], 30 * j + 30, kind)
        else:
            out.append((30 * j, 30 * j + 30, kind))
    return [o for o in out if o[2] is not None]


# --------------------------------------------------------------------------- readers

def read_schedule(source, name: str | None = None) -> OutageSchedule:
    """Read a DTEK GPV JSON, Yasno JSON or CSV/XLSX schedule (path or bytes); InputError on any problem."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        name = name or path.name
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise InputError(located(name, f"is larger than {MAX_FILE_BYTES // 2**20} MB; not a schedule"))
            raw = path.read_bytes()
        except OSError as exc:
            raise InputError(located(name, f"cannot read file ({exc.strerror})")) from None
    else:
        raw, name = bytes(source), name or "schedule"
        if len(raw) > MAX_FILE_BYTES:
            raise InputError(located(name, f"is larger than {MAX_FILE_BYTES // 2**20} MB; not a schedule"))
    stripped = raw.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"{", b"["):
        try:
            doc = json.loads(stripped.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise InputError(located(name, f"not valid JSON ({exc})")) from None
        return _from_json(doc, name)
    return _from_table(raw, name)


def _from_json(doc, name: str) -> OutageSchedule:
    if isinstance(doc, dict) and ("fact" in doc or "preset" in doc):
        return _read_dtek(doc, name)
    if isinstance(doc, dict) and doc and all(isinstance(v, dict) for v in doc.values()):
        values = list(doc.values())
        if all("dsos" in v for v in values):
            return _read_yasno_probable(doc, name)
        if all({"today", "tomorrow"} & set(v) for v in values):
            return _read_yasno_planned(doc, name)
    raise InputError(located(name, "not a DTEK GPV schedule (fact/preset) or a Yasno planned/probable "
                                   "outages response"))


class _Problems:
    """Collects ``file, field PATH: message`` lines (JSON has fields, not rows)."""

    def __init__(self, name: str):
        self.name, self.lines = name, []

    def add(self, path: str, message: str) -> None:
        self.lines.append(located(f"{self.name}, field {path}", message))

    def raise_any(self) -> None:
        if self.lines:
            raise InputError(self.lines)


def _dtek_day(values, path: str, problems: _Problems) -> list | None:
    """48 half-hour kinds of one DTEK day {"1".."24": value}, or None after recording problems."""
    if not isinstance(values, dict):
        problems.add(path, "must map hour slots \"1\"…\"24\" to values")
        return None
    codes, ok = [None] * 48, True
    for slot, value in values.items():
        if not (str(slot).isdigit() and 1 <= int(slot) <= 24):
            problems.add(f"{path}.{slot}", "hour slot outside 0–24 h (slots are \"1\"…\"24\")")
            ok = False
            continue
        kinds = DTEK_VALUES.get(str(value).strip().lower()) if isinstance(value, str) else None
        if kinds is None:
            problems.add(f"{path}.{slot}", f"unknown value {value!r}; expected one of {', '.join(DTEK_VALUES)}")
            ok = False
            continue
        codes[2 * int(slot) - 2: 2 * int(slot)] = kinds
    missing = sorted(set(range(1, 25)) - {int(s) for s in values if str(s).isdigit()})
    if missing:
        problems.add(path, f"hour slots {', '.join(map(str, missing))} missing (all 24 are needed)")
        ok = False
    return codes if ok else None


def _read_dtek(doc: dict, name: str) -> OutageSchedule:
    problems = _Problems(name)
    slots, days, preset, preset_days = [], [], [], []
    fact = doc.get("fact") or {}
    data = fact.get("data", []) if isinstance(fact, dict) else None
    if data is None or not isinstance(data, (dict, list)) or (isinstance(data, list) and data):
        problems.add("fact.data", "must map Kyiv-midnight Unix times to queues (or be empty)")
        data = {}
    for stamp, queues in (data.items() if isinstance(data, dict) else ()):
        path = f"fact.data.{stamp}"
        try:
            local = dt_.datetime.fromtimestamp(int(stamp), KYIV)
        except (ValueError, OverflowError, OSError):
            problems.add(path, "day key must be the Unix time of a Kyiv midnight")
            continue
        if (local.hour, local.minute, local.second) != (0, 0, 0):
            problems.add(path, f"day key is {local.isoformat()}, not a Kyiv midnight")
            continue
        if not isinstance(queues, dict):
            problems.add(path, "must map queues to hour slots")
            continue
        for queue, values in queues.items():
            codes = _dtek_day(values, f"{path}.{queue}", problems)
            if codes is not None:
                q = normalise_queue(queue)
                days.append((q, local.date()))
                slots += _day_slots(q, local.date(), _half_hours(codes))
    pre = doc.get("preset")
    if pre is not None:
        pdata = pre.get("data") if isinstance(pre, dict) else None
        if not isinstance(pdata, dict):
            problems.add("preset.data", "must map queues to weekdays \"1\"…\"7\" (Mon…Sun)")
            pdata = {}
        for queue, weekdays in pdata.items():
            if not isinstance(weekdays, dict):
                problems.add(f"preset.data.{queue}", "must map weekdays \"1\"…\"7\" (Mon…Sun) to hour slots")
                continue
            q = normalise_queue(queue)
            for day, values in weekdays.items():
                if not (str(day).isdigit() and 1 <= int(day) <= 7):
                    problems.add(f"preset.data.{queue}.{day}", "weekday must be \"1\"…\"7\" (Mon…Sun)")
                    continue
                codes = _dtek_day(values, f"preset.data.{queue}.{day}", problems)
                if codes is not None:
                    preset_days.append((q, int(day) - 1))
                    preset += [(q, int(day) - 1, *interval) for interval in _half_hours(codes)]
    problems.raise_any()
    if not days and not preset_days:
        raise InputError(located(name, "DTEK schedule without any day: fact.data and preset.data are empty"))
    return OutageSchedule(name, "DTEK", _frame(SLOT_COLUMNS, slots), _frame(("queue", "date"), days),
                          _frame(PRESET_COLUMNS, preset), _frame(("queue", "weekday"), preset_days))


def _yasno_slots(items, path: str, problems: _Problems) -> list[tuple] | None:
    """(start_min, end_min, kind) of a Yasno slot list, checked: 0 ≤ start < end ≤ 1440, no overlap."""
    if not isinstance(items, list):
        problems.add(path, "must be a list of {start, end, type}")
        return None
    out, ok = [], True
    for i, slot in enumerate(items):
        where = f"{path}[{i}]"
        if not isinstance(slot, dict):
            problems.add(where, "must be {start, end, type}")
            ok = False
            continue
        start, end, kind = slot.get("start"), slot.get("end"), slot.get("type")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in (start, end)):
            problems.add(where, f"start and end must be minutes from local midnight (got {start!r}, {end!r})")
            ok = False
            continue
        if not 0 <= start < end <= 1440:
            problems.add(where, f"slot {start:g}–{end:g} min lies outside 0–24 h or ends before it starts")
            ok = False
            continue
        if kind not in YASNO_TYPES:
            problems.add(where + ".type", f"unknown type {kind!r}; expected {' or '.join(YASNO_TYPES)}")
            ok = False
            continue
        out.append((start, end, YASNO_TYPES[kind], where))
    for prev, cur in zip(sorted(out), sorted(out)[1:]):
        if cur[0] < prev[1]:
            problems.add(cur[3], f"slot {cur[0]:g}–{cur[1]:g} min overlaps {prev[3]} ({prev[0]:g}–{prev[1]:g} min)")
            ok = False
    return [o[:3] for o in out] if ok else None


def _read_yasno_planned(doc: dict, name: str) -> OutageSchedule:
    problems = _Problems(name)
    slots, days = [], []
    for group, entry in doc.items():
        q = normalise_queue(group)
        for which in ("today", "tomorrow"):
            day = entry.get(which)
            if not day:  # not published (yet)
                continue
            path = f"{group}.{which}"
            if not isinstance(day, dict):
                problems.add(path, "must be {slots, date, status}")
                continue
            try:
                stamp = dt_.datetime.fromisoformat(str(day.get("date")))
                local = stamp.astimezone(KYIV) if stamp.tzinfo else stamp.replace(tzinfo=KYIV)
            except ValueError:
                problems.add(path + ".date", f"must be an ISO date-time of a Kyiv midnight (got {day.get('date')!r})")
                continue
            if (local.hour, local.minute) != (0, 0):
                problems.add(path + ".date", f"{day.get('date')} is not a Kyiv midnight")
                continue
            status = day.get("status")
            if status not in YASNO_STATUSES:
                problems.add(path + ".status", f"unknown status {status!r}; expected one of {', '.join(YASNO_STATUSES)}")
                continue
            intervals = _yasno_slots(day.get("slots", []), path + ".slots", problems)
            if intervals is None:
                continue
            if status == "EmergencyShutdowns":  # planned slots not in force: no power all day
                intervals = [(0, 1440, EMERGENCY)]
            elif status == "NoOutages":
                intervals = []
            days.append((q, local.date()))
            slots += _day_slots(q, local.date(), intervals)
    problems.raise_any()
    if not days:
        raise InputError(located(name, "Yasno schedule without any published day"))
    return OutageSchedule(name, "Yasno", _frame(SLOT_COLUMNS, slots), _frame(("queue", "date"), days))


def _read_yasno_probable(doc: dict, name: str) -> OutageSchedule:
    problems = _Problems(name)
    preset, preset_days, seen = [], [], {}
    for region, body in doc.items():
        dsos = body.get("dsos")
        if not isinstance(dsos, dict):
            problems.add(f"{region}.dsos", "must map DSO ids to groups")
            continue
        for dso, groups_body in dsos.items():
            groups = groups_body.get("groups") if isinstance(groups_body, dict) else None
            if not isinstance(groups, dict):
                problems.add(f"{region}.dsos.{dso}.groups", "must map groups to slots")
                continue
            for group, entry in groups.items():
                path = f"{region}.dsos.{dso}.groups.{group}"
                q = normalise_queue(group)
                if q in seen:
                    problems.add(path, f"group {group} also appears at {seen[q]}; give one DSO's schedule per file")
                    continue
                seen[q] = path
                by_day = entry.get("slots") if isinstance(entry, dict) else None
                if not isinstance(by_day, dict):
                    problems.add(path + ".slots", "must map weekdays \"0\"…\"6\" (Mon…Sun) to slot lists")
                    continue
                for day, items in by_day.items():
                    if not (str(day).isdigit() and 0 <= int(day) <= 6):
                        problems.add(f"{path}.slots.{day}", "weekday must be \"0\"…\"6\" (Mon…Sun)")
                        continue
                    intervals = _yasno_slots(items, f"{path}.slots.{day}", problems)
                    # An empty day is unknown, not "no outages": the daily status stands in for it.
                    if intervals:
                        preset_days.append((q, int(day)))
                        preset += [(q, int(day), *i) for i in intervals if i[2] is not None]
    problems.raise_any()
    if not preset_days:
        raise InputError(located(name, "Yasno probable outages without any weekday's slots"))
    return OutageSchedule(name, "Yasno", _frame(SLOT_COLUMNS), _frame(("queue", "date")),
                          _frame(PRESET_COLUMNS, preset), _frame(("queue", "weekday"), preset_days))


def _sheet(raw: bytes, name: str):
    """Cells and Excel row numbers of a CSV (any dialect ``inputs`` reads) or a workbook (``heatneed.sheets``)."""
    from .inputs import read_table

    return read_table(raw, name)


def _parse_times(cells: pd.Series) -> pd.Series:
    """ISO 8601 text → UTC instants (tz-naive); text without an offset is Kyiv wall time; NaT if unreadable."""
    out = []
    from .sheets import iso_from_dmy

    for text in iso_from_dmy(cells.astype(str)):
        try:
            stamp = dt_.datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
        except ValueError:
            out.append(pd.NaT)
            continue
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=KYIV)
        out.append(pd.Timestamp(stamp.astimezone(UTC).replace(tzinfo=None)))
    return pd.Series(pd.to_datetime(out), index=cells.index, dtype="datetime64[ns]")


def _from_table(raw: bytes, name: str) -> OutageSchedule:
    table = _sheet(raw, name)
    frame = table.frame
    absent = [c for c, required in TABLE_COLUMNS.items() if required and c not in frame.columns]
    if absent:
        raise InputError([located(name, "required column is missing", column=c) for c in absent])
    if not len(frame):
        raise InputError(located(name, "has a header but no data rows"))
    problems = []
    queue = frame["queue"].astype(str).str.strip()
    start, end = _parse_times(frame["start"]), _parse_times(frame["end"])
    kind = frame["kind"].astype(str).str.strip().str.lower().replace("", OFF) if "kind" in frame else \
        pd.Series(OFF, index=frame.index)
    rows = table.rows
    for i in range(len(frame)):
        row = int(rows[i])
        if not queue.iloc[i]:
            problems.append(located(name, "must not be empty", row, "queue"))
        for col, values in (("start", start), ("end", end)):
            if pd.isna(values.iloc[i]):
                problems.append(located(name, "must be an ISO 8601 date-time, e.g. 2026-02-01T06:00 or 01.02.2026 06:00 "
                                              f"(Kyiv time), or 2026-02-01T04:00Z (got {frame[col].iloc[i]!r})", row, col))
        if pd.notna(start.iloc[i]) and pd.notna(end.iloc[i]):
            hours = (end.iloc[i] - start.iloc[i]) / pd.Timedelta(hours=1)
            if not 0 < hours <= 24:
                problems.append(located(name, f"outage must end after it starts and last at most 24 h "
                                              f"(got {hours:g} h)", row, "end"))
        if kind.iloc[i] not in CSV_KINDS:
            problems.append(located(name, f"must be one of {', '.join(CSV_KINDS)} (got {kind.iloc[i]!r})", row, "kind"))
    if problems:
        raise InputError(problems)
    slots = pd.DataFrame({"queue": queue.map(normalise_queue), "start": start, "end": end, "kind": kind,
                          "row": rows})
    ordered = slots.sort_values(["queue", "start", "end"], kind="stable")
    prev_end = ordered.groupby("queue")["end"].shift()
    prev_row = ordered.groupby("queue")["row"].shift()
    for _, r in ordered[ordered["start"] < prev_end].iterrows():
        problems.append(located(name, f"outage overlaps row {int(prev_row[_])} of queue {r['queue']}",
                                int(r["row"]), "start"))
    if problems:
        raise InputError(sorted(problems))
    first = slots["start"].min().tz_localize(UTC).astimezone(KYIV).date()
    last = (slots["end"].max() - pd.Timedelta(microseconds=1)).tz_localize(UTC).astimezone(KYIV).date()
    dates = pd.date_range(first, last, freq="D").date
    days = [(q, d) for q in sorted(set(slots["queue"])) for d in dates]
    return OutageSchedule(name, "CSV", slots[list(SLOT_COLUMNS)].reset_index(drop=True),
                          _frame(("queue", "date"), days))


# --------------------------------------------------------------------------- district → queue shares

def read_district_queues(source, registry: pd.DataFrame, schedule: OutageSchedule, name: str | None = None,
                         tolerance: float | None = None) -> pd.DataFrame:
    """District → queue shares (``district_code, queue, share``) as a (district, queue) matrix.

    Rows name a district of the registry and a queue of ``schedule``; each (district, queue) once;
    shares in (0, 1] summing to 1 per district within ``tolerance`` (then scaled to sum to 1 exactly).
    Districts not listed keep the daily status. Raises InputError naming file, row and column.
    ``tolerance``: default ``[inputs] schedule_share_tolerance`` of defaults.toml.
    """
    if tolerance is None:
        tolerance = ScheduleSettings.from_config(None).share_tolerance
    from .inputs import parse_table, unknown_codes

    if isinstance(source, (str, Path)):
        name = name or Path(source).name
        try:
            raw = Path(source).read_bytes()
        except OSError as exc:
            raise InputError(located(name, f"cannot read file ({exc.strerror})")) from None
    else:
        raw, name = bytes(source), name or "district_queues"
    frame, problems = parse_table(_sheet(raw, name), "district_queues")
    if problems:
        raise InputError(problems)
    problems = unknown_codes(frame, registry.index, name)
    frame["queue"] = frame["queue"].map(normalise_queue)
    known = schedule.queues
    for q, row in zip(frame["queue"], frame["_row"]):
        if q not in known:
            problems.append(located(name, f"queue {q!r} is not in the schedule {schedule.name} (it has "
                                          f"{', '.join(sorted(known)[:12])}{' …' if len(known) > 12 else ''})",
                                    int(row), "queue"))
    dup = frame.duplicated(["district_code", "queue"], keep="first")
    for code, q, row in zip(frame.loc[dup, "district_code"], frame.loc[dup, "queue"], frame.loc[dup, "_row"]):
        problems.append(located(name, f"district {code} lists queue {q} twice", int(row), "queue"))
    sums = frame.groupby("district_code", sort=False)["share"].sum()
    first_rows = frame.groupby("district_code", sort=False)["_row"].min()
    for code, total in sums.items():
        if abs(total - 1.0) > tolerance:
            problems.append(located(name, f"shares of district {code} sum to {total:g}; they must sum to 1 "
                                          f"(± {tolerance:g})", int(first_rows[code]), "share"))
    if problems:
        raise InputError(sorted(problems, key=lambda line: _row_of(line)))
    matrix = frame.pivot_table(index="district_code", columns="queue", values="share", aggfunc="sum", fill_value=0.0)
    return matrix.div(matrix.sum(axis=1), axis=0)


def _row_of(line: str) -> int:
    match = re.search(r", row (\d+)", line)
    return int(match.group(1)) if match else 0


@dataclass
class HourlyPower:
    """A schedule with its district → queue shares: what ``pipeline.rank`` needs for hourly power."""

    schedule: OutageSchedule
    shares: pd.DataFrame  # (district_code, queue) → share, rows summing to 1
    settings: ScheduleSettings = field(default_factory=lambda: ScheduleSettings.from_config(None))


def load_hourly_power(schedule_source, queues_source, registry: pd.DataFrame, settings: ScheduleSettings,
                      names: dict | None = None) -> HourlyPower:
    """Read and check a schedule and its district → queue file together (both are needed)."""
    names = names or {}
    if (schedule_source is None) != (queues_source is None):
        given, needed = ("--outage-schedule", "--district-queues") if queues_source is None else \
            ("--district-queues", "--outage-schedule")
        raise InputError(f"{given} needs {needed} too (which queues each district's buildings are in)")
    schedule = read_schedule(schedule_source, names.get("outage_schedule"))
    shares = read_district_queues(queues_source, registry, schedule, names.get("district_queues"),
                                  settings.share_tolerance)
    return HourlyPower(schedule, shares, settings)


# --------------------------------------------------------------------------- power on the forecast grid

def _merged_cumulative(starts: np.ndarray, ends: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Hours of the union of intervals [starts, ends) before each of ``edges`` (all float hours)."""
    if not len(starts):
        return np.zeros(len(edges))
    order = np.argsort(starts, kind="stable")
    s, e = starts[order], np.maximum.accumulate(ends[order])
    new = np.ones(len(s), dtype=bool)
    new[1:] = s[1:] > e[:-1]  # an interval starting after all earlier ones end begins a new run
    run_start = s[new]
    run_end = np.maximum.reduceat(e, np.flatnonzero(new))
    lengths = run_end - run_start
    before = np.cumsum(lengths) - lengths
    xp = np.column_stack([run_start, run_end]).ravel()
    fp = np.column_stack([before, before + lengths]).ravel()
    return np.interp(edges, xp, fp, left=0.0, right=fp[-1])


def _hours(values) -> np.ndarray:
    return (np.asarray(values, dtype="datetime64[ns]").astype(np.int64) / 3.6e12).astype(float)


def queue_power(schedule: OutageSchedule, boundaries: pd.DatetimeIndex, maybe_off: bool = True):
    """Per queue and forecast step: the share covered by published days, by the weekly preset, and the
    share without power, each [0..1] of the step (arrays (queue, step)), for steps between ``boundaries``
    (UTC, tz-naive, n + 1 values). Returns (queues, published, preset, off).

    Plain numpy and sets (no pandas merges): it runs on every ranking, beside a kernel of ~0.2 s.
    """
    edges = _hours(boundaries.values)
    first = boundaries[0].tz_localize(UTC).astimezone(KYIV).date() - dt_.timedelta(days=1)
    last = boundaries[-1].tz_localize(UTC).astimezone(KYIV).date() + dt_.timedelta(days=1)
    window = [first + dt_.timedelta(days=i) for i in range((last - first).days + 1)]
    queues = sorted(schedule.queues)
    code = {q: i for i, q in enumerate(queues)}
    day_queue, day_date = list(schedule.days["queue"]), list(schedule.days["date"])
    published = set(zip(day_queue, day_date))
    preset_days = set(zip(schedule.preset_days["queue"], schedule.preset_days["weekday"]))
    fill = [(q, d) for q in queues for d in window if (q, d) not in published and (q, d.weekday()) in preset_days]
    by_weekday: dict[tuple, list] = {}
    for q, w, a, b, kind in schedule.preset[list(PRESET_COLUMNS)].itertuples(index=False):
        by_weekday.setdefault((q, int(w)), []).append((a, b, kind))
    preset_rows = [(q, d, a, b, kind) for q, d in fill for a, b, kind in by_weekday.get((q, d.weekday()), ())]
    off_kinds = {OFF, EMERGENCY} | ({MAYBE} if maybe_off else set())
    kinds = schedule.slots["kind"].to_numpy(object)
    keep = np.isin(kinds, list(off_kinds))
    preset_keep = [r for r in preset_rows if r[4] in off_kinds]
    slot_queue = np.array([code[q] for q in schedule.slots["queue"].to_numpy(object)[keep]]
                          + [code[r[0]] for r in preset_keep], dtype=np.int64)
    slot_start = np.concatenate([_hours(schedule.slots["start"].to_numpy()[keep]),
                                 _hours(wall_to_utc([r[1] for r in preset_keep], [r[2] for r in preset_keep]))])
    slot_end = np.concatenate([_hours(schedule.slots["end"].to_numpy()[keep]),
                               _hours(wall_to_utc([r[1] for r in preset_keep], [r[3] for r in preset_keep]))])

    def day_bounds(dates):
        return _hours(wall_to_utc(dates, [0] * len(dates))), _hours(wall_to_utc(dates, [1440] * len(dates)))

    intervals = {
        "published": (np.array([code[q] for q in day_queue], dtype=np.int64), *day_bounds(day_date)),
        "preset": (np.array([code[q] for q, _ in fill], dtype=np.int64), *day_bounds([d for _, d in fill])),
        "off": (slot_queue, slot_start, slot_end),
    }
    length = np.diff(edges)
    out = {}
    for key, (which, s, e) in intervals.items():
        out[key] = np.zeros((len(queues), len(length)))
        order = np.argsort(which, kind="stable")
        cuts = np.searchsorted(which[order], np.arange(len(queues) + 1))
        for i in range(len(queues)):
            idx = order[cuts[i]:cuts[i + 1]]
            if len(idx):
                out[key][i] = np.diff(_merged_cumulative(s[idx], e[idx], edges)) / length
    return queues, out["published"], out["preset"], out["off"]


def hourly_power(power: HourlyPower, a: pd.DataFrame, boundaries: pd.DatetimeIndex):
    """p_on per (district, step) [0..1] on the forecast grid, and the outage source of each district.

    ``a`` (index district_code) needs ``power_on_share`` (the daily status, NaN = unknown: no power)
    and ``outage_status``. ``boundaries``: the n + 1 step boundaries (UTC, tz-naive). Where the schedule
    covers a step it gives p_on; the uncovered part of a step takes the daily status; districts without
    queues keep the daily status; an ``emergency`` status means no power. Returns (p_on, notes) with
    notes a Series of texts such as "power: DTEK schedule".
    """
    s = power.schedule
    queues, published, preset, off = queue_power(s, boundaries, power.settings.maybe_off)
    shares = power.shares.reindex(index=a.index, columns=queues, fill_value=0.0).to_numpy(float)
    listed = shares.sum(axis=1) > 0
    daily = np.nan_to_num(a["power_on_share"].to_numpy(float), nan=0.0)
    covered = published + preset
    # p_on = Σ_q share_q·(covered_q − off_q) + Σ_q share_q·(1 − covered_q)·daily; a district without
    # queues (shares all 0) keeps its daily share. einsum, not a BLAS product, whose threads only slow
    # this small product down on a busy machine.
    p_on = np.einsum("dq,qt->dt", shares, covered - off) + \
        (1.0 - np.einsum("dq,qt->dt", shares, covered)) * daily[:, None]
    emergency = (a["outage_status"] == "emergency").to_numpy()
    p_on[emergency] = 0.0
    p_on = np.clip(p_on, 0.0, 1.0)  # rounding only: every term lies in [0, 1]

    length = np.diff(_hours(boundaries.values))
    weight = length / length.sum()
    used = np.column_stack([(shares * (published * weight).sum(axis=1)).sum(axis=1),
                            (shares * (preset * weight).sum(axis=1)).sum(axis=1)])
    used = np.column_stack([used, 1.0 - used.sum(axis=1)])
    ended = bool(len(s.days)) and _hours(wall_to_utc([max(s.days["date"])], [1440]))[0] < _hours([boundaries[-1]])[0]
    fallback = "daily status (schedule ended)" if ended and not len(s.preset_days) else "daily status (not in schedule)"
    labels = (f"{s.source} schedule", f"{s.source} weekly preset", fallback)
    # One text per distinct (rounded) combination, not per district.
    keys = np.column_stack([np.round(used * 100), listed, emergency])
    distinct, which = np.unique(keys, axis=0, return_inverse=True)
    texts = []
    for *percent, is_listed, is_emergency in distinct:
        if is_emergency:
            texts.append("power: none (emergency status overrides the schedule)")
        elif not is_listed:
            texts.append("power: daily status (no queues listed)")
        else:
            parts = [(label, share) for label, share in zip(labels, percent) if share >= 1]
            texts.append(f"power: {parts[0][0]}" if len(parts) == 1 else
                         "power: " + ", ".join(f"{label} {share:.0f}%" for label, share in parts))
    return p_on, pd.Series(np.array(texts, dtype=object)[which.reshape(-1)], index=a.index, dtype=object)
