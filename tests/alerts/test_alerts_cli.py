"""``python -m heatneed alerts list | ack | test`` in-process: output and exit codes."""

from __future__ import annotations

import pytest

from heatneed import alerts
from heatneed.cli import main

from alert_support import RUNS, TOKEN, manifest, priority, settings


@pytest.fixture
def run(capsys):
    def _run(*argv):
        capsys.readouterr()
        code = main([str(a) for a in argv])
        out = capsys.readouterr()
        return code, out.out, out.err

    return _run


@pytest.fixture
def state_dir(tmp_path):
    out = tmp_path / "out"
    alerts.process_run(out, manifest(0), priority(RUNS[0]), settings())
    return out


def test_list_shows_active_alerts_and_all_districts_on_request(run, state_dir):
    code, out, _ = run("alerts", "list", "--output-dir", state_dir)
    assert code == 0
    lines = out.splitlines()
    assert "UA80000000000126643" in out and "amber" in out and "UA80000000000210193" not in out
    assert lines[0].split()[:3] == ["district", "level", "episode"]
    code, out, _ = run("alerts", "list", "--output-dir", state_dir, "--all")
    assert "UA80000000000210193" in out


def test_ack_then_list_shows_who_acknowledged(run, state_dir):
    code, out, _ = run("alerts", "ack", "UA80000000000126643", "--by", "duty", "--output-dir", state_dir)
    assert (code, out.strip()) == (0, "acknowledged UA80000000000126643 at level amber by duty")
    alerts.process_run(state_dir, manifest(1), priority({**RUNS[0], "UA80000000000210193": RUNS[0][
        "UA80000000000126643"]}), settings())  # the second district rises too, unacknowledged
    listing = run("alerts", "list", "--output-dir", state_dir)[1].splitlines()
    assert listing[1].startswith("UA80000000000126643") and "amber by duty at" in listing[1]
    assert listing[2].startswith("UA80000000000210193") and listing[2].endswith(" no")


def test_ack_of_a_district_without_an_active_alert_exits_2(run, state_dir):
    code, _, err = run("alerts", "ack", "UA80000000000210193", "--output-dir", state_dir)
    assert code == 2
    assert err.strip() == "heatneed: error: district UA80000000000210193 has no active alert to acknowledge"


def test_list_of_an_empty_folder_says_so(run, tmp_path):
    code, out, _ = run("alerts", "list", "--output-dir", tmp_path / "none")
    assert code == 0 and out.startswith("no alert state in")


def test_test_send_through_the_webhook_is_marked_test_and_signed(run, tmp_path, webhook, secrets_env):
    config = tmp_path / "c.toml"
    config.write_text(f'[alerts.webhook]\nurl = "{webhook.url}/hook"\nretry_backoff_s = 0.0\n', encoding="utf-8")
    code, out, err = run("alerts", "test", "--channel", "webhook", "--config", config)
    assert code == 0, err
    assert out.strip() == "test message sent through webhook (1 message(s), 1 attempt(s))"
    payload = webhook.requests[0]["json"]
    assert payload["test"] is True and payload["events"][0]["district_code"] == "TEST"
    assert webhook.bad_signatures == 0


def test_test_send_through_telegram_and_email(run, tmp_path, channels_config, telegram):
    text, inbox = channels_config()
    config = tmp_path / "c.toml"
    config.write_text(text, encoding="utf-8")
    assert run("alerts", "test", "--channel", "telegram", "--config", config)[0] == 0
    assert telegram.requests[0]["json"]["text"].startswith("TEST: sent by `heatneed alerts test`")
    assert run("alerts", "test", "--channel", "email", "--config", config)[0] == 0
    assert inbox.messages[0][1]["Subject"] == "heatneed: TEST message / heatneed: ТЕСТОВЕ повідомлення"


def test_test_send_failures_exit_1_with_the_reason_and_no_secret(run, tmp_path, telegram, monkeypatch):
    config = tmp_path / "c.toml"
    config.write_text(f'[alerts.telegram]\nbase_url = "{telegram.url}"\nchat_ids = [1]\nretry_backoff_s = 0.0\n'
                      f"max_retries = 1\n", encoding="utf-8")
    code, _, err = run("alerts", "test", "--channel", "telegram", "--config", config)
    assert code == 1 and "HEATNEED_TELEGRAM_TOKEN is not set" in err
    monkeypatch.setenv("HEATNEED_TELEGRAM_TOKEN", TOKEN)
    telegram.mode = "500"
    code, _, err = run("alerts", "test", "--channel", "telegram", "--config", config)
    assert code == 1 and "failed after 2 attempt(s)" in err and "HTTP 500" in err and TOKEN not in err


def test_unknown_channel_is_a_usage_error(run, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["alerts", "test", "--channel", "sms"])
    assert exit_.value.code == 2
    assert "invalid choice: 'sms'" in capsys.readouterr().err


def test_the_bot_token_never_reaches_the_log_even_at_debug(run, tmp_path, telegram, monkeypatch, caplog):
    monkeypatch.setenv("HEATNEED_TELEGRAM_TOKEN", TOKEN)
    config = tmp_path / "c.toml"
    config.write_text(f'[alerts.telegram]\nbase_url = "{telegram.url}"\nchat_ids = [1]\n', encoding="utf-8")
    with caplog.at_level("DEBUG"):
        assert run("alerts", "test", "--channel", "telegram", "--config", config)[0] == 0
    assert "/bot***/sendMessage" in caplog.text and TOKEN not in caplog.text


def test_the_example_configuration_is_valid():
    from heatneed.alerts import AlertSettings
    from heatneed.config import load_config

    from alert_support import ROOT

    example = ROOT / "examples" / "heatneed.toml"
    assert AlertSettings.from_config(load_config(example), example).enabled_channels() == []
