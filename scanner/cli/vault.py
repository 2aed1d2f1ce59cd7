"""`posture vault ...`: the encrypted vault. Only `vault get` (and `history --show`) print a secret."""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Literal

import typer

from scanner.cli.complete import complete_account
from scanner.cli.options import (
    DB_ENV,
    DB_NAME,
    STRAY_ALLOWED,
    VAULT_ENV,
    VAULT_NAME,
    DbOption,
    IdentityOption,
    InventoryOption,
    PassphraseFileOption,
    PolicyOption,
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
    from scanner.services.rotation import RotationDone
    from scanner.state.audit import AuditLog, DatabaseAudit
    from scanner.vault import Entry, Vault
    from scanner.vault.otp import TotpSeed
    from scanner.vault.passphrase import OsKeyring
    from scanner.vault.service import ImportedRow, NewSecrets


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
    # A policy file (--policy) on top of the inventory's [policy] table, as a scan takes it.
    policy: Path | None = None

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


def _where(
    inventory: Path | None, vault: Path | None, db: Path | None, policy: Path | None = None
) -> Where:
    inv = inventory_path(inventory)
    return Where(
        inventory=inv,
        inventory_given=inventory is not None,
        vault=beside_inventory(inv, VAULT_NAME, vault, VAULT_ENV),
        db=beside_inventory(inv, DB_NAME, db, DB_ENV),
        policy=policy,
    )


def _notice(message: str) -> None:
    typer.echo(f"posture: note: {message}", err=True)


def _unlock(
    where: Where,
    passphrase_file: Path | None,
    remember: bool = False,
    *,
    identity: str | None = None,
    inventory: Inventory | None = None,
    defer_verdicts: bool = False,
) -> Vault:
    """The vault, unlocked. With the inventory, every save records the PWD-001 verdict of each
    password lacking one, under the policy and context words in force (services.verdicts)."""
    from scanner.vault import unlock
    from scanner.vault.team import is_team_path
    from scanner.vault.team_access import TeamAccess

    team = None
    if is_team_path(where.vault):
        team = TeamAccess(where.load_inventory(required="a team vault"), where.db, identity)
    # unlock() reports key slots below the OWASP minimum itself (every command that opens it).
    opened = unlock(
        where.vault,
        passphrase_file=passphrase_file,
        remember=remember,
        audit=where.audit(),
        notice=_notice,
        team=team,
    )
    if inventory is not None:
        from scanner.inventory.policy import load_policy
        from scanner.services.verdicts import recorder

        rules = load_policy(inventory.policy_table, where.policy)
        opened.stamp = recorder(opened, inventory, rules, where.db, defer=defer_verdicts)
    return opened


def _audit(where: Where, opened: Vault) -> AuditLog:
    """The opened vault's audit log (a team vault's names the identity that acted)."""
    return opened.audit if opened.audit is not None else where.audit()


def _warn_if_records_altered(where: Where) -> None:
    from scanner.state.chain import warning_at

    broken = warning_at(where.db)
    if broken:
        typer.echo(f"posture: warning: {broken}", err=True)


def _organisation_words(where: Where) -> tuple[str, ...]:
    """The organisation's name, brand terms and domains as zxcvbn hints (none without inventory)."""
    from scanner.passwords.strength import tokens

    inventory = where.load_inventory()
    if inventory is None:
        return ()
    org = inventory.organization
    texts = (org.name, *org.brand_terms, *org.domains)
    return tuple(sorted({word for text in texts for word in tokens(text)}))


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


def init(
    inventory: Path | None = InventoryOption,
    vault: Path | None = VaultOption,
    db: Path | None = DbOption,
    passphrase_file: Path | None = PassphraseFileOption,
    remember: bool = RememberOption,
    identity: str | None = IdentityOption,
    *,
    ctx: typer.Context,
) -> None:
    """Create a new, empty vault (asks the passphrase twice on a terminal)."""
    refuse_stray(
        ctx, "the passphrase", "use --passphrase-file, POSTURE_VAULT_PASSPHRASE or the prompt"
    )
    from scanner.vault import Vault
    from scanner.vault.passphrase import PASSPHRASE_ENV, new_passphrase, refuse_weak_passphrase

    where = _where(inventory, vault, db)
    inv = where.load_inventory()
    if inv is not None and inv.vault.team:
        _init_team(where, inv, identity, passphrase_file)
        return
    keyring = _keyring_for_remember(remember, "nothing was created")
    passphrase = new_passphrase(
        passphrase_file=passphrase_file,
        option="--passphrase-file",
        env=PASSPHRASE_ENV,
        interactive=True,
        label="New vault passphrase",
    )
    refuse_weak_passphrase(passphrase, _organisation_words(where))
    created = Vault.create(where.vault, passphrase, audit=where.audit())
    if keyring is not None:
        _remember_after_change(
            keyring, created, f"created the vault {where.vault}, but it is not remembered"
        )
    typer.echo(f"created an empty vault: {where.vault}")


def _init_team(
    where: Where, inv: Inventory, identity: str | None, passphrase_file: Path | None
) -> None:
    """`vault init` for an inventory in team mode: an empty team vault signed by a custodian."""
    from scanner.state.audit import DatabaseAudit
    from scanner.vault.custody import custody
    from scanner.vault.team import TeamVault
    from scanner.vault.team_access import load_identity

    me = load_identity(identity, passphrase_file)
    acted = DatabaseAudit(where.db, identity=me.person)
    TeamVault.create_team(where.vault, custody(inv), me, db=where.db, audit=acted)
    typer.echo(f"created an empty team vault: {where.vault} (signed by {me.person})")


def sync(
    inventory: Path | None = InventoryOption,
    vault: Path | None = VaultOption,
    db: Path | None = DbOption,
    passphrase_file: Path | None = PassphraseFileOption,
    identity: str | None = IdentityOption,
) -> None:
    """Team vault: re-encrypt every entry whose readers differ from the inventory; a reader
    removed marks the entry for rotation."""
    from scanner.core.errors import VaultError
    from scanner.vault.team import TeamVault

    where = _where(inventory, vault, db)
    opened = _unlock(where, passphrase_file, identity=identity)
    if not isinstance(opened, TeamVault):
        raise VaultError("sync: this vault uses a passphrase (see vault migrate --to team)")
    done = opened.sync()
    for name in done.reencrypted:
        readers = ", ".join(opened.readers(name))
        line = f"{name}: re-encrypted for {readers}"
        if name in done.added:
            line += f"; added {', '.join(done.added[name])}"
        if name in done.removed:
            line += f"; removed {', '.join(done.removed[name])}: marked for rotation"
        typer.echo(line)
    marked = len(done.removed)
    typer.echo(
        f"{len(done.reencrypted)} entries re-encrypted, {marked} marked for rotation; "
        f"revision {opened.revision}"
    )
    if marked:
        typer.echo("  rotate them: posture vault rotate --all-due")


def migrate(
    to: str = typer.Option(..., "--to", help="team or passphrase."),
    new_passphrase_file: Path | None = typer.Option(
        None, "--new-passphrase-file", help="--to passphrase: the new vault passphrase (mode 600)."
    ),
    identity_passphrase_file: Path | None = typer.Option(
        None,
        "--identity-passphrase-file",
        help="--to team: your identity's passphrase (mode 600).",
    ),
    inventory: Path | None = InventoryOption,
    vault: Path | None = VaultOption,
    db: Path | None = DbOption,
    passphrase_file: Path | None = PassphraseFileOption,
    identity: str | None = IdentityOption,
) -> None:
    """Convert the vault to team mode (per-person keys) or back to one passphrase, keeping every
    value, history, TOTP seed and recovery code."""
    from scanner.state.audit import DatabaseAudit
    from scanner.vault import migrate as convert
    from scanner.vault.custody import custody
    from scanner.vault.passphrase import (
        NEW_PASSPHRASE_ENV,
        new_passphrase,
        refuse_weak_passphrase,
    )
    from scanner.vault.team_access import load_identity

    if to not in ("team", "passphrase"):
        raise UsageError(f'--to: "{to[:40]}" is not team or passphrase')
    where = _where(inventory, vault, db)
    inv = where.load_inventory(required="vault migrate")
    assert inv is not None  # noqa: S101 - required above
    opened = _unlock(where, passphrase_file, identity=identity)
    if to == "team":
        me = load_identity(identity, identity_passphrase_file)
        acted = DatabaseAudit(where.db, identity=me.person)
        team = convert.to_team(opened, custody(inv), me, db=where.db, audit=acted)
        typer.echo(
            f"migrated {where.vault} to a team vault: {len(team.entries())} entries, each "
            f"encrypted to its readers; revision {team.revision}, signed by {me.person}"
        )
        typer.echo(
            f"  the passphrase-mode backups in {where.vault.name}.bak/ still open with the old "
            "passphrase: remove them once the team vault works"
        )
        return
    new = new_passphrase(
        passphrase_file=new_passphrase_file,
        option="--new-passphrase-file",
        env=NEW_PASSPHRASE_ENV,
        interactive=True,
        label="New vault passphrase",
    )
    refuse_weak_passphrase(new, _organisation_words(where))
    revision = convert.to_passphrase(opened, new, audit=_audit(where, opened))
    typer.echo(
        f"migrated {where.vault} to one passphrase: {len(opened.entries())} entries; "
        f"revision {revision}"
    )
    typer.echo('  set [vault] mode = "passphrase" in the inventory (or remove [vault])')


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
    set_on: str | None = typer.Option(
        None,
        "--set-on",
        metavar="DATE",
        help="When the password was set on the platform (YYYY-MM-DD or today).",
    ),
    inventory: Path | None = InventoryOption,
    vault: Path | None = VaultOption,
    db: Path | None = DbOption,
    policy: Path | None = PolicyOption,
    passphrase_file: Path | None = PassphraseFileOption,
    identity: str | None = IdentityOption,
    remember: bool = RememberOption,
    *,
    ctx: typer.Context,
) -> None:
    """Store a password (hidden prompt, or stdin when not a terminal; never argv), a TOTP seed or recovery codes."""
    refuse_stray(ctx, "a password", "type it at the prompt or pipe it on stdin")
    from scanner.vault.service import NewSecrets, store_secrets

    _refuse_seed_on_argv(totp)
    where = _where(inventory, vault, db, policy)
    inv = where.load_inventory(required="--generate" if generate else None)
    target, name = _target(inv, account)
    # Damage is reported before any secret is read.
    opened = _unlock(where, passphrase_file, remember, inventory=inv, identity=identity)
    opened.check_writable()
    seed = _read_seed(totp)
    codes = _read_codes(recovery_codes) if recovery_codes is not None else ()
    password = _new_password(
        account, target, generate, wanted=seed is None and recovery_codes is None
    )
    set_at = _password_set_at(set_on, generate, opened.entry(name))
    new = NewSecrets(
        password=password,
        set_at=set_at,
        totp=seed,
        codes=codes if recovery_codes is not None else None,
    )
    store_secrets(opened, name, new, _now())
    _report_stored(account, name, new, generate=generate)
    if target is not None and inv is not None and password is not None and not generate:
        _warn_weak(inv, target, password, opened)


