"""Team vault costs (issue 18): creating, opening (as the custodian, who decrypts every entry, and
as a reader of one entry in two) and saving one change, for N entries each encrypted with age to
two readers. Run: .venv/bin/python bench/team_vault.py [N]  (default 1,000)."""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scanner.core.secret import Secret
from scanner.inventory.keys import signing_key_bytes
from scanner.vault.custody import Custody
from scanner.vault.entries import Entry
from scanner.vault.identity import Identity
from scanner.vault.team import TeamVault


def main(count: int) -> None:
    ana, ben = Identity.generate("ana"), Identity.generate("ben")
    key = signing_key_bytes(ana.signing_key)
    assert key is not None  # noqa: S101 - generated just above
    custody = Custody(
        custodians={"ana": ana.recipient},
        signing_keys={"ana": key},
        recipients={"ana": ana.recipient, "ben": ben.recipient},
        holders={f"e{i}": (("ben",) if i % 2 else ()) for i in range(count)},
        keyless={},
    )
    now = dt.datetime.now(dt.UTC)
    entries = {
        f"e{i}": Entry(f"e{i}").with_password(Secret(f"bench-{i:06d}-not-a-secret"), now, "set")
        for i in range(count)
    }
    folder = Path(tempfile.mkdtemp())
    path, db = folder / "posture.vault", folder / "posture.db"

    def timed(label: str, action: object) -> None:
        start = time.perf_counter()
        action()  # type: ignore[operator]
        print(f"{label}: {time.perf_counter() - start:.2f} s")

    timed("create", lambda: TeamVault.create_team(path, custody, ana, db=db, entries=entries))
    print(f"file: {path.stat().st_size / 1e6:.1f} MB for {count} entries")
    timed("open as custodian", lambda: TeamVault.open_team(path, custody, ana, db=db))
    timed("open as reader", lambda: TeamVault.open_team(path, custody, ben, db=db))
    vault = TeamVault.open_team(path, custody, ana, db=db)
    changed = entries["e1"].with_password(Secret("bench-changed-not-a-secret"), now, "x")
    timed("save one change", lambda: vault.update(lambda e: e.update(e1=changed), action="set"))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
