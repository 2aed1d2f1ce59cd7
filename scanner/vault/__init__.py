"""The encrypted vault: one AEAD file holding each account's password, history, TOTP seed and
recovery codes. Import heavy parts lazily: this package imports `cryptography` only when used."""

from scanner.vault.entries import Entry, PastPassword
from scanner.vault.format import DEFAULT_KDF, KdfParams
from scanner.vault.opening import unlock
from scanner.vault.otp import TotpSeed
from scanner.vault.vault import Vault

__all__ = ["DEFAULT_KDF", "Entry", "KdfParams", "PastPassword", "TotpSeed", "Vault", "unlock"]
