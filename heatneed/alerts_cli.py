"""``python -m heatneed alerts list | ack DISTRICT | test --channel NAME`` (thin: parses and calls
``heatneed.alerts``). Exit codes: 0 done, 1 a test message failed, 2 bad usage or config."""

from __future__ import annotations

import getpass
import sys

EXIT_OK, EXIT_FAILURE = 0, 1


def add_commands(sub) -> None:
    from .alerts import CHANNELS

    alerts = sub.add_parser("alerts", help="alert levels, acknowledgements and channel tests",
                            description="Alert state kept in DIR/history.sqlite by the refresh job.")
    actions = alerts.add_subparsers(dest="alerts_command", required=True, parser_class=sub._parser_class)

    def common(p):
        p.add_argument("--output-dir", metavar="DIR", help="published folder (default as for refresh)")
        p.add_argument("--config", metavar="FILE", help="TOML file ([refresh] output_dir, [alerts] channels)")

    show = actions.add_parser("list", help="active alerts and recent deliveries (failures with their reason)")
    common(show)
    show.add_argument("--all", action="store_true", help="every district, also those at level none")
    show.set_defaults(handler=cmd_list)
    ack = actions.add_parser("ack", help="acknowledge a district's active alert")
    ack.add_argument("district", metavar="DISTRICT", help="district code (as in the priority list)")
    ack.add_argument("--by", metavar="NAME", help="who acknowledges (default: the login name)")
    common(ack)
    ack.set_defaults(handler=cmd_ack)
    test = actions.add_parser("test", help="send a clearly marked test message through one channel")
    test.add_argument("--channel", required=True, choices=CHANNELS)
    test.add_argument("--config", metavar="FILE", help="TOML file with the [alerts.<channel>] settings")
    test.set_defaults(handler=cmd_test)


def _output_dir(args):
    from .config import load_config
    from .refresh import RefreshSettings

    return RefreshSettings.from_config(load_config(args.config), args.config, output_dir=args.output_dir).output_dir


def cmd_list(args) -> int:
    from .alerts import list_alerts

    print(list_alerts(_output_dir(args), show_all=args.all))
    return EXIT_OK


def cmd_ack(args) -> int:
    import pandas as pd

    from .alerts import state

    by = args.by or getpass.getuser()
    now = pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
    level = state.ack(_output_dir(args), args.district, by, now)
    print(f"acknowledged {args.district} at level {level} by {by}")
    return EXIT_OK


def cmd_test(args) -> int:
    from .alerts import AlertSettings, send_test
    from .config import load_config

    settings = AlertSettings.from_config(load_config(args.config), args.config)
    result = send_test(settings, args.channel)
    if result.ok:
        print(f"test message sent through {args.channel} ({result.messages} message(s), {result.attempts} attempt(s))")
        return EXIT_OK
    print(f"heatneed: error: test message through {args.channel} failed after {result.attempts} attempt(s): "
          f"{result.error}", file=sys.stderr)
    return EXIT_FAILURE
