"""`ecr-ptc rewrite` and files: links stay links, hard links keep their inode, BOM, CRLF and a missing final newline
stay; the diff mode's output is what `git apply` accepts and gives what --in-place writes; Helm templates given by
name are refused; and the time is linear in the file (a bound generous enough for a shared machine)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from bench.rewrite_bench import dense_manifest
from ecr_ptc_app.rewrite.engine import rewrite
from ecr_ptc_app.rewrite.target import load

from .test_rewrite import COMPOSE, VALUES, WORKLOADS, run_rewrite
from .test_rewrite_fields import CERT_MANAGER, KUSTOMIZATION, NOT_IMAGES
from .test_rewrite_fields import VALUES as GLOBAL_VALUES
from .workload_config import REGISTRY, write_config

R = REGISTRY
GIT = shutil.which("git")


@pytest.fixture
def config(tmp_path):
    return write_config(tmp_path / "..")


def test_a_symbolic_link_stays_a_link_and_its_target_is_rewritten_once(config, tmp_path):
    target = tmp_path / "real.yaml"
    target.write_text("image: nginx:1\n")
    link = tmp_path / "link.yaml"
    link.symlink_to("real.yaml")
    code, _, err = run_rewrite(config, "--in-place", str(link), str(target))
    assert code == 1, err
    assert link.is_symlink() and os.readlink(link) == "real.yaml"
    assert target.read_text() == f"image: {R}/docker-hub/library/nginx:1\n"
    assert "1 reference(s) rewritten in 1 file(s)" in err


def test_a_hard_link_keeps_its_inode_mode_and_both_names(config, tmp_path):
    first = tmp_path / "a.yaml"
    first.write_text("image: nginx:1\n")
    os.chmod(first, 0o600)
    second = tmp_path / "b.yaml"
    os.link(first, second)
    inode = first.stat().st_ino
    code, _, err = run_rewrite(config, "--in-place", str(first))
    assert code == 1, err
    assert first.stat().st_ino == inode == second.stat().st_ino and first.stat().st_nlink == 2
    assert second.read_text() == f"image: {R}/docker-hub/library/nginx:1\n"
    assert oct(first.stat().st_mode & 0o777) == oct(0o600)


def test_bom_crlf_and_no_final_newline_are_kept(config, tmp_path):
    path = tmp_path / "pod.yaml"
    path.write_bytes("\ufeffimage: nginx:1\r\nother: x\r\nimage2: y".encode())
    code, _, err = run_rewrite(config, "--in-place", str(path))
    assert code == 1, err
    assert path.read_bytes() == f"\ufeffimage: {R}/docker-hub/library/nginx:1\r\nother: x\r\nimage2: y".encode()


def test_a_helm_template_given_by_name_is_refused(config, tmp_path):
    chart = tmp_path / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 1.0.0\n")
    template = chart / "templates" / "pod.yaml"
    template.write_text("image: nginx:1  # parses, but is a template\n")
    code, diff, err = run_rewrite(config, "--in-place", str(template))
    assert (code, diff) == (2, "")
    assert "a Helm chart template" in err and "helm template" in err
    assert template.read_text() == "image: nginx:1  # parses, but is a template\n"


CASES = {
    "workloads.yaml": WORKLOADS,
    "values.yaml": VALUES,
    "compose.yaml": COMPOSE,
    "objects.yaml": NOT_IMAGES,
    "global/values.yaml": GLOBAL_VALUES,
    "cert-manager/values.yaml": CERT_MANAGER,
    "kustomization.yaml": KUSTOMIZATION,
    "crlf.yaml": "a: 1\r\nimage: nginx:1\r\n",
    "no-newline.yaml": "x: 1\n" * 8 + "image: nginx:1",
    "bom.yaml": "\ufeff# c\nimage: nginx:1\n",
    "close.yaml": "image: nginx:1\nb: 2\nimage2: x\nc:\n  image: redis:7\n"
    + "d: 4\n" * 7
    + "e:\n  image: quay.io/a/b\n",
}


@pytest.mark.skipif(GIT is None, reason="git is not installed")
def test_git_apply_accepts_every_diff_and_gives_what_in_place_writes(config, tmp_path):
    diffs, expected = tmp_path / "diffs", tmp_path / "expected"
    for root in (diffs, expected):
        for name, text in CASES.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(text.encode())
    code, _, err = run_rewrite(config, "--in-place", str(expected))
    assert code == 1, err
    args = ["rewrite", str(Path("diffs"))]
    code, diff, err = run_rewrite_in(config, tmp_path, *args)
    assert code == 1, err
    assert diff.count("\\ No newline at end of file") == 2  # before and after of no-newline.yaml
    (tmp_path / "all.diff").write_text(diff)
    done = subprocess.run([GIT, "apply", "-p1", "all.diff"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    for name in CASES:
        assert (diffs / name).read_bytes() == (expected / name).read_bytes(), name


def run_rewrite_in(config: str, cwd: Path, *argv: str):
    before = os.getcwd()
    os.chdir(cwd)
    try:
        return run_rewrite(config, *argv[1:])
    finally:
        os.chdir(before)


def test_time_is_linear_diff_near_in_place_and_in_place_near_parsing(config, tmp_path):
    """A 0.2 MB dense manifest of 64 images (make bench runs the 5 MB one of 1,600): the engine within 10x of only parsing the file with
    PyYAML's C loader, the diff mode within 1.3x of in-place (plus 0.2 s for a loaded machine). Best of three."""
    text = dense_manifest(64)
    assert len(text) > 200_000
    rules = load(config).rules
    path = tmp_path / "dense.yaml"

    def best(f) -> float:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            f()
            times.append(time.perf_counter() - start)
        return min(times)

    def command(*flags: str) -> None:
        path.write_text(text)
        assert run_rewrite(config, "--quiet", *flags, str(path))[0] == 1

    parse = best(lambda: list(yaml.load_all(text, Loader=yaml.CSafeLoader)))
    engine = best(lambda: rewrite(text, rules, R))
    in_place = best(lambda: command("--in-place"))
    diff = best(lambda: command())
    assert engine < 10 * parse, (engine, parse)
    assert diff < 1.3 * in_place + 0.2, (diff, in_place)


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file another owner needs root")
def test_in_place_keeps_the_owner(config, tmp_path):
    path = tmp_path / "pod.yaml"
    path.write_text("image: nginx:1\n")
    os.chown(path, 4321, 4322)
    code, _, err = run_rewrite(config, "--in-place", str(path))
    assert code == 1, err
    assert (path.stat().st_uid, path.stat().st_gid) == (4321, 4322)
    assert path.read_text() == f"image: {R}/docker-hub/library/nginx:1\n"
