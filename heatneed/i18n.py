"""Interface text for the app: one message catalogue per language, keyed by message ids.

The catalogues are ``heatneed/locales/<code>.toml`` (``[meta] name``, ``[messages]`` by id, and the
model's codes: ``[severity]``, ``[driver]``, ``[outage_status]``, ``[completeness]``). English is the
reference: every other catalogue has the same ids and placeholders (tested). Adding a language is
adding one file. Only the interface is translated: the exported priority list keeps the English column
names and labels of the README's "Priority list", so that it is byte-identical to the command line's.
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


def text(key: str, lang: str, **values) -> str:
    """The interface message ``key`` in ``lang`` with ``values`` filled in (English if untranslated)."""
    message = _lookup("messages", key, lang)
    if message is None:
        raise KeyError(f"no message {key!r}")
    return message.format(**values)


def severity_label(label: str, lang: str) -> str:
    return _lookup("severity", label, lang) or label


def driver(name: str, lang: str) -> str:
    return _lookup("driver", name, lang) or name


def outage_status(status: str, lang: str) -> str:
    return _lookup("outage_status", status, lang) or status


def _template_pattern(template: str) -> re.Pattern:
    """A template such as ``missing: {items}`` as a pattern capturing each placeholder."""
    parts = re.split(r"{(\w+)}", template)
    return re.compile("".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+)" for i, p in enumerate(parts)) + "$")


def completeness(note: str, lang: str) -> str:
    """The list's completeness note in ``lang``: each "; "-separated part is read as one of the English
    ``[completeness]`` templates and written from the same template id in ``lang`` (items of
    ``missing`` by their codes); a part that matches no template is kept as it is."""
    if not note or lang == REFERENCE:
        return note
    templates = catalogue(REFERENCE)["completeness"]
    out = []
    for part in note.split("; "):
        for template_id, template in templates.items():
            match = _template_pattern(template).match(part)
            if match:
                values = match.groupdict()
                if "items" in values:
                    values["items"] = ", ".join(_lookup("completeness_item", item, lang) or item
                                                for item in values["items"].split(", "))
                out.append(_lookup("completeness", template_id, lang).format(**values))
                break
        else:
            out.append(part)
    return "; ".join(out)


def placeholders(s: str) -> set[str]:
    """Names in braces of a format string (for checking that every language matches English)."""
    return set(re.findall(r"{(\w+)}", s))
