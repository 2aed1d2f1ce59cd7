import hashlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from scanner.core.errors import InputError, UsageError
from scanner.core.secret import Secret
from scanner.passwords.corpus import (
    BreachLookupFailed,
    PrefixFolder,
    RangeApi,
    SortedFile,
    open_breach_source,
    sha1_hex,
)

BREACHED = {"password": 9_659_365, "letmein": 1_000, "Tr0ub4dor&3": 12}
CLEAN = "v3ry-unusual-passphrase-for-tests"


def sha(text: str) -> str:
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest().upper()


def filler(count: int) -> list[str]:
    return [
        hashlib.sha1(f"filler{n}".encode(), usedforsecurity=False).hexdigest().upper()
        for n in range(count)
    ]


def corpus_lines(extra: int = 2_000) -> list[str]:
    entries = {sha(p): c for p, c in BREACHED.items()}
    for n, h in enumerate(filler(extra)):
        entries[h] = n + 1
    return [f"{h}:{entries[h]}" for h in sorted(entries)]


def write_file(path: Path, lines: list[str], newline: str = "\n") -> Path:
    path.write_bytes((newline.join(lines) + newline).encode("ascii"))
    return path


def write_folder(folder: Path, lines: list[str], newline: str = "\r\n") -> Path:
    folder.mkdir()
    by_prefix: dict[str, list[str]] = {}
    for line in lines:
        by_prefix.setdefault(line[:5], []).append(line[5:])
    by_prefix.setdefault(sha(CLEAN)[:5], [])
    for prefix, rows in by_prefix.items():
        (folder / f"{prefix}.txt").write_bytes(newline.join(rows).encode("ascii"))
    return folder


def expected_counts(source_counts: dict[str, int]) -> None:
    for password, count in BREACHED.items():
        assert source_counts[sha(password)] == count
    assert source_counts[sha(CLEAN)] == 0


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["LF", "CRLF"])
def test_sorted_file_finds_breached_and_clean_passwords(tmp_path: Path, newline: str) -> None:
    corpus = SortedFile(write_file(tmp_path / "pwned.txt", corpus_lines(), newline))
    expected_counts(corpus.counts([sha(p) for p in [*BREACHED, CLEAN]]))
    corpus.close()


def test_sorted_file_finds_the_first_and_last_lines_and_a_file_without_final_newline(
    tmp_path: Path,
) -> None:
    lines = corpus_lines(50)
    path = tmp_path / "pwned.txt"
    path.write_bytes("\n".join(lines).encode())
    corpus = SortedFile(path)
    first, last = lines[0].split(":"), lines[-1].split(":")
    assert corpus.count(first[0]) == int(first[1])
    assert corpus.count(last[0]) == int(last[1])
    assert corpus.count("0" * 40) == 0
    assert corpus.count("F" * 40) == 0


def test_unsorted_file_is_refused_at_open_with_its_line(tmp_path: Path) -> None:
    lines = corpus_lines(100)
    lines[10], lines[11] = lines[11], lines[10]
    with pytest.raises(InputError, match="not sorted") as caught:
        SortedFile(write_file(tmp_path / "pwned.txt", lines))
    assert caught.value.line == 12


def test_disorder_around_a_looked_up_hash_is_an_error_not_a_wrong_answer(
    tmp_path: Path,
) -> None:
    lines = corpus_lines(40_000)
    middle = len(lines) // 2
    target = lines[middle].split(":")[0]
    lines[middle - 40 : middle + 40] = reversed(lines[middle - 40 : middle + 40])
    path = write_file(tmp_path / "pwned.txt", lines)
    with pytest.raises(InputError, match="not sorted"):
        SortedFile(path).count(target)


def test_malformed_line_is_refused_with_its_line(tmp_path: Path) -> None:
    lines = corpus_lines(100)
    lines[5] = lines[5].replace(":", ";")
    with pytest.raises(InputError, match="malformed") as caught:
        SortedFile(write_file(tmp_path / "pwned.txt", lines))
    assert caught.value.line == 6
    assert str(caught.value).startswith(f"{tmp_path / 'pwned.txt'}:6: ")


