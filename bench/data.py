"""Generated bench data: an inventory, its passwords, a breach corpus, exports of the same logins.

Shared by `bench/scan.py` (the library timed in-process) and `bench/cli.py` (whole `posture`
processes). Everything is deterministic for a given `random.Random`.
"""

from __future__ import annotations

import random
import string
from pathlib import Path
from xml.sax.saxutils import escape

PEOPLE = 60
PLATFORMS = ("instagram", "facebook", "x", "linkedin", "tiktok", "youtube", "other")
MFA = ("none", "sms", "totp", "totp", "fido2", "email")
# Where a password manager would have stored each platform's login (for the import exports).
LOGIN_HOSTS = {
    "instagram": "https://www.instagram.com/accounts/login/",
    "facebook": "https://www.facebook.com/login",
    "x": "https://x.com/i/flow/login",
    "linkedin": "https://www.linkedin.com/login",
    "tiktok": "https://www.tiktok.com/login",
    "youtube": "https://accounts.google.com/",
    "other": "https://intranet.bench.example/",
}


def make_passwords(rng: random.Random, distinct: int = 8_000) -> list[str]:
    """`distinct` distinct passwords in a realistic mix (35% from the top of breach lists)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    common = FREQUENCY_LISTS["passwords"][:6_000]
    words = [w for w in FREQUENCY_LISTS["english_wikipedia"][:20_000] if w.isalpha()]
    alphabet = string.ascii_letters + string.digits + "!#$%&*+-=?@^_"
    made: set[str] = set()
    plan = (
        (0.35, lambda: rng.choice(common)),  # breached, top of every wordlist
        (0.15, lambda: rng.choice(words).capitalize() + str(rng.randint(0, 2026)) + "!"),
        (0.30, lambda: "".join(rng.choice(alphabet) for _ in range(rng.randint(14, 24)))),
        (0.15, lambda: "-".join(rng.choice(words) for _ in range(rng.randint(4, 6)))),
        (0.05, lambda: "".join(rng.choice(alphabet) for _ in range(rng.randint(80, 128)))),
    )
    result: list[str] = []
    for share, make in plan:
        count = round(share * distinct) if make is not plan[-1][1] else distinct - len(result)
        added = 0
        while added < count:
            candidate = make()
            if candidate not in made:
                made.add(candidate)
                result.append(candidate)
                added += 1
    return result


def assign_passwords(rng: random.Random, accounts: int, distinct: list[str]) -> dict[str, str]:
    """Account id -> password: every distinct one once, the rest reuses of the weaker half."""
    reused = rng.choices(distinct[: max(1, len(distinct) // 2)], k=accounts - len(distinct))
    assigned = distinct + reused
    rng.shuffle(assigned)
    return {f"acct{n}": assigned[n] for n in range(accounts)}


def write_inventory(path: Path, rng: random.Random, accounts: int) -> None:
    lines = [
        "[organization]",
        'name = "Bench Outdoor"',
        'domains = ["bench.example"]',
        'brand_terms = ["bench", "benchoutdoor"]',
        "",
    ]
    for n in range(PEOPLE):
        lines += [
            "[[people]]",
            f'id = "p{n}"',
            f'name = "Person{n} Surname{n}"',
            f'email = "person{n}@bench.example"',
            "",
        ]
    for n in range(accounts):
        holders = ", ".join(f'"p{rng.randrange(PEOPLE)}"' for _ in range(rng.randint(1, 2)))
        lines += [
            "[[accounts]]",
            f'id = "acct{n}"',
            f'platform = "{PLATFORMS[n % len(PLATFORMS)]}"',
            f'handle = "@bench_{n}"',
            'registered_to = "company"',
            f'mfa = "{MFA[n % len(MFA)]}"',
            f"password_known_by = [{holders}]",
            "",
        ]
    path.write_text("\n".join(lines), encoding="utf-8")


def write_corpus(path: Path, breached: list[str], rng: random.Random, hashes: int) -> None:
    """`hashes` sorted `40HEX:COUNT` lines (CRLF, like the downloader) holding `breached`."""
    buckets = 65_536
    inserted: dict[int, list[bytes]] = {}
    for sha1 in breached:
        raw = bytes.fromhex(sha1)
        inserted.setdefault(int.from_bytes(raw[:2], "big"), []).append(raw)
    base, extra = divmod(hashes, buckets)
    with path.open("wb") as out:
        for bucket in range(buckets):
            prefix = bucket.to_bytes(2, "big")
            mine = inserted.get(bucket, [])
            size = max(0, base + (1 if bucket < extra else 0) - len(mine))
            blob = rng.randbytes(18 * size)
            items = sorted({prefix + blob[i : i + 18] for i in range(0, 18 * size, 18)} | set(mine))
            out.write(
                b"".join(
                    b"%s:%d\r\n" % (h.hex().upper().encode(), (i % 997) + 1)
                    for i, h in enumerate(items)
                )
            )


def write_bitwarden_export(path: Path, passwords: dict[str, str]) -> None:
    """A Bitwarden CSV export holding one login per account (name, URL, username, password)."""
    import csv

    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(
            [
                "folder",
                "favorite",
                "type",
                "name",
                "notes",
                "fields",
                "reprompt",
                "login_uri",
                "login_username",
                "login_password",
                "login_totp",
            ]
        )
        for account_id, password in passwords.items():
            n = int(account_id.removeprefix("acct"))
            url = LOGIN_HOSTS[PLATFORMS[n % len(PLATFORMS)]]
            writer.writerow(
                ["", "", "login", account_id, "", "", "0", url, f"bench_{n}", password, ""]
            )


def write_keepass_xml(path: Path, passwords: dict[str, str]) -> None:
    """A KeePass 2 XML file of the same logins, for `keepassxc-cli import`."""
    import base64

    entries = []
    for number, (account_id, password) in enumerate(passwords.items(), start=1):
        uuid = base64.b64encode(number.to_bytes(16, "big")).decode()
        entries.append(
            f"<Entry><UUID>{uuid}</UUID>"
            f"<String><Key>Title</Key><Value>{escape(account_id)}</Value></String>"
            f"<String><Key>Password</Key><Value>{escape(password)}</Value></String></Entry>"
        )
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        "<KeePassFile><Meta><Generator>posture bench</Generator></Meta><Root><Group>"
        "<UUID>AAAAAAAAAAAAAAAAAAAAAA==</UUID><Name>Root</Name>"
        + "".join(entries)
        + "</Group></Root></KeePassFile>\n",
        encoding="utf-8",
    )
