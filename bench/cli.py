"""Benchmark of whole `posture` processes, run the way a user runs them.

Run: `.venv/bin/python bench/cli.py` (or `make bench`). Every figure is the CPU time (user +
system, the process and every process it waited for, such as the scoring workers) of one
complete command, median of `--runs`. Everything is generated in a temporary folder: for each
size an inventory, a real vault (default Argon2id cost) holding one password per account (80%
distinct, the rest reused), a Bitwarden CSV export of the same logins, and one sorted corpus of
`--corpus-hashes` SHA-1 hashes holding 35% of the passwords.

Measured, each against its target (issue 13):
- `posture --help` and `posture checks` against `python -c "import typer"`;
- the first scan of an inventory (fresh state db: every password scored) against a naive loop,
  a Python process calling zxcvbn once per account; the re-scan (warm score cache, previous scan
  in history) against the first scan and against 3 s at 10,000 accounts; every scan prints the
  table to stdout and records history, as `posture scan` does by default;
- a cold breach-only scan (`--checks PWD-002`, fresh state db) against KeePassXC's
  `keepassxc-cli analyze --hibp` on the same passwords and corpus (skipped, and said so, when
  `keepassxc-cli` is not installed: `apt-get install -y keepassxc`);
- `posture vault import` of a Bitwarden export, at half and full size (linear: ~2x);
- the state db's size after `--days` daily scans of the largest inventory.

Figures are printed, never asserted; the last block is the README's performance table.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import random
import resource
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from data import (  # the bench's own generators
    assign_passwords,
    make_passwords,
    write_bitwarden_export,
    write_corpus,
    write_inventory,
    write_keepass_xml,
)

AS_OF = dt.date(2026, 12, 1)
BREACHED_SHARE = 0.35
# The naive loop: what a script would do with zxcvbn, one call per account, no vault, no cache.
NAIVE_LOOP = """
import json, sys, tomllib
from zxcvbn import zxcvbn
with open(sys.argv[1], "rb") as f:
    inventory = tomllib.load(f)
with open(sys.argv[2], encoding="utf-8") as f:
    passwords = json.load(f)
people = {p["id"]: p for p in inventory.get("people", [])}
brand = inventory["organization"].get("brand_terms", [])
for account in inventory["accounts"]:
    inputs = [account.get("handle", ""), account["platform"], *brand]
    for ref in account.get("password_known_by", []):
        inputs += [people[ref]["name"], people[ref].get("email", "")]
    password = passwords[account["id"]][:72]  # zxcvbn 4.5 raises above 72 characters
    if password:
        zxcvbn(password, user_inputs=inputs)
