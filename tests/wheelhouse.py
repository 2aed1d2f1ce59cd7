"""One local package index per test session for the tests that install posture as a user does
(`make install` from the README, the GitHub Action's install step, `pre-commit try-repo`).

Each of those tests still runs its script exactly as shipped: a new virtual environment, pip
building posture from the source tree with build isolation, every runtime dependency installed.
What they share is the download: `pip wheel . pip setuptools` resolves posture's dependencies
against the configured index once per session (xdist workers share it under a file lock), and
the tests point pip at that folder with `PIP_NO_INDEX`/`PIP_FIND_LINKS`. Without it each test
resolved the same ~45 packages from the network again (about 10-40 s of wall time each). A
dependency that cannot be resolved still fails the first test that needs it. pip's bytecode
compilation is skipped (`PIP_NO_COMPILE`): no test asserts it, and Python compiles on import.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from filelock import FileLock

from tests.kdf import REPO


def build(root: Path) -> Path:
    """The wheelhouse under `root` (shared by every xdist worker), built by the first to ask."""
    folder = root / "wheelhouse"
    with FileLock(str(root / "wheelhouse.lock")):
        done = folder / ".complete"
        if not done.exists():
            wanted = [str(REPO), "pip", "setuptools>=77"]
            built = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "wheel",
                    "--quiet",
                    "--wheel-dir",
                    str(folder),
                    *wanted,
                ],
                capture_output=True,
                text=True,
                timeout=900,
                check=False,
            )
            if built.returncode:
                pytest.fail(f"building the session wheelhouse failed:\n{built.stderr[-3000:]}")
            # Every test builds posture itself from the source tree, as its script does.
            for wheel in folder.glob("posture_scanner-*.whl"):
                wheel.unlink()
            done.touch()
    return folder


def pip_env(folder: Path) -> dict[str, str]:
    """Environment for a pip that installs from `folder` only."""
    return {
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(folder),
        "PIP_NO_COMPILE": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
