"""Vault budgets: unlock time (the Argon2id KDF, slow by design) and the cost of saving and
opening a 10,000-entry vault beyond the KDF, against writing the same data as plain JSON."""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scanner.core.secret import Secret
from scanner.vault import DEFAULT_KDF, Entry, Vault
from scanner.vault import format as fmt
from scanner.vault.entries import encode_payload, utc_now
from scanner.vault.otp import TotpSeed

ENTRIES = 10_000
RUNS = 5
PASSPHRASE = Secret("bench passphrase, not a secret")


def timed(action: Callable[[], object], runs: int = RUNS) -> float:
    """Median wall time of `runs` calls, in seconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def many_entries(count: int) -> dict[str, Entry]:
    now = utc_now()
    entries = {}
    for number in range(count):
        name = f"account-{number:05d}"
        entry = Entry(
            name,
            totp=TotpSeed(Secret("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")),
            recovery_codes=(Secret("abcd-efgh"), Secret("ijkl-mnop")),
        )
        for version in range(3):
            entry = entry.rotated(Secret(f"pw-{number}-{version}-xxxxxxxxxxxxxxxx"), now, "bench")
        entries[name] = entry
    return entries


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "posture.vault"
        vault = Vault.create(path, PASSPHRASE)
        kdf = vault.kdf
        header = fmt.parse(path.read_bytes(), path).header
        slot = header.slots[0]
        kdf_time = timed(lambda: fmt.derive_slot_key(PASSPHRASE.reveal(), slot.kdf, slot.salt))
        unlock_empty = timed(lambda: Vault.open(path, PASSPHRASE))
        print(
            f"KDF Argon2id {kdf.memory_kib // 1024} MiB, {kdf.iterations} passes, "
            f"{kdf.lanes} lanes (default {kdf == DEFAULT_KDF}): {kdf_time * 1000:.0f} ms"
        )
        print(f"unlock of an empty vault (KDF + read + decrypt): {unlock_empty * 1000:.0f} ms")

        entries = many_entries(ENTRIES)
        vault.update(lambda current: current.update(entries), action="bench")
        size = path.stat().st_size
        opened = timed(lambda: Vault.open(path, PASSPHRASE))
        counter = iter(range(10**9))

        def one_change() -> None:
            now = utc_now()
            vault.update(
                lambda current: current.__setitem__(
                    "account-00000",
                    current["account-00000"].rotated(Secret(f"x{next(counter)}"), now, "bench"),
                ),
                action="bench",
            )

        saved = timed(one_change)
        other = Vault.open(path, PASSPHRASE)

        def change_after_another_writer() -> None:
            now = utc_now()
            other.update(
                lambda current: current.__setitem__(
                    "account-00001",
                    current["account-00001"].rotated(Secret(f"y{next(counter)}"), now, "bench"),
                ),
                action="bench",
            )
            one_change()

        interleaved = timed(change_after_another_writer) / 2
        plain = Path(folder) / "plain.json"
        records = json.loads(encode_payload(entries))

        def plain_round_trip() -> None:
            plain.write_text(json.dumps(records))
            json.loads(plain.read_text())

        plain_time = timed(plain_round_trip)
        print(f"{ENTRIES:,} entries (3 passwords, TOTP, 2 codes each): file {size / 1e6:.1f} MB")
        print(
            f"  open: {opened * 1000:.0f} ms total, {(opened - kdf_time) * 1000:.0f} ms beyond the KDF"
        )
        print(
            f"  save one change (lock, re-read, compare, encrypt, backup, fsync, replace): "
            f"{saved * 1000:.0f} ms"
        )
        print(
            f"  save one change after another process saved (adds decrypt + parse): "
            f"{interleaved * 1000:.0f} ms"
        )
        print(
            f"  plain JSON write + read of the same data (no crypto, no fsync, no backup): "
            f"{plain_time * 1000:.0f} ms; save / plain = {saved / plain_time:.1f}x, "
            f"open beyond KDF / plain = {(opened - kdf_time) / plain_time:.1f}x"
        )


if __name__ == "__main__":
    main()
