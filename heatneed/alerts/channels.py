"""Delivery channels: SMTP e-mail, Telegram Bot API ``sendMessage`` and a signed JSON webhook.

Each ``send_*`` delivers one run's digest and returns a ``Result``; it never raises for a failed
delivery (a channel failure must never block or undo publishing). Every attempt has a timeout;
failed attempts are retried at most ``max_retries`` times with a doubling pause; client errors
(HTTP 4xx other than 429, SMTP authentication or recipient refusals) are not retried. Secrets (the
SMTP password, the bot token, the webhook secret) come from environment variables and are
scrubbed from every error text before it is logged or stored.
"""

from __future__ import annotations

import email.policy
import hashlib
import hmac
import json
import logging
import re
import smtplib
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import requests

from . import texts

SIGNATURE_HEADER = "X-Heatneed-Signature-256"
USER_AGENT = "heatneed-alerts"
_BOT_PATH = re.compile(r"/bot[^/\s]+/")


class _RedactBotToken(logging.Filter):
    """urllib3 logs request paths at DEBUG; a Telegram path holds the bot token: hide it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/bot" in message:
            record.msg, record.args = _BOT_PATH.sub("/bot***/", message), None
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_RedactBotToken())


@dataclass(frozen=True)
class Result:
    channel: str
    ok: bool
    attempts: int
    messages: int  # messages delivered
    error: str | None = None


class _Permanent(Exception):
    """A failure that retrying will not fix."""


def _scrub(message: str, secrets: list[str | None]) -> str:
    for secret in secrets:
        if secret:
            message = message.replace(secret, "***")
    return " ".join(message.split())[:500]


def _with_retries(delivery, attempt_fn, secrets: list[str | None]) -> tuple[int, str | None]:
    """Run ``attempt_fn`` until it succeeds, fails permanently or the retries are used up.
    Returns (attempts, error or None)."""
    attempts, pause = 0, delivery.retry_backoff_s
    while True:
        attempts += 1
        try:
            attempt_fn()
            return attempts, None
        except _Permanent as exc:
            return attempts, _scrub(str(exc), secrets)
        except (OSError, smtplib.SMTPException, requests.RequestException, _Retryable) as exc:
            error = _scrub(str(exc) if isinstance(exc, _Retryable) else f"{type(exc).__name__}: {exc}", secrets)
            if attempts > delivery.max_retries:
                return attempts, error
            time.sleep(pause)
            pause *= 2


class _Retryable(Exception):
    """A failure worth another attempt (HTTP 5xx, 429)."""


# --------------------------------------------------------------------------- e-mail

def email_message(settings, events, context: dict) -> EmailMessage:
    """The multipart/alternative (text, HTML) message of a digest."""
    # Folding at 78 columns splits a Cyrillic subject into encoded words with the spaces between
    # them, which RFC 2047 decoders drop (CPython 3.11's folder): no folding below RFC 5322's
    # 998-character line limit keeps each header one encoded word with its spaces inside.
    msg = EmailMessage(policy=email.policy.SMTP.clone(max_line_length=998))
    msg["Subject"] = texts.subject(events, context, settings.language)
    msg["From"] = settings.sender
    msg["To"] = ", ".join(settings.to)
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or "heatneed")
    msg["Content-Language"] = ", ".join(texts.CAP_LANGUAGES[lang] for lang in texts.languages(settings.language))
    msg.set_content(texts.digest_text(events, context, settings.language))
    msg.add_alternative(texts.digest_html(events, context, settings.language), subtype="html")
    return msg


def _tls_context(settings) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=settings.ca_file or None)


def send_email(settings, events, context: dict) -> Result:
    password = settings.password()
    if settings.username and not password:
        return Result("email", False, 0, 0, f"the SMTP password variable {settings.password_env} is not set")
    msg = email_message(settings, events, context)
    timeout = settings.delivery.timeout_s

    def attempt():
        if settings.security == "ssl":
            smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout, context=_tls_context(settings))
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
        with smtp:
            if settings.security == "starttls":
                smtp.starttls(context=_tls_context(settings))
            if settings.username:
                try:
                    smtp.login(settings.username, password)
                except smtplib.SMTPAuthenticationError as exc:
                    raise _Permanent(f"SMTP login refused: {exc.smtp_code} {exc.smtp_error!r}") from None
                except smtplib.SMTPNotSupportedError as exc:
                    raise _Permanent(f"SMTP server offers no login: {exc}") from None
            try:
                smtp.send_message(msg)
            except smtplib.SMTPRecipientsRefused as exc:
                raise _Permanent(f"recipients refused: {', '.join(exc.recipients)}") from None

    attempts, error = _with_retries(settings.delivery, attempt, [password])
    return Result("email", error is None, attempts, 0 if error else 1, error)


# --------------------------------------------------------------------------- Telegram

def split_message(text: str, limit: int) -> list[str]:
    """Split ``text`` into parts of at most ``limit`` characters (UTF-16 code units, as Telegram
    counts), at paragraph breaks, else line breaks, else spaces, else anywhere."""

    def size(s: str) -> int:
        return len(s.encode("utf-16-le")) // 2

    parts, rest = [], text.strip("\n")
    while size(rest) > limit:
        cut = None
        for sep in ("\n\n", "\n", " "):
            candidates = [i for i in _find_all(rest, sep) if size(rest[:i]) <= limit and i > 0]
            if candidates:
                cut = candidates[-1]
                break
        if cut is None:  # one long word: cut at the limit (never inside a surrogate pair)
            cut = limit
            while size(rest[:cut]) > limit:
                cut -= 1
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def _find_all(s: str, sub: str) -> list[int]:
    out, i = [], s.find(sub)
    while i != -1:
        out.append(i)
        i = s.find(sub, i + 1)
    return out


def _http_post(url: str, delivery, **kwargs) -> requests.Response:
    response = requests.post(url, timeout=delivery.timeout_s, headers={"User-Agent": USER_AGENT,
                                                                       **kwargs.pop("headers", {})}, **kwargs)
    if response.status_code == 429 or response.status_code >= 500:
        raise _Retryable(f"HTTP {response.status_code}")
    if response.status_code >= 400:
        raise _Permanent(f"HTTP {response.status_code}: {response.text[:200]}")
    return response


def send_telegram(settings, events, context: dict) -> Result:
    token = settings.token()
    if not token:
        return Result("telegram", False, 0, 0, f"the bot token variable {settings.token_env} is not set")
    url = f"{settings.base_url}/bot{token}/sendMessage"
    parts = split_message(texts.digest_text(events, context, settings.language), settings.max_message_chars)
    total_attempts, sent = 0, 0
    for chat_id in settings.chat_ids:
        for part in parts:
            attempts, error = _with_retries(
                settings.delivery,
                lambda: _http_post(url, settings.delivery, json={"chat_id": chat_id, "text": part,
                                                                 "disable_web_page_preview": True}),
                [token])
            total_attempts += attempts
            if error:
                return Result("telegram", False, total_attempts, sent, f"chat {chat_id}: {error}")
            sent += 1
    return Result("telegram", True, total_attempts, sent)


# --------------------------------------------------------------------------- webhook

def signature(secret: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of the exact request body with the shared secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_payload(events, context: dict) -> dict:
    return {
        "format": "heatneed-alerts/1",
        "test": bool(context.get("test")),
        "run_id": context.get("run_id"),
        "forecast": {"source": context.get("forecast_source"), "issued_at": context.get("forecast_issued_at")},
        "data_state": context.get("data_state"),
        "app_url": context.get("app_url") or None,
        "disclaimer": {lang: texts.text("disclaimer", lang) for lang in ("en", "uk")},
        "events": [{
            "kind": e.kind, "level": e.level, "previous_level": e.previous_level, "district_code": e.district_code,
            "district_name": e.facts.get("district_name"), "district_name_uk": e.facts.get("district_name_uk"),
            "cap_identifier": e.identifier, "sent": e.sent,
            "hours_to_12c": e.facts.get("hours_to_12c"), "hours_to_5c": e.facts.get("hours_to_5c"),
            "p_indoor_below_12c": e.facts.get("p_indoor_below_12c"),
            "residents_unheated": e.facts.get("residents_unheated"),
            "expected_below_12c": e.facts.get("expected_below_12c"),
            "text": {lang: "\n".join(texts.event_lines(e, lang, float(context.get("horizon_hours", 72.0))))
                     for lang in ("en", "uk")},
        } for e in events],
    }


def send_webhook(settings, events, context: dict) -> Result:
    secret = settings.secret()
    if not secret:
        return Result("webhook", False, 0, 0, f"the webhook secret variable {settings.secret_env} is not set")
    body = json.dumps(webhook_payload(events, context), ensure_ascii=False, allow_nan=False,
                      default=str).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8", SIGNATURE_HEADER: signature(secret, body)}
    attempts, error = _with_retries(settings.delivery,
                                    lambda: _http_post(settings.url, settings.delivery, data=body, headers=headers),
                                    [secret])
    return Result("webhook", error is None, attempts, 0 if error else 1, error)


SENDERS = {"email": send_email, "telegram": send_telegram, "webhook": send_webhook}
