"""A sequence of published runs (rise → higher → same → all clear) through every channel on
loopback: exactly the expected messages, once each; CAP files referencing each other."""

from __future__ import annotations

import pytest

from heatneed import alerts
from heatneed.alerts import state

from alert_support import CODES, RUNS, TOKEN, manifest, priority, settings

A, B = CODES
EXPECTED = [("alert", "amber", "none"), ("update", "red", "amber"), None, ("all_clear", "none", "red")]


@pytest.mark.parametrize("smtp_mode", ["starttls", "ssl"])
def test_rise_higher_same_all_clear_sends_exactly_three_messages_per_channel(
        tmp_path, channels_config, telegram, webhook, smtp_mode):
    text, inbox = channels_config(smtp_mode)
    cfg = settings(text, tmp_path)
    out = tmp_path / "out"
    outcomes = [alerts.process_run(out, manifest(n), priority(rows), cfg) for n, rows in enumerate(RUNS)]

    got = [[(e.kind, e.level, e.previous_level) for e in o.events] for o in outcomes]
    assert got == [[x] if x else [] for x in EXPECTED]
    assert all(r.ok for o in outcomes for r in o.results), [r for o in outcomes for r in o.results]
    assert [len(o.results) for o in outcomes] == [3, 3, 0, 3]  # the "same" run sends nothing

    # e-mail: three multipart messages (text + HTML), English then Ukrainian, to the configured address
    assert len(inbox.messages) == 3
    subjects = [m["Subject"] for _, m in inbox.messages]
    assert subjects[0] == ("heatneed: 1 district alert change(s), highest AMBER / "
                           "heatneed: змін рівня в районах: 1, найвищий ПОМАРАНЧЕВИЙ")
    assert "highest RED" in subjects[1] and "highest none" in subjects[2]
    for rcpt, msg in inbox.messages:
        assert rcpt == ["duty@example.org"]
        assert msg.get_content_type() == "multipart/alternative"
        kinds = [part.get_content_type() for part in msg.iter_parts()]
        assert kinds == ["text/plain", "text/html"]
        plain = msg.get_body(("plain",)).get_content()
        assert plain.index("Holosiivskyi") < plain.index("Голосіївський")
        assert "Automated estimate — not an official warning." in plain
        assert "Автоматична оцінка — не офіційне попередження." in plain
        assert "Darnytskyi" not in plain  # unchanged districts are not in the digest
    assert "Raised to RED: Holosiivskyi" in inbox.messages[1][1].get_body(("plain",)).get_content()
    assert "All clear: Holosiivskyi" in inbox.messages[2][1].get_body(("html",)).get_content()

    # Telegram: three sendMessage calls to the configured chat, token in the path only
    assert [r["path"] for r in telegram.requests] == [f"/bot{TOKEN}/sendMessage"] * 3
    assert {r["json"]["chat_id"] for r in telegram.requests} == {"-1001"}
    assert telegram.requests[0]["json"]["text"].startswith("AMBER cold-risk alert: Holosiivskyi")

    # webhook: three signed JSON posts (the stub rejects a wrong HMAC with 401: none were rejected)
    assert webhook.bad_signatures == 0
    assert [[(e["kind"], e["level"]) for e in r["json"]["events"]] for r in webhook.requests] == \
        [[("alert", "amber")], [("update", "red")], [("all_clear", "none")]]
    assert webhook.requests[0]["json"]["events"][0]["district_name_uk"] == "Голосіївський"

    # CAP: Alert, then Update and Cancel referencing the earlier alerts of the episode
    first, second, last = (o.events[0] for o in (outcomes[0], outcomes[1], outcomes[3]))
    assert first.references == ()
    assert second.references == (f"alerts@heatneed.example.org,{first.identifier},{first.sent}",)
    assert last.references == second.references + (f"alerts@heatneed.example.org,{second.identifier},{second.sent}",)

    # history: levels of every run and district, deliveries all sent
    current = state.read_state(out).set_index("district_code")
    assert current.loc[A, "level"] == "none" and current.loc[B, "level"] == "none"
    deliveries = state.read_deliveries(out, 50)
    assert len(deliveries) == 9 and set(deliveries["status"]) == {"sent"}


def test_re_running_a_run_never_sends_again(tmp_path, channels_config, telegram, webhook):
    text, inbox = channels_config()
    cfg = settings(text, tmp_path)
    out = tmp_path / "out"
    first = alerts.process_run(out, manifest(0), priority(RUNS[0]), cfg)
    again = alerts.process_run(out, manifest(0), priority(RUNS[0]), cfg)
    assert len(first.events) == 1 and again.already_processed and again.events == [] and again.results == []
    assert len(inbox.messages) == 1 and len(telegram.requests) == 1 and len(webhook.requests) == 1


def test_a_drop_and_a_rise_back_within_the_episode_are_not_notified(tmp_path):
    out, cfg = tmp_path / "out", settings()
    red = RUNS[1]
    amber = RUNS[0]
    kinds = [[e.kind for e in alerts.process_run(out, manifest(n), priority(rows), cfg).events]
             for n, rows in enumerate([red, amber, red, RUNS[3], amber])]
    # red starts the episode; amber and red again stay inside it; none ends it; amber starts a new one
    assert kinds == [["alert"], [], [], ["all_clear"], ["alert"]]


def test_ack_records_who_and_a_new_high_needs_a_new_ack(tmp_path):
    out, cfg = tmp_path / "out", settings()
    alerts.process_run(out, manifest(0), priority(RUNS[0]), cfg)
    assert state.ack(out, A, "duty officer", "2026-02-01T07:00:00Z") == "amber"
    row = state.read_state(out).set_index("district_code").loc[A]
    assert (row["acked_by"], row["acked_level"]) == ("duty officer", "amber")
    alerts.process_run(out, manifest(1), priority(RUNS[1]), cfg)
    assert state.read_state(out).set_index("district_code").loc[A, "acked_at"] is None
    with pytest.raises(Exception, match="no active alert"):
        state.ack(out, B, "duty officer", "2026-02-01T07:00:00Z")


def test_a_cap_feed_that_cannot_be_written_does_not_stop_the_channels(tmp_path, webhook, secrets_env, caplog):
    cfg = settings(f'[alerts.webhook]\nenabled = true\nurl = "{webhook.url}/hook"\nretry_backoff_s = 0.0\n',
                   tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "alerts").write_text("a file where the feed folder should be")
    outcome = alerts.process_run(out, manifest(0), priority(RUNS[0]), cfg)
    assert outcome.cap_files == [] and [r.ok for r in outcome.results] == [True]
    assert len(webhook.requests) == 1
    assert "could not write the CAP feed" in caplog.text
