"""CAP 1.2 alerts (OASIS Common Alerting Protocol [OASIS-CAP12]) and their Atom index.

One ``<alert>`` per notified district and run, with an ``<info>`` in en-GB and one in uk-UA,
written to ``<output-dir>/alerts/<identifier>.xml``; ``<output-dir>/alerts/index.atom`` lists
the newest files (Atom, RFC 4287 [RFC4287]). Mapping (documented in the README):

- ``msgType``: Alert when an episode starts, Update at a new high (``references`` the episode's
  earlier alerts), Cancel for the all clear (``references`` them too).
- ``status``: Actual; Exercise when the data are illustrative (the embedded scenario); Test for
  ``alerts test``.
- ``severity`` from the level: yellow → Moderate, amber → Severe, red → Extreme; all clear → Minor.
- ``certainty`` from ``p_indoor_below_12c``: > 0.5 → Likely (CAP: "p > ~50 %"), ≥ 0.1 → Possible,
  else Unlikely.
- ``urgency`` from ``hours_to_12c``: already below → Immediate; within the hour → Expected (CAP:
  "responsive action should be taken soon (within next hour)"); later → Future; all clear → Past.
- ``onset`` = the model's start (first forecast time) + ``hours_to_12c``: when homes fall below
  12 °C (sent if that is already past, or never within the horizon); ``expires`` = sent +
  ``cap_expires_hours``.
- ``area``: ``areaDesc`` the district name in the block's language, ``geocode`` the district
  code (``KATOTTH`` for a 19-character KATOTTH code, else ``p-code``).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
from lxml import etree

from ..export import write_atomic
from . import texts

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
ALERTS_DIR = "alerts"
ATOM_FILE = "index.atom"
SEVERITY = {"yellow": "Moderate", "amber": "Severe", "red": "Extreme", "none": "Minor"}
MSG_TYPE = {"alert": "Alert", "update": "Update", "all_clear": "Cancel"}
RESPONSE = {"yellow": "Monitor", "amber": "Prepare", "red": "Prepare"}


def cap_time(ts) -> str:
    """CAP's date-time: ``2026-02-01T06:00:00+00:00`` (the schema refuses ``Z``)."""
    t = pd.Timestamp(ts)
    t = t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")
    return t.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _num(value) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def certainty(p) -> str:
    p = _num(p)
    if p is None:
        return "Possible"
    return "Likely" if p > 0.5 else "Possible" if p >= 0.1 else "Unlikely"


def urgency(kind: str, hours_to_12c) -> str:
    if kind == "all_clear":
        return "Past"
    h = _num(hours_to_12c)
    if h is None:
        return "Future"
    return "Immediate" if h <= 0 else "Expected" if h <= 1 else "Future"


def geocode_name(code: str) -> str:
    return "KATOTTH" if len(code) == 19 and code[:2] == "UA" and code[2:].isdigit() else "p-code"


def status_for(context: dict) -> str:
    if context.get("test"):
        return "Test"
    state = str(context.get("data_state", ""))
    # Illustrative data: the list's data_state names the embedded inputs ("embedded: …").
    return "Exercise" if "illustrative" in state or "embedded" in state else "Actual"


