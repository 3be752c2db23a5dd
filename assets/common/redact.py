"""Credentials out of URLs and messages: what may be logged, stored or shown.

A URL can carry a secret in its user info (``https://user:pass@host/``) or in a query value
(``?token=...``, ``&X-Amz-Signature=...``). Everything that writes a URL or an error message
to a log, a `FetchError`, a skipped-input record, asset metadata or the warehouse passes it
through `redact_url` or `scrub` first.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote_plus, urlsplit, urlunsplit

REDACTED = "REDACTED"

# Words that mark a query parameter as a credential; matched against the parameter name split
# into words (access_token -> access, token; apiKey -> api, key), so "author" is not "auth".
_SECRET_WORDS = frozenset(
    {
        "token",
        "key",
        "apikey",
        "accesskey",
        "secret",
        "password",
        "passwd",
        "pwd",
        "pass",
        "passphrase",
        "auth",
        "authorization",
        "authtoken",
        "accesstoken",
        "bearer",
        "sig",
        "signature",
        "session",
        "sessionid",
        "sid",
        "credential",
        "credentials",
        "jwt",
        "otp",
        "code",
        "nonce",
        "hmac",
        "ticket",
    }
)


def is_secret_param(name: str) -> bool:
    """Whether a query parameter name looks like it holds a credential."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", unquote_plus(name))
    words = re.findall(r"[a-z0-9]+", spaced.lower())
    return any(word in _SECRET_WORDS for word in words) or "".join(words) in _SECRET_WORDS


def redact_url(url: str) -> str:
    """`url` fit for a message or a stored record: user info dropped, the values of
    credential-like query parameters (token, key, sig, password, session...) replaced by
    ``REDACTED``, fragment dropped. Other parameters are kept as they were."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return scrub(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    segments = []
    for segment in parts.query.split("&") if parts.query else []:
        name, eq, _value = segment.partition("=")
        segments.append(f"{name}={REDACTED}" if eq and is_secret_param(name) else segment)
    return urlunsplit((parts.scheme, netloc, parts.path, "&".join(segments), ""))


_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@'\"<>]+@")
_QUERY_PARAM = re.compile(r"([?&;])([^=&\s#?;'\"<>()]+)=([^&\s#;'\"<>()]*)")


def scrub(message: str, *urls: str) -> str:
    """Redact `urls` and anything credential-like (user info, token=...) left in `message`."""
    for url in urls:
        if url:
            message = message.replace(url, redact_url(url))
    message = _USERINFO.sub(r"\1", message)
    return _QUERY_PARAM.sub(
        lambda m: f"{m[1]}{m[2]}={REDACTED}" if is_secret_param(m[2]) else m[0], message
    )


class RedactingFilter(logging.Filter):
    """Scrubs credentials from every record of the logger it is attached to (e.g. urllib3's
    connection pool, which logs each request line with its query string at DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def redact_library_logs(*names: str) -> None:
    """Attach one `RedactingFilter` to each named logger (idempotent)."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
