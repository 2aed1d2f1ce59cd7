"""One bounded HTTP GET for online look-ups: the only code in posture that talks to a network.

Bounds, each a refusal rather than a wait: HTTPS only, except plain HTTP to loopback (127.0.0.0/8,
::1, localhost, checked again on the connected socket); no redirects followed; at most
`max_bytes` of answer; and one deadline for the whole request (connect, headers and body),
enforced by a watchdog that shuts the socket, so a server sending a byte a second cannot keep
the scan waiting past it. A proxy from `https_proxy` is used through CONNECT, as urllib would.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass

from scanner.core.errors import UsageError

_READ_CHUNK = 64 * 1024


class FetchFailed(Exception):
    """The server gave no usable answer. `reason` is short and holds no secret."""

    def __init__(self, reason: str, *, retry: bool = False, retry_after: float = 0.0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry
        self.retry_after = retry_after


@dataclass(frozen=True)
class Endpoint:
    """A checked base URL: https anywhere, http only to loopback."""

    scheme: str
    host: str
    port: int
    path: str

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}{self.path}"


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or the name localhost."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def endpoint(base_url: str, option: str) -> Endpoint:
    """`base_url` checked; UsageError naming `option` when it is not a URL posture will use."""
    try:
        parts = urllib.parse.urlsplit(base_url)
        port = parts.port
    except ValueError:
        raise UsageError(f'{option}: "{base_url}" is not a URL') from None
    host = parts.hostname or ""
    if parts.username is not None or parts.password is not None or parts.query or parts.fragment:
        raise UsageError(f"{option}: give a base URL without credentials, query or fragment")
    if parts.scheme not in ("https", "http") or not host or any(ch.isspace() for ch in base_url):
        raise UsageError(f'{option}: "{base_url}" is not an https:// URL')
    if parts.scheme == "http" and not is_loopback(host):
        raise UsageError(
            f"{option}: plain http:// is refused except to loopback (127.0.0.1, ::1, "
            'localhost): anyone on the path could answer "not breached"; use https://'
        )
    default = 443 if parts.scheme == "https" else 80
    return Endpoint(parts.scheme, host, port or default, parts.path.rstrip("/"))


def get(
    where: Endpoint, path: str, headers: dict[str, str], *, deadline: float, max_bytes: int
) -> bytes:
    """The body of a 200 answer to GET `path`; FetchFailed otherwise, by `deadline` (monotonic)."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FetchFailed("no time left for this look-up")
    conn = _connection(where, remaining)
    watchdog = threading.Timer(remaining, _shut, (conn,))
    watchdog.daemon = True
    watchdog.start()
    try:
        conn.connect()
        if where.scheme == "http" and not _peer_is_loopback(conn):
            raise FetchFailed("plain http answered from outside loopback")
        conn.request("GET", where.path + path, headers=headers)
        answer = conn.getresponse()
        _check_status(answer)
        return _body(answer, deadline, max_bytes)
    except FetchFailed:
        raise
    except (OSError, ValueError, http.client.HTTPException) as exc:
        if time.monotonic() >= deadline:
            raise FetchFailed(f"no complete answer within {remaining:.3g} s") from None
        raise FetchFailed(type(exc).__name__, retry=True) from None
    finally:
        watchdog.cancel()
        conn.close()


def _connection(where: Endpoint, timeout: float) -> http.client.HTTPConnection:
    if where.scheme == "http":
        return http.client.HTTPConnection(where.host, where.port, timeout=timeout)
    context = ssl.create_default_context()
    proxy = urllib.request.getproxies().get("https")
    if proxy and not urllib.request.proxy_bypass(where.host):
        parts = urllib.parse.urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        conn = http.client.HTTPSConnection(
            parts.hostname or "", parts.port or 3128, timeout=timeout, context=context
        )
        conn.set_tunnel(where.host, where.port)
        return conn
    return http.client.HTTPSConnection(where.host, where.port, timeout=timeout, context=context)


def _shut(conn: http.client.HTTPConnection) -> None:
    """The deadline passed: end any read or write in progress on this connection."""
    sock = conn.sock
    if sock is not None:
        with contextlib.suppress(OSError, ValueError):
            sock.shutdown(socket.SHUT_RDWR)


def _peer_is_loopback(conn: http.client.HTTPConnection) -> bool:
    sock = conn.sock
    return sock is not None and is_loopback(str(sock.getpeername()[0]))


def _check_status(answer: http.client.HTTPResponse) -> None:
    status = answer.status
    if status == 200:
        return
    if 300 <= status < 400:
        raise FetchFailed(f"a redirect (HTTP {status}), which posture does not follow")
    if status == 429 or status >= 500:
        retry_after = answer.getheader("Retry-After") or ""
        wait = float(min(int(retry_after), 10)) if retry_after.isdigit() else 0.0
        raise FetchFailed(f"HTTP {status}", retry=True, retry_after=wait)
    raise FetchFailed(f"HTTP {status}")


def _body(answer: http.client.HTTPResponse, deadline: float, max_bytes: int) -> bytes:
    too_large = f"an answer larger than {max_bytes >> 20} MB"
    length = answer.getheader("Content-Length") or ""
    if length.isdigit() and int(length) > max_bytes:
        raise FetchFailed(too_large)
    chunks: list[bytes] = []
    total = 0
    while True:
        if time.monotonic() >= deadline:
            raise FetchFailed("no complete answer by the deadline")
        chunk = answer.read1(_READ_CHUNK)
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > max_bytes:
            raise FetchFailed(too_large)
        chunks.append(chunk)
