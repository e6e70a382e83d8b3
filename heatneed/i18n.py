"""Interface text for the app: one message catalogue per language, keyed by message ids.

The catalogues are ``heatneed/locales/<code>.toml`` (``[meta] name``, ``[messages]`` by id, and the
model's codes: ``[severity]``, ``[driver]``, ``[outage_status]``, ``[completeness]``). English is the
reference: every other catalogue has the same ids and placeholders (tested). Adding a language is
adding one file. Only the interface is translated: the exported priority list keeps the English column
names and labels of the README's "Priority list", so that it is byte-identical to the command line's;
the "CSV for Excel (Ukrainian)" (``heatneed.export.excel_uk_bytes``) is the one translated export.
"""

from __future__ import annotations

import functools
import math
import re
import tomllib
from pathlib import Path

import pandas as pd
from babel.numbers import (format_percent, get_decimal_symbol, get_group_symbol,
                           get_minus_sign_symbol)

LOCALES = Path(__file__).with_name("locales")
REFERENCE = "en"


@functools.cache
def catalogue(lang: str) -> dict:
    """The whole catalogue of ``lang`` (``KeyError`` for a language without one)."""
    path = LOCALES / f"{lang}.toml"
    if not path.exists():
        raise KeyError(f"no message catalogue for language {lang!r}")
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def languages() -> dict[str, str]:
    """Language code -> its own name, English first."""
    codes = sorted((p.stem for p in LOCALES.glob("*.toml")), key=lambda c: (c != REFERENCE, c))
    return {code: catalogue(code)["meta"]["name"] for code in codes}


LANGUAGES = languages()


def _lookup(table: str, key: str, lang: str) -> str | None:
    value = catalogue(lang if lang in LANGUAGES else REFERENCE).get(table, {}).get(key)
    return value if value is not None else catalogue(REFERENCE).get(table, {}).get(key)


def message(table: str, key: str, lang: str) -> str | None:
    """The raw message ``key`` of catalogue table ``table`` in ``lang`` (English if untranslated; None if
    no catalogue has it)."""
    return _lookup(table, key, lang)


def text(key: str, lang: str, **values) -> str:
    """The interface message ``key`` in ``lang`` with ``values`` filled in (English if untranslated)."""
    message = _lookup("messages", key, lang)
    if message is None:
        raise KeyError(f"no message {key!r}")
    return message.format(**values)


def severity_label(label: str, lang: str) -> str:
    """A published severity label (numbers filled in) in ``lang``: read as one of the English
    ``[severity]`` templates and written from the same level's template in ``lang``."""
    return _from_template(label, "severity", lang,
                          lambda values: {key: _localised_number(v, lang) for key, v in values.items()})


def driver(name: str, lang: str) -> str:
    return _lookup("driver", name, lang) or name


def role(name: str, lang: str) -> str:
    """An input role (``districts``, ``forecast``, …) as named in ``lang``."""
    return _lookup("role", name, lang) or name


def outage_status(status: str, lang: str) -> str:
    return _lookup("outage_status", status, lang) or status


def _template_pattern(template: str) -> re.Pattern:
    """A template such as ``missing: {items}`` as a pattern capturing each placeholder."""
    parts = re.split(r"{(\w+)}", template)
    return re.compile("".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts)) + "$")


def _from_template(text: str, table: str, lang: str, convert=None) -> str:
    """``text`` read as one of the English templates of ``table`` and written from the same id's
    template in ``lang`` (``convert`` may rewrite the captured values); unmatched text is kept."""
    if not text or lang == REFERENCE:
        return text
    for template_id, template in catalogue(REFERENCE).get(table, {}).items():
        match = _template_pattern(template).match(text)
        if match:
            values = convert(match.groupdict()) if convert else match.groupdict()
            return (_lookup(table, template_id, lang) or template).format(**values)
    return text


