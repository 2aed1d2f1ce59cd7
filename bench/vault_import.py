"""Budget: `posture vault import` of 2,000 logins against a 2,000-account inventory, whole
process, CPU seconds (DESIGN.md §8: at most 3 s). Uses the test KDF so unlocking is not measured."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LOGINS = 2_000
PLATFORMS = ["x", "facebook", "instagram", "linkedin", "tiktok", "youtube", "other"]
HOSTS = {
    "x": "https://twitter.com/login",
    "facebook": "https://www.facebook.com/login",
    "instagram": "https://www.instagram.com/",
    "linkedin": "https://www.linkedin.com/login",
    "tiktok": "https://www.tiktok.com/login",
    "youtube": "https://accounts.google.com/",
}


def write_files(folder: Path) -> Path:
    lines = ['[organization]\nname = "Bench Co"\ndomains = ["bench.example"]\n']
    lines.append('[[people]]\nid = "it"\nname = "IT"\nemail = "it@bench.example"\n')
    rows = [
        '"Group","Title","Username","Password","URL","Notes","TOTP","Icon","Last Modified","Created"'
    ]
    for n in range(LOGINS):
        platform = PLATFORMS[n % len(PLATFORMS)]
        url = f"https://app{n}.saas.example/login" if platform == "other" else HOSTS[platform]
        lines.append(
            f'[[accounts]]\nid = "acct{n}"\nplatform = "{platform}"\nhandle = "@bench_{n}"\n'
            f'url = "{url}"\nregistered_to = "company"\nmfa = "totp"\nlogin_email = "login{n}@bench.example"\n'
            'password_known_by = ["it"]\n'
        )
        rows.append(
            f'"Root","Login {n}","login{n}@bench.example","pw-{n}-bench-value","{url}","","","0",'
            '"2026-01-02T10:00:00Z","2025-01-02T10:00:00Z"'
        )
    (folder / "inventory.toml").write_text("\n".join(lines), encoding="utf-8")
    export = folder / "export.csv"
    export.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return export


def main() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTURE_")}
    env["POSTURE_VAULT_PASSPHRASE"] = "bench passphrase, not a secret at all"
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        export = write_files(folder)
        posture = [sys.executable, "-m", "scanner"]
        subprocess.run(
            [*posture, "vault", "init"], cwd=folder, env=env, check=True, capture_output=True
        )
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(
            [*posture, "vault", "import", str(export), "--from", "keepassxc"],
            cwd=folder,
            env=env,
            check=False,
            capture_output=True,
            text=True,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        print(done.stderr[-300:] or done.stdout.splitlines()[-1])
        print(f"vault import of {LOGINS} logins: {cpu:.2f} s CPU (whole process; budget 3 s)")


if __name__ == "__main__":
    main()
