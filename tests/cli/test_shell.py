"""Shell conventions: usage errors, help, completion, closed pipes, colour."""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import checks
from scanner.cli import app
from tests.conftest import EXAMPLE, SHARED_DATA

runner = CliRunner()
POSTURE = str(Path(sys.executable).parent / "posture")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None, **kw):
    full_env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}
    full_env.update(env or {})
    return subprocess.run(
        [POSTURE, *args],
        env=full_env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        **kw,
    )


# --- usage errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["acounts"], "posture: error: no such command 'acounts'. Did you mean 'accounts'?"),
        (["scan", "--bogus"], "posture: error: no such option: --bogus (see: posture scan -h)"),
        (["explain"], "posture: error: missing argument 'CHECK' (see: posture explain -h)"),
        (["history", "--limit", "many"], "posture: error: invalid value for '--limit' / '-n'"),
        (["breach", "strat", "x"], "posture: error: no such command 'strat'"),
        (["--install-completions"], "posture: error: no such option: --install-completions"),
    ],
)
def test_every_usage_error_is_one_posture_error_line_and_exit_2(args, expected):
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(expected), lines[0]
    assert "Usage:" not in result.stderr
    assert "Error:" not in result.stderr
    assert result.stdout == ""


def test_unknown_command_through_the_real_console_script():
    result = run("acounts")
    assert result.returncode == 2
    assert result.stderr.startswith("posture: error: no such command 'acounts'")
    assert result.stderr.count("\n") == 1


# --- help ---------------------------------------------------------------------------------


def _all_help_pages() -> dict[str, str]:
    """`-h` of every command and group, found by walking the command tree."""
    import typer.main

    pages: dict[str, str] = {}

    def walk(command: object, path: list[str]) -> None:
        pages[" ".join(["posture", *path])] = runner.invoke(app, [*path, "-h"]).stdout
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return pages


def test_help_never_shows_python_types_as_metavars():
    pages = _all_help_pages()
    assert len(pages) > 20
    for name, text in pages.items():
        assert "<" not in text.replace("<Tab>", ""), (name, text)
        assert "{" not in text.split("\n")[0], (name, text)  # usage line: ACCOUNT, not {ACCOUNT}


def test_help_names_values_by_what_they_are():
    scan = runner.invoke(app, ["scan", "-h"]).stdout
    for fragment in ("--as-of DATE", "--checks CHECK", "--output FILE", "--inventory FILE"):
        assert fragment in scan
    start = runner.invoke(app, ["breach", "start", "-h"]).stdout
    assert start.startswith("Usage: posture breach start [OPTIONS] ACCOUNT\n")
    assert "posture explain [OPTIONS] CHECK\n" in runner.invoke(app, ["explain", "-h"]).stdout


@pytest.mark.parametrize("group", [[], ["vault"], ["breach"], ["handbook"]])
def test_command_summaries_are_whole_not_cut_with_dots(group):
    text = runner.invoke(app, [*group, "-h"]).stdout
    listing = " ".join(text.split("Commands:")[1].split())
    assert "..." not in listing and "…" not in listing
    command = runner.invoke(app, [*group, "-h"])
    assert command.exit_code == 0
    if group == ["vault"]:
        assert "List entries: account, password age, rotations, TOTP and recovery codes" in listing


# --- completion ---------------------------------------------------------------------------