def _refuse_seed_on_argv(totp: str | None) -> None:
    if totp is not None and totp != "-":
        # Like passwords: argv is visible to other local users (ps, /proc) and shell history.
        # The value is not echoed, and nothing was read or changed.
        raise UsageError(
            "--totp: a TOTP seed on the command line is refused (other local users and the "
            "shell history can read it); use --totp - and give the otpauth:// URI on stdin or "
            "at the hidden prompt"
        )


def _new_password(
    account: str, target: Account | None, generate: bool, *, wanted: bool
) -> Secret | None:
    """A generated password, the one typed or piped in, or None when only a seed or codes are
    stored."""
    from scanner.vault.generate import generate_password

    if generate:
        assert target is not None  # noqa: S101 - --generate requires an inventory account
        return generate_password(_platform(target).password)
    if not wanted:
        return None
    password = _read_secret(f"Password for {account}")
    if target is not None:
        _check_platform_length(target, password)
    return password


def _report_stored(account: str, name: str, new: NewSecrets, *, generate: bool) -> None:
    stored = [
        what
        for what, given in (
            ("a generated password" if generate else "the password", new.password is not None),
            ("a TOTP seed", new.totp is not None),
            (f"{len(new.codes or ())} recovery codes", new.codes is not None),
        )
        if given
    ]
    typer.echo(f"{account}: stored {' and '.join(stored)} in entry {name}")
    if generate:
        typer.echo(f"  see it with: posture vault get {account}")
    if new.password is not None and new.set_at is None:
        _notice(
            f"{account}: the password's set date is unknown, so it counts as older than any "
            "departure; give --set-on DATE (or --set-on today) if you know it"
        )