def alert_xml(event, context: dict, sender: str, expires_hours: float) -> bytes:
    """One CAP 1.2 ``<alert>`` for ``event`` (``state.Event``) as UTF-8 bytes."""
    E = lambda tag, text=None, parent=None: _el(tag, text, parent)  # noqa: E731
    f = event.facts
    root = E("alert")
    E("identifier", event.identifier, root)
    E("sender", sender, root)
    E("sent", cap_time(event.sent), root)
    E("status", status_for(context), root)
    E("msgType", MSG_TYPE[event.kind], root)
    E("scope", "Public", root)
    note = f"data: {context.get('data_state', 'real')}; automated estimate, not an official warning"
    E("note", note, root)
    if event.references:
        E("references", " ".join(event.references), root)
    sent = pd.Timestamp(cap_time(event.sent))
    to12 = _num(f.get("hours_to_12c"))
    start = pd.Timestamp(cap_time(context.get("lead_from") or event.sent))
    onset = start + pd.Timedelta(hours=to12) if (to12 is not None and event.kind != "all_clear") else sent
    onset = max(onset, sent)  # a crossing already past: the alert applies from now
    for lang, cap_lang in texts.CAP_LANGUAGES.items():
        info = E("info", None, root)
        E("language", cap_lang, info)
        E("category", "Health", info)
        E("event", texts.text("event", lang), info)
        E("responseType", "AllClear" if event.kind == "all_clear" else RESPONSE[event.level], info)
        E("urgency", urgency(event.kind, f.get("hours_to_12c")), info)
        E("severity", SEVERITY[event.level], info)
        E("certainty", certainty(f.get("p_indoor_below_12c")), info)
        E("onset", cap_time(onset), info)
        E("expires", cap_time(sent + pd.Timedelta(hours=expires_hours)), info)
        E("senderName", "heatneed", info)
        E("headline", texts.headline(event, lang), info)
        horizon = float(context.get("horizon_hours", 72.0))
        description = "\n".join(texts.event_lines(event, lang, horizon)[1:] + texts.footer_lines(context, lang))
        E("description", description, info)
        E("instruction", texts.text("instruction_clear" if event.kind == "all_clear" else "instruction", lang), info)
        if context.get("app_url"):
            E("web", context["app_url"], info)
        for name, key in (("heatneed_level", "level"), ("p_indoor_below_12c", "p_indoor_below_12c"),
                          ("hours_to_12c", "hours_to_12c"), ("hours_to_5c", "hours_to_5c")):
            value = event.level if key == "level" else f.get(key)
            if key == "level" or _num(value) is not None:
                param = E("parameter", None, info)
                E("valueName", name, param)
                E("value", str(value), param)
        area = E("area", None, info)
        E("areaDesc", texts.district_name(f, lang), area)
        geocode = E("geocode", None, area)
        E("valueName", geocode_name(event.district_code), geocode)
        E("value", event.district_code, geocode)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _el(tag: str, text, parent):
    el = etree.Element(f"{{{CAP_NS}}}{tag}", nsmap={None: CAP_NS}) if parent is None else \
        etree.SubElement(parent, f"{{{CAP_NS}}}{tag}")
    if text is not None:
        el.text = str(text)
    return el


def write_alerts(output_dir, events, context: dict, sender: str, expires_hours: float,
                 max_entries: int) -> list[Path]:
    """Write one CAP file per event (atomically) and rebuild the Atom index; return the CAP paths."""
    folder = Path(output_dir) / ALERTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for event in events:
        path = folder / f"{event.identifier}.xml"
        write_atomic(path, alert_xml(event, context, sender, expires_hours))
        paths.append(path)
    write_index(output_dir, max_entries)
    return paths


def write_index(output_dir, max_entries: int) -> Path:
    """``alerts/index.atom``: the newest ``max_entries`` CAP files, newest first."""
    folder = Path(output_dir) / ALERTS_DIR
    entries = []
    for path in folder.glob("*.xml"):
        try:
            doc = etree.parse(str(path))
        except (etree.XMLSyntaxError, OSError):
            continue  # never list a file a reader cannot parse
        ns = {"c": CAP_NS}
        entries.append((doc.findtext("c:sent", namespaces=ns) or "", path.name,
                        doc.findtext("c:identifier", namespaces=ns) or path.stem,
                        doc.findtext("c:info/c:headline", namespaces=ns) or path.stem,
                        doc.findtext("c:msgType", namespaces=ns) or ""))
    entries.sort(key=lambda e: (pd.Timestamp(e[0]) if e[0] else pd.Timestamp(0, tz="UTC"), e[1]), reverse=True)
    entries = entries[:max_entries]
    A = lambda tag, parent, text=None, **attrs: _atom(tag, parent, text, **attrs)  # noqa: E731
    feed = etree.Element(f"{{{ATOM_NS}}}feed", nsmap={None: ATOM_NS})
    A("id", feed, "urn:heatneed:alerts")
    A("title", feed, "heatneed cold-risk alerts (CAP 1.2)")
    A("updated", feed, _atom_time(entries[0][0]) if entries else "1970-01-01T00:00:00Z")
    author = A("author", feed)
    A("name", author, "heatneed")
    A("link", feed, rel="self", href=ATOM_FILE)
    for sent, name, identifier, title, msg_type in entries:
        entry = A("entry", feed)
        A("id", entry, f"urn:heatneed:cap:{identifier}")
        A("title", entry, title)
        A("updated", entry, _atom_time(sent))
        A("summary", entry, f"CAP {msg_type}")
        A("link", entry, rel="alternate", type="application/cap+xml", href=name)
    path = folder / ATOM_FILE
    write_atomic(path, etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True))
    return path


def _atom(tag, parent, text=None, **attrs):
    el = etree.SubElement(parent, f"{{{ATOM_NS}}}{tag}", **attrs)
    if text is not None:
        el.text = str(text)
    return el


def _atom_time(cap_sent: str) -> str:
    return pd.Timestamp(cap_sent).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ") if cap_sent else \
        "1970-01-01T00:00:00Z"
