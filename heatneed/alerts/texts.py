"""Message texts in English and Ukrainian for e-mail, Telegram, webhooks and CAP.

The texts live in the ``[alerts]`` table of the message catalogues (``heatneed/locales/<lang>.toml``),
beside the app's, keyed by message id; placeholders in braces identical in every language (tested). Numbers are formatted for the language with Babel (``en_GB``,
``uk_UA``: ``2,540`` / ``2 540``, ``24.3`` / ``24,3``); times are Kyiv time.
"""

from __future__ import annotations

import html
import math

import pandas as pd
from .. import i18n

CAP_LANGUAGES = {"en": "en-GB", "uk": "uk-UA"}
TIMEZONE = "Europe/Kyiv"



def text(key: str, lang: str, **values) -> str:
    """The alert message ``key`` in ``lang`` (the ``[alerts]`` table of ``heatneed/locales/<lang>.toml``)."""
    return i18n.message("alerts", key, lang).format(**values)


def number(value: float, lang: str, decimals: int = 0) -> str:
    return i18n.number(value, lang, decimals)  # the app's formats: one per language


def _known(value) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value)) and value is not pd.NA


def lead(hours, lang: str, horizon_hours: float) -> str:
    """'in 24.3 h' / 'already' / 'not within 72 h' for a crossing time [h] (NaN = never)."""
    if not _known(hours):
        return text("never", lang, hours=number(horizon_hours, lang))
    if float(hours) <= 0:
        return text("already", lang)
    return text("in_hours", lang, hours=number(float(hours), lang, 1))


def kyiv_time(iso: str | None, lang: str) -> str:
    if not iso:
        return text("unknown", lang)
    try:
        t = pd.Timestamp(iso)
    except (ValueError, TypeError):
        return str(iso)
    t = t.tz_localize("UTC") if t.tzinfo is None else t
    return t.tz_convert(TIMEZONE).strftime("%Y-%m-%d %H:%M")


def data_state(state: str, lang: str) -> str:
    """``real``, ``stale``, ``illustrative`` or ``;``-joined words, in ``lang``."""
    # The list's data_state names the embedded inputs ("embedded: districts, forecast; stale"): illustrative.
    parts = [w.strip() for w in str(state or "real").split(";") if w.strip()]
    words = ["illustrative" if w.startswith("embedded") else w for w in parts]
    keys = [f"state_{w}" for w in words]
    return "; ".join(text(k, lang) if i18n.message("alerts", k, lang) is not None else w for k, w in zip(keys, words))


def district_name(facts: dict, lang: str) -> str:
    name = facts.get("district_name_uk") if lang == "uk" else None
    return f"{name or facts.get('district_name') or facts.get('district_code')} ({facts.get('district_code')})"


def headline(event, lang: str) -> str:
    return text(f"head_{event.kind}", lang, level=text(f"level_{event.level}", lang),
                district=district_name(event.facts, lang))


def event_lines(event, lang: str, horizon_hours: float) -> list[str]:
    """The lines about one district: headline, level, lead time, residents."""
    f = event.facts
    lines = [headline(event, lang)]
    previous = text(f"level_{event.previous_level}", lang)
    if event.kind == "all_clear":
        lines.append(text("clear_line", lang, previous=previous))
        return lines
    lines.append(text("level_line", lang, level=text(f"level_{event.level}", lang), previous=previous,
                      impact=text(f"impact_{f.get('impact', 1)}", lang),
                      likelihood=text(f"likelihood_{f.get('likelihood', 1)}", lang)))
    lines.append(text("lead", lang, to12=lead(f.get("hours_to_12c"), lang, horizon_hours),
                      to5=lead(f.get("hours_to_5c"), lang, horizon_hours)))
    residents, expected, p = f.get("residents_unheated"), f.get("expected_below_12c"), f.get("p_indoor_below_12c")
    lines.append(text("residents", lang,
                      expected=number(expected, lang) if _known(expected) else text("unknown", lang),
                      residents=number(residents, lang) if _known(residents) else text("unknown", lang),
                      p=number(100 * float(p), lang) if _known(p) else text("unknown", lang)))
    return lines


def footer_lines(context: dict, lang: str) -> list[str]:
    lines = [text("forecast", lang, source=context.get("forecast_source") or text("unknown", lang),
                  issued=kyiv_time(context.get("forecast_issued_at"), lang),
                  start=kyiv_time(context.get("lead_from") or context.get("forecast_issued_at"), lang),
                  state=data_state(context.get("data_state", "real"), lang))]
    if context.get("app_url"):
        lines.append(text("app", lang, url=context["app_url"]))
    lines.append(text("disclaimer", lang))
    return lines


def languages(setting: str) -> list[str]:
    return ["en", "uk"] if setting == "both" else [setting]


def digest_blocks(events, context: dict, lang: str) -> list[str]:
    """Paragraphs of one message in ``lang``: one per district, then the footer."""
    horizon = float(context.get("horizon_hours", 72.0))
    blocks = [text("test_line", lang)] if context.get("test") else []
    blocks += ["\n".join(event_lines(e, lang, horizon)) for e in events]
    blocks.append("\n".join(footer_lines(context, lang)))
    return blocks


def digest_text(events, context: dict, setting: str) -> str:
    """Plain text of a digest in the configured languages (English first)."""
    return "\n\n".join("\n\n".join(digest_blocks(events, context, lang)) for lang in languages(setting)) + "\n"


def digest_html(events, context: dict, setting: str) -> str:
    """The same digest as simple HTML (every text escaped)."""
    parts = []
    for lang in languages(setting):
        parts.append(f'<div lang="{CAP_LANGUAGES[lang]}">')
        for block in digest_blocks(events, context, lang):
            first, *rest = block.split("\n")
            parts.append(f"<p><strong>{html.escape(first)}</strong>"
                         + "".join(f"<br>{html.escape(line)}" for line in rest) + "</p>")
        parts.append("</div>")
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n" + "\n".join(parts)
            + "\n</body></html>\n")


def subject(events, context: dict, setting: str) -> str:
    from .levels import LEVEL_RANK

    langs = languages(setting)
    if context.get("test"):
        return " / ".join(text("test_subject", lang) for lang in langs)
    top = max((e.level for e in events), key=LEVEL_RANK.get, default="none")
    return " / ".join(text("subject", lang, count=len(events), level=text(f"level_{top}", lang)) for lang in langs)
