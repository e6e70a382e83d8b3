"""Golden English and Ukrainian message texts, number formats, and Telegram's 4,096 limit."""

from __future__ import annotations

from hypothesis import given, settings as hsettings, strategies as st

from heatneed import alerts
from heatneed.alerts.levels import levels
from heatneed.alerts import channels, state, texts

from alert_support import CODES, priority, settings

A = CODES[0]
CONTEXT = {"forecast_source": "ecmwf-ens", "forecast_issued_at": "2026-02-01T00:00:00Z",
           "lead_from": "2026-02-01T03:00:00Z", "data_state": "stale", "app_url": "https://heatneed.example.org/",
           "horizon_hours": 72.0}


def _event(kind="alert", previous="none", **row):
    values = {"severity": 4, "p_indoor_below_12c": 0.95, "hours_to_12c": 30.0, "hours_to_5c": 0.0,
              "residents_unheated": 25400, **row}
    frame = priority({A: values})
    lv = levels(frame, settings().rules)
    facts = alerts.district_facts(frame, lv)[A]
    level = "none" if kind == "all_clear" else lv.at[A, "level"]
    return state.Event("run", A, kind, level, previous, "id", "2026-02-01T06:00:00+00:00", (), facts)


GOLDEN_EN = """\
RED cold-risk alert: Holosiivskyi (UA80000000000126643)
Level RED (was none); impact severe, likelihood high.
Unheated homes below 12 °C: in 30.0 h; below 5 °C: already (ensemble median).
Residents expected below 12 °C: 24,130 of 25,400 in unheated buildings (probability 95 %).

Forecast: ecmwf-ens, issued 2026-02-01 02:00 Kyiv time; lead times count from 2026-02-01 05:00. \
Data: STALE forecast (the live source failed).
App: https://heatneed.example.org/
Automated estimate — not an official warning.
"""

GOLDEN_UK = """\
ЧЕРВОНИЙ рівень ризику холоду: Голосіївський (UA80000000000126643)
Рівень ЧЕРВОНИЙ (був немає); вплив тяжкий, імовірність висока.
Неопалювані помешкання нижче 12 °C: через 30,0 год; нижче 5 °C: вже (медіана ансамблю).
Мешканців, які ймовірно опиняться нижче 12 °C: 24\u00a0130 з 25\u00a0400 у неопалюваних будинках (імовірність 95 %).

Прогноз: ecmwf-ens, випущено 2026-02-01 02:00 за київським часом; час відліку від 2026-02-01 05:00. \
Дані: ЗАСТАРІЛИЙ прогноз (джерело не відповіло).
Застосунок: https://heatneed.example.org/
Автоматична оцінка — не офіційне попередження.
"""


def test_golden_english_message():
    assert texts.digest_text([_event()], CONTEXT, "en") == GOLDEN_EN


def test_golden_ukrainian_message():
    assert texts.digest_text([_event()], CONTEXT, "uk") == GOLDEN_UK


def test_both_languages_english_first():
    assert texts.digest_text([_event()], CONTEXT, "both") == GOLDEN_EN.rstrip("\n") + "\n\n" + GOLDEN_UK


def test_golden_all_clear_and_update_headlines():
    clear = texts.digest_text([_event("all_clear", "red", p_indoor_below_12c=0.05, severity=1)],
                              {**CONTEXT, "app_url": "", "data_state": "real"}, "en")
    assert clear.startswith("All clear: Holosiivskyi (UA80000000000126643)\nLevel back to none (was RED): homes are "
                            "no longer expected to fall below 12 °C as modelled.\n\nForecast: ")
    assert "App:" not in clear and "Data: field reports and forecast." in clear
    update = texts.digest_text([_event("update", "amber")], CONTEXT, "uk")
    assert update.startswith("Підвищено до рівня ЧЕРВОНИЙ: Голосіївський (UA80000000000126643)\n"
                             "Рівень ЧЕРВОНИЙ (був ПОМАРАНЧЕВИЙ)")


def test_never_and_unknown_are_said_not_hidden():
    text = texts.digest_text([_event(hours_to_12c=float("nan"), hours_to_5c=float("nan"), residents_unheated=None)],
                             {**CONTEXT, "forecast_issued_at": None, "lead_from": None}, "en")
    assert "below 12 °C: not within 72 h; below 5 °C: not within 72 h" in text
    assert "Residents expected below 12 °C: unknown of unknown" in text
    assert "issued unknown Kyiv time" in text


def test_every_alert_message_has_the_same_placeholders_in_both_languages():
    from heatneed.i18n import catalogue, placeholders

    english, ukrainian = catalogue("en")["alerts"], catalogue("uk")["alerts"]
    assert set(english) == set(ukrainian) and len(english) >= 30
    for key, en in english.items():
        assert placeholders(en) == placeholders(ukrainian[key]), key
        assert en and ukrainian[key]


def test_html_escapes_text_from_inputs():
    event = _event()
    event.facts["district_name"] = "<script>alert(1)</script>"
    page = texts.digest_html([event], CONTEXT, "en")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_long_digest_is_split_under_telegrams_limit_at_district_boundaries():
    events = [_event() for _ in range(40)]
    message = texts.digest_text(events, CONTEXT, "both")
    assert len(message) > 4096 * 3
    parts = channels.split_message(message, 4096)
    assert len(parts) >= 4 and all(len(p.encode("utf-16-le")) // 2 <= 4096 for p in parts)
    assert all(p.split("\n", 1)[0].endswith("(UA80000000000126643)") or p.startswith(("Forecast", "Прогноз"))
               for p in parts)  # every part starts at a district (or the footer)
    assert "".join(p.replace("\n", "") for p in parts) == message.replace("\n", "")


@hsettings(max_examples=50, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab \nЖ😀"), max_size=3000), st.integers(min_value=200, max_value=600))
def test_split_never_exceeds_the_limit_and_loses_no_visible_text(text, limit):
    parts = channels.split_message(text, limit)
    assert all(1 <= len(p.encode("utf-16-le")) // 2 <= limit for p in parts)
    squash = lambda s: "".join(s.split())  # noqa: E731
    assert "".join(squash(p) for p in parts) == squash(text)


def test_webhook_signature_matches_the_rfc_4231_hmac_sha256_vector():
    # [RFC4231] test case 2: key "Jefe", data "what do ya want for nothing?"
    assert channels.signature("Jefe", b"what do ya want for nothing?") == \
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
