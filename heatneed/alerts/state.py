"""Alert state in the refresh's ``history.sqlite`` (tables of their own, created if missing, so
history files written before alerts existed keep working).

Tables: ``alert_runs`` (one row per processed run: the guard that a run never alerts twice),
``alert_levels`` (level per run and district), ``alert_state`` (the current level, the active
episode's highest level and acknowledgement per district), ``alert_events`` (what was notified:
alert, update, all clear, with its CAP identifier) and ``alert_deliveries`` (each channel's
result per run, failures with their reason).

Notification rule (``decide``): an episode starts when a district leaves ``none`` (CAP
``Alert``); within the episode a level above the episode's highest so far is notified
(``Update``); going back to ``none`` ends it with an all clear (``Cancel``). Falling to a lower
level, or rising again to a level already reached in the episode, is recorded but not notified
(HDX Signals alerts only at a new high [HDXSignals]; IBF-system notifies when a forecast drops
back below the trigger [IBF]).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import store
from ..errors import InputError, SourceError
from .levels import LEVEL_RANK

HISTORY_FILE = store.HISTORY_FILE  # the refresh's history database

SCHEMA = """
CREATE TABLE IF NOT EXISTS alert_runs (
    run_id TEXT PRIMARY KEY,
    published_at TEXT NOT NULL,
    processed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS alert_levels (
    run_id TEXT NOT NULL,
    district_code TEXT NOT NULL,
    level TEXT NOT NULL,
    impact INTEGER NOT NULL,
    likelihood INTEGER NOT NULL,
    assessed INTEGER NOT NULL,
    PRIMARY KEY (run_id, district_code)
);
CREATE TABLE IF NOT EXISTS alert_state (
    district_code TEXT PRIMARY KEY,
    level TEXT NOT NULL,
    assessed INTEGER NOT NULL,
    episode_high TEXT,
    episode_id INTEGER,
    since_run_id TEXT,
    last_run_id TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    acked_at TEXT,
    acked_by TEXT,
    acked_level TEXT
);
CREATE TABLE IF NOT EXISTS alert_events (
    event_id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    district_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    level TEXT NOT NULL,
    previous_level TEXT NOT NULL,
    episode_id INTEGER,
    identifier TEXT NOT NULL UNIQUE,
    sent TEXT NOT NULL,
    refs TEXT NOT NULL,
    facts TEXT NOT NULL,
    UNIQUE (run_id, district_code)
);
CREATE TABLE IF NOT EXISTS alert_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    messages INTEGER NOT NULL,
    error TEXT,
    at TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class Event:
    """One notification: a district's level changed in a way that is notified."""

    run_id: str
    district_code: str
    kind: str  # "alert" (episode starts), "update" (new high), "all_clear" (back to none)
    level: str
    previous_level: str
    identifier: str  # CAP identifier
    sent: str  # CAP sent, ISO 8601 with offset
    references: tuple[str, ...] = ()  # CAP references: "sender,identifier,sent" of earlier alerts
    facts: dict = field(default_factory=dict)  # the district's row (for messages and CAP)
    event_id: int | None = None


def decide(previous: str, episode_high: str | None, level: str) -> str | None:
    """The notification for a district going from ``previous`` to ``level`` (None: nothing)."""
    if level == "none":
        return "all_clear" if previous != "none" else None
    if previous == "none" or episode_high is None:
        return "alert"
    if LEVEL_RANK[level] > LEVEL_RANK[episode_high]:
        return "update"
    return None


def connect(output_dir) -> sqlite3.Connection:
    """A write connection to ``DIR/history.sqlite`` (the store's: WAL, schema version checked and
    migrated) with the alert tables."""
    Path(output_dir).mkdir(parents=True, exist_ok=True)
    con = store.history_connection(output_dir)
    con.executescript(SCHEMA)
    return con


def apply_run(output_dir, run_id: str, sent: str, levels: pd.DataFrame, facts: dict[str, dict],
              sender: str, now: str) -> list[Event] | None:
    """Record a run's levels and return its notifications, in one transaction.

    ``levels``: ``levels.levels`` output (index district_code); ``facts``: district_code -> the
    row's values used by messages; ``sent``: the run's publication time (CAP ``sent``).
    Returns None when the run was processed before (a run never notifies twice).
    """
    con = connect(output_dir)
    try:
        with store.transaction(con):
            if con.execute("SELECT 1 FROM alert_runs WHERE run_id = ?", (run_id,)).fetchone():
                return None
            con.execute("INSERT INTO alert_runs VALUES (?,?,?)", (run_id, sent, now))
            state = {row[0]: row[1:] for row in con.execute(
                "SELECT district_code, level, episode_high, episode_id, since_run_id FROM alert_state")}
            events = []
            for code, row in levels.iterrows():
                level, assessed = str(row["level"]), bool(row["assessed"])
                con.execute("INSERT INTO alert_levels VALUES (?,?,?,?,?,?)",
                            (run_id, code, level, int(row["impact"]), int(row["likelihood"]), int(assessed)))
                previous, high, episode, since = state.get(code, ("none", None, None, None))
                kind = decide(previous, high, level)
                if kind is not None:
                    identifier = f"heatneed-{run_id}-{code}"
                    refs = () if kind == "alert" else tuple(
                        f"{sender},{ident},{at}" for ident, at in con.execute(
                            "SELECT identifier, sent FROM alert_events WHERE episode_id = ? ORDER BY event_id",
                            (episode,)))
                    event = Event(run_id, code, kind, level, previous, identifier, sent, refs, facts.get(code, {}))
                    cur = con.execute(
                        "INSERT INTO alert_events (run_id, district_code, kind, level, previous_level, episode_id, "
                        "identifier, sent, refs, facts) VALUES (?,?,?,?,?,?,?,?,?,?)",
                        (run_id, code, kind, level, previous, episode, identifier, sent, " ".join(refs),
                         json.dumps(event.facts, ensure_ascii=False, default=str)))
                    event_id = cur.lastrowid
                    if kind == "alert":
                        episode = event_id
                        con.execute("UPDATE alert_events SET episode_id = ? WHERE event_id = ?", (event_id, event_id))
                    events.append(Event(**{**event.__dict__, "event_id": event_id}))
                if level == "none":
                    new_high, new_episode, new_since = None, None, None
                elif previous == "none" or high is None:
                    new_high, new_episode, new_since = level, episode, run_id
                else:
                    new_high = level if LEVEL_RANK[level] > LEVEL_RANK[high] else high
                    new_episode, new_since = episode, since
                reset_ack = level == "none" or kind is not None  # a new notification needs a new ack
                con.execute(
                    "INSERT INTO alert_state (district_code, level, assessed, episode_high, episode_id, since_run_id, "
                    "last_run_id, updated_at) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (district_code) DO UPDATE SET "
                    "level = excluded.level, assessed = excluded.assessed, episode_high = excluded.episode_high, "
                    "episode_id = excluded.episode_id, since_run_id = excluded.since_run_id, "
                    "last_run_id = excluded.last_run_id, updated_at = excluded.updated_at"
                    + (", acked_at = NULL, acked_by = NULL, acked_level = NULL" if reset_ack else ""),
                    (code, level, int(assessed), new_high, new_episode, new_since, run_id, now))
        return events
    finally:
        con.close()


def record_delivery(output_dir, run_id: str, channel: str, status: str, attempts: int, messages: int,
                    error: str | None, now: str) -> None:
    """One channel's result for a run (``status`` "sent" or "failed"; ``error`` already scrubbed)."""
    con = connect(output_dir)
    try:
        con.execute("INSERT INTO alert_deliveries (run_id, channel, status, attempts, messages, error, at) "
                    "VALUES (?,?,?,?,?,?,?)", (run_id, channel, status, attempts, messages, error, now))
    finally:
        con.close()


def _read(output_dir, query: str, params=()) -> pd.DataFrame:
    path = Path(output_dir) / HISTORY_FILE
    if not path.exists():
        return pd.DataFrame()
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
        try:
            tables = {n for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "alert_state" not in tables:
                return pd.DataFrame()
            return pd.read_sql_query(query, con, params=params)
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise SourceError(f"{path}: alert state unreadable ({exc})") from None


def read_state(output_dir) -> pd.DataFrame:
    """Current level per district with its episode, last event and acknowledgement."""
    return _read(output_dir, """
        SELECT s.district_code, s.level, s.assessed, s.episode_high, s.since_run_id, s.last_run_id,
               s.acked_at, s.acked_by, s.acked_level,
               (SELECT kind FROM alert_events e WHERE e.district_code = s.district_code
                ORDER BY event_id DESC LIMIT 1) AS last_event,
               (SELECT sent FROM alert_events e WHERE e.district_code = s.district_code
                ORDER BY event_id DESC LIMIT 1) AS last_event_sent
        FROM alert_state s ORDER BY s.district_code""")


def read_events(output_dir, limit: int = 50) -> pd.DataFrame:
    """The newest ``limit`` notifications, newest first."""
    return _read(output_dir, "SELECT event_id, run_id, district_code, kind, level, previous_level, identifier, "
                             "sent, refs, facts FROM alert_events ORDER BY event_id DESC LIMIT ?", (int(limit),))


def read_deliveries(output_dir, limit: int = 20) -> pd.DataFrame:
    """The newest ``limit`` channel results, newest first."""
    return _read(output_dir, "SELECT run_id, channel, status, attempts, messages, error, at FROM alert_deliveries "
                             "ORDER BY id DESC LIMIT ?", (int(limit),))


def ack(output_dir, district_code: str, by: str, now: str) -> str:
    """Acknowledge a district's active alert; returns its level. InputError when none is active."""
    con = connect(output_dir)
    try:
        with store.transaction(con):
            row = con.execute("SELECT level FROM alert_state WHERE district_code = ?", (district_code,)).fetchone()
            if row is None or row[0] == "none":
                raise InputError(f"district {district_code} has no active alert to acknowledge")
            con.execute("UPDATE alert_state SET acked_at = ?, acked_by = ?, acked_level = level "
                        "WHERE district_code = ?", (now, by, district_code))
        return row[0]
    finally:
        con.close()