def _read_seed(totp: str | None) -> TotpSeed | None:
    """--totp -: the otpauth URI from stdin or a hidden prompt (argv was refused before)."""
    from scanner.vault.otp import parse_otpauth

    if totp is None:
        return None
    return parse_otpauth(_read_secret("otpauth URI").reveal())


def _check_platform_length(account: Account, password: Secret) -> None:
    rules = _platform(account).password
    if not rules.accepts_length(len(password)):
        _notice(
            f"{_platform(account).display_name} takes passwords of "
            f"{rules.limits}; this one has {len(password)}"
        )


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
        "password",
        "--field",
        help="password (the new one while a rotation is pending), live, totp (the current "
        "code) or recovery.",
    ),
    inventory: Path | None = InventoryOption,
    vault: Path | None = VaultOption,
    db: Path | None = DbOption,
    passphrase_file: Path | None = PassphraseFileOption,
    identity: str | None = IdentityOption,
    remember: bool = RememberOption,
) -> None:
    """Print a stored secret: the password, the current TOTP code, or the recovery codes."""
    from scanner.vault.errors import EntryMissing

    if field not in ("password", "live", "totp", "recovery"):
        raise UsageError(f'--field: "{field}" is not one of password, live, totp, recovery')
    where = _where(inventory, vault, db)
    inv = where.load_inventory()
    opened = _unlock(where, passphrase_file, remember, identity=identity)
    name = _existing_entry(inv, account, opened)
    entry = opened.entry(name)
    if entry is None:
        raise EntryMissing(f'no vault entry "{name}"', path=where.vault)
    values = _field_values(entry, field, where.vault)
    if field == "password" and entry.pending is not None:
        _notice(
            f"{account}: rotation pending: this is the NEW password to set on the platform; "
            f"the live one: posture vault get {account} --field live"
        )
    _audit(where, opened).record(opened.vault_id, [name], f"get {field}")
    for value in values:
        typer.echo(_exact_bytes(value.reveal()))


