"""The vault's own errors: each failure mode has its own class and its own one-line message."""

from __future__ import annotations

from scanner.core.errors import VaultError


class VaultMissing(VaultError):
    """No vault file at the path."""


class VaultExists(VaultError):
    """`create` would overwrite a vault."""


class VaultTruncated(VaultError):
    """The file is shorter than its header says."""


class VaultTrailingData(VaultError):
    """The file is longer than its header says (bytes appended)."""


class VaultNotAVault(VaultError):
    """The file does not start with the vault magic."""


class VaultVersionUnsupported(VaultError):
    """A format version this posture does not read."""


class VaultDamaged(VaultError):
    """The header or the payload fails its integrity or authenticity check."""


class VaultKdfRefused(VaultError):
    """The header asks for key-derivation work past the safety caps (a denial-of-service guard)."""


class WrongPassphrase(VaultError):
    """No key slot opens with the passphrase given."""


class VaultLocked(VaultError):
    """Another process holds the vault's lock past the timeout."""


class VaultConflict(VaultError):
    """The file changed under a writer that did not take the lock."""


class PassphraseUnavailable(VaultError):
    """No passphrase source applies (no file, no environment, no keyring, no terminal)."""


class EntryMissing(VaultError):
    """The vault has no such entry, or the entry lacks the field asked for."""


class VaultUnsigned(VaultError):
    """A team vault not signed by a current custodian, or whose signature does not verify."""


class VaultRolledBack(VaultError):
    """A team vault older than a revision the state database has seen."""


class NotAReader(VaultError):
    """The identity opening a team vault is not among an entry's readers."""
