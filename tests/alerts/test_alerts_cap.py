"""CAP 1.2: every file validates against the OASIS schema; the Atom index lists them all."""

from __future__ import annotations

import pytest
from lxml import etree

from heatneed import alerts
from heatneed.alerts import cap

from alert_support import CAP_XSD, CODES, RUNS, manifest, priority, settings

NS = {"c": cap.CAP_NS, "a": cap.ATOM_NS}


@pytest.fixture(scope="module")
def schema():
    return etree.XMLSchema(etree.parse(str(CAP_XSD)))


@pytest.fixture
def sequence(tmp_path):
    out = tmp_path / "out"
    cfg = settings('[alerts]\ncap_sender = "alerts@heatneed.example.org"\napp_url = "https://h.example.org/"\n',
                   tmp_path)
    outcomes = [alerts.process_run(out, manifest(n), priority(rows), cfg, lead_from="2026-02-01T03:00:00")
                for n, rows in enumerate(RUNS)]
    return out, outcomes


def test_every_cap_file_validates_against_the_cap_1_2_schema(sequence, schema):
    out, outcomes = sequence
    files = sorted((out / "alerts").glob("*.xml"))
    assert [p.name for o in outcomes for p in o.cap_files] and len(files) == 3
    for path in files:
        doc = etree.parse(str(path))
        assert schema.validate(doc), (path.name, schema.error_log)


def test_cap_content_maps_level_probability_and_lead_time(sequence):
    out, outcomes = sequence
    first, update, cancel = (etree.parse(str(o.cap_files[0])) for o in (outcomes[0], outcomes[1], outcomes[3]))
    assert first.findtext("c:msgType", namespaces=NS) == "Alert"
    assert first.findtext("c:status", namespaces=NS) == "Actual"
    assert [i.findtext("c:language", namespaces=NS) for i in first.findall("c:info", NS)] == ["en-GB", "uk-UA"]
    en, uk = first.findall("c:info", NS)
    assert en.findtext("c:category", namespaces=NS) == "Health"
    assert (en.findtext("c:severity", namespaces=NS), en.findtext("c:certainty", namespaces=NS),
            en.findtext("c:urgency", namespaces=NS)) == ("Severe", "Likely", "Future")  # amber, p 0.95, 30 h
    # onset = model start (03:00 UTC) + 30 h to 12 °C; expires = sent (06:00) + 72 h
    assert en.findtext("c:onset", namespaces=NS) == "2026-02-02T09:00:00+00:00"
    assert en.findtext("c:expires", namespaces=NS) == "2026-02-04T06:00:00+00:00"
    assert en.findtext("c:area/c:areaDesc", namespaces=NS) == "Holosiivskyi (UA80000000000126643)"
    assert uk.findtext("c:area/c:areaDesc", namespaces=NS) == "Голосіївський (UA80000000000126643)"
    assert (en.findtext("c:area/c:geocode/c:valueName", namespaces=NS),
            en.findtext("c:area/c:geocode/c:value", namespaces=NS)) == ("KATOTTH", CODES[0])
    assert "not an official warning" in en.findtext("c:description", namespaces=NS)
    assert en.findtext("c:web", namespaces=NS) == "https://h.example.org/"

    assert update.findtext("c:msgType", namespaces=NS) == "Update"
    assert update.findtext("c:info/c:severity", namespaces=NS) == "Extreme"  # red
    first_id = first.findtext("c:identifier", namespaces=NS)
    assert update.findtext("c:references", namespaces=NS) == \
        f"alerts@heatneed.example.org,{first_id},{first.findtext('c:sent', namespaces=NS)}"
    assert cancel.findtext("c:msgType", namespaces=NS) == "Cancel"
    assert (cancel.findtext("c:info/c:responseType", namespaces=NS),
            cancel.findtext("c:info/c:urgency", namespaces=NS)) == ("AllClear", "Past")
    assert first_id in cancel.findtext("c:references", namespaces=NS)


def test_atom_index_lists_every_cap_file_newest_first(sequence):
    out, outcomes = sequence
    feed = etree.parse(str(out / "alerts" / "index.atom"))
    links = [e.find("a:link", NS).get("href") for e in feed.findall("a:entry", NS)]
    assert sorted(links) == sorted(p.name for p in (out / "alerts").glob("*.xml"))
    assert links[0] == outcomes[3].cap_files[0].name  # the all clear is newest
    assert all((out / "alerts" / href).exists() for href in links)
    assert {e.find("a:link", NS).get("type") for e in feed.findall("a:entry", NS)} == {"application/cap+xml"}
    assert feed.findtext("a:updated", namespaces=NS) == "2026-02-01T15:00:00Z"


def test_atom_index_keeps_the_newest_entries_only(tmp_path):
    out = tmp_path / "out"
    cfg = settings("[alerts]\natom_max_entries = 2\n", tmp_path)
    for n, rows in enumerate(RUNS):
        alerts.process_run(out, manifest(n), priority(rows), cfg)
    feed = etree.parse(str(out / "alerts" / "index.atom"))
    assert len(feed.findall("a:entry", NS)) == 2
    assert len(list((out / "alerts").glob("*.xml"))) == 3  # files are kept, the index is bounded


def test_illustrative_data_give_status_exercise_and_a_test_send_status_test(schema):
    event = alerts.sample_events(settings())[0]
    for context, status in (({"data_state": "illustrative"}, "Exercise"), ({"test": True}, "Test")):
        doc = etree.fromstring(cap.alert_xml(event, context, "heatneed@localhost", 72.0))
        assert schema.validate(doc), schema.error_log
        assert doc.findtext("c:status", namespaces=NS) == status


@pytest.mark.parametrize("p, expected", [(None, "Possible"), (0.05, "Unlikely"), (0.1, "Possible"),
                                         (0.5, "Possible"), (0.51, "Likely")])
def test_certainty_from_probability(p, expected):
    assert cap.certainty(p) == expected


@pytest.mark.parametrize("hours, expected", [(0.0, "Immediate"), (0.5, "Expected"), (1.0, "Expected"),
                                             (1.1, "Future"), (None, "Future")])
def test_urgency_from_lead_time(hours, expected):
    assert cap.urgency("alert", hours) == expected
