"""Online look-ups against hostile servers started here on 127.0.0.1: an endless answer, a server
sending one byte a second, a redirect, and a plain-http URL off loopback. Each ends in a bounded,
one-line refusal (exit 3 for an unanswered look-up, 2 for a refused URL), never a wait."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from scanner.passwords import fetch
from scanner.passwords.corpus import MAX_ANSWER_BYTES, BreachLookupFailed, RangeApi
from tests.conftest import PASSPHRASE
from tests.vault.conftest import EXAMPLE

runner = CliRunner()
SHA = "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8"  # "password"


class RawServer:
    """A TCP server on 127.0.0.1 that runs `serve(conn)` for each connection, counting bytes."""

    def __init__(self, serve: Callable[[socket.socket, RawServer], None]) -> None:
        self.serve = serve
        self.sent = 0
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(4096)  # the request
                self.serve(conn, self)
            except OSError:
                pass  # the client hung up: what a bounded client does

    def __enter__(self) -> RawServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.listener.close()


def endless(conn: socket.socket, server: RawServer) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")
    line = b"0" * 35 + b":1\r\n"
    block = line * 4096
    while not server.stop.is_set():
        conn.sendall(block)
        server.sent += len(block)


def one_byte_a_second(conn: socket.socket, server: RawServer) -> None:
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n" + b"1" * 35 + b":3\r\n"
    for byte in answer:
        if server.stop.is_set():
            return
        conn.sendall(bytes([byte]))
        server.sent += 1
        time.sleep(1)


def redirect_to(target: str) -> Callable[[socket.socket, RawServer], None]:
    def serve(conn: socket.socket, server: RawServer) -> None:
        conn.sendall(
            f"HTTP/1.1 302 Found\r\nLocation: {target}/range/5BAA6\r\nContent-Length: 0\r\n\r\n".encode()
        )

    return serve


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(EXAMPLE, tmp_path / "inventory.toml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("POSTURE_VAULT_PASSPHRASE", PASSPHRASE)
    assert runner.invoke(app, ["vault", "init"]).exit_code == 0
    assert runner.invoke(app, ["vault", "set", "x-main"], input="password").exit_code == 0
    return tmp_path


def online_scan(url: str, *extra: str) -> tuple[int, str, float]:
    started = time.monotonic()
    result = runner.invoke(
        app,
        ["scan", "--online", "--hibp-url", url, "--format", "json", "--fail-on", "none", *extra],
    )
    return result.exit_code, result.stderr, time.monotonic() - started


def test_an_endless_answer_is_cut_at_two_megabytes_and_the_scan_is_incomplete(
    folder: Path,
) -> None:
    with RawServer(endless) as server:
        code, stderr, seconds = online_scan(server.url, "--hibp-timeout", "5")
    assert code == 3, stderr
    assert seconds < 5
    assert "larger than 2 MB" in stderr
    assert stderr.count("\n") <= 2  # the one refusal (and at most the incomplete-scan line)
    # The client stops reading past the cap; the server got ahead only by socket buffers.
    assert server.sent < MAX_ANSWER_BYTES + 16 * 1024 * 1024


def test_a_server_sending_a_byte_a_second_cannot_hold_the_scan_past_the_deadline(
    folder: Path,
) -> None:
    with RawServer(one_byte_a_second) as server:
        code, stderr, seconds = online_scan(server.url, "--hibp-timeout", "2")
    assert code == 3, stderr
    assert seconds < 4, f"waited {seconds:.1f} s for a 2 s deadline"
    assert "no complete answer" in stderr
    assert server.sent <= 4


def test_a_plain_http_url_off_loopback_is_refused_before_any_connection(folder: Path) -> None:
    for url in ("http://203.0.113.7", "http://api.pwnedpasswords.com", "http://[2001:db8::1]:80"):
        code, stderr, seconds = online_scan(url)
        assert code == 2, (url, stderr)
        assert stderr.count("\n") == 1
        assert "plain http:// is refused except to loopback" in stderr
        assert seconds < 2


def test_other_schemes_and_urls_with_credentials_are_refused(folder: Path) -> None:
    for url in (
        "ftp://127.0.0.1/",
        "file:///etc/passwd",
        "https://user:pw@example.com",
        "ftp://user:pw@127.0.0.1",
    ):
        code, stderr, _ = online_scan(url)
        assert code == 2, (url, stderr)
        assert stderr.startswith("posture: error: --hibp-url")
        assert ":pw@" not in stderr


def test_a_redirect_is_not_followed(folder: Path) -> None:
    with RawServer(endless) as elsewhere, RawServer(redirect_to(elsewhere.url)) as server:
        code, stderr, _ = online_scan(server.url, "--hibp-timeout", "3")
    assert code == 3, stderr
    assert "redirect (HTTP 302)" in stderr
    assert elsewhere.connections == 0


def test_the_whole_scan_has_one_deadline_across_prefixes() -> None:
    """Eight prefixes, two at a time, each alone within its 10 s: the scan's 1.5 s budget wins."""
    hashes = [f"{n:05X}" + "0" * 35 for n in range(8)]
    with RawServer(one_byte_a_second) as server:
        source = RangeApi(server.url, concurrency=2, timeout=10, scan_timeout=1.5, backoff=0.01)
        started = time.monotonic()
        with pytest.raises(BreachLookupFailed, match="budget for look-ups ran out"):
            source.counts(hashes)
    assert time.monotonic() - started < 4


def test_loopback_is_recognised_only_for_loopback_addresses() -> None:
    assert fetch.is_loopback("127.0.0.1")
    assert fetch.is_loopback("127.8.9.10")
    assert fetch.is_loopback("::1")
    assert fetch.is_loopback("LOCALHOST")
    assert not fetch.is_loopback("localhost.evil.example")
    assert not fetch.is_loopback("128.0.0.1")
    assert not fetch.is_loopback("::ffff:8.8.8.8")
    assert fetch.endpoint("http://localhost:8080/", "--hibp-url").port == 8080
    assert fetch.endpoint("https://api.pwnedpasswords.com", "--hibp-url").port == 443


def test_a_sha_that_is_found_still_counts_through_a_well_behaved_loopback_server() -> None:
    def answer(conn: socket.socket, server: RawServer) -> None:
        body = (SHA[5:] + ":42\r\n" + "0" * 35 + ":0\r\n").encode()
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)

    with RawServer(answer) as server:
        assert RangeApi(server.url, timeout=3).counts([SHA]) == {SHA: 42}
