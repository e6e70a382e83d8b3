"""The alert step of a refresh run: levels → state → CAP feed → channels (see ``heatneed.alerts``)."""

from __future__ import annotations

import functools
import logging
import math
from dataclasses import dataclass, field

import pandas as pd

from . import cap, channels, state
from .levels import LEVELS, levels
from .settings import AlertSettings

log = logging.getLogger(__name__)

#: Columns of the published list carried into messages and CAP (missing ones are left out).
FACT_COLUMNS = ("district_code", "district_name", "district_name_uk", "severity", "hours_to_12c", "hours_to_5c",
                "p_indoor_below_12c", "residents_unheated", "expected_below_12c", "min_indoor_c", "data_state")


@dataclass
class Outcome:
    """What one run's alert step did."""

    run_id: str
    events: list = field(default_factory=list)  # state.Event, notified this run
    cap_files: list = field(default_factory=list)  # Path
    results: list = field(default_factory=list)  # channels.Result
    already_processed: bool = False

    @property
    def failures(self) -> list:
        return [r for r in self.results if not r.ok]


def _now() -> str:
    return pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def _plain(value):
    """A JSON- and SQLite-safe Python value (None for missing)."""
    if value is None or value is pd.NA:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def district_facts(priority: pd.DataFrame, lv: pd.DataFrame, names_uk: dict | None = None) -> dict[str, dict]:
    """district_code -> the values messages and CAP use (plain Python; None where unknown).

    ``expected_below_12c`` is the list's column when present (risk model v2), else residents of
    unheated buildings × ``p_indoor_below_12c``, rounded to whole people.
    """
    facts = {}
    for _, row in priority.iterrows():
        code = str(row["district_code"])
        f = {c: _plain(row[c]) for c in FACT_COLUMNS if c in priority.columns}
        if not f.get("district_name_uk") and names_uk:
            f["district_name_uk"] = names_uk.get(code)
        if "expected_below_12c" not in priority.columns:
            r, p = f.get("residents_unheated"), f.get("p_indoor_below_12c")
            f["expected_below_12c"] = None if r is None or p is None else int(round(r * p))
        f["impact"] = int(lv.at[code, "impact"])
        f["likelihood"] = int(lv.at[code, "likelihood"])
        facts[code] = f
    return facts


def data_state(priority: pd.DataFrame, manifest: dict) -> str:
    """The run's data state: the list's ``data_state`` column when present (risk model v2), else
    ``illustrative`` when any input is the embedded scenario's file (same sha256), plus ``stale``
    when the forecast was a snapshot standing in for a failed source; ``real`` otherwise."""
    if "data_state" in priority.columns:
        states = sorted({str(s) for s in priority["data_state"].dropna() if str(s)})
        return "; ".join(states) if states else "real"
    words = []
    embedded = _embedded_hashes()
    hashes = {v.get("sha256") for v in manifest.get("inputs", {}).values() if isinstance(v, dict)}
    if hashes & embedded:
        words.append("illustrative")
    if manifest.get("forecast", {}).get("stale"):
        words.append("stale")
    return "; ".join(words) or "real"


@functools.lru_cache(maxsize=1)
def _embedded_hashes() -> frozenset:
    """sha256 of the embedded (illustrative) scenario's files."""
    from ..inputs import sha256_of
    from ..pipeline import EMBEDDED_SCENARIO, scenario_files

    try:
        return frozenset(sha256_of(p) for p in scenario_files(EMBEDDED_SCENARIO).values())
    except Exception:  # noqa: BLE001  (no embedded scenario shipped: nothing can be illustrative)
        return frozenset()


def context_for(manifest: dict, settings: AlertSettings, data_state_text: str, lead_from=None) -> dict:
    forecast = manifest.get("forecast", {})
    return {
        "lead_from": str(lead_from) if lead_from is not None else None,
        "run_id": manifest.get("run_id"),
        "forecast_source": forecast.get("source"),
        "forecast_issued_at": forecast.get("issued_at"),
        "data_state": data_state_text,
        "app_url": settings.app_url,
        "horizon_hours": float(manifest.get("params", {}).get("horizon_hours", 72.0)),
    }


