"""Subcommands of the scheduled job (README: Scheduled refresh): ``refresh`` and ``history``.

``refresh`` exit codes: 0 published (possibly from a stale snapshot: see the log and the
manifest), 1 source or system failure, 2 invalid input or config, 3 another refresh holds the
lock. In every case but 0 the published folder is unchanged.
"""

from __future__ import annotations

import functools
import logging
import math
import sys
import time

from .errors import EXIT_BUSY, EXIT_OK

log = logging.getLogger("heatneed.refresh")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def add_commands(sub, add_input_flags) -> None:
    """Register the scheduling subcommands on the CLI's subparsers."""
    from .config import flag_number

    refresh = sub.add_parser(
        "refresh", help="the scheduled job: fetch, rank and publish into an output folder",
        description="Fetch the forecast (meteostat unless --forecast/--forecast-source), rank, and publish "
                    "DIR/latest/priority.csv, DIR/latest/manifest.json, a dated list in DIR/lists and a "
                    "history row in DIR/history.sqlite. Exit 0 published, 1 source/system failure, "
                    "2 invalid input, 3 another refresh is running; nothing published changes unless 0.")
    add_input_flags(refresh)
    job = refresh.add_argument_group("refresh (flags override [refresh] in --config)")
    job.add_argument("--output-dir", metavar="DIR",
                     help="published folder (default: $HEATNEED_OUTPUT_DIR or ~/.local/share/heatneed)")
    job.add_argument("--wait", metavar="SECONDS", nargs="?", const=math.inf,
                     type=functools.partial(flag_number, minimum=0, allow_inf=True),
                     help="if another refresh is running, wait for it (at most SECONDS) instead of exiting 3")
    job.add_argument("--max-snapshot-age-hours", metavar="H", type=functools.partial(flag_number, minimum=0),
                     help="oldest forecast snapshot used when the live source fails (default: [forecast] max_snapshot_age_hours of heatneed/defaults.toml)")
    job.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"),
                     help="log detail on stderr (default INFO)")
    refresh.set_defaults(handler=cmd_refresh)

    history = sub.add_parser("history", help="risk of each district over recent published runs",
                             description="Print the trend of the published runs kept in DIR/history.sqlite.")
    history.add_argument("--district", metavar="CODE", help="one district: every measure, run by run")
    history.add_argument("--output-dir", metavar="DIR", help="published folder (default as for refresh)")
    history.add_argument("--config", metavar="FILE", help="TOML file whose [refresh] output_dir is used")
    history.add_argument("--runs", metavar="N", type=int, default=8, help="most recent runs shown (default 8)")
    history.add_argument("--csv", action="store_true",
                         help="machine output: one CSV row per run per district, every column")
    history.set_defaults(handler=cmd_history)


def configure_logging(level: str = "INFO") -> None:
    """One stderr handler with UTC timestamps, unless the host (a test, an app) configured logging."""
    if logging.getLogger().handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    formatter = logging.Formatter(LOG_FORMAT, "%Y-%m-%dT%H:%M:%SZ")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(level)


def cmd_refresh(args) -> int:
    from . import store
    from .alerts import AlertSettings
    from .cli_common import report
    from .config import load_config, params_from_flags
    from .distributed import scheduler_address
    from .refresh import RefreshSettings, refresh

    configure_logging(args.log_level)
    config = load_config(args.config)
    params = params_from_flags(config, vars(args))
    settings = RefreshSettings.from_config(
        config, args.config, output_dir=args.output_dir, scenario=args.scenario, districts=args.districts,
        unheated=args.unheated, outages=args.outages, forecast=args.forecast,
        outage_schedule=args.outage_schedule, district_queues=args.district_queues,
        forecast_source=args.forecast_source, wait=args.wait,
        warming_sites=args.warming_sites,
        max_snapshot_age_hours=args.max_snapshot_age_hours)
    alert_settings = AlertSettings.from_config(config, args.config)  # a bad [alerts] table: exit 2 now
    try:
        refresh(settings, config, params, scheduler=scheduler_address(args.dask_scheduler, config),
                on_wait=lambda holder: log.info("another refresh is running (%s); waiting for it", holder),
                alert_settings=alert_settings)
    except store.Busy as exc:
        report([f"{exc}; this run did nothing (exit 3)"])
        return EXIT_BUSY
    return EXIT_OK


