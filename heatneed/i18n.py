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
import re
import tomllib
from pathlib import Path

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
    return _from_template(label, "severity", lang)


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

    def items(values):
        if "items" in values:
            parts = re.split(r", (?![^(]*\))", values["items"])
            values["items"] = ", ".join(_from_template(item, "completeness_item", lang) for item in parts)
        return values

    return "; ".join(_from_template(part, "completeness", lang, items) for part in note.split("; "))


def placeholders(s: str) -> set[str]:
    """Names in braces of a format string (for checking that every language matches English)."""
    return set(re.findall(r"{(\w+)}", s))
