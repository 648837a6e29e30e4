"""A library people can install: the sdist and wheel build offline, hold exactly this project's
packages, and the wheel, installed apart from the source tree, synthesizes every construct with the
same templates and Lambda asset as the editable install.

The builds and the install happen once (module fixtures); the runs in the two installs go in
parallel. The installed wheel runs as ``python -S`` with ``PYTHONPATH=<wheel's target>:<venv's
site-packages>``: site-packages as a plain path, so its .pth files (the editable install's import
hook) never load, and nothing of the source tree is importable.
"""

from __future__ import annotations

import email
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from .cdk_floor import project
from .synth import ROOT

VERSION = project()["project"]["version"]
PACKAGE_DIRS = {name: ROOT / folder for name, folder in project()["tool"]["setuptools"]["package-dir"].items()}
TOP_LEVEL = {"ecr_ptc", "ecr_ptc_app", "ecr_ptc_runtime", "ecr_ptc_stacks"}
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "node_modules", "cdk.out", ".stamps", "__pycache__", "*.pyc", "*.egg-info",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", "build", "dist", "out",
)  # fmt: skip
HASH = re.compile(r"[0-9a-f]{64}")
TIMEOUT = 240


def _run(cmd: list, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=TIMEOUT, **kw)


def _ok(done: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert done.returncode == 0, (
        f"{' '.join(done.args[:6])} exited {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    )
    return done


def source_files(package: str) -> set[str]:
    """What the wheel must hold of a package: every file of its folder (no caches)."""
    folder = PACKAGE_DIRS[package]
    return {
        f"{package}/{p.relative_to(folder).as_posix()}"
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


def readme_section() -> str:
    text = (ROOT / "README.md").read_text()
    return text[text.index("## Use it as a library\n") : text.index("## Construct library\n")]


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, re.S)


# --- build and install -------------------------------------------------------------------------


@dataclass
class Built:
    sdist: Path
    wheel: Path  # built from the sdist, as pip does for an sdist
    tree_wheel: Path  # built from the source tree, as pip does for a git checkout or a local path
    site: Path  # the wheel installed here (pip --target)
    work: Path


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Built:
    work = tmp_path_factory.mktemp("packaging")
    src = work / "src"
    shutil.copytree(ROOT, src, ignore=NOT_SOURCE)  # builds write build/ and *.egg-info: not into the checkout
    build = [sys.executable, "-m", "build", "--no-isolation"]  # the venv's setuptools: offline
    with ThreadPoolExecutor() as pool:  # each in its own copy: both write build/ and *.egg-info
        shutil.copytree(src, work / "src2")
        jobs = [
            pool.submit(_run, [*build, "--outdir", work / "dist", src]),  # the sdist, then the wheel from it
            pool.submit(_run, [*build, "--wheel", "--outdir", work / "tree", work / "src2"]),
        ]
        for job in jobs:
            _ok(job.result())
    [sdist] = (work / "dist").glob("*.tar.gz")
    [wheel] = (work / "dist").glob("*.whl")
    [tree_wheel] = (work / "tree").glob("*.whl")
    site = work / "site"
    pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--disable-pip-version-check"]
    _ok(_run([*pip, "--target", site, wheel]))
    return Built(sdist, wheel, tree_wheel, site, work)


def isolated_env(site: Path) -> dict[str, str]:
    outer = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]  # make cdk-floor's, if any
    deps = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    return dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), *outer, *deps]), PYTHONNOUSERSITE="1")


# --- what runs in each install -------------------------------------------------------------------

WORKSTATION = """
from ecr_ptc import Ec2Workstation, WorkstationSettings

Ec2Workstation(
    stack,
    "Workstation",
    settings=WorkstationSettings(kind="ec2"),
    consumer_policy=cache.consumer_policy,
    registry_uri=cache.registry_uri,
    smoke_test_images=cache.smoke_test_images(),
    cache_prefixes=cache.prefixes,
)
"""
REPORT = """
import json as _json, sys as _sys, ecr_ptc as _lib, ecr_ptc_runtime as _runtime
print("REPORT " + _json.dumps({"library": _lib.__file__, "runtime": _runtime.__file__,
      "version": _lib.__version__, "finders": [repr(f) for f in _sys.meta_path]}))
"""
# The README's snapshot test, its body run in the same process with a stand-in for syrupy's fixture
# that keeps what the test compares with it (one jsii start per install instead of two).
SNAPSHOT = """
class _Snapshot:
    def __eq__(self, value):
        self.value = value
        return True


_test, _snapshot = {}, _Snapshot()
exec(compile(SNAPSHOT_TEST, "test_build_stack.py", "exec"), _test)
_test["test_build_stack"](_snapshot)
print("SNAPSHOT " + _json.dumps(_snapshot.value, sort_keys=True))
"""