def cmd_history(args) -> int:
    from . import store
    from .config import load_config
    from .errors import InputError
    from .refresh import RefreshSettings

    if args.runs < 1:
        raise InputError("--runs must be at least 1")
    output_dir = RefreshSettings.from_config(load_config(args.config), args.config,
                                             output_dir=args.output_dir).output_dir
    frame = store.read_history(output_dir, args.district, args.runs)
    if frame.empty and args.district and not store.read_history(output_dir, limit_runs=1).empty:
        raise InputError(f"district {args.district} is not in the history of {output_dir}")
    if args.csv:
        out = frame.copy()
        for col in ("published_at", "forecast_issued_at"):
            out[col] = out[col].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        from .export import safe_for_spreadsheets, to_csv_bytes

        sys.stdout.buffer.write(to_csv_bytes(safe_for_spreadsheets(out)))
        sys.stdout.flush()
        return EXIT_OK
    if frame.empty:
        print(f"heatneed: no published runs in {output_dir} yet", file=sys.stderr)
        return EXIT_OK
    text = district_trend(frame) if args.district else risk_trend(frame)
    print(text)
    return EXIT_OK


def _when(series):
    return series.dt.strftime("%Y-%m-%d %H:%M")


def district_trend(frame) -> str:
    """One district, one line per run: rank, risk, severity, people and the indoor outlook."""
    first = frame.iloc[-1]
    source = frame["forecast_source"].where(~frame["stale"],
                                            frame["forecast_source"] + " (stale "
                                            + frame["stale_age_hours"].map("{:.0f}".format) + " h)")
    table = frame.assign(published=_when(frame["published_at"]), issued=_when(frame["forecast_issued_at"]),
                         source=source)
    table = table[["published", "issued", "source", "rank", "risk_score", "severity_label",
                   "residents_unheated", "min_indoor_c", "hours_to_12c", "p_indoor_below_12c", "main_driver"]]
    table.columns = ["published (UTC)", "forecast issued", "source", "rank", "risk", "severity",
                     "residents unheated", "min indoor °C", "hours to 12 °C", "P(<12 °C)", "main driver"]
    title = f"{first['district_name']} ({first['district_code']}): last {frame['run_id'].nunique()} runs"
    return title + "\n" + table.to_string(index=False, na_rep="–")


def _run_labels(runs) -> list[str]:
    """Short, unique column labels for runs: publication time (UTC), ``*`` when stale."""
    for fmt in ("%m-%d %H:%M", "%m-%d %H:%M:%S"):
        labels = list(runs["published_at"].dt.strftime(fmt))
        if len(set(labels)) == len(labels):
            break
    else:
        labels = [f"{label} {run_id[-6:]}" for label, run_id in zip(labels, runs["run_id"])]
    return [label + ("*" if stale else "") for label, stale in zip(labels, runs["stale"])]


def risk_trend(frame) -> str:
    """Every district, one column of risk scores per run (oldest left), ordered by the latest rank."""
    runs = frame.drop_duplicates("run_id")
    labels = dict(zip(runs["run_id"], _run_labels(runs)))
    wide = frame.pivot(index="district_code", columns="run_id", values="risk_score")[list(labels)]
    latest = frame[frame["run_id"] == runs["run_id"].iloc[-1]].set_index("district_code")
    order = list(latest.sort_values("rank").index) + [c for c in wide.index if c not in latest.index]
    wide = wide.reindex(order)
    names = frame.drop_duplicates("district_code", keep="last").set_index("district_code")["district_name"]
    change = wide.iloc[:, -1] - wide.iloc[:, 0]
    table = wide.rename(columns=labels).rename_axis(index=None, columns=None)
    table.insert(0, "district_code", table.index)
    table.insert(0, "district", names.reindex(table.index))
    table.insert(0, "rank", latest["rank"].reindex(table.index).astype("Int64"))
    table["change"] = change.map(lambda v: "" if v != v else f"{v:+.1f}")
    lines = ["risk score (0–10) per published run (UTC), oldest left; rank as of the latest run",
             table.to_string(index=False, na_rep="–")]
    if runs["stale"].any():
        lines.append("* forecast from a stale snapshot (the live source had failed)")
    return "\n".join(lines)
