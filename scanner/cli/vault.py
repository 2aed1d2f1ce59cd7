"""`posture vault ...`: the encrypted vault. Only `vault get` (and `history --show`) print a secret."""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from scanner.cli.complete import complete_account
from scanner.cli.options import (
    DB_ENV,
    DB_NAME,
    STRAY_ALLOWED,
    VAULT_ENV,
    VAULT_NAME,
    DbOption,
    InventoryOption,
    PassphraseFileOption,
    VaultOption,
    beside_inventory,
    inventory_path,
    parse_date,
    refuse_stray,
)
from scanner.core.errors import InputError, UsageError
from scanner.core.secret import Secret
from scanner.core.text import one_line

if TYPE_CHECKING:
    from scanner.inventory.accounts import Account, Inventory
    from scanner.inventory.platforms import Platform
    from scanner.state.audit import DatabaseAudit
    from scanner.vault import Entry, Vault
    from scanner.vault.passphrase import OsKeyring


vault_app = typer.Typer(
    help="The encrypted vault: passwords, history, TOTP seeds, recovery codes.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

RememberOption = typer.Option(
    False, "--remember", help="Cache the derived key in the OS keyring for later commands."
)
AccountArgument = typer.Argument(
    ...,
    help="Inventory account id (its vault entry is used).",
    autocompletion=complete_account,
)
SECRET_READERS = ("init", "set", "passwd")  # they accept stray arguments: see refuse_stray


@dataclass(frozen=True)
class Where:
    """The files a vault command works on."""

    inventory: Path
    inventory_given: bool
    vault: Path
    db: Path

    def load_inventory(self, *, required: str | None = None) -> Inventory | None:
        """The inventory when there is one; with `required` (why), an error when there is none."""
        from scanner.services.scan import load

        if self.inventory_given or self.inventory.exists():
            return load(self.inventory)
        if required:
            raise InputError(
                f"no inventory here: {required} needs it (give --inventory)", path=self.inventory
            )
        return None

    def audit(self) -> DatabaseAudit:
        from scanner.state.audit import DatabaseAudit

        return DatabaseAudit(self.db)


def _where(inventory: Path | None, vault: Path | None, db: Path | None) -> Where:
    inv = inventory_path(inventory)
    return Where(
        inventory=inv,
        inventory_given=inventory is not None,
        vault=beside_inventory(inv, VAULT_NAME, vault, VAULT_ENV),
        db=beside_inventory(inv, DB_NAME, db, DB_ENV),
    )


def _notice(message: str) -> None:
    typer.echo(f"posture: note: {message}", err=True)


def _unlock(where: Where, passphrase_file: Path | None, remember: bool = False) -> Vault:
    from scanner.vault import unlock

    # unlock() reports key slots below the OWASP minimum itself (every command that opens it).
    return unlock(
        where.vault,
        passphrase_file=passphrase_file,
        remember=remember,
        audit=where.audit(),
        notice=_notice,
    )


def _warn_if_records_altered(where: Where) -> None:
    from scanner.state.chain import warning_at

    broken = warning_at(where.db)
    if broken:
        typer.echo(f"posture: warning: {broken}", err=True)


def _keyring_for_remember(remember: bool, unchanged: str) -> OsKeyring | None:
    """With --remember, the OS keyring, refused up front (before anything changes) if unusable."""
    if not remember:
        return None
    from scanner.core.errors import VaultError
    from scanner.vault.passphrase import OsKeyring

    keyring = OsKeyring()
    refusal = keyring.refusal()
    if refusal is not None:
        raise VaultError(f"--remember: {refusal}; {unchanged}")
    return keyring


def _remember_after_change(keyring: OsKeyring, vault: Vault, done: str) -> None:
    """Store the key after a change that already happened; a failure says the change stands."""
    from scanner.core.errors import VaultError

    try:
        keyring.store(vault.vault_id, vault.slot_key)
    except VaultError as exc:
        raise VaultError(f"{done}: {exc.message}") from None


def _target(inventory: Inventory | None, account_id: str) -> tuple[Account | None, str]:
    """(account, vault entry name); without an inventory the entry is named after the id."""
    if inventory is None:
        return None, account_id
    if account_id == _notify_entry(inventory) and account_id not in inventory.entry_names():
        return None, account_id  # the channels of `scan --notify`, kept as a secret
    account = inventory.account(account_id)
    return account, account.vault_entry


def _notify_entry(inventory: Inventory) -> str | None:
    from scanner.notify.settings import read_settings

    return read_settings(inventory.notify_table).vault_entry


def _existing_entry(inventory: Inventory | None, account_id: str, vault: Vault) -> str:
    """The entry for an account id; an entry whose account left the inventory is found by name."""
    if (
        inventory is not None
        and vault.entry(account_id) is not None
        and not any(a.id == account_id for a in inventory.accounts)
    ):
        return account_id
    return _target(inventory, account_id)[1]


def _platform(account: Account) -> Platform:
    from scanner.inventory.platforms import platform_for

    return platform_for(account.platform)


def _now() -> dt.datetime:
    from scanner.vault.entries import utc_now

    return utc_now()


def _read_secret(label: str) -> Secret:
    """A secret from a hidden prompt (asked twice) or, when stdin is not a terminal, from stdin."""
    from scanner.vault.passphrase import prompt, stdin_is_terminal

    if stdin_is_terminal():
        return prompt(label, confirm=True)
    value = _stdin_text(label).removesuffix("\n").removesuffix("\r")
    if not value:
        raise UsageError(f"{label}: nothing on stdin")
    return Secret(value)


def _stdin_text(label: str) -> str:
    """All of stdin as UTF-8, whatever the locale's stdin encoding; bytes that are not UTF-8 are
    refused (the locale's error handler would otherwise crash or silently alter the secret)."""
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is None:
        return sys.stdin.read()
    try:
        return bytes(buffer.read()).decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{label}: stdin is not UTF-8 text; nothing was stored") from None


def _entry_or_new(entries: dict[str, Entry], name: str) -> Entry:
    from scanner.vault import Entry

    return entries.get(name) or Entry(name=name)


def init(
    inventory: Path | None = InventoryOption,
    vault: Path | None = VaultOption,
    db: Path | None = DbOption,
    passphrase_file: Path | None = PassphraseFileOption,
    remember: bool = RememberOption,
    *,
    ctx: typer.Context,
) -> None:
    """Create a new, empty vault (asks the passphrase twice on a terminal)."""
    refuse_stray(
        ctx, "the passphrase", "use --passphrase-file, POSTURE_VAULT_PASSPHRASE or the prompt"
    )
    from scanner.vault import Vault
    from scanner.vault.passphrase import PASSPHRASE_ENV, new_passphrase

    where = _where(inventory, vault, db)
    keyring = _keyring_for_remember(remember, "nothing was created")
    passphrase = new_passphrase(
        passphrase_file=passphrase_file,
        option="--passphrase-file",
        env=PASSPHRASE_ENV,
        interactive=True,
        label="New vault passphrase",
    )
    created = Vault.create(where.vault, passphrase, audit=where.audit())
    if keyring is not None:
        _remember_after_change(
            keyring, created, f"created the vault {where.vault}, but it is not remembered"
        )
    typer.echo(f"created an empty vault: {where.vault}")


def set_secret(
    account: str = AccountArgument,
    generate: bool = typer.Option(
        False, "--generate", help="Generate a password by the platform's rules."
    ),
    totp: str | None = typer.Option(
        None,
        "--totp",
        help="Store a TOTP seed: `--totp -` reads the otpauth:// URI from stdin or a hidden "
        "prompt (never from the command line).",
    ),
    recovery_codes: Path | None = typer.Option(
        None, "--recovery-codes", help="Store recovery codes from this file, one per line."
    ),
    inventory: Path | None = InventoryOption,
    vault: Path | None = VaultOption,
    db: Path | None = DbOption,
    passphrase_file: Path | None = PassphraseFileOption,
    remember: bool = RememberOption,
    *,
    ctx: typer.Context,
) -> None:
    """Store a password (hidden prompt, or stdin when not a terminal; never argv), a TOTP seed or recovery codes."""
    refuse_stray(ctx, "a password", "type it at the prompt or pipe it on stdin")
    import dataclasses

    from scanner.vault.generate import generate_password
    from scanner.vault.otp import parse_otpauth

    if totp is not None and totp != "-":
        # Like passwords: argv is visible to other local users (ps, /proc) and shell history.
        # The value is not echoed, and nothing was read or changed.
        raise UsageError(
            "--totp: a TOTP seed on the command line is refused (other local users and the "
            "shell history can read it); use --totp - and give the otpauth:// URI on stdin or "
            "at the hidden prompt"
        )
    where = _where(inventory, vault, db)
    inv = where.load_inventory(required="--generate" if generate else None)
    target, name = _target(inv, account)
    opened = _unlock(
        where, passphrase_file, remember
    )  # damage is reported before any secret is read
    seed = None
    if totp is not None:
        seed = parse_otpauth(_read_secret("otpauth URI").reveal())
    codes: tuple[Secret, ...] = ()
    if recovery_codes is not None:
        codes = _read_codes(recovery_codes)
    password: Secret | None = None
    if generate:
        assert target is not None  # noqa: S101 - required above
        password = generate_password(_platform(target).password)
    elif seed is None and recovery_codes is None:
        password = _read_secret(f"Password for {account}")
    if target is not None and password is not None and not generate:
        rules = _platform(target).password
        if not rules.accepts_length(len(password)):
            _notice(
                f"{_platform(target).display_name} takes passwords of "
                f"{rules.limits}; this one has {len(password)}"
            )
    now = _now()

    def change(entries: dict[str, Entry]) -> None:
        entry = _entry_or_new(entries, name)
        if password is not None and password != entry.password:
            entry = entry.with_password(password, now, "replaced by vault set")
        if seed is not None:
            entry = dataclasses.replace(entry, totp=seed)
        if recovery_codes is not None:
            entry = dataclasses.replace(entry, recovery_codes=codes)
        entries[name] = entry

    opened.update(change, action="set")
    stored = [
        what
        for what, given in (
            ("a generated password" if generate else "the password", password is not None),
            ("a TOTP seed", seed is not None),
            (f"{len(codes)} recovery codes", recovery_codes is not None),
        )
        if given
    ]
    typer.echo(f"{account}: stored {' and '.join(stored)} in entry {name}")
    if generate:
        typer.echo(f"  see it with: posture vault get {account}")


def _exact_bytes(text: str) -> bytes:
    """A stored value as bytes for stdout, whatever the locale's encoding: UTF-8, and a lone
    surrogate (a byte that was not UTF-8 when it was stored) as that byte or, failing that, as is."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            return text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            return text.encode("utf-8", "surrogatepass")


def _read_codes(path: Path) -> tuple[Secret, ...]:
    from scanner.core.files import read_regular

    try:
        text = read_regular(
            path, "recovery codes file", cap=64 * 1024, field="--recovery-codes"
        ).decode("utf-8")
    except FileNotFoundError:
        raise InputError("file not found", path=path, field="--recovery-codes") from None
    except UnicodeDecodeError:
        raise InputError("is not UTF-8 text", path=path, field="--recovery-codes") from None
    except OSError as exc:
        raise InputError(
            f"cannot read: {exc.strerror}", path=path, field="--recovery-codes"
        ) from None
    codes = tuple(Secret(line.strip()) for line in text.splitlines() if line.strip())
    if not codes:
        raise InputError("no recovery codes in the file", path=path, field="--recovery-codes")
    return codes


def get(
    account: str = AccountArgument,
    field: str = typer.Option(
        "password", "--field", help="password, totp (the current code) or recovery."
    ),
    inventory: Path | None = InventoryOption,
    vault: Path | None = VaultOption,
    db: Path | None = DbOption,
    passphrase_file: Path | None = PassphraseFileOption,
    remember: bool = RememberOption,
) -> None:
    """Print a stored secret: the password, the current TOTP code, or the recovery codes."""
    from scanner.vault.errors import EntryMissing

    if field not in ("password", "totp", "recovery"):
        raise UsageError(f'--field: "{field}" is not one of password, totp, recovery')
    where = _where(inventory, vault, db)
    inv = where.load_inventory()
    opened = _unlock(where, passphrase_file, remember)
    name = _existing_entry(inv, account, opened)
    entry = opened.entry(name)
    if entry is None:
        raise EntryMissing(f'no vault entry "{name}"', path=where.vault)
    values: list[Secret]
    if field == "password":
        if entry.password is None:
            raise EntryMissing(f'entry "{name}" has no password', path=where.vault)
        values = [entry.password]
    elif field == "totp":
        if entry.totp is None:
            raise EntryMissing(f'entry "{name}" has no TOTP seed', path=where.vault)
        values = [entry.totp.code()]
    else:
        if not entry.recovery_codes:
            raise EntryMissing(f'entry "{name}" has no recovery codes', path=where.vault)
        values = list(entry.recovery_codes)
    where.audit().record(opened.vault_id, [name], f"get {field}")
    for value in values:
        typer.echo(_exact_bytes(value.reveal()))


def list_entries(
    inventory: Path | None = InventoryOption,
    vault: Path | None = VaultOption,
    db: Path | None = DbOption,
    passphrase_file: Path | None = PassphraseFileOption,
    remember: bool = RememberOption,
    as_of: str | None = typer.Option(None, "--as-of", help="Judge rotation due as of this day."),
) -> None:
    """List entries: account, password age, rotations, TOTP and recovery codes stored; never a value."""
    from tabulate import tabulate

    from scanner.vault.rotation import due_for_rotation

    where = _where(inventory, vault, db)
    inv = where.load_inventory()
    opened = _unlock(where, passphrase_file, remember)
    today = parse_date(as_of, "--as-of") or dt.date.today()
    accounts_by_entry = {a.vault_entry: a for a in inv.accounts} if inv else {}
    due = {a.vault_entry for a, _ in due_for_rotation(inv, opened, today)} if inv else set()
    names = sorted(set(opened.entries()) | set(accounts_by_entry))
    rows: list[tuple[str | int, ...]] = []
    for name in names:
        entry = opened.entry(name)
        account = accounts_by_entry.get(name)
        label = account.id if account else f"{name} (not in inventory)" if inv else name
        if entry is None:
            rows.append((label, "-", "-", "-", "-", "-", "yes" if name in due else ""))
            continue
        age = (
            f"{(today - entry.password_set_at.date()).days} d"
            if entry.password is not None and entry.password_set_at
            else "-"
        )
        rows.append(
            (
                label,
                age if entry.password is not None else "none",
                entry.rotations,
                len(entry.history),
                "yes" if entry.totp else "no",
                len(entry.recovery_codes),
                "yes" if name in due else "",
            )
        )
    headers = ["account", "password age", "rotations", "history", "totp", "recovery codes"]
    headers.append("rotation due" if inv else "")
    typer.echo(tabulate(rows, headers=headers, tablefmt="simple"))
    typer.echo(f"{len(opened.entries())} entries, revision {opened.revision}")


def rotate(
    account: str | None = typer.Argument(
        None, help="Inventory account id.", autocompletion=complete_account
    ),
    reason: str | None = typer.Option(None, "--reason", help="Why (kept in the history)."),
    all_due: bool = typer.Option(
        False,
        "--all-due",
        help="Rotate every account someone departed from since its password was set.",
    ),
    as_of: str | None = typer.Option(None, "--as-of", help="Judge --all-due as of this day."),
    inventory: Path | None = InventoryOption,
    vault: Path | None = VaultOption,
    db: Path | None = DbOption,
    passphrase_file: Path | None = PassphraseFileOption,
    remember: bool = RememberOption,
) -> None:
    """Generate a new password by the platform's rules, keep the old one in history, say where to change it."""
    from scanner.vault.generate import generate_password
    from scanner.vault.rotation import due_for_rotation

    if (account is None) == (not all_due):
        raise UsageError("give one ACCOUNT or --all-due")
    where = _where(inventory, vault, db)
    inv = where.load_inventory(required="rotate")
    assert inv is not None  # noqa: S101 - required above
    opened = _unlock(where, passphrase_file, remember)
    if all_due:
        today = parse_date(as_of, "--as-of") or dt.date.today()
        work = [(a, reason or why) for a, why in due_for_rotation(inv, opened, today)]
        if not work:
            typer.echo("no account is due for rotation")
            return
    else:
        assert account is not None  # noqa: S101 - checked above
        work = [(inv.account(account), reason or "manual rotation")]
    fresh = {a.id: generate_password(_platform(a).password) for a, _ in work}
    had_password = {a.id for a, _ in work if (e := opened.entry(a.vault_entry)) and e.password}
    now = _now()

    def change(entries: dict[str, Entry]) -> None:
        for target, why in work:
            entry = _entry_or_new(entries, target.vault_entry)
            entries[target.vault_entry] = entry.rotated(fresh[target.id], now, why)

    opened.update(change, action="rotate")
    for target, why in work:
        _report_rotation(target, why, target.id in had_password, where.db)


def _report_rotation(target: Account, why: str, had_password: bool, db: Path) -> None:
    """Where to change the new password, how to see or undo it, and the checklist steps it
    ticked."""
    platform = _platform(target)
    urls = platform.urls
    where_to = urls.change_password or urls.login or target.url or "the service's settings"
    login = f" (login {target.login_email})" if target.login_email else ""
    kept = "the old one is kept in history" if had_password else "no earlier one"
    typer.echo(f"{target.id}: new password stored; {kept} ({why})")
    typer.echo(f"  now change it on {platform.display_name}{login}: {where_to}")
    if urls.login and urls.login != where_to:
        typer.echo(f"  log in at: {urls.login}")
    typer.echo(f"  see it with: posture vault get {target.id}")
    typer.echo(f"  if the platform refuses it: posture vault rollback {target.id}")
    for line in _tick_checklists(db, target.id):
        typer.echo(f"  {line}")


def _tick_checklists(db: Path, account_id: str) -> list[str]:
    """Tick the rotate steps a rotation completes: breach incidents and offboarding cases."""
    from scanner.breach.incidents import tick_rotation
    from scanner.core.actor import actor
    from scanner.offboard.cases import tick_rotation as tick_offboarding

    by = actor()
    lines = [
        f"breach checklist of {a}: ticked {step}" for a, step in tick_rotation(db, account_id, by)
    ]
    lines += [
        f"offboarding of {w}: ticked {step}" for w, step in tick_offboarding(db, account_id, by)
    ]
    return lines


def rollback(
    account: str = AccountArgument,
    inventory: Path | None = InventoryOption,
    vault: Path | None = VaultOption,
    db: Path | None = DbOption,
    passphrase_file: Path | None = PassphraseFileOption,
    remember: bool = RememberOption,
) -> None:
    """Bring back the previous password (for a rotation the platform refused)."""
    from scanner.vault.errors import EntryMissing

    where = _where(inventory, vault, db)
    inv = where.load_inventory()
    opened = _unlock(where, passphrase_file, remember)
    name = _existing_entry(inv, account, opened)
    now = _now()

    def change(entries: dict[str, Entry]) -> None:
        entry = entries.get(name)
        if entry is None:
            raise EntryMissing(f'no vault entry "{name}"', path=where.vault)
        previous = entry.rolled_back(now)
        if previous is None:
            raise EntryMissing(f'entry "{name}" has no earlier password', path=where.vault)
        entries[name] = previous

    opened.update(change, action="rollback")
    typer.echo(f"{account}: the previous password is current again; the replaced one is in history")


def history(
    account: str = AccountArgument,
    show: bool = typer.Option(False, "--show", help="Print the values too."),
    inventory: Path | None = InventoryOption,
    vault: Path | None = VaultOption,
    db: Path | None = DbOption,
    passphrase_file: Path | None = PassphraseFileOption,
    remember: bool = RememberOption,
) -> None:
    """Dates and reasons of the password's changes; values only with --show."""
    from tabulate import tabulate

    from scanner.vault.errors import EntryMissing

    where = _where(inventory, vault, db)
    inv = where.load_inventory()
    opened = _unlock(where, passphrase_file, remember)
    _warn_if_records_altered(where)
    name = _existing_entry(inv, account, opened)
    entry = opened.entry(name)
    if entry is None:
        raise EntryMissing(f'no vault entry "{name}"', path=where.vault)

    def day(value: dt.datetime | None) -> str:
        return value.isoformat() if value else "-"

    rows: list[list[str]] = []
    if entry.password is not None:
        rows.append(["current", day(entry.password_set_at), "-", "-"])
        if show:
            rows[-1].append(entry.password.reveal())
    for number, past in enumerate(entry.history, 1):
        rows.append([f"-{number}", day(past.set_at), day(past.retired_at), past.reason])
        if show:
            rows[-1].append(past.value.reveal())
    headers = ["version", "set", "retired", "reason"] + (["value"] if show else [])
    if show:
        where.audit().record(opened.vault_id, [name], "history --show")
    typer.echo(_exact_bytes(tabulate(rows, headers=headers, tablefmt="simple")))
    typer.echo(f"{entry.rotations} rotations")


def remove(
    account: str = AccountArgument,
    inventory: Path | None = InventoryOption,
    vault: Path | None = VaultOption,
    db: Path | None = DbOption,
    passphrase_file: Path | None = PassphraseFileOption,
    remember: bool = RememberOption,
) -> None:
    """Remove an entry (the previous vault stays among the backups)."""
    from scanner.vault.errors import EntryMissing

    where = _where(inventory, vault, db)
    inv = where.load_inventory()
    opened = _unlock(where, passphrase_file, remember)
    name = _existing_entry(inv, account, opened)

    def change(entries: dict[str, Entry]) -> None:
        if entries.pop(name, None) is None:
            raise EntryMissing(f'no vault entry "{name}"', path=where.vault)

    opened.update(change, action="rm")
    typer.echo(f"{account}: entry {name} removed (the previous vault is kept as a backup)")


def passwd(
    new_passphrase_file: Path | None = typer.Option(
        None, "--new-passphrase-file", help="Read the new passphrase from this file (mode 600)."
    ),
    inventory: Path | None = InventoryOption,
    vault: Path | None = VaultOption,
    db: Path | None = DbOption,
    passphrase_file: Path | None = PassphraseFileOption,
    remember: bool = typer.Option(
        False, "--remember", help="Cache the new derived key in the OS keyring."
    ),
    rekey: bool = typer.Option(
        False,
        "--rekey",
        help="Also make a new data key: re-encrypt the vault and its backups, so the old "
        "passphrase (or a leaked backup) opens nothing any more.",
    ),
    *,
    ctx: typer.Context,
) -> None:
    """Change the passphrase: the data key is re-wrapped (with --rekey: replaced)."""
    refuse_stray(
        ctx, "a passphrase", "use --new-passphrase-file, POSTURE_NEW_VAULT_PASSPHRASE or the prompt"
    )
    from scanner.vault.passphrase import NEW_PASSPHRASE_ENV, new_passphrase

    where = _where(inventory, vault, db)
    keyring = _keyring_for_remember(remember, "the passphrase was not changed")
    opened = _unlock(where, passphrase_file)
    new = new_passphrase(
        passphrase_file=new_passphrase_file,
        option="--new-passphrase-file",
        env=NEW_PASSPHRASE_ENV,
        interactive=True,
        label="New vault passphrase",
    )
    if rekey:
        done = opened.rekey(new)
        _forget_stale(opened)
    else:
        opened.change_passphrase(new)
    if keyring is not None:
        _remember_after_change(
            keyring, opened, "the passphrase WAS changed, but the new key is not remembered"
        )
    if rekey:
        typer.echo(f"passphrase changed and {_rekeyed(where, done)}")
    else:
        typer.echo(
            f"passphrase changed for {where.vault}; backups in {where.vault.name}.bak/ still "
            "open with the old one (use --rekey to change that)"
        )


def rekey(
    inventory: Path | None = InventoryOption,
    vault: Path | None = VaultOption,
    db: Path | None = DbOption,
    passphrase_file: Path | None = PassphraseFileOption,
) -> None:
    """Make a new data key: re-encrypt the vault and its backups under the same passphrase,
    with one new key slot at the default Argon2id cost. Repairs weak or leaked key slots."""
    from scanner.vault import Vault
    from scanner.vault.passphrase import current_passphrase

    where = _where(inventory, vault, db)
    passphrase = current_passphrase(where.vault, passphrase_file)
    opened = Vault.open(where.vault, passphrase, audit=where.audit())
    done = opened.rekey(passphrase)
    _forget_stale(opened)
    typer.echo(_rekeyed(where, done))


def _rekeyed(where: Where, done: object) -> str:
    from scanner.vault.vault import RekeyResult

    assert isinstance(done, RekeyResult)  # noqa: S101 - what Vault.rekey returns
    removed = f", {done.removed} removed (not readable with the old key)" if done.removed else ""
    return (
        f"rekeyed {where.vault}: new data key, one key slot; {done.reencrypted} backups "
        f"re-encrypted{removed}; no earlier key slot opens the vault or a backup any more"
    )


def _forget_stale(opened: Vault) -> None:
    """A key the OS keyring remembered opens nothing after a rekey: drop it quietly."""
    from scanner.core.errors import VaultError
    from scanner.vault.passphrase import OsKeyring

    keyring = OsKeyring()
    if keyring.refusal() is None:
        try:
            keyring.forget(opened.vault_id)
        except VaultError:
            _notice("could not remove the stale key from the OS keyring")


def import_export(
    file: Path = typer.Argument(..., help="The password manager's CSV export."),
    source: str = typer.Option(..., "--from", help="bitwarden, keepassxc or 1password."),
    inventory: Path | None = InventoryOption,
    vault: Path | None = VaultOption,
    db: Path | None = DbOption,
    passphrase_file: Path | None = PassphraseFileOption,
    remember: bool = RememberOption,
) -> None:
    """Import logins from a CSV export, matched to inventory accounts; lists what did not match."""
    import dataclasses

    from scanner.inventory.platforms import catalogue
    from scanner.vault.importers import Manager, match_logins, read_export
    from scanner.vault.otp import parse_otpauth

    try:
        manager = Manager(source.lower())
    except ValueError:
        raise UsageError(
            f'--from: "{source}" is not one of {", ".join(m.value for m in Manager)}'
        ) from None
    where = _where(inventory, vault, db)
    inv = where.load_inventory(required="import")
    assert inv is not None  # noqa: S101 - required above
    logins = read_export(file, manager)
    matches, unmatched = match_logins(logins, inv, dict(catalogue()))
    seeds = {}
    for match in matches:
        if match.login.totp is not None:
            seeds[match.account.id] = parse_otpauth(
                match.login.totp.reveal(), source=f"{file}:{match.login.line}: TOTP"
            )
    opened = _unlock(where, passphrase_file, remember)
    now = _now()

    def change(entries: dict[str, Entry]) -> None:
        for match in matches:
            name = match.account.vault_entry
            entry = _entry_or_new(entries, name)
            password = match.login.password
            if password is not None and password != entry.password:
                entry = entry.with_password(
                    password, now, f"replaced by import from {manager.value}"
                )
            if match.account.id in seeds:
                entry = dataclasses.replace(entry, totp=seeds[match.account.id])
            entries[name] = entry

    if matches:
        opened.update(change, action=f"import {manager.value}")
    typer.echo(
        f"imported {len(matches)} of {len(logins)} logins"
        + (f": {', '.join(m.account.id for m in matches)}" if matches else "")
    )
    if unmatched:
        typer.echo(f"not imported ({len(unmatched)}):")
        for miss in unmatched:
            name = one_line(miss.login.name) if miss.login.name else "(no name)"
            typer.echo(f"  line {miss.login.line}: {name}: {one_line(miss.why)}")


def forget(
    inventory: Path | None = InventoryOption,
    vault: Path | None = VaultOption,
) -> None:
    """Remove this vault's key from the OS keyring."""
    from scanner.vault import format as fmt
    from scanner.vault import store
    from scanner.vault.passphrase import OsKeyring

    where = _where(inventory, vault, None)
    header = fmt.parse(store.read(where.vault), where.vault).header
    if OsKeyring().forget(header.vault_id):
        typer.echo("removed the vault's key from the OS keyring")
    else:
        typer.echo("the OS keyring held no key for this vault")


def register(app: typer.Typer) -> None:
    from scanner.cli import guarded

    for name, command in (
        ("init", init),
        ("set", set_secret),
        ("get", get),
        ("list", list_entries),
        ("rotate", rotate),
        ("rollback", rollback),
        ("history", history),
        ("rm", remove),
        ("passwd", passwd),
        ("rekey", rekey),
        ("import", import_export),
        ("forget", forget),
    ):
        extra = STRAY_ALLOWED if name in SECRET_READERS else {}
        vault_app.command(name, context_settings=extra)(guarded(command))
    app.add_typer(vault_app, name="vault")