"""


@dataclass
class Target:
    what: str
    value: float
    unit: str  # "s" or "x"
    limit: float | None
    detail: str = ""

    @property
    def met(self) -> bool | None:
        return None if self.limit is None else self.value <= self.limit

    def shown(self) -> str:
        if self.unit == "x":
            return f"{self.value:.2f}x"
        return f"{self.value:.1f} MB" if self.unit == "MB" else f"{self.value:.2f} s"

    def line(self) -> str:
        shown = self.shown()
        if self.limit is None:
            verdict = ""
        else:
            limit = f"{self.limit:g} {self.unit}" if self.unit != "x" else f"{self.limit:g}x"
            verdict = f"  target <= {limit}: {'met' if self.met else 'MISSED'}"
        return f"{self.what:<62} {shown:>10}{verdict}{'  (' + self.detail + ')' if self.detail else ''}"


class Runner:
    """Runs whole processes and measures the CPU they (and their waited-for children) used."""

    def __init__(self, env: dict[str, str], runs: int) -> None:
        self.env = env
        self.runs = runs
        posture = Path(sys.executable).parent / "posture"
        self.posture = [str(posture)] if posture.exists() else [sys.executable, "-m", "scanner"]

    def cpu(
        self, argv: Sequence[str], *, stdin: str | None = None, ok: Sequence[int] = (0,)
    ) -> tuple[float, str]:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(
            argv,
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env,
            check=False,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode not in ok:
            raise SystemExit(
                f"{' '.join(argv[:4])} ... exited {done.returncode}: {done.stderr.strip()[-800:]}"
            )
        used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return used, done.stdout

    def median(
        self,
        argv: Sequence[str],
        *,
        before_each: Callable[[], None] | None = None,
        stdin: str | None = None,
        ok: Sequence[int] = (0,),
        runs: int | None = None,
    ) -> tuple[float, str]:
        times, out = [], ""
        for _ in range(runs or self.runs):
            if before_each is not None:
                before_each()
            used, out = self.cpu(argv, stdin=stdin, ok=ok)
            times.append(used)
        return statistics.median(times), out

    def posture_cmd(self, *args: str | Path) -> list[str]:
        return [*self.posture, *(str(a) for a in args)]


@dataclass
class Company:
    """One generated inventory with its vault, export and plaintext passwords (naive loop)."""

    size: int
    folder: Path
    passwords: dict[str, str]

    @property
    def inventory(self) -> Path:
        return self.folder / "inventory.toml"

    @property
    def db(self) -> Path:
        return self.folder / "posture.db"

    def fresh_db(self) -> None:
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{self.db}{suffix}").unlink(missing_ok=True)


def make_company(
    root: Path, size: int, rng: random.Random, passphrase: str, empty_vault: Path
) -> Company:
    from scanner.core.secret import Secret
    from scanner.vault import Entry, Vault

    folder = root / f"accounts-{size}"
    folder.mkdir()
    distinct = make_passwords(rng, size * 4 // 5)
    passwords = assign_passwords(rng, size, distinct)
    write_inventory(folder / "inventory.toml", rng, size)
    (folder / "passwords.json").write_text(json.dumps(passwords), encoding="utf-8")
    write_bitwarden_export(folder / "bitwarden.csv", passwords)
    shutil.copyfile(empty_vault, folder / "posture.vault")
    stored_at = dt.datetime.now(dt.UTC)
    vault = Vault.open(folder / "posture.vault", Secret(passphrase))
    vault.update(
        lambda entries: entries.update(
            {a: Entry(a, Secret(p), stored_at) for a, p in passwords.items()}
        ),
        action="bench",
    )
    return Company(size, folder, passwords)


def machine() -> str:
    model = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{os.cpu_count()} cores ({model}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, load average {load:.1f} at start"
    )


def scan_args(company: Company, corpus: Path, *extra: str) -> list[str]:
    return ["scan", str(company.inventory), "--hibp", str(corpus), "--as-of", str(AS_OF), *extra]


def bench_start_up(run: Runner) -> list[Target]:
    runs = run.runs + 2 if run.runs > 1 else 1  # cheap: a few more runs steady the median
    for warm_up in (run.posture_cmd("--help"), run.posture_cmd("checks")):
        run.cpu(warm_up)  # writes the bytecode cache, as an installed posture has
    typer_cpu, _ = run.median([sys.executable, "-c", "import typer"], runs=runs)
    help_cpu, _ = run.median(run.posture_cmd("--help"), runs=runs)
    checks_cpu, _ = run.median(run.posture_cmd("checks"), runs=runs)
    base = f"python -c 'import typer' {typer_cpu:.2f} s"
    return [
        Target("posture --help / import typer", help_cpu / typer_cpu, "x", 1.5, base),
        Target("posture checks / import typer", checks_cpu / typer_cpu, "x", 1.5, base),
        Target("  posture --help", help_cpu, "s", None),
        Target("  posture checks", checks_cpu, "s", None),
    ]


def bench_scans(run: Runner, company: Company, corpus: Path, largest: bool) -> list[Target]:
    n = f"{company.size:,}"
    naive, _ = run.median(
        [
            sys.executable,
            "-c",
            NAIVE_LOOP,
            str(company.inventory),
            str(company.folder / "passwords.json"),
        ]
    )
    first, table = run.median(
        run.posture_cmd(*scan_args(company, corpus)), before_each=company.fresh_db, ok=(0, 1)
    )
    again, table_again = run.median(run.posture_cmd(*scan_args(company, corpus)), ok=(0, 1))
    if "== acct0 " not in table or "Posture score" not in table_again:
        raise SystemExit("the scan did not print the table")
    targets = [
        Target(f"first scan, {n} accounts / naive zxcvbn loop", first / naive, "x", 1.0,
               f"{first:.2f} s vs {naive:.2f} s"),
        Target(f"re-scan / first scan, {n} accounts", again / first, "x", 0.25,
               f"{again:.2f} s vs {first:.2f} s"),
    ]  # fmt: skip
    if largest:
        targets.append(
            Target(
                f"re-scan of {n} accounts (table, history, warm cache)",
                again,
                "s",
                3.0 if company.size >= 10_000 else None,
            )
        )
    return targets


def bench_breach_only(
    run: Runner, company: Company, corpus: Path, kdf_ms: int, *, compare: bool = True
) -> list[Target]:
    n = f"{company.size:,}"
    cold, _ = run.median(
        run.posture_cmd(*scan_args(company, corpus, "--checks", "PWD-002")),
        before_each=company.fresh_db,
        ok=(0, 1),
    )
    with contextlib.closing(sqlite3.connect(company.db)) as conn:
        scored = conn.execute("SELECT count(*) FROM score_cache").fetchone()[0]
    targets = [Target(f"cold breach-only scan, {n} accounts", cold, "s", None, f"{scored} scored")]
    if scored:
        targets[0].detail += ": it should score nothing"
    keepassxc = shutil.which("keepassxc-cli") if compare else None
    if keepassxc is None and not compare:
        return targets
    if keepassxc is None:
        print(
            "keepassxc-cli is not installed: the KeePassXC comparison is skipped "
            "(apt-get install -y keepassxc)"
        )
        return targets
    xml, kdbx = company.folder / "keepass.xml", company.folder / "keepass.kdbx"
    write_keepass_xml(xml, company.passwords)
    password = secrets.token_urlsafe(16)
    run.cpu(
        [keepassxc, "import", "-q", "-p", "-t", str(kdf_ms), str(xml), str(kdbx)],
        stdin=f"{password}\n{password}\n",
    )
    xml.unlink()
    theirs, report = run.median(
        [keepassxc, "analyze", "-q", "--hibp", str(corpus), str(kdbx)], stdin=password + "\n"
    )
    leaked = report.count("has been leaked")
    targets.append(
        Target(
            f"cold breach-only scan / keepassxc-cli analyze --hibp, {n}",
            cold / theirs,
            "x",
            0.5,
            f"{cold:.2f} s vs {theirs:.2f} s; KeePassXC found {leaked} leaked",
        )
    )
    return targets


def bench_import(
    run: Runner, root: Path, size: int, passphrase: str, empty_vault: Path
) -> list[Target]:
    figures = []
    for count in (size // 2, size):
        folder = root / f"import-{count}"
        folder.mkdir()
        rng = random.Random(count)
        passwords = assign_passwords(rng, count, make_passwords(rng, count * 4 // 5))
        write_inventory(folder / "inventory.toml", rng, count)
        write_bitwarden_export(folder / "bitwarden.csv", passwords)

        def fresh(folder: Path = folder) -> None:
            shutil.copyfile(empty_vault, folder / "posture.vault")
            (folder / "posture.db").unlink(missing_ok=True)

        used, out = run.median(
            run.posture_cmd(
                "vault", "import", folder / "bitwarden.csv", "--from", "bitwarden",
                "--inventory", folder / "inventory.toml",
            ),
            before_each=fresh,
        )  # fmt: skip
        if f"{count} rows: stored {count}," not in out:
            raise SystemExit(f"vault import did not import every login: {out[:300]}")
        figures.append(used)
    half, full = figures
    return [
        Target(f"vault import of {size:,} logins", full, "s", 3.0),
        Target(
            f"  vault import {size:,} / {size // 2:,} logins (linear: ~2x)",
            full / half,
            "x",
            None,
            f"{half:.2f} s for {size // 2:,}",
        ),
    ]


def bench_history(run: Runner, company: Company, corpus: Path, days: int) -> list[Target]:
    """`days` daily scans into a fresh state db (day 1 re-scores, as its cache is new too)."""
    company.fresh_db()
    used = []
    for day in range(days):
        as_of = AS_OF + dt.timedelta(days=day)
        args = scan_args(company, corpus)
        args[args.index("--as-of") + 1] = str(as_of)
        used.append(run.cpu(run.posture_cmd(*args), ok=(0, 1))[0])
    size = company.db.stat().st_size / 1e6
    later = statistics.median(used[1:]) if len(used) > 1 else used[0]
    return [
        Target(
            f"state db after {days} daily scans of {company.size:,} accounts",
            size,
            "MB",
            None,
            f"{size / days:.2f} MB per scan; days 2-{days}: {later:.2f} s CPU each",
        )
    ]


def kdf_milliseconds() -> int:
    """How long posture's default Argon2id takes here: KeePassXC's database gets the same."""
    import time

    from scanner.vault import format as fmt

    started = time.perf_counter()
    fmt.derive_slot_key("bench", fmt.DEFAULT_KDF, b"0" * 16)
    return max(1, round((time.perf_counter() - started) * 1000))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,10000", help="inventory sizes (comma-separated)")
    parser.add_argument("--corpus-hashes", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (the median)")
    parser.add_argument("--days", type=int, default=30, help="daily scans for the db size")
    parser.add_argument("--import-size", type=int, default=2000, help="logins to import")
    parser.add_argument("--breach-size", type=int, default=2000, help="accounts, breach-only")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--no-keepassxc", action="store_true", help="skip the KeePassXC line")
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    from scanner.core.secret import Secret
    from scanner.vault import Vault
    from scanner.vault.passphrase import PASSPHRASE_ENV

    print(f"posture CLI benchmark on {machine()}")
    rng = random.Random(args.seed)
    passphrase = secrets.token_urlsafe(24)
    # As installed: bytecode cached (pip compiles it; PYTHONDONTWRITEBYTECODE would make every
    # run re-compile posture's modules while typer's stay compiled, an unfair start-up figure).
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("POSTURE_") and k != "PYTHONDONTWRITEBYTECODE"
    }
    env[PASSPHRASE_ENV] = passphrase
    run = Runner(env, args.runs)
    with contextlib.ExitStack() as stack:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            root = args.keep
        else:
            root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="posture-bench-")))
        empty_vault = root / "empty.vault"
        Vault.create(empty_vault, Secret(passphrase))
        companies = [make_company(root, size, rng, passphrase, empty_vault) for size in sizes]
        if args.breach_size not in sizes:
            companies.append(make_company(root, args.breach_size, rng, passphrase, empty_vault))
        breached = _breached_hashes(companies, rng)
        corpus = root / "pwned-passwords-sha1-ordered-by-hash.txt"
        write_corpus(corpus, breached, rng, args.corpus_hashes)
        print(
            f"generated: inventories of {', '.join(f'{c.size:,}' for c in companies)} accounts, "
            f"a {args.corpus_hashes:,}-hash corpus ({corpus.stat().st_size / 2**20:,.0f} MiB); "
            f"CPU seconds, median of {args.runs}"
        )
        targets = bench_start_up(run)
        _show(targets)
        for company in companies:
            if company.size in sizes:
                found = bench_scans(run, company, corpus, largest=company.size == sizes[-1])
                _show(found)
                targets += found
        breach_company = next(c for c in companies if c.size == args.breach_size)
        found = bench_breach_only(
            run, breach_company, corpus, kdf_milliseconds(), compare=not args.no_keepassxc
        )
        _show(found)
        targets += found
        found = bench_import(run, root, args.import_size, passphrase, empty_vault)
        _show(found)
        targets += found
        found = bench_history(run, companies[len(sizes) - 1], corpus, args.days)
        _show(found)
        targets += found
    print()
    print(f"README table ({machine()}):")
    print("| figure | CPU | target |")
    print("|---|---|---|")
    for target in targets:
        print(f"| {target.what.strip()} | {target.shown()} | {_verdict(target)} |")


def _verdict(target: Target) -> str:
    if target.limit is None:
        return target.detail
    limit = f"{target.limit:g} s" if target.unit == "s" else f"{target.limit:g}x"
    text = f"<= {limit}: {'met' if target.met else 'missed'}"
    return f"{text} ({target.detail})" if target.detail else text


def _show(targets: list[Target]) -> None:
    for target in targets:
        print(target.line(), flush=True)


def _breached_hashes(companies: list[Company], rng: random.Random) -> list[str]:
    from scanner.core.secret import Secret
    from scanner.passwords.corpus import sha1_hex

    distinct = sorted({p for c in companies for p in c.passwords.values()})
    rng.shuffle(distinct)
    return sorted({sha1_hex(Secret(p)) for p in distinct[: int(len(distinct) * BREACHED_SHARE)]})


if __name__ == "__main__":
    main()
