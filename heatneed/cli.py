"""Command line: ``python -m heatneed rank | validate | calibrate | refresh | history | alerts``.

Only argument parsing and reporting live here; every step is a library call. Exit codes are those
of ``heatneed.errors``: 0 success; 1 a source or the system failed (published output kept); 2 bad
input or usage (one line per problem on stderr, never a traceback); 3 another refresh is running.
"""

from __future__ import annotations

import argparse
import os
import sys

from .cli_common import report
from .config import MODEL_FLAGS
from .errors import EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK, InputError, SourceError
from .sources.registry import SOURCE_NAMES, formats_text, tables_text


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line and exits 2."""

    def error(self, message):
        self.exit(EXIT_BAD_INPUT, f"heatneed: error: {message} (see: {self.prog} --help)\n")


def add_input_flags(parser: argparse.ArgumentParser) -> None:
    """Input and model flags shared by ``rank`` and ``refresh``."""
    files = parser.add_argument_group("inputs (any not given come from --scenario or the embedded Kyiv scenario)")
    files.add_argument("--scenario", metavar="DIR", help="folder with districts, unheated, outages (.csv, .xlsx, … each) and forecast.*")
    files.add_argument("--districts", metavar="FILE", help=f"district registry: {tables_text()}")
    files.add_argument("--unheated", metavar="FILE", help=f"unheated-building reports: {tables_text()}")
    files.add_argument("--outages", metavar="FILE", help=f"power-outage reports: {tables_text()}")
    files.add_argument("--forecast", metavar="FILE", help=f"forecast file: {formats_text()}")
    files.add_argument("--forecast-source", choices=SOURCE_NAMES,
                       help="fetch the forecast live (meteostat, open-meteo) or use the newest own snapshot")
    files.add_argument("--warming-sites", metavar="FILE",
                       help="warming sites / Points of Invincibility CSV/XLSX/XLS/ODS/Parquet (site_id, name, lat, lon, "
                            "capacity_persons, hours_open_per_day, …); their capacity replaces warming_places "
                            "(default: [inputs] warming_sites of the config)")
    files.add_argument("--outage-schedule", metavar="FILE",
                       help="hourly outage schedule per queue: DTEK GPV .json, Yasno .json, or a .csv/.xlsx/.xls/.ods table with "
                            "queue,start,end (default: [inputs] outage_schedule of --config; needs --district-queues)")
    files.add_argument("--district-queues", metavar="FILE",
                       help="which queues each district's buildings are in: district_code,queue,share (shares sum "
                            "to 1 per district; default: [inputs] district_queues of --config)")
    model = parser.add_argument_group("model (defaults and sources: heatneed/defaults.toml)")
    model.add_argument("--config", metavar="FILE", help="TOML file overriding the defaults")
    from .config import default_params, finite_float

    defaults = default_params()
    for flag, (field, text) in MODEL_FLAGS.items():
        model.add_argument(flag, type=finite_float, metavar="X", help=f"{text} (default {getattr(defaults, field):g})")
    model.add_argument("--dask-scheduler", metavar="ADDRESS",
                       help="run the model on a dask.distributed cluster (e.g. tcp://10.0.0.5:8786; "
                            "default: [dask] scheduler of the config)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m heatneed",
                     description="Rank districts by cold-exposure risk when homes lose heat and power.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    rank = sub.add_parser("rank", help="rank districts and write the priority list",
                          description="Rank districts and write the priority list (columns: README, "
                                      "'Priority list').")
    add_input_flags(rank)
    rank.add_argument("--out", metavar="FILE",
                      help="output .csv, .parquet or .xlsx (list + provenance sheets; default: CSV on stdout); "
                           "'{name}' in FILE becomes the app's download name without suffix, "
                           "heatneed-priority_<issue time>_<settings hash>, e.g. --out 'lists/{name}.xlsx'")
    rank.add_argument("--hxl", action="store_true", help="add the HXL hashtag row under the header (CSV)")
    rank.add_argument("--excel-uk", action="store_true",
                      help="CSV for Excel in Ukrainian: ';', UTF-8 BOM, decimal comma, Ukrainian headers and labels")
    needs = rank.add_argument_group("needs (planning figures: [needs] in heatneed/defaults.toml)")
    needs.add_argument("--needs-out", metavar="FILE.csv",
                       help="also write the needs per district plus a totals row (warming-place shortfall, "
                            "heaters and kW, generator fuel); --hxl adds its HXL row")
    needs.add_argument("--what-if-power-off-hours", metavar="H", type=float,
                       help="what-if: power fails everywhere for H hours from the forecast start (e.g. 24)")
    needs.add_argument("--what-if-heat-returns", metavar="TIME",
                       help="what-if: district heat returns to every unheated home at TIME (ISO 8601 UTC)")
    needs.add_argument("--what-if-out", metavar="FILE.csv",
                       help="where the what-if comparison goes: ranks, risk and needs before, after and "
                            "their change per district, plus totals")
    validate = sub.add_parser("validate", help="check input files and report every problem",
                              description="Check input files; kinds are recognised from their columns.")
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.add_argument("--districts", metavar="FILE",
                          help="registry to check district codes against (default: a districts file among "
                               "FILE…, else the embedded Kyiv registry)")
    add_calibrate_command(sub)
    from . import refresh_cli  # noqa: PLC0415  (kept apart: scheduling has its own module)

    refresh_cli.add_commands(sub, add_input_flags)
    from . import alerts_cli  # noqa: PLC0415

    alerts_cli.add_commands(sub)
    return parser


# --------------------------------------------------------------------------- shared steps

def params_from(args, config):
    from .config import params_from_flags

    return params_from_flags(config, vars(args))


def inputs_from(args, config, params):
    """Validated inputs from the input flags (a live forecast covers the model's horizon)."""
    from .assemble import assemble_inputs

    return assemble_inputs(config, horizon_hours=params.horizon_hours, districts=args.districts,
                           unheated=args.unheated, outages=args.outages, forecast=args.forecast,
                           scenario=args.scenario, forecast_source=args.forecast_source,
                           warming_sites=getattr(args, "warming_sites", None),
                           outage_schedule=getattr(args, "outage_schedule", None),
                           district_queues=getattr(args, "district_queues", None))


def notes_of(result) -> list[str]:
    """What the readers changed or the list lacks (sorted time axis, short forecast), for stderr."""
    from .sources.base import forecast_notes

    return forecast_notes(result.inputs.forecast, result.params.horizon_hours)


# --------------------------------------------------------------------------- commands

def cmd_rank(args) -> int:
    from . import pipeline
    from .config import load_config
    from .distributed import scheduler_address
    from .export import export_bytes, format_for, output_path, write_atomic

    fmt = format_for(args.out) if args.out else "csv"
    if args.hxl and fmt != "csv":
        raise InputError("--hxl needs a .csv output")
    if args.excel_uk and (fmt != "csv" or args.hxl):
        raise InputError("--excel-uk needs a .csv output and no --hxl")
    kind = "excel-uk" if args.excel_uk else "hxl" if args.hxl else fmt
    config = load_config(args.config)
    params = params_from(args, config)
    what_if = needs_request(args, config)
    inputs = inputs_from(args, config, params)
    result = pipeline.rank(inputs, params, scheduler=scheduler_address(args.dask_scheduler, config),
                           stale_after_hours=config["forecast"]["stale_after_hours"])
    data, out = export_bytes(result, kind), output_path(args.out, result, kind) if args.out else None
    extra = needs_outputs(args, config, result, what_if)  # computed whole before anything is written
    for path, content in extra.items():
        write_atomic(path, content)
    stale = " (STALE forecast)" if result.stale else ""
    state = result.data_state
    if state.illustrative or state.stale:  # what the list stands on, whatever the output
        print(f"heatneed: WARNING: {state.describe()}"
              + (" - the embedded scenario is ILLUSTRATIVE, never use it to direct aid" if state.illustrative
                 else ""), file=sys.stderr)
    for note in notes_of(result):
        print(f"heatneed: note: {note}", file=sys.stderr)
    if out:
        write_atomic(out, data)
        print(f"heatneed: ranked {len(result.priority)} districts, forecast issued "
              f"{result.forecast.attrs.get('issued_at')}{stale} -> {out}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return EXIT_OK


def needs_request(args, config):
    """Check the needs flags before any work; the what-if scenario asked for (or None)."""
    import pandas as pd

    from .needs import Scenario, needs_params

    needs_params(config, args.config or "config")  # a bad [needs] table stops the run at once
    for flag in ("needs_out", "what_if_out"):
        path = getattr(args, flag)
        if path and not str(path).lower().endswith(".csv"):
            raise InputError(f"--{flag.replace('_', '-')}: {path}: must end in .csv")
    hours, returns = args.what_if_power_off_hours, args.what_if_heat_returns
    if bool(hours is not None or returns) != bool(args.what_if_out):
        raise InputError("--what-if-out FILE.csv goes with --what-if-power-off-hours and/or --what-if-heat-returns")
    if hours is not None and not 0 < hours <= 24 * 30:
        raise InputError(f"--what-if-power-off-hours must be between 0 and 720 hours (got {hours:g})")
    when = None
    if returns:
        try:
            when = pd.Timestamp(returns)
        except (ValueError, TypeError):
            raise InputError(f"--what-if-heat-returns: {returns!r} is not an ISO 8601 time "
                             "(e.g. 2026-02-03T06:00Z)") from None
        when = when.tz_localize("UTC") if when.tzinfo is None else when.tz_convert("UTC")
    if hours is None and when is None:
        return None
    return Scenario(power_off_hours=hours or 0.0, heat_returns_at=when)


def needs_outputs(args, config, result, scenario) -> dict:
    """Path -> bytes of the needs table and the what-if comparison asked for."""
    from .needs import needs_bytes, needs_params, needs_table, what_if, what_if_bytes

    out = {}
    if not (args.needs_out or scenario):
        return out
    np_ = needs_params(config, args.config or "config")
    if args.needs_out:
        out[args.needs_out] = needs_bytes(needs_table(result, np_, result.inputs.sites), hxl=args.hxl)
    if scenario:
        out[args.what_if_out] = what_if_bytes(what_if(result, np_, scenario, result.inputs.sites))
    return out


def cmd_validate(args) -> int:
    from .validate import validate_files

    ok, problems = validate_files(args.files, args.districts)
    for line in ok:
        print(line)
    report(problems)
    return EXIT_BAD_INPUT if problems else EXIT_OK


def add_calibrate_command(sub) -> None:
    calibrate = sub.add_parser(
        "calibrate", help="fit τ and gain to thermometer readings in unheated flats",
        description="Fit the cooling model's τ and gain to field thermometer readings (CSV/XLSX: site_id, time, "
                    "indoor_c, optional outdoor_c, heating_on, district_code) and write per-district τ rows "
                    "(median, P10–P90) the district registry accepts.")
    calibrate.add_argument("readings", metavar="READINGS", help=f"readings file: {tables_text()}")
    outdoor = calibrate.add_mutually_exclusive_group()
    outdoor.add_argument("--outdoor", metavar="FILE", help="outdoor series (time, outdoor_c[, district_code]) "
                                                           "when the readings have no outdoor_c")
    outdoor.add_argument("--forecast-source", choices=("meteostat",),
                         help="outdoor observations near the district's centroid when the readings have none")
    calibrate.add_argument("--district", metavar="CODE", help="district of readings without district_code")
    calibrate.add_argument("--districts", metavar="FILE", help="district registry (default: embedded Kyiv)")
    calibrate.add_argument("--config", metavar="FILE", help="TOML file overriding [calibrate] and [model] defaults")
    calibrate.add_argument("--out", metavar="FILE", help="district τ rows CSV (default: stdout)")
    calibrate.add_argument("--sites-out", metavar="FILE", help="per-site fits CSV (τ, gain, intervals, status)")
    calibrate.add_argument("--registry-out", metavar="FILE",
                           help="the registry with calibrated tau_hours (and band) set: use with rank --districts")
    calibrate.set_defaults(handler=cmd_calibrate)


def cmd_calibrate(args) -> int:
    from .calibrate import REFUSED, calibrate_files, registry_bytes, site_summary, table_bytes
    from .config import load_config
    from .export import write_atomic

    result, registry = calibrate_files(args.readings, outdoor=args.outdoor, forecast_source=args.forecast_source,
                                       district=args.district, districts=args.districts,
                                       config=load_config(args.config))
    for _, row in result.sites.iterrows():
        print(f"heatneed: {site_summary(row)}", file=sys.stderr)
    if (result.sites["status"] == REFUSED).all():
        raise InputError(f"{args.readings}: no site gave a usable τ (reasons above)")
    outputs = [(args.sites_out, table_bytes(result.sites)) if args.sites_out else None,
               (args.registry_out, registry_bytes(registry, result.districts)) if args.registry_out else None]
    for path, data in filter(None, outputs):
        write_atomic(path, data)
    data = table_bytes(result.districts)
    if result.districts.empty:
        print("heatneed: no district rows: the fitted sites have no district_code (give --district)", file=sys.stderr)
    if args.out:
        write_atomic(args.out, data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return EXIT_OK


COMMANDS = {"rank": cmd_rank, "validate": cmd_validate, "calibrate": cmd_calibrate}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = COMMANDS.get(args.command) or args.handler
    try:
        return handler(args)
    except InputError as exc:
        report(exc.problems[:20] + ([f"... and {len(exc.problems) - 20} more problems"]
                                   if len(exc.problems) > 20 else []))
        return EXIT_BAD_INPUT
    except SourceError as exc:
        report([str(exc)])
        return EXIT_FAILURE
    except OSError as exc:
        report([f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": ")])
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # last resort: one line, never a traceback (HEATNEED_DEBUG=1 shows it)
        if os.environ.get("HEATNEED_DEBUG"):
            raise
        report([f"internal error: {type(exc).__name__}: {exc}"])
        return EXIT_FAILURE