def _field_values(entry: Entry, field: str, path: Path) -> list[Secret]:
    from scanner.vault.errors import EntryMissing

    name = entry.name
    if field in ("password", "live"):
        value = entry.pending.value if entry.pending and field == "password" else entry.password
        if value is None:
            raise EntryMissing(f'entry "{name}" has no password', path=path)
        return [value]
    if field == "totp":
        if entry.totp is None:
            raise EntryMissing(f'entry "{name}" has no TOTP seed', path=path)
        return [entry.totp.code()]
    if not entry.recovery_codes:
        raise EntryMissing(f'entry "{name}" has no recovery codes', path=path)
    return list(entry.recovery_codes)


def list_entries(
    inventory: Path | None = InventoryOption,
    vault: Path | None = VaultOption,
    db: Path | None = DbOption,
    passphrase_file: Path | None = PassphraseFileOption,
    identity: str | None = IdentityOption,
    remember: bool = RememberOption,
    as_of: str | None = typer.Option(None, "--as-of", help="Judge rotation due as of this day."),
) -> None:
    """List entries: account, password age, rotations, TOTP and recovery codes stored; never a value."""
    from tabulate import tabulate

    from scanner.vault.rotation import due_for_rotation

    where = _where(inventory, vault, db)
    inv = where.load_inventory()
    opened = _unlock(where, passphrase_file, remember, identity=identity)
    today = parse_date(as_of, "--as-of") or dt.date.today()
    accounts_by_entry = {a.vault_entry: a for a in inv.accounts} if inv else {}
    readable = SimpleNamespace(entry=opened.entries().get, rotation_marks=opened.rotation_marks)
    due = {a.vault_entry for a, _ in due_for_rotation(inv, readable, today)} if inv else set()
    names = sorted(set(opened.entries()) | set(accounts_by_entry))
    rows: list[tuple[str | int, ...]] = []
    for name in names:
        account = accounts_by_entry.get(name)
        label = account.id if account else f"{name} (not in inventory)" if inv else name
        # entries(): what this identity reads (a team vault's reader sees only their entries).
        rows.append(_entry_row(label, opened.entries().get(name), today, due=name in due))
    headers = ["account", "password age", "rotations", "history", "totp", "recovery codes"]
    headers.append("rotation due" if inv else "")
    typer.echo(tabulate(rows, headers=headers, tablefmt="simple"))
    typer.echo(f"{len(opened.entries())} entries, revision {opened.revision}")