def completeness(note: str, lang: str) -> str:
    """The list's completeness note in ``lang``: each "; "-separated part is read as one of the English
    ``[completeness]`` templates (items of ``missing`` as ``[completeness_item]`` templates, split at
    ", " outside parentheses) and written from the same ids in ``lang``; unmatched text is kept."""
    if not note or lang == REFERENCE:
        return note

    def numbers(values):  # numbers quoted in the note ("18.4%", "230") in the language's format
        return {key: _localised_number(value, lang) for key, value in values.items()}

    def items(values):
        values = numbers(values)
        if "items" in values:
            parts = re.split(r", (?![^(]*\))", values["items"])
            values["items"] = ", ".join(_from_template(item, "completeness_item", lang, numbers) for item in parts)
        return values

    return "; ".join(_from_template(part, "completeness", lang, items) for part in note.split("; "))


def _localised_number(value: str, lang: str) -> str:
    """A number quoted in an English text (``18.4%``, ``1,234``) written in ``lang``; other text kept."""
    match = re.fullmatch(r"(-?[\d,]*\d(?:\.(\d+))?)(%?)", value.strip())
    if not match:
        return value
    return number(float(match[1].replace(",", "")), lang, len(match[2] or "")) + match[3]


def placeholders(s: str) -> set[str]:
    """Names in braces of a format string (for checking that every language matches English)."""
    return set(re.findall(r"{(\w+)}", s))


# --------------------------------------------------------------------------- numbers, hours and times

#: Babel (CLDR) locale of each interface language: ``27,601`` / ``-9.4`` in English, ``27 601`` (a
#: no-break space, U+00A0, CLDR's Ukrainian grouping symbol) / ``-9,4`` in Ukrainian.
BABEL_LOCALES = {"en": "en_GB", "uk": "uk_UA"}
#: What a missing number is shown as, in every language.
MISSING = "—"
#: Time zone of every time the interface shows.
DISPLAY_TZ = "Europe/Kyiv"


def _missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(math.isnan(float(value)))
    except (TypeError, ValueError):
        return False


def _locale(lang: str) -> str:
    return BABEL_LOCALES.get(lang, BABEL_LOCALES[REFERENCE])


def number(value, lang: str, decimals: int = 0, missing: str = MISSING) -> str:
    """``value`` with ``decimals`` decimals, grouped and with the decimal mark of ``lang``
    (``27,601`` / ``27 601``, ``-9.4`` / ``-9,4``); ``missing`` for None/NaN.

    Babel rounds half to even on the decimal value; the list's published values are already
    rounded to the decimals shown, so this never changes a digit of them. ``-0`` is shown as ``0``.
    """
    if _missing(value):
        return missing
    group, decimal, minus = _symbols(lang)
    text = f"{float(value):,.{decimals}f}"
    if text.startswith("-") and not any(c in "123456789" for c in text):
        text = text[1:]  # no "-0"
    return text.translate({ord(","): group, ord("."): decimal, ord("-"): minus})


@functools.cache
def _symbols(lang: str) -> tuple[str, str, str]:
    """(group, decimal, minus) symbols of ``lang``'s Babel (CLDR) locale.

    ``number`` writes Python's ``{:,.Nf}`` with these symbols: what Babel's ``format_decimal`` with
    ``#,##0.0…`` writes for these locales (groups of three, tested against Babel), about 20 times
    faster, which counts in a table of 1,469 districts × 20 columns.
    """
    locale = _locale(lang)
    return get_group_symbol(locale), get_decimal_symbol(locale), get_minus_sign_symbol(locale)


def short(value, lang: str, missing: str = MISSING) -> str:
    """``value`` with the digits Python's ``:g`` shows (``26``, ``26.5``), written in ``lang``: for
    settings and thresholds quoted in labels."""
    if _missing(value):
        return missing
    return _localised_number(f"{float(value):g}", lang)


