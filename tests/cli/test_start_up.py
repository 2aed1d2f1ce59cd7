"""`posture` builds only the command it runs: the same help and errors as typer's whole tree,
and start-up that loads neither pydantic nor the engine for `--help` and `checks`."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys

import typer.main

from scanner.cli import app
from scanner.cli.groups import lazy_root


def _paths(command, prefix=()):
    group = hasattr(command, "commands")
    yield prefix, group
    for name, sub in getattr(command, "commands", {}).items():
        yield from _paths(sub, (*prefix, name))


def _run(root, args):
    out, err = io.StringIO(), io.StringIO()
    code = None
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            root.main(args=list(args), prog_name="posture")
        except SystemExit as exc:
            code = exc.code
    return out.getvalue(), err.getvalue(), code


def test_every_help_and_usage_error_is_the_same_as_typers_whole_tree(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing here may write, but if it did, not into the repository
    eager, lazy = typer.main.get_command(app), lazy_root(app)
    compared = 0
    for path, group in _paths(eager):
        # Nothing that could run a command: help, an unknown option, an unknown sub-command.
        for extra in (["--help"], ["--no-such-option"], ["no-such-command"] if group else []):
            if not extra:
                continue
            args = [*path, *extra]
            assert _run(lazy, args) == _run(eager, args), args
            compared += 1
    assert compared > 60
    assert not list(tmp_path.iterdir()), "a help or usage error wrote files"


def _modules_after(*argv: str) -> set[str]:
    probe = (
        "import sys\n"
        f"sys.argv = ['posture', *{list(argv)!r}]\n"
        "from scanner.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write(' '.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(done.stderr.split())


def test_help_and_checks_load_no_pydantic_and_help_no_engine():
    helped = _modules_after("--help")
    assert "pydantic" not in helped
    assert not {"scanner.engine.run", "scanner.services.scan", "checks"} & helped
    listed = _modules_after("checks")
    assert "pydantic" not in listed
    assert "checks" in listed


def test_checks_lists_the_catalogue_without_tabulate_or_the_inventory_model():
    listed = _modules_after("checks")
    assert not {"tabulate", "scanner.inventory.accounts", "scanner.inventory.platforms"} & listed


def test_checks_output_is_tabulates_simple_table():
    from tabulate import tabulate
    from typer.testing import CliRunner

    import checks

    rows = [(c.id, c.family, c.severity.value, c.title) for c in checks.all_checks()]
    expected = tabulate(rows, headers=["id", "family", "severity", "title"], tablefmt="simple")
    done = CliRunner().invoke(app, ["checks"], env={"NO_COLOR": "1"})
    assert done.exit_code == 0
    assert done.output == expected + "\n"
