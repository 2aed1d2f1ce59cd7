"""Channels are Apprise URLs, and credentials: a Slack webhook URL lets anyone post.

A channel is only ever shown as its kind and, where the URL names a server, that server's host
(`Slack`, `E-Mail (smtp.example.com)`): never the URL, its path, tokens or user. Sending goes
through Apprise, one channel at a time, retried with backoff inside one overall deadline.
"""

from __future__ import annotations

import ipaddress
import logging
import time
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, field

from scanner.core.errors import UsageError
from scanner.core.secret import Secret

DEADLINE_SECONDS = 30.0
_sleep = time.sleep  # the backoff pause; tests replace it
ATTEMPTS = 3
# Per-attempt socket timeouts (Apprise's cto/rto) so three attempts fit in the deadline.
CONNECT_TIMEOUT = 4.0
READ_TIMEOUT = 5.0


@dataclass(frozen=True)
class Channel:
    """One destination. `url` stays wrapped; `label` is what output may show."""

    url: Secret = field(repr=False)
    kind: str
    host: str | None
    source: str  # where it came from: "POSTURE_NOTIFY", "vault entry NAME", "--notify-url"

    @property
    def label(self) -> str:
        return f"{self.kind} ({self.host})" if self.host else self.kind


@dataclass(frozen=True)
class Delivery:
    """How sending to one channel went; `attempts` counts tries, `error` is safe to print."""

    channel: Channel
    ok: bool
    attempts: int
    error: str | None = None


def _quiet_apprise() -> None:
    # Apprise logs failures with the URL in them; posture reports failures itself, by label.
    logger = logging.getLogger("apprise")
    logger.handlers[:] = [logging.NullHandler()]
    logger.propagate = False
    logger.setLevel(logging.CRITICAL + 1)


def parse_channels(text: str, source: str) -> list[Channel]:
    """Channels from whitespace-separated Apprise URLs; a URL Apprise cannot use is a usage error
    naming its position and kind only."""
    import apprise

    _quiet_apprise()
    channels = []
    for index, url in enumerate(text.split(), start=1):
        scheme = url.split("://", 1)[0].lower() if "://" in url else ""
        plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
        if plugin is None:
            shown = f'"{scheme}://"' if scheme.isalnum() else "a URL without a known scheme"
            raise UsageError(
                f"{source}: channel {index} ({shown}) is not a URL Apprise can send to; see "
                "https://github.com/caronc/apprise/wiki"
            )
        channels.append(Channel(Secret(url), str(plugin.service_name), _server_host(url), source))
    return channels


def _server_host(url: str) -> str | None:
    """The host when it names a server (has a dot, is an IP or localhost); tokens that some
    schemes put in the host slot (slack://TokenA/...) are never shown."""
    try:
        host = urllib.parse.urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    if host == "localhost":
        return host
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    labels = host.split(".")
    if len(labels) >= 2 and all(label and label.isascii() for label in labels):
        return host
    return None


def send(
    channels: Iterable[Channel],
    *,
    title: str,
    markdown: str,
    deadline: float = DEADLINE_SECONDS,
) -> list[Delivery]:
    """Send the message to each channel: Markdown where the channel renders it, converted to text
    or HTML by Apprise elsewhere. Each channel gets up to ATTEMPTS tries with backoff, all
    channels together at most `deadline` seconds."""
    _quiet_apprise()
    started = time.monotonic()
    deliveries = []
    for channel in channels:
        attempts = 0
        ok = False
        error: str | None = None
        while attempts < ATTEMPTS:
            attempts += 1
            try:
                ok = _send_once(channel, title, markdown)
                error = None if ok else "the channel refused or did not answer"
            except Exception as exc:  # a plugin bug must not lose the scan
                ok, error = False, f"failed ({type(exc).__name__})"
            if ok:
                break
            pause = 2.0 ** (attempts - 1)
            if time.monotonic() - started + pause + CONNECT_TIMEOUT + READ_TIMEOUT > deadline:
                break
            _sleep(pause)
        deliveries.append(Delivery(channel, ok, attempts, error))
    return deliveries


def _send_once(channel: Channel, title: str, markdown: str) -> bool:
    import apprise

    plugin = apprise.Apprise.instantiate(channel.url.reveal(), suppress_exceptions=True)
    if plugin is None:
        return False
    plugin.socket_connect_timeout = CONNECT_TIMEOUT
    plugin.socket_read_timeout = READ_TIMEOUT
    sender = apprise.Apprise()
    sender.add(plugin)
    return bool(
        sender.notify(body=markdown, title=title, body_format=apprise.NotifyFormat.MARKDOWN)
    )
