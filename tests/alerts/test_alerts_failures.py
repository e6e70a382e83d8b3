"""A failing channel never blocks or undoes publishing: the refresh (in-process) exits 0 with a
warning, the list and its history are as without alerts, the failure is in `alerts list`, and no
secret appears in logs, history or output."""

from __future__ import annotations

import shutil
import socket
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from heatneed import store
from heatneed.cli import main

from alert_support import ROOT, SMTP_PASSWORD, TOKEN, WEBHOOK_SECRET

SCRATCH = "/dev/shm" if Path("/dev/shm").is_dir() else None  # fsync-heavy history: RAM where possible
FORECAST = ROOT / "data" / "scenarios" / "kyiv-2026-02" / "forecast.csv"


@pytest.fixture
def run(capsys):
    def _run(*argv):
        capsys.readouterr()
        code = main([str(a) for a in argv])
        out = capsys.readouterr()
        return code, out.out, out.err

    return _run


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    """A refresh of the same inputs with alerts off (the default): what publishing must look like."""
    out = tmp_path_factory.mktemp("plain") / "out"
    assert main(["refresh", "--forecast", str(FORECAST), "--output-dir", str(out), "--log-level", "WARNING"]) == 0
    return out


@pytest.fixture
def silent_smtp():
    """A port that accepts connections and never says a word (an SMTP server that hangs)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield sock.getsockname()[1]
    sock.close()


def _config(tmp_path, telegram, webhook, smtp_port, timeout_s=0.3) -> str:
    path = tmp_path / "heatneed.toml"
    path.write_text(f"""
[alerts.email]
enabled = true
host = "127.0.0.1"
port = {smtp_port}
security = "starttls"
username = "ops"
from = "heatneed@example.org"
to = ["duty@example.org"]
timeout_s = {timeout_s}
max_retries = 1
retry_backoff_s = 0.0

[alerts.telegram]
enabled = true
base_url = "{telegram.url}"
chat_ids = ["-1001"]
timeout_s = {timeout_s}
max_retries = 1
retry_backoff_s = 0.0