def process_run(output_dir, manifest: dict, priority: pd.DataFrame, settings: AlertSettings,
                names_uk: dict | None = None, lead_from=None) -> Outcome:
    """Levels, state, CAP files and channel deliveries for one published run.

    ``manifest``: the published manifest (``run_id``, ``published_at``, ``forecast``, ``params``);
    ``priority``: the published list; ``names_uk``: district_code -> Ukrainian name (else the
    list's ``district_name_uk``); ``lead_from``: the time (UTC) the list's lead times count from,
    the first forecast time (default: the forecast issue time). A run processed before returns ``already_processed`` and sends
    nothing. Channel failures are in ``Outcome.results`` (and in the history), never raised.
    """
    run_id = manifest["run_id"]
    lv = levels(priority, settings.rules)
    facts = district_facts(priority, lv, names_uk)
    sent = cap.cap_time(manifest["published_at"])
    events = state.apply_run(output_dir, run_id, sent, lv, facts, settings.cap_sender, _now())
    if events is None:
        log.info("alerts: run %s was processed before; nothing sent again", run_id)
        return Outcome(run_id, already_processed=True)
    outcome = Outcome(run_id, events)
    if not events:
        log.info("alerts: no level changes to notify in run %s", run_id)
        return outcome
    context = context_for(manifest, settings, data_state(priority, manifest), lead_from)
    try:
        outcome.cap_files = cap.write_alerts(output_dir, events, context, settings.cap_sender,
                                             settings.cap_expires_hours, settings.atom_max_entries)
    except OSError as exc:  # the feed failed (e.g. a full disk): the channels still get their messages
        log.warning("alerts: could not write the CAP feed for run %s: %s", run_id, exc)
    log.info("alerts: %d notification(s) in run %s: %s", len(events), run_id,
             ", ".join(f"{e.district_code} {e.kind} {e.level}" for e in events))
    for name in settings.enabled_channels():
        try:
            result = channels.SENDERS[name](settings.channel(name), events, context)
        except Exception as exc:  # noqa: BLE001  (a channel bug must not stop the others)
            result = channels.Result(name, False, 1, 0, f"{type(exc).__name__}: {exc}")
        outcome.results.append(result)
        state.record_delivery(output_dir, run_id, name, "sent" if result.ok else "failed", result.attempts,
                              result.messages, result.error, _now())
        if result.ok:
            log.info("alerts: %s delivered %d message(s) for run %s", name, result.messages, run_id)
        else:
            log.warning("alerts: %s FAILED for run %s after %d attempt(s): %s (the list is published; "
                        "see `python -m heatneed alerts list`)", name, run_id, result.attempts, result.error)
    return outcome


def after_publish(output_dir, manifest: dict, priority: pd.DataFrame, settings: AlertSettings,
                  names_uk: dict | None = None, lead_from=None) -> Outcome | None:
    """``process_run`` for the refresh job: any error is logged as a warning and swallowed, so
    alerts never block or undo publishing (the refresh still exits 0)."""
    try:
        return process_run(output_dir, manifest, priority, settings, names_uk, lead_from)
    except Exception as exc:  # noqa: BLE001
        log.warning("alerts: could not process run %s (%s: %s); the list is published",
                    manifest.get("run_id"), type(exc).__name__, exc)
        return None


def sample_events(settings: AlertSettings) -> list:
    """One made-up event for ``alerts test`` (a test message names no real district)."""
    now = cap.cap_time(pd.Timestamp.now(tz="UTC").floor("s"))
    facts = {"district_code": "TEST", "district_name": "Test district", "district_name_uk": "Тестовий район",
             "hours_to_12c": 12.0, "hours_to_5c": 40.0, "p_indoor_below_12c": 0.9, "residents_unheated": 1000,
             "expected_below_12c": 900, "impact": 3, "likelihood": 4}
    return [state.Event("test", "TEST", "alert", "amber", "none", f"heatneed-test-{now[:19]}", now, (), facts)]


def send_test(settings: AlertSettings, channel: str):
    """Send a clearly marked test message through ``channel`` (enabled or not); returns its Result."""
    context = {"test": True, "run_id": "test", "forecast_source": "test", "forecast_issued_at": None,
               "lead_from": None,
               "data_state": "real", "app_url": settings.app_url, "horizon_hours": 72.0}
    return channels.SENDERS[channel](settings.channel(channel), sample_events(settings), context)


def list_alerts(output_dir, show_all: bool = False, deliveries: int = 10) -> str:
    """Text for ``alerts list``: active alerts (all districts with ``show_all``) and recent deliveries."""
    current = state.read_state(output_dir)
    lines = []
    if current.empty:
        return f"no alert state in {output_dir} yet (alerts start with the next refresh)"
    shown = current if show_all else current[current["level"] != "none"]
    order = {name: -i for i, name in enumerate(LEVELS)}
    shown = shown.assign(_o=shown["level"].map(order)).sort_values(["_o", "district_code"]).drop(columns="_o")
    if shown.empty:
        lines.append("no active alerts (every district at level none)")
    else:
        from ..store import read_published

        published = read_published(output_dir)
        names = ({} if published is None else
                 dict(zip(published.priority["district_code"], published.priority["district_name"])))
        table = pd.DataFrame({
            "district": [f"{names[c]} ({c})" if names.get(c) else c for c in shown["district_code"]],
            "level": shown["level"] + shown["assessed"].map({1: "", 0: " (not assessed)"}).fillna(""),
            "episode high": shown["episode_high"].fillna("–"),
            "since run": shown["since_run_id"].fillna("–"),
            "last notice": (shown["last_event"].fillna("–") + " " + shown["last_event_sent"].fillna("")).str.strip(),
            "acknowledged": [f"{lvl} by {by} at {at}" if pd.notna(at) and at else "no"
                             for lvl, by, at in zip(shown["acked_level"], shown["acked_by"], shown["acked_at"])],
        })
        lines.append(table.to_string(index=False))
    recent = state.read_deliveries(output_dir, deliveries)
    if not recent.empty:
        lines.append("")
        lines.append("recent deliveries (newest first):")
        for row in recent.itertuples(index=False):
            detail = f": {row.error}" if row.error else ""
            lines.append(f"  {row.at} run {row.run_id} {row.channel}: {row.status.upper()} "
                         f"({row.messages} message(s), {row.attempts} attempt(s)){detail}")
    return "\n".join(lines)
