"""`ecr-ptc`: one module per command in ecr_ptc_app/commands, each listed once and wired into `ecr-ptc --help`."""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

from ecr_ptc_app import commands

REPO_ROOT = Path(__file__).resolve().parents[3]
NAMES = [command.__name__.rsplit(".", 1)[-1] for command in commands.COMMANDS]


def run(*argv: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    return subprocess.run(list(argv), capture_output=True, text=True, timeout=60, cwd=REPO_ROOT, env=env)


def test_every_command_module_is_listed_once():
    on_disk = {m.name for m in pkgutil.iter_modules(commands.__path__) if not m.name.startswith("_")}
    assert sorted(NAMES) == sorted(on_disk)
    assert NAMES[:2] == ["validate", "warm"]


@pytest.mark.parametrize("command", commands.COMMANDS, ids=NAMES)
def test_every_command_has_add_parser_and_run(command):
    assert callable(command.add_parser) and callable(command.run)
    sub = argparse.ArgumentParser(prog="ecr-ptc").add_subparsers(dest="command", required=True)
    parser = command.add_parser(sub)
    assert isinstance(parser, argparse.ArgumentParser)
    assert parser.prog == f"ecr-ptc {command.__name__.rsplit('.', 1)[-1]}"  # the module is named after it
    assert parser.get_default("func") is command.run  # what ecr_ptc_app.cli.main calls


def console_script() -> list[str]:
    script = Path(sys.executable).parent / "ecr-ptc"
    if not script.exists():
        pytest.skip("ecr-ptc is not installed next to this interpreter")
    return [str(script)]


@pytest.mark.parametrize("how", ["module", "console-script"])
def test_help_lists_every_command(how):
    done = run(*([sys.executable, "-m", "ecr_ptc_app.cli"] if how == "module" else console_script()), "--help")
    assert done.returncode == 0, done.stderr
    assert "{" + ",".join(NAMES) + "}" in done.stdout
    for name in ("validate", "warm"):
        assert any(line.split()[:1] == [name] for line in done.stdout.splitlines()), done.stdout  # with its help


def test_validate_loads_neither_the_cdk_nor_the_warming_runtime():
    code = (
        "import sys\nfrom ecr_ptc_app.cli import main\nassert main(['validate', 'config/full.yaml']) == 0\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('aws_cdk', 'jsii') or m in "
        "('ecr_ptc_runtime.warm', 'ecr_ptc_runtime.oci_client', 'ecr_ptc_runtime.ecr', 'ecr_ptc_runtime.logs', 'boto3')]\n"
        "assert not loaded, loaded\n"
    )
    done = run(sys.executable, "-c", code)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    "config, says",
    [
        ("monitoring.yaml", ["re-warmed on rate(12 hours)", "monitoring: alarms to platform-team@example.com"]),
        (
            "organization.yaml",
            [
                "organization: hub 111111111111/eu-west-1; spokes in 2 OU(s) x 2 Region(s); misses under 3 prefix(es) "
                "filled in the hub",
                "stacks: 111111111111/eu-west-1 (hub), 222222222222/us-east-1 (StackSet)",
            ],
        ),
    ],
)
def test_validate_summary_names_what_the_config_deploys(config, says):
    from ecr_ptc_app.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert main(["validate", str(REPO_ROOT / "config" / config)]) == 0, err.getvalue()
    for words in says:
        assert words in out.getvalue()