[alerts.webhook]
enabled = true
url = "{webhook.url}/hook"
timeout_s = {timeout_s}
max_retries = 1
retry_backoff_s = 0.0
""", encoding="utf-8")
    return str(path)


def _history(out):
    con = sqlite3.connect(out / "history.sqlite")
    try:
        return {table: con.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                for table in ("runs", "district_runs", "alert_levels", "alert_events", "alert_deliveries")}
    finally:
        con.close()


@pytest.mark.parametrize("http_mode", ["500", "hang"])
def test_failing_channels_leave_the_published_list_and_history_intact(
        tmp_path, run, telegram, webhook, secrets_env, silent_smtp, caplog, http_mode, plain):
    telegram.mode = webhook.mode = http_mode
    config = _config(tmp_path, telegram, webhook, silent_smtp)
    out = tmp_path / "out"
    with caplog.at_level("WARNING"):
        code, _, err = run("refresh", "--forecast", FORECAST, "--output-dir", out, "--config", config)
    assert code == 0, err
    published, reference = store.read_published(out), store.read_published(plain)
    assert published.priority.equals(reference.priority)
    assert (out / "latest" / "priority.csv").read_bytes() == (plain / "latest" / "priority.csv").read_bytes()
    assert _history(out) == {"runs": 1, "district_runs": 10, "alert_levels": 10, "alert_events": 8,
                             "alert_deliveries": 3}
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING" and "FAILED" in r.getMessage()]
    assert sorted(w.split()[1] for w in warnings) == ["email", "telegram", "webhook"]
    assert len(telegram.requests) == 0 and len(webhook.requests) == 0
    # bounded: two attempts each (max_retries = 1); the hanging stub is cut off by the timeout

    code, listing, _ = run("alerts", "list", "--output-dir", out)
    assert code == 0
    assert listing.count("FAILED") == 3 and "2 attempt(s)" in listing
    assert "Sviatoshynskyi (UA80000000000875983)" in listing  # names from the published list
    assert ("HTTP 500" in listing) if http_mode == "500" else ("Timeout" in listing)
    everything = caplog.text + err + listing + (out / "history.sqlite").read_bytes().decode("latin-1")
    for secret in (TOKEN, WEBHOOK_SECRET, SMTP_PASSWORD):
        assert secret not in everything


def test_an_error_inside_alerts_does_not_undo_publishing(tmp_path, run, monkeypatch, caplog):
    from heatneed.alerts import state

    def broken(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(state, "apply_run", broken)
    out = tmp_path / "out"
    with caplog.at_level("WARNING"):
        code, _, err = run("refresh", "--forecast", FORECAST, "--output-dir", out)
    assert code == 0, err
    assert store.read_published(out) is not None and len(store.read_history(out)) == 10
    assert any("alerts: could not process run" in r.getMessage() for r in caplog.records)


def test_a_bad_alert_setting_exits_2_and_publishes_nothing(tmp_path, run):
    config = tmp_path / "heatneed.toml"
    config.write_text("[alerts.webhook]\nenabled = true\n", encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = run("refresh", "--forecast", FORECAST, "--output-dir", out, "--config", config)
    assert code == 2
    assert err.strip() == f"heatneed: error: {config}: [alerts.webhook] enabled needs url"
    assert not (out / "latest").exists()


def test_a_second_refresh_of_the_same_data_sends_nothing_new(tmp_path, run, telegram, webhook, secrets_env,
                                                             silent_smtp):
    config = tmp_path / "heatneed.toml"
    config.write_text(f'[alerts.webhook]\nenabled = true\nurl = "{webhook.url}/hook"\nretry_backoff_s = 0.0\n',
                      encoding="utf-8")
    out = tmp_path / "out"
    for _ in range(2):
        assert run("refresh", "--forecast", FORECAST, "--output-dir", out, "--config", config)[0] == 0
    assert len(webhook.requests) == 1 and len(webhook.requests[0]["json"]["events"]) == 8
    assert webhook.bad_signatures == 0
    files = sorted((out / "alerts").glob("*.xml"))
    assert len(files) == 8
    from lxml import etree

    from alert_support import CAP_XSD

    schema = etree.XMLSchema(etree.parse(str(CAP_XSD)))
    for path in files:  # the embedded scenario is illustrative: its alerts are an exercise
        doc = etree.parse(str(path))
        assert schema.validate(doc), schema.error_log
        assert doc.findtext("{urn:oasis:names:tc:emergency:cap:1.2}status") == "Exercise"
    feed = (out / "alerts" / "index.atom").read_text(encoding="utf-8")
    assert all(f'href="{p.name}"' in feed for p in files)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["ok", "500", "hang"]), st.sampled_from(["ok", "500", "hang"]))
def test_any_mix_of_failing_channels_leaves_the_alert_history_as_without_channels(
        tmp_path_factory, telegram, webhook, secrets_env, telegram_mode, webhook_mode):
    from heatneed import alerts
    from heatneed.alerts import state

    from alert_support import RUNS, manifest, priority, settings as alert_settings

    telegram.mode, webhook.mode = telegram_mode, webhook_mode
    base = Path(tempfile.mkdtemp(dir=SCRATCH))
    cfg = alert_settings(f"""
[alerts.telegram]
enabled = true
base_url = "{telegram.url}"
chat_ids = ["-1001"]
timeout_s = 0.2
max_retries = 0
[alerts.webhook]
enabled = true
url = "{webhook.url}/hook"
timeout_s = 0.2
max_retries = 0
""", base)
    with_channels, without = base / "with", base / "without"
    outcome = alerts.process_run(with_channels, manifest(0), priority(RUNS[0]), cfg)
    alerts.process_run(without, manifest(0), priority(RUNS[0]), alert_settings())
    assert [r.ok for r in outcome.results] == [telegram_mode == "ok", webhook_mode == "ok"]
    assert state.read_state(with_channels).equals(state.read_state(without))
    events = [state.read_events(d).drop(columns="event_id") for d in (with_channels, without)]
    assert events[0].equals(events[1])
    deliveries = state.read_deliveries(with_channels)
    assert sorted(deliveries["status"]) == sorted(
        ["sent" if m == "ok" else "failed" for m in (telegram_mode, webhook_mode)])
    shutil.rmtree(base)