def _complete(shell: str, words: str, cwd: Path) -> list[str]:
    env = {"_POSTURE_COMPLETE": f"complete_{shell}"}
    if shell == "bash":
        env |= {"COMP_WORDS": words, "COMP_CWORD": str(len(words.split(" ")) - 1)}
    else:
        env |= {"_TYPER_COMPLETE_ARGS": words}
        if shell == "fish":
            env["_TYPER_COMPLETE_FISH_ACTION"] = "get-args"
    result = run(env=env, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result.stdout.split("\n")


def test_account_ids_complete_from_the_inventory_in_bash_zsh_and_fish(tmp_path):
    shutil.copy(EXAMPLE, tmp_path / "inventory.toml")
    bash = _complete("bash", "posture breach show instagram-m", tmp_path)
    assert [w for w in bash if w] == ["instagram-main"]
    zsh = "\n".join(_complete("zsh", "posture vault rotate x-", tmp_path))
    assert '"x-main"' in zsh and '"x-support"' in zsh
    fish = _complete("fish", "posture breach start you", tmp_path)
    assert any(line.startswith("youtube-channel") for line in fish)


def test_account_ids_complete_from_the_inventory_the_command_line_names(tmp_path):
    inventory = tmp_path / "elsewhere.toml"
    shutil.copy(SHARED_DATA / "fjordline" / "inventory.toml", inventory)
    words = f"posture breach checklist --inventory {inventory} shop"
    assert [w for w in _complete("bash", words, tmp_path) if w] == ["shopify"]


def test_check_ids_complete_from_the_catalogue(tmp_path):
    found = [w for w in _complete("bash", "posture explain PWD", tmp_path) if w]
    assert found == [c.id for c in checks.all_checks() if c.id.startswith("PWD")]
    listed = [w for w in _complete("bash", "posture scan --checks OWN-001,MFA", tmp_path) if w]
    assert listed == [f"OWN-001,{c.id}" for c in checks.all_checks() if c.id.startswith("MFA")]


def test_no_inventory_completes_nothing_and_prints_no_error(tmp_path):
    assert [w for w in _complete("bash", "posture breach show x", tmp_path) if w] == []


@pytest.mark.parametrize(
    ("shell", "marker"),
    [
        ("bash", "complete -o default -F"),
        ("zsh", "compdef"),
        ("fish", "complete --command posture"),
    ],
)
def test_show_completion_prints_the_script_for_each_shell(shell, marker):
    result = run(
        "--show-completion", shell, env={"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    )
    assert result.returncode == 0, result.stderr
    assert marker in result.stdout
    assert "_POSTURE_COMPLETE" in result.stdout


def test_show_completion_detects_the_running_shell():
    result = subprocess.run(
        ["bash", "-c", f"{POSTURE} --show-completion"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "_posture_completion" in result.stdout


def test_install_completion_writes_the_shell_start_up_file(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = dict(os.environ) | {"HOME": str(home)}
    result = subprocess.run(
        ["bash", "-c", f"{POSTURE} --install-completion"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "bash completion installed" in result.stdout
    assert "posture" in (home / ".bashrc").read_text()
    installed = list((home / ".bash_completions").glob("posture*"))
    assert installed and "_POSTURE_COMPLETE" in installed[0].read_text()


# --- closed pipes -------------------------------------------------------------------------


def test_a_closed_pipe_ends_quietly_with_the_shells_status(tmp_path):
    shutil.copy(EXAMPLE, tmp_path / "inventory.toml")
    process = subprocess.Popen(
        [POSTURE, "breach", "checklist", "x-main", "--no-vault"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before the first write
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141
    assert stderr == ""


def test_the_readme_pipe_into_head_prints_one_line_and_no_error(tmp_path):
    shutil.copy(EXAMPLE, tmp_path / "inventory.toml")
    result = subprocess.run(
        [
            "bash",
            "-c",
            f"{POSTURE} breach checklist x-main --no-vault | head -1; "
            'echo "status ${PIPESTATUS[0]}" >&2',
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stdout == "Breach checklist: x-main (@acmeoutdoor) on X (Twitter)\n"
    assert re.fullmatch(r"status (0|141)\n", result.stderr), result.stderr


# --- colour -------------------------------------------------------------------------------


def _on_a_terminal(args: list[str], env: dict[str, str], cwd: Path) -> str:
    """Run posture with stdout on a pseudo-terminal; return what it printed."""
    leader, follower = pty.openpty()
    full_env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}
    process = subprocess.Popen(
        [POSTURE, *args], stdout=follower, stderr=subprocess.DEVNULL, cwd=cwd, env=full_env | env
    )
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the process is done
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks).decode()


def test_severities_and_statuses_are_coloured_on_a_terminal(tmp_path):
    shutil.copy(EXAMPLE, tmp_path / "inventory.toml")
    catalogue = _on_a_terminal(["checks"], {}, tmp_path)
    assert "\x1b[31mhigh\x1b[0m" in catalogue
    scan = _on_a_terminal(["scan", "--no-vault", "--no-history"], {}, tmp_path)
    assert re.search(r"\x1b\[[0-9;]*mFAIL\x1b\[0m\s+\x1b\[[0-9;]*m(high|critical)\x1b\[0m", scan)
    # Colour does not move the columns: without the codes the lines are the plain table's.
    plain = run("scan", "--no-vault", "--no-history", cwd=tmp_path).stdout
    assert ANSI.sub("", scan).replace("\r\n", "\n") == plain


def test_no_color_or_a_pipe_turns_colour_off(tmp_path):
    shutil.copy(EXAMPLE, tmp_path / "inventory.toml")
    assert not ANSI.search(_on_a_terminal(["checks"], {"NO_COLOR": "1"}, tmp_path))
    assert not ANSI.search(run("checks").stdout)
    assert not ANSI.search(run("scan", "--no-vault", "--no-history", cwd=tmp_path).stdout)
    assert ANSI.search(run("checks", env={"FORCE_COLOR": "1"}).stdout)