def construct_example() -> str:
    """The README's construct example (Construct library), with a workstation added before synth."""
    [block] = [b for b in python_blocks((ROOT / "README.md").read_text()) if "PullThroughCache(" in b]
    assert block.count("app.synth()") == 1
    return block.replace("app.synth()", WORKSTATION + "app.synth()") + REPORT


def snapshot_test() -> str:
    [block] = [b for b in python_blocks(readme_section()) if "def test_" in b]
    return block


@dataclass
class Install:
    report: dict
    template: str
    asset_hash: str
    asset_files: list[str]
    snapshot: str  # what the README's snapshot test compares with its snapshot


def _synth(python: list[str], env: dict[str, str], folder: Path) -> Install:
    folder.mkdir()
    script = construct_example() + f"\nSNAPSHOT_TEST = {snapshot_test()!r}\n" + SNAPSHOT
    (folder / "example.py").write_text(script)
    out = folder / "cdk.out"
    done = _ok(_run([*python, "example.py"], cwd=folder, env=dict(env, CDK_OUTDIR=str(out))))
    lines = dict(x.split(" ", 1) for x in done.stdout.splitlines() if x.startswith(("REPORT ", "SNAPSHOT ")))
    assets = [d for d in out.glob("asset.*") if (d / "ecr_ptc_runtime").is_dir()]
    assert len(assets) == 1, assets
    files = sorted(p.relative_to(assets[0]).as_posix() for p in assets[0].rglob("*") if p.is_file())
    return Install(
        json.loads(lines["REPORT"]),
        (out / "Registry.template.json").read_text(),
        assets[0].name.removeprefix("asset."),
        files,
        lines["SNAPSHOT"],
    )


@dataclass
class Runs:
    wheel: Install
    editable: Install
    validate: subprocess.CompletedProcess
    version: subprocess.CompletedProcess


@pytest.fixture(scope="module")
def runs(built: Built) -> Runs:
    wheel_python, wheel_env = [sys.executable, "-S"], isolated_env(built.site)
    cli = [*wheel_python, built.site / "bin" / "ecr-ptc"]  # the console script pip wrote for the wheel
    work = built.work
    with ThreadPoolExecutor() as pool:
        jobs = [
            pool.submit(_synth, wheel_python, wheel_env, work / "wheel"),
            pool.submit(_synth, [sys.executable], dict(os.environ), work / "editable"),
            pool.submit(_run, [*cli, "validate", ROOT / "config" / "default.yaml"], cwd=work, env=wheel_env),
            pool.submit(_run, [*cli, "--version"], cwd=work, env=wheel_env),
        ]
        return Runs(*(job.result() for job in jobs))


# --- the tests -----------------------------------------------------------------------------------


def test_the_wheel_holds_exactly_the_projects_packages_every_file_of_them_and_their_types(built):
    with zipfile.ZipFile(built.wheel) as whl:
        names = set(whl.namelist())
    dist_info = f"ecr_ptc-{VERSION}.dist-info"
    assert {n.split("/")[0] for n in names} == TOP_LEVEL | {dist_info}
    for package in TOP_LEVEL:
        held = {n for n in names if n.startswith(f"{package}/")}
        missing, extra = source_files(package) - held, held - source_files(package)
        assert not missing, f"not in the wheel (a subpackage missing from pyproject's `packages`?): {sorted(missing)}"
        assert not extra, sorted(extra)
        assert f"{package}/py.typed" in held


