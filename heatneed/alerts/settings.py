"""The ``[alerts]`` settings: defaults from ``defaults.toml``, the operator's config on top, every
key checked (unknown keys, wrong types and a decreasing matrix are an ``InputError`` naming the
file, so a refresh with a bad alert setting exits 2 before anything is published).

Secrets are never in the config: it names the environment variables that hold them.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, located
from . import CHANNELS
from .levels import LEVEL_RANK, LEVELS, LevelRules

LANGUAGES = ("en", "uk", "both")
SECURITY = ("starttls", "ssl", "none")


@dataclass(frozen=True)
class Delivery:
    """Timeouts and bounded retries shared by the channels."""

    timeout_s: float
    max_retries: int
    retry_backoff_s: float


@dataclass(frozen=True)
class EmailSettings:
    enabled: bool
    host: str
    port: int
    security: str
    username: str
    password_env: str
    sender: str  # the ``from`` key
    to: tuple[str, ...]
    language: str
    ca_file: str
    delivery: Delivery

    def password(self) -> str | None:
        return os.environ.get(self.password_env) if self.password_env else None


@dataclass(frozen=True)
class TelegramSettings:
    enabled: bool
    base_url: str
    token_env: str
    chat_ids: tuple[str, ...]
    language: str
    max_message_chars: int
    delivery: Delivery

    def token(self) -> str | None:
        return os.environ.get(self.token_env) if self.token_env else None


@dataclass(frozen=True)
class WebhookSettings:
    enabled: bool
    url: str
    secret_env: str
    delivery: Delivery

    def secret(self) -> str | None:
        return os.environ.get(self.secret_env) if self.secret_env else None


@dataclass(frozen=True)
class AlertSettings:
    rules: LevelRules
    app_url: str
    cap_sender: str
    cap_expires_hours: float
    atom_max_entries: int
    email: EmailSettings
    telegram: TelegramSettings
    webhook: WebhookSettings

    def channel(self, name: str):
        return getattr(self, name)

    def enabled_channels(self) -> list[str]:
        return [name for name in CHANNELS if self.channel(name).enabled]

    @classmethod
    def from_config(cls, config: dict | None, config_path=None) -> "AlertSettings":
        """Settings from a loaded config (``config.load_config``); ``config_path`` names the file in
        error lines and anchors a relative ``ca_file``."""
        from ..config import load_config

        defaults = load_config()["alerts"]
        given = (config or {}).get("alerts", {})
        return _parse(defaults, given, config_path)


def _merge(defaults: dict, given: dict, where: str, problems: list[str], prefix: str = "alerts") -> dict:
    """``defaults`` with ``given`` on top, one table deep per sub-table; unknown keys reported."""
    out = copy.deepcopy(defaults)
    if not isinstance(given, dict):
        problems.append(located(where, f"[{prefix}] must be a table"))
        return out
    for key, value in given.items():
        if key not in defaults:
            problems.append(located(where, f"unknown setting [{prefix}] {key}"))
        elif isinstance(defaults[key], dict):
            out[key] = _merge(defaults[key], value, where, problems, f"{prefix}.{key}")
        else:
            out[key] = value
    return out


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _parse(defaults: dict, given: dict, config_path) -> AlertSettings:
    where = str(config_path or "config")
    problems: list[str] = []
    s = _merge(defaults, given, where, problems)

    def bad(key: str, message: str) -> None:
        problems.append(located(where, f"[alerts] {key} {message}"))

    imp = s["impact_from_severity"]
    if not (isinstance(imp, list) and len(imp) == 5 and all(_whole(v) and 1 <= v <= 4 for v in imp)
            and imp == sorted(imp)):
        bad("impact_from_severity", "must be 5 non-decreasing whole numbers 1–4 (impact for severity 1..5)")
    for key in ("imminent_5c_hours", "distant_12c_hours", "cap_expires_hours"):
        if not (_number(s[key]) and s[key] > 0):
            bad(key, "must be a number > 0 [h]")
    cuts = s["likelihood_cuts"]
    if not (isinstance(cuts, list) and len(cuts) == 3 and all(_number(v) and 0 < v <= 1 for v in cuts)
            and cuts == sorted(cuts)):
        bad("likelihood_cuts", "must be 3 increasing probabilities in (0, 1]")
    matrix = s["matrix"]
    if not (isinstance(matrix, list) and len(matrix) == 4
            and all(isinstance(row, list) and len(row) == 4 and all(v in LEVELS for v in row) for row in matrix)):
        bad("matrix", f"must be 4 rows of 4 levels from {', '.join(LEVELS)}")
    elif not _monotone(matrix):
        bad("matrix", "must not decrease along a row (impact) or down a column (likelihood)")
    for key in ("app_url", "cap_sender"):
        if not isinstance(s[key], str):
            bad(key, "must be text in quotes")
    if isinstance(s["app_url"], str) and s["app_url"] and (
            not s["app_url"].startswith(("https://", "http://")) or any(c.isspace() for c in s["app_url"])):
        bad("app_url", "must be an http(s) URL without spaces, or \"\"")
    if isinstance(s["cap_sender"], str) and (not s["cap_sender"] or any(c in s["cap_sender"] for c in " ,<&")):
        bad("cap_sender", "must be non-empty without spaces, commas, '<' or '&' (CAP 1.2 sender)")
    if not (_whole(s["atom_max_entries"]) and s["atom_max_entries"] >= 1):
        bad("atom_max_entries", "must be a whole number ≥ 1")

    base = Path(config_path).resolve().parent if config_path else Path.cwd()
    channels = {name: _channel(name, s[name], where, problems, base) for name in CHANNELS}
    if problems:
        raise InputError(problems)
    rules = LevelRules(tuple(imp), float(s["imminent_5c_hours"]), float(s["distant_12c_hours"]),
                       tuple(float(c) for c in cuts), tuple(tuple(r) for r in matrix))
    return AlertSettings(rules, s["app_url"], s["cap_sender"], float(s["cap_expires_hours"]),
                         int(s["atom_max_entries"]), **channels)


def _monotone(matrix: list[list[str]]) -> bool:
    ranks = [[LEVEL_RANK[v] for v in row] for row in matrix]
    rows_ok = all(row[i] <= row[i + 1] for row in ranks for i in range(3))
    cols_ok = all(ranks[j][i] <= ranks[j + 1][i] for j in range(3) for i in range(4))
    return rows_ok and cols_ok


def _channel(name: str, c: dict, where: str, problems: list[str], base: Path):
    def bad(key: str, message: str) -> None:
        problems.append(located(where, f"[alerts.{name}] {key} {message}"))

    if not isinstance(c.get("enabled"), bool):
        bad("enabled", "must be true or false")
    if not (_number(c["timeout_s"]) and c["timeout_s"] > 0):
        bad("timeout_s", "must be a number > 0 [s]")
    if not (_whole(c["max_retries"]) and 0 <= c["max_retries"] <= 10):
        bad("max_retries", "must be a whole number 0–10")
    if not (_number(c["retry_backoff_s"]) and 0 <= c["retry_backoff_s"] <= 60):
        bad("retry_backoff_s", "must be a number 0–60 [s]")
    for key, value in c.items():
        if key.endswith("_env") and not (isinstance(value, str) and value.replace("_", "a").isalnum()):
            bad(key, "must name an environment variable (letters, digits, _)")
    if "language" in c and c["language"] not in LANGUAGES:
        bad("language", f"must be one of {', '.join(LANGUAGES)}")
    delivery = Delivery(float(c["timeout_s"]) if _number(c["timeout_s"]) else 0.0,
                        int(c["max_retries"]) if _whole(c["max_retries"]) else 0,
                        float(c["retry_backoff_s"]) if _number(c["retry_backoff_s"]) else 0.0)
    enabled = c.get("enabled") is True
    if name == "email":
        for key in ("host", "username", "from", "ca_file"):
            if not isinstance(c[key], str):
                bad(key, "must be text in quotes")
        if not (_whole(c["port"]) and 1 <= c["port"] <= 65535):
            bad("port", "must be a port number 1–65535")
        if c["security"] not in SECURITY:
            bad("security", f"must be one of {', '.join(SECURITY)}")
        if c["security"] == "none" and c["host"] not in ("", "localhost", "127.0.0.1", "::1"):
            bad("security", '"none" (no TLS) is only for a relay on this machine (host localhost)')
        to = c["to"]
        if not (isinstance(to, list) and all(isinstance(a, str) and "@" in a for a in to)):
            bad("to", "must be a list of e-mail addresses")
        if enabled and (not c["host"] or not c["from"] or not to):
            bad("enabled", "needs host, from and at least one address in to")
        ca = c["ca_file"]
        ca_file = str(base / Path(ca).expanduser()) if isinstance(ca, str) and ca else ""
        return EmailSettings(enabled, str(c["host"]), int(c["port"]) if _whole(c["port"]) else 0,
                             str(c["security"]), str(c["username"]), str(c["password_env"]), str(c["from"]),
                             tuple(to) if isinstance(to, list) else (), str(c["language"]), ca_file, delivery)
    if name == "telegram":
        if not (isinstance(c["base_url"], str) and c["base_url"].startswith(("https://", "http://"))):
            bad("base_url", "must be an http(s) URL")
        ids = c["chat_ids"]
        if not (isinstance(ids, list) and all(isinstance(i, (str, int)) and not isinstance(i, bool) for i in ids)):
            bad("chat_ids", "must be a list of chat ids (numbers or @channel names)")
        if not (_whole(c["max_message_chars"]) and 200 <= c["max_message_chars"] <= 4096):
            bad("max_message_chars", "must be a whole number 200–4096 (Telegram's limit is 4096)")
        if enabled and not ids:
            bad("enabled", "needs at least one chat id in chat_ids")
        return TelegramSettings(enabled, str(c["base_url"]).rstrip("/"), str(c["token_env"]),
                                tuple(str(i) for i in ids) if isinstance(ids, list) else (), str(c["language"]),
                                int(c["max_message_chars"]) if _whole(c["max_message_chars"]) else 4096, delivery)
    url = c["url"]
    if not isinstance(url, str) or (url and not url.startswith(("https://", "http://"))):
        bad("url", "must be an http(s) URL")
    if enabled and not url:
        bad("enabled", "needs url")
    return WebhookSettings(enabled, str(url), str(c["secret_env"]), delivery)
