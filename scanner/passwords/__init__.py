"""Password analysis: strength, breach corpus, reuse, TOTP seeds, and the score cache.

The seam to the vault: build `SecretRecord`s (`records_from_vault`) and call
`analysis.analyse(...)`; the checks read the resulting `PasswordFacts` from `ScanContext.secrets`.
Heavy modules (zxcvbn) load only when scoring starts.
"""