def test_sdist_and_git_checkout_builds_give_the_same_wheel(built):
    with zipfile.ZipFile(built.wheel) as a, zipfile.ZipFile(built.tree_wheel) as b:
        assert sorted(a.namelist()) == sorted(b.namelist())
        assert all(a.read(n) == b.read(n) for n in a.namelist())
    with tarfile.open(built.sdist) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    assert {"CHANGELOG.md", "README.md", "pyproject.toml"} <= names


def test_the_wheel_declares_ranges_a_cdk_app_can_satisfy_and_the_command(built):
    with zipfile.ZipFile(built.wheel) as whl:
        meta = email.message_from_bytes(whl.read(f"ecr_ptc-{VERSION}.dist-info/METADATA"))
        entry_points = whl.read(f"ecr_ptc-{VERSION}.dist-info/entry_points.txt").decode()
    declared = {Requirement(r).name: Requirement(r) for r in meta.get_all("Requires-Dist")}
    assert {str(r) for r in declared.values()} == {str(Requirement(r)) for r in project()["project"]["dependencies"]}
    for line in project()["project"]["dependencies"]:
        name = Requirement(line).name
        if name in ("aws-cdk-lib", "constructs", "cdk-nag"):
            assert {s.operator for s in declared[name].specifier} == {">=", "<"}, f"{line}: a range, not a pin"
            assert f"`{line}`" in readme_section(), f"README's supported versions: {line}"
    assert "ecr-ptc = ecr_ptc_app.cli:main" in entry_points


def test_one_version_everywhere(built, runs):
    import ecr_ptc

    assert built.wheel.name == f"ecr_ptc-{VERSION}-py3-none-any.whl"
    assert built.sdist.name == f"ecr_ptc-{VERSION}.tar.gz"
    with zipfile.ZipFile(built.wheel) as whl:
        assert email.message_from_bytes(whl.read(f"ecr_ptc-{VERSION}.dist-info/METADATA"))["Version"] == VERSION
    assert _ok(runs.version).stdout.strip() == f"ecr-ptc {VERSION}"
    assert runs.wheel.report["version"] == runs.editable.report["version"] == ecr_ptc.__version__ == VERSION
    releases = re.findall(r"^## \[(\d+\.\d+\.\d+[^\]]*)\]", (ROOT / "CHANGELOG.md").read_text(), re.M)
    assert releases and releases[0] == VERSION, f"CHANGELOG.md's newest release is {releases[:1]}, not {VERSION}"
    section = readme_section()
    assert f"ecr_ptc-{VERSION}-py3-none-any.whl" in section and f"~={VERSION}" in section


def test_the_installed_wheel_runs_apart_from_the_source_tree(built, runs):
    report = runs.wheel.report
    assert Path(report["library"]).is_relative_to(built.site) and Path(report["runtime"]).is_relative_to(built.site)
    assert not [f for f in report["finders"] if "editable" in f.lower()]
    # ...and the comparison below is with the source tree indeed
    assert Path(runs.editable.report["runtime"]).is_relative_to(ROOT / "lambda")


def test_the_installed_wheel_synthesizes_every_construct_as_the_editable_install_does(runs):
    template = json.loads(runs.wheel.template)
    types = {r["Type"] for r in template["Resources"].values()}
    assert {"AWS::ECR::PullThroughCacheRule", "Custom::EcrPtcWarmImage", "AWS::EC2::Instance"} <= types
    assert runs.wheel.asset_hash == runs.editable.asset_hash
    assert runs.wheel.template == runs.editable.template  # byte for byte: asset hashes included


def test_the_lambda_asset_is_exactly_the_installed_runtime_package(built, runs):
    with zipfile.ZipFile(built.wheel) as whl:
        modules = sorted(n for n in whl.namelist() if n.startswith("ecr_ptc_runtime/") and n.endswith(".py"))
    assert runs.wheel.asset_files == runs.editable.asset_files == modules


def test_ecr_ptc_validate_from_the_wheel(runs):
    done = _ok(runs.validate)
    assert "default.yaml: OK" in done.stdout


def test_the_readme_snapshot_example_gives_one_snapshot_for_both_installs(runs):
    assert runs.wheel.snapshot == runs.editable.snapshot
    assert "<asset-hash>" in runs.wheel.snapshot and not HASH.search(runs.wheel.snapshot)
    assert "Custom::EcrPtcWarmImage" in runs.wheel.snapshot