def _entry_row(
    label: str, entry: Entry | None, today: dt.date, *, due: bool
) -> tuple[str | int, ...]:
    """One row of `vault list`: ages and counts, never a value."""
    if entry is None:
        return (label, "-", "-", "-", "-", "-", "yes" if due else "")
    set_at = entry.password_set_at
    age = f"{(today - set_at.date()).days} d" if set_at else "unknown"
    if entry.pending:
        rotation = f"pending since {entry.pending.created_at.date().isoformat()}"
    else:
        rotation = "yes" if due else ""
    return (
        label,
        age if entry.password is not None else "none",
        entry.rotations,
        len(entry.history),
        "yes" if entry.totp else "no",
        len(entry.recovery_codes),
        rotation,
    )


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
    confirm_: bool = typer.Option(
        False,
        "--confirm",
        help="The platform took the pending new password: make it the live one.",
    ),
    as_of: str | None = typer.Option(None, "--as-of", help="Judge --all-due as of this day."),
    inventory: Path | None = InventoryOption,
    vault: Path | None = VaultOption,
    db: Path | None = DbOption,
    policy: Path | None = PolicyOption,
    passphrase_file: Path | None = PassphraseFileOption,
    identity: str | None = IdentityOption,
    remember: bool = RememberOption,
) -> None:
    """Generate a new password by the platform's rules, pending until you confirm the platform took it."""
    from scanner.services import rotation

    if (account is None) == (not all_due):
        raise UsageError("give one ACCOUNT or --all-due")
    where = _where(inventory, vault, db, policy)
    inv = where.load_inventory(required="rotate")
    assert inv is not None  # noqa: S101 - required above
    opened = _unlock(where, passphrase_file, remember, inventory=inv, identity=identity)
    opened.check_writable()
    today = parse_date(as_of, "--as-of") or dt.date.today()
    work = rotation.rotation_work(inv, opened, account, all_due=all_due, reason=reason, today=today)
    if confirm_:  # with --all-due: every due account whose rotation is pending
        pending = [a for a, _ in work if (e := opened.entry(a.vault_entry)) and e.pending]
        _confirm(where, opened, pending if all_due else [a for a, _ in work])
        return
    if not work:
        typer.echo("no account is due for rotation")
        return
    for done in rotation.rotate(opened, work, now=_now()):
        _print_rotation(done)


def _print_rotation(done: RotationDone) -> None:
    target, platform = done.account, done.platform
    urls = platform.urls
    where_to = urls.change_password or urls.login or target.url or "the service's settings"
    login = f" (login {target.login_email})" if target.login_email else ""
    if done.already_pending is not None:
        since = done.already_pending.date().isoformat()
        typer.echo(f"{target.id}: a rotation is already pending since {since}; kept as is")
    else:
        live = "the live one stays current" if done.had_password else "no live one yet"
        typer.echo(f"{target.id}: new password stored, pending: {live} ({done.reason})")
    typer.echo(f"  1. see it with: posture vault get {target.id}")
    typer.echo(f"  2. change it on {platform.display_name}{login}: {where_to}")
    if urls.login and urls.login != where_to:
        typer.echo(f"     log in at: {urls.login}")
    typer.echo(f"  3. once the platform took it: posture vault confirm {target.id}")
    typer.echo(f"  if the platform refuses it: posture vault rollback {target.id}")


def confirm(
    account: str = AccountArgument,
    inventory: Path | None = InventoryOption,
    vault: Path | None = VaultOption,
    db: Path | None = DbOption,
    policy: Path | None = PolicyOption,
    passphrase_file: Path | None = PassphraseFileOption,
    identity: str | None = IdentityOption,
    remember: bool = RememberOption,
) -> None:
    """The platform took the pending new password: it becomes the live one (ticks the rotate
    steps of open breach incidents and offboarding cases)."""
    where = _where(inventory, vault, db, policy)
    inv = where.load_inventory(required="confirm")
    assert inv is not None  # noqa: S101 - required above
    opened = _unlock(where, passphrase_file, remember, inventory=inv, identity=identity)
    _confirm(where, opened, [inv.account(account)])


def _confirm(where: Where, opened: Vault, accounts: list[Account]) -> None:
    from scanner.core.actor import actor
    from scanner.services import rotation

    for done in rotation.confirm(opened, accounts, db=where.db, by=actor(), now=_now()):
        kept = "the old one is kept in history" if done.had_password else "no earlier one"
        typer.echo(f"{done.account.id}: rotation confirmed, the new password is live; {kept}")
        for line in done.ticked:
            typer.echo(f"  {line}")