def test_malformed_line_met_by_a_search_is_refused(tmp_path: Path) -> None:
    lines = corpus_lines(40_000)
    target = lines[len(lines) // 2].split(":")[0]
    lines[len(lines) // 2] = target + ":many"
    corpus = SortedFile(write_file(tmp_path / "pwned.txt", lines))
    with pytest.raises(InputError, match="malformed"):
        corpus.count(target)


def test_empty_corpus_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "pwned.txt").write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        SortedFile(tmp_path / "pwned.txt")


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["LF", "CRLF"])
def test_prefix_folder_finds_breached_and_clean_passwords(tmp_path: Path, newline: str) -> None:
    corpus = open_breach_source(write_folder(tmp_path / "pwned", corpus_lines(), newline))
    assert isinstance(corpus, PrefixFolder)
    expected_counts(corpus.counts([sha(p) for p in [*BREACHED, CLEAN]]))


def test_prefix_folder_with_a_malformed_line_is_refused(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "pwned", corpus_lines(10))
    prefix = sha("password")[:5]
    (folder / f"{prefix}.txt").write_text(f"{sha('password')[5:]}:12\r\nnot a hash:3\r\n")
    with pytest.raises(InputError, match="malformed") as caught:
        PrefixFolder(folder).counts([sha("password")])
    assert caught.value.line == 2
    assert caught.value.path == str(folder / f"{prefix}.txt")


def test_prefix_folder_with_unsorted_lines_is_refused(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "pwned", corpus_lines(10))
    prefix = sha("password")[:5]
    (folder / f"{prefix}.txt").write_text(f"{'F' * 35}:1\r\n{sha('password')[5:]}:12\r\n")
    with pytest.raises(InputError, match="not sorted"):
        PrefixFolder(folder).counts([sha("password")])


def test_prefix_folder_missing_a_prefix_file_is_an_error_not_a_clean_answer(
    tmp_path: Path,
) -> None:
    folder = write_folder(tmp_path / "pwned", corpus_lines(10))
    with pytest.raises(InputError, match="no prefix file"):
        PrefixFolder(folder).counts([sha("not in any prefix file here 42")])


def test_options_that_do_not_fit_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="needs --online"):
        open_breach_source(None, url="http://127.0.0.1:1")
    with pytest.raises(UsageError, match="not both"):
        open_breach_source(tmp_path, online=True)
    with pytest.raises(InputError, match="no breach corpus"):
        open_breach_source(tmp_path / "missing.txt")
    with pytest.raises(UsageError, match="not an http"):
        RangeApi("file:///etc/passwd")


def test_sha1_is_upper_case_hex_of_utf8() -> None:
    assert sha1_hex(Secret("password")) == "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8"


class RangeServer:
    """A loopback stand-in for the range API that records what clients send."""

    def __init__(self, answers: dict[str, int], fail_first: int = 0) -> None:
        self.answers = answers
        self.fail_first = fail_first
        self.paths: list[str] = []
        self.padding: list[str | None] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.paths.append(self.path)
                server.padding.append(self.headers.get("Add-Padding"))
                if server.fail_first > 0:
                    server.fail_first -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                prefix = self.path.rsplit("/", 1)[-1]
                rows = [f"{h[5:]}:{c}" for h, c in server.answers.items() if h.startswith(prefix)]
                rows += [f"{n:035X}:0" for n in range(800)]  # padding
                body = "\r\n".join(rows).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "RangeServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def range_server() -> Iterator[RangeServer]:
    with RangeServer({sha(p): c for p, c in BREACHED.items()}) as server:
        yield server


def test_online_sends_only_five_hex_prefixes_with_padding_and_drops_padding_lines(
    range_server: RangeServer,
) -> None:
    source = open_breach_source(None, online=True, url=range_server.url)
    assert source is not None
    hashes = [sha(p) for p in [*BREACHED, CLEAN]]
    counts = source.counts(hashes)
    expected_counts(counts)
    assert sorted(range_server.paths) == sorted(f"/range/{h[:5]}" for h in set(hashes))
    assert all(len(path.rsplit("/", 1)[-1]) == 5 for path in range_server.paths)
    assert set(range_server.padding) == {"true"}
    assert 0 not in [c for h, c in counts.items() if h != sha(CLEAN)]


def test_online_retries_a_failing_server_then_answers() -> None:
    with RangeServer({sha("password"): 7}, fail_first=2) as server:
        source = RangeApi(server.url, backoff=0.01)
        assert source.counts([sha("password")]) == {sha("password"): 7}
        assert len(server.paths) == 3


def test_online_gives_up_after_bounded_retries_with_a_clear_error() -> None:
    with RangeServer({}, fail_first=100) as server:
        source = RangeApi(server.url, attempts=2, backoff=0.01)
        with pytest.raises(BreachLookupFailed, match="HTTP 503") as caught:
            source.counts([sha("password")])
        assert len(server.paths) == 2
        assert "password" not in str(caught.value).replace("Pwned", "")
