"""Where heatneed's data come from, under which licence, and how to credit them (the About tab).

One entry per source: the data files shipped in ``data/`` (each folder's SOURCES.md or README.md
is the full record; ``file`` names it) and the forecast providers heatneed reads (their credit
lines are the ``ATTRIBUTION`` of each source module). What each source is used for is the i18n
message ``about_src_<id>``. The tests check every ``file`` exists and states the licence given here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .sources import gridded, meteostat, open_meteo

ROOT = Path(__file__).resolve().parents[1]
#: Where users report a problem (wrong number, translation, bug): the project's issue tracker.
ISSUES_URL = "https://github.com/heatneed/heatneed/issues"
VERSION = __version__


@dataclass(frozen=True)
class Attribution:
    id: str  # i18n message about_src_<id> says what it is used for
    credit: str  # the credit line to show, as the licence asks
    licence: str
    file: str  # the full record, relative to the repository root


ATTRIBUTIONS = (
    Attribution("scenario", "Kyiv districts: KATOTTH codes (Minregion), populations 1 Dec 2019 (Main Department "
                "of Statistics in Kyiv); reports and forecast made up", "illustrative; see the scenario's README",
                "data/scenarios/kyiv-2026-02/README.md"),
    Attribution("registry", "KATOTTH codifier (Minregion); Main Department of Statistics in Kyiv; centroids from "
                "OpenStreetMap district boundaries", "official classifier and statistics; sources listed in the file",
                "data/registries/README.md"),
    Attribution("boundaries_kyiv", "© OpenStreetMap contributors", "ODbL 1.0", "data/boundaries/SOURCES.md"),
    Attribution("boundaries_oblasts", "geoBoundaries (Runfola et al. 2020), © OpenStreetMap contributors", "ODbL 1.0",
                "data/boundaries/SOURCES.md"),
    Attribution("boundaries_hromadas", "Hromada boundaries: S. Matuszak, ukrainian_geodata; codes from the KATOTTH "
                "codifier (Minregion)", "CC BY 4.0", "data/boundaries/SOURCES.md"),
    Attribution("schedules", "Baskerville42/outage-data-ua (DTEK pages); denysdovhan/ha-yasno-outages (Yasno)", "MIT",
                "data/outage-schedules/SOURCES.md"),
    Attribution("cap", "OASIS Common Alerting Protocol 1.2 schema, © OASIS Open 2010", "OASIS IPR Policy (unmodified)",
                "data/schemas/cap/SOURCES.md"),
    Attribution("meteostat", meteostat.ATTRIBUTION + " (and the weather services behind each station)",
                "CC BY-NC 4.0 (Meteostat's data licence)", "README.md"),
    Attribution("open_meteo", open_meteo.ATTRIBUTION, "CC BY 4.0", "README.md"),
    Attribution("ecmwf", gridded.ATTRIBUTION, "CC BY 4.0", "README.md"),
)


def record(attribution: Attribution) -> Path:
    """The file holding the full record of ``attribution``."""
    return ROOT / attribution.file