def rollback(
    account: str = AccountArgument,
    inventory: Path | None = InventoryOption,
    vault: Path | None = VaultOption,
    db: Path | None = DbOption,
    policy: Path | None = PolicyOption,
    passphrase_file: Path | None = PassphraseFileOption,
    identity: str | None = IdentityOption,
    remember: bool = RememberOption,
) -> None:
    """Bring back the previous password (for a rotation the platform refused)."""
    from scanner.services.rotation import rollback as roll_back

    where = _where(inventory, vault, db, policy)
    inv = where.load_inventory()
    opened = _unlock(where, passphrase_file, remember, inventory=inv, identity=identity)
    if roll_back(opened, _existing_entry(inv, account, opened), _now()) == "cancelled":
        typer.echo(f"{account}: the pending rotation is cancelled; the live password is unchanged")
    else:
        typer.echo(
            f"{account}: the previous password is current again; the replaced one is in history"
        )


def history(
    account: str = AccountArgument,
    show: bool = typer.Option(False, "--show", help="Print the values too."),
    inventory: Path | None = InventoryOption,
    vault: Path | None = VaultOption,
    db: Path | None = DbOption,
    passphrase_file: Path | None = PassphraseFileOption,
    identity: str | None = IdentityOption,
    remember: bool = RememberOption,
) -> None:
    """Dates and reasons of the password's changes; values only with --show."""
    from tabulate import tabulate

    from scanner.vault.errors import EntryMissing

    where = _where(inventory, vault, db)
    inv = where.load_inventory()
    opened = _unlock(where, passphrase_file, remember, identity=identity)
    _warn_if_records_altered(where)
    name = _existing_entry(inv, account, opened)
    entry = opened.entry(name)
    if entry is None:
        raise EntryMissing(f'no vault entry "{name}"', path=where.vault)

    def day(value: dt.datetime | None) -> str:
        return value.isoformat() if value else "-"

    rows: list[list[str]] = []
    if entry.pending is not None:
        rows.append(["pending", day(entry.pending.created_at), "-", entry.pending.reason])
        if show:
            rows[-1].append(entry.pending.value.reveal())
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
        _audit(where, opened).record(opened.vault_id, [name], "history --show")
    typer.echo(_exact_bytes(tabulate(rows, headers=headers, tablefmt="simple")))
    typer.echo(f"{entry.rotations} rotations")


def remove(
    account: str = AccountArgument,
    inventory: Path | None = InventoryOption,
    vault: Path | None = VaultOption,
    db: Path | None = DbOption,
    passphrase_file: Path | None = PassphraseFileOption,
    identity: str | None = IdentityOption,
    remember: bool = RememberOption,
) -> None:
    """Remove an entry (the previous vault stays among the backups)."""
    from scanner.vault.service import remove_entry

    where = _where(inventory, vault, db)
    inv = where.load_inventory()
    opened = _unlock(where, passphrase_file, remember, identity=identity)
    name = _existing_entry(inv, account, opened)
    remove_entry(opened, name)
    typer.echo(f"{account}: entry {name} removed (the previous vault is kept as a backup)")