def percent(value, lang: str, decimals: int = 0, missing: str = MISSING) -> str:
    """A share 0..1 as a percentage in ``lang`` (``95%`` in both; ``12.5%`` / ``12,5%``)."""
    if _missing(value):
        return missing
    fmt = "#,##0" + ("." + "0" * decimals if decimals > 0 else "") + "%"
    return format_percent(float(value), format=fmt, locale=_locale(lang))


def hours(value, lang: str, decimals: int = 1, missing: str = MISSING) -> str:
    """A duration [h] with its unit in ``lang`` (``30.0 h`` / ``30,0 год``)."""
    if _missing(value):
        return missing
    return text("age_hours", lang, hours=number(value, lang, decimals))


def datetime(ts, lang: str, fmt: str = "%d.%m %H:%M") -> str:
    """A time (naive = UTC) as Kyiv wall-clock time, e.g. ``01.02 06:00``; empty for missing.

    Day-first numeric dates and the 24-hour clock read the same in English and Ukrainian, so ``fmt``
    is the same in both languages (``lang`` is kept for a future language that needs another)."""
    if ts is None or (isinstance(ts, str) and not ts) or (not isinstance(ts, str) and pd.isna(ts)):
        return ""
    t = pd.Timestamp(ts)
    t = t.tz_localize("UTC") if t.tzinfo is None else t
    return t.tz_convert(DISPLAY_TZ).strftime(fmt)


# --------------------------------------------------------------------------- problem lines

_LOCATED = re.compile(r"^(?P<file>.+?)(?:, row (?P<row>\d+))?(?:, column (?P<column>.+?))?: (?P<message>.+)$", re.S)
_GOT = re.compile(r"^(?P<body>.+?)(?: \(got (?P<got>.+)\))?$", re.S)


def problem(line: str, lang: str) -> str:
    """A problem line of ``heatneed.errors.located`` (``file, row R, column C: message``) in ``lang``.

    The frame (row, column, "got") is always translated; the message when it is one of the
    ``[problem]`` templates (the common ones: missing, empty, not a number, below 0, duplicate,
    unknown district…); any other message is kept in English. File and column names and quoted
    values are kept as they are.
    """
    match = _LOCATED.match(line) if lang != REFERENCE else None
    if not match:
        return line
    where = [match["file"]]
    if match["row"]:
        where.append(text("problem_row", lang, row=match["row"]))
    if match["column"]:
        where.append(text("problem_column", lang, column=match["column"]))
    parts = _GOT.match(match["message"])
    message = _from_template(parts["body"], "problem", lang)
    if parts["got"] is not None:
        message += " " + text("problem_got", lang, value=parts["got"])
    return f"{', '.join(where)}: {message}"


def vega_locale(lang: str) -> dict:
    """The d3-format number locale of ``lang`` for Vega-Lite's ``config.locale`` (chart axes and
    tooltips), from the same CLDR symbols as ``number``: ``-9,4`` and ``27 601`` in Ukrainian."""
    group, decimal, minus = _symbols(lang)
    return {"number": {"decimal": decimal, "thousands": group, "grouping": [3], "currency": ["", ""],
                       "minus": minus, "percent": "%"}}


# --------------------------------------------------------------------------- which language

#: Browser languages (BCP 47, lower case) that open the interface in Ukrainian: Ukrainian itself,
#: and Russian as set on a computer in Ukraine (``ru-UA``). Any other browser language opens English.
BROWSER_UK = ("uk", "ru-ua")


def pick_language(requested: str | None, browser_locale: str | None) -> str:
    """The interface language of a new session: ``requested`` (the URL's ``?lang=``) when it is one
    of ``LANGUAGES``; else Ukrainian for a browser language in ``BROWSER_UK`` (``uk``, ``uk-UA``,
    ``ru-UA``); else English."""
    if isinstance(requested, str) and requested.strip().lower() in LANGUAGES:
        return requested.strip().lower()
    browser = (browser_locale or "").strip().lower().replace("_", "-")
    if any(browser == code or browser.startswith(code + "-") for code in BROWSER_UK):
        return "uk"
    return REFERENCE