def passwd(
    new_passphrase_file: Path | None = typer.Option(
        None, "--new-passphrase-file", help="Read the new passphrase from this file (mode 600)."
    ),
    inventory: Path | None = InventoryOption,
    vault: Path | None = VaultOption,
    db: Path | None = DbOption,
    passphrase_file: Path | None = PassphraseFileOption,
    identity: str | None = IdentityOption,
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
    from scanner.vault.passphrase import (
        NEW_PASSPHRASE_ENV,
        new_passphrase,
        refuse_weak_passphrase,
    )

    where = _where(inventory, vault, db)
    _refuse_team(where, "passwd")
    keyring = _keyring_for_remember(remember, "the passphrase was not changed")
    opened = _unlock(where, passphrase_file, identity=identity)
    new = new_passphrase(
        passphrase_file=new_passphrase_file,
        option="--new-passphrase-file",
        env=NEW_PASSPHRASE_ENV,
        interactive=True,
        label="New vault passphrase",
    )
    refuse_weak_passphrase(new, _organisation_words(where))
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
    _refuse_team(where, "rekey")
    passphrase = current_passphrase(where.vault, passphrase_file)
    opened = Vault.open(where.vault, passphrase, audit=where.audit())
    done = opened.rekey(passphrase)
    _forget_stale(opened)
    typer.echo(_rekeyed(where, done))


def _refuse_team(where: Where, command: str) -> None:
    from scanner.core.errors import VaultError
    from scanner.vault.team import is_team_path

    if is_team_path(where.vault):
        raise VaultError(
            f"{command}: a team vault has no passphrase (each person has an identity); "
            "readers change with the inventory and posture vault sync",
            path=where.vault,
        )


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
    mapping: list[str] | None = typer.Option(
        None,
        "--map",
        metavar="ROW=ACCOUNT",
        help="Store export row ROW (as numbered in the plan) in ACCOUNT; repeat as needed.",
    ),
    set_on: str | None = typer.Option(
        None,
        "--set-on",
        metavar="DATE",
        help="When these passwords were set, for rows whose export has no date (YYYY-MM-DD).",
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Print the plan, row by row, and write nothing."
    ),
    inventory: Path | None = InventoryOption,
    vault: Path | None = VaultOption,
    db: Path | None = DbOption,
    policy: Path | None = PolicyOption,
    passphrase_file: Path | None = PassphraseFileOption,
    identity: str | None = IdentityOption,
    remember: bool = RememberOption,
) -> None:
    """Import logins from a CSV export: one line per row (the account and the rule, or why not)."""
    from scanner.inventory.platforms import catalogue
    from scanner.vault.importers import Manager, Outcome, plan_import, read_export
    from scanner.vault.otp import parse_otpauth
    from scanner.vault.service import import_rows

    try:
        manager = Manager(source.lower())
    except ValueError:
        raise UsageError(
            f'--from: "{source}" is not one of {", ".join(m.value for m in Manager)}'
        ) from None
    set_at = _set_on(set_on)
    where = _where(inventory, vault, db, policy)
    inv = where.load_inventory(required="import")
    assert inv is not None  # noqa: S101 - required above
    logins = read_export(file, manager)
    mapped = _parse_map(mapping or [], {login.row for login in logins}, inv)
    plans = plan_import(logins, inv, dict(catalogue()), mapped=mapped)
    seeds = {
        p.login.row: parse_otpauth(p.login.totp.reveal(), source=f"{file}:{p.login.line}: TOTP")
        for p in plans
        if p.outcome is Outcome.IMPORT and p.login.totp is not None
    }
    # An import records each password's verdict basis without scoring (linear, cheap).
    opened = _unlock(
        where, passphrase_file, remember, inventory=inv, defer_verdicts=True, identity=identity
    )
    done = import_rows(
        opened,
        plans,
        source=manager.value,
        seeds=seeds,
        set_on=set_at,
        now=_now(),
        dry_run=dry_run,
    )
    for row in done:
        typer.echo(_import_line(row, dry_run))
    typer.echo(_import_summary(done, dry_run))


def _warn_weak(inventory: Inventory, account: Account, password: Secret, vault: Vault) -> None:
    """One line on stderr when the password would fail PWD-001 or PWD-003 (never the value)."""
    from scanner.services.password_check import password_warnings
    from scanner.services.scan import HMAC_PURPOSE

    others = {
        a.id: entry.password
        for a in inventory.accounts
        if a.id != account.id
        and (entry := vault.entry(a.vault_entry)) is not None
        and entry.password is not None
    }
    found = password_warnings(inventory, account, password, others, vault.derive_key(HMAC_PURPOSE))
    if found:
        typer.echo(f"posture: warning: {account.id}: would fail {'; '.join(found)}", err=True)


def _password_set_at(
    set_on: str | None, generate: bool, entry: Entry | None
) -> dt.datetime | Literal["at"] | None:
    """When a password `vault set` stores was set on the platform: --set-on; now for a generated
    one or one replacing a vault password (the operator just changed it); else unknown."""
    if set_on is not None:
        return _set_on(set_on)
    if generate or (entry is not None and entry.password is not None):
        return "at"
    return None


def _set_on(text: str | None) -> dt.datetime | None:
    """--set-on DATE (or today) as midnight UTC of that day; a future day is refused."""
    if text is not None and text.strip().lower() == "today":
        text = dt.date.today().isoformat()
    day = parse_date(text, "--set-on")
    if day is None:
        return None
    if day > dt.date.today():
        raise UsageError(f"--set-on: {day.isoformat()} is in the future")
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def _parse_map(values: list[str], rows: set[int], inventory: Inventory) -> dict[int, str]:
    mapped: dict[int, str] = {}
    for value in values:
        row_text, sep, account_id = value.partition("=")
        if not sep or not row_text.strip().isdigit() or not account_id.strip():
            raise UsageError(f'--map: "{value[:60]}" is not ROW=ACCOUNT (e.g. --map 5=youtube)')
        row = int(row_text)
        if row not in rows:
            raise UsageError(f"--map: the export has no login row {row}")
        mapped[row] = inventory.account(account_id.strip()).id
    return mapped


def _shown(text: str, limit: int = 60) -> str:
    """An export's title as one safe line: control characters replaced, long titles cut."""
    clean = one_line(text) or "(no title)"
    return clean if len(clean) <= limit else clean[: limit - 3] + "..."


def _import_line(row: ImportedRow, dry_run: bool) -> str:
    plan = row.plan
    head = f"row {plan.login.row}: {_shown(plan.login.name)}"
    if plan.account is None or not row.action:
        not_done = "would not import" if dry_run else "not imported"
        why = plan.why
        if plan.candidates and plan.outcome.value == "ambiguous":
            why = (
                f"ambiguous, {plan.why}: {', '.join(plan.candidates)}; "
                f"choose with --map {plan.login.row}=ACCOUNT"
            )
        return f"{head}: {not_done}: {why}"
    when = row.set_at.date().isoformat() if row.set_at else "unknown"
    verb = {
        "stored": "would store in" if dry_run else "stored in",
        "unchanged": "unchanged in",
        "date": "unchanged in",
    }[row.action]
    extra = ", set date filled in" if row.action == "date" else ""
    return f"{head}: {verb} {plan.account.id} (by {plan.rule}; set {when}{extra})"


def _import_summary(done: list[ImportedRow], dry_run: bool) -> str:
    from collections import Counter

    outcomes = Counter(r.plan.outcome.value for r in done if not r.action)
    stored = sum(1 for r in done if r.action in ("stored", "date"))
    unchanged = sum(1 for r in done if r.action == "unchanged")
    parts = [f"{count} {name}" for name, count in sorted(outcomes.items())]
    verb = "would store" if dry_run else "stored"
    line = f"{len(done)} rows: {verb} {stored}, unchanged {unchanged}"
    line += f"; not imported: {', '.join(parts)}" if parts else ""
    return line + ("; dry run, nothing written" if dry_run else "")


def recheck(
    inventory: Path | None = InventoryOption,
    vault: Path | None = VaultOption,
    db: Path | None = DbOption,
    policy: Path | None = PolicyOption,
    passphrase_file: Path | None = PassphraseFileOption,
    remember: bool = RememberOption,
) -> None:
    """Re-evaluate every stored password's PWD-001 verdict under the current policy and context
    words, and record it (after a policy or inventory edit; audited)."""
    from scanner.inventory.policy import load_policy
    from scanner.services.verdicts import recheck as recheck_all

    where = _where(inventory, vault, db, policy)
    inv = where.load_inventory(required="recheck")
    assert inv is not None  # noqa: S101 - required above
    rules = load_policy(inv.policy_table, where.policy)  # a bad policy fails before the prompt
    opened = _unlock(where, passphrase_file, remember)
    done = recheck_all(opened, inv, rules, where.db)
    some = "1 stored password" if len(done) == 1 else f"{len(done)} stored passwords"
    typer.echo(
        f"rechecked {some} under the current policy and context words; "
        "scans evaluate them under these rules from now on"
    )


def forget(
    inventory: Path | None = InventoryOption,
    vault: Path | None = VaultOption,
) -> None:
    """Remove this vault's key from the OS keyring."""
    from scanner.vault.service import forget_key

    where = _where(inventory, vault, None)
    if forget_key(where.vault):
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
        ("confirm", confirm),
        ("rollback", rollback),
        ("history", history),
        ("rm", remove),
        ("passwd", passwd),
        ("rekey", rekey),
        ("import", import_export),
        ("recheck", recheck),
        ("forget", forget),
        ("sync", sync),
        ("migrate", migrate),
    ):
        extra = STRAY_ALLOWED if name in SECRET_READERS else {}
        vault_app.command(name, context_settings=extra)(guarded(command))
    app.add_typer(vault_app, name="vault")
