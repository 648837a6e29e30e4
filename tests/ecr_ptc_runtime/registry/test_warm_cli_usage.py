"""`ecr-ptc warm` usage: --config beside images, bad numbers, duplicate images, registry URLs."""

from __future__ import annotations

import pytest

from ecr_ptc_app.commands import warm as warm_command

from .fixtures import free_port
from .test_warm_cli import run_warm

CLOSED = f"http://127.0.0.1:{free_port()}"  # nothing listens: a usage error must come before any request


def rows(out: str) -> list[str]:
    return out.splitlines()[1:]


def write_config(tmp_path, warm: str = "") -> str:
    config = tmp_path / "c.yaml"
    config.write_text("rules:\n  - {upstream: quay, prefix: cache}\n" + warm)
    return str(config)


@pytest.mark.registry
def test_config_platforms_apply_to_images_on_the_command_line(cache, seeded, tmp_path):
    config = write_config(tmp_path, "warm:\n  images: [cache/other:v9]\n  platforms: [linux/amd64]\n")
    code, out, err = run_warm("--registry", cache.url, "--config", config, seeded.ref)
    assert code == 0, out + err
    assert [row.split()[0] for row in rows(out)] == [seeded.ref]  # the command line's images win
    assert "linux/amd64" in out and "linux/arm64" not in out
    code, out, err = run_warm("--registry", cache.url, "--config", config, "--platform", "linux/arm64", seeded.ref)
    assert code == 0, out + err
    assert "linux/arm64" in out and "linux/amd64" not in out  # --platform wins over warm.platforms
    code, out, err = run_warm("--registry", cache.url, "--config", write_config(tmp_path), seeded.ref)
    assert code == 0, out + err
    assert "linux/amd64,linux/arm64" in out  # no warm section: every platform


def test_missing_config_beside_images_is_a_usage_error(tmp_path):
    code, out, err = run_warm("--registry", CLOSED, "--config", str(tmp_path / "missing.yaml"), "cache/app:v1")
    assert code == 2 and out == ""
    assert "missing.yaml: no such file" in err and "Traceback" not in err


def test_invalid_config_beside_images_is_a_usage_error(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("rules:\n  - {upstream: quay, prefix: Cache}\n")
    code, out, err = run_warm("--registry", CLOSED, "--config", str(config), "cache/app:v1")
    assert code == 2 and out == ""
    assert f"{config}:2: rules[0].prefix" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--timeout", "0"], "--timeout must be a positive number of seconds"),
        (["--timeout", "-5"], "--timeout must be a positive number of seconds"),
        (["--timeout", "nan"], "--timeout must be a positive number of seconds"),
        (["--request-timeout", "0"], "--request-timeout must be a positive number of seconds"),
        (["--concurrency", "0"], "--concurrency must be at least 1"),
        (["--concurrency", "-2"], "--concurrency must be at least 1"),
    ],
)
def test_bad_numbers_are_usage_errors(argv, message):
    code, out, err = run_warm("--registry", CLOSED, *argv, "cache/app:v1")
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err


@pytest.mark.registry
def test_the_same_image_twice_is_warmed_once(cache, seeded, fault_proxy):
    proxy = fault_proxy(cache.url)
    code, out, err = run_warm("--registry", proxy.url, seeded.ref, f"  {seeded.ref} ", seeded.ref)
    assert code == 0, out + err
    assert [row.split()[0] for row in rows(out)] == [seeded.ref]
    tag_gets = [path for method, path, _ in proxy.requests if path == f"/v2/{seeded.repository}/manifests/{seeded.tag}"]
    assert len(tag_gets) == 1


@pytest.mark.parametrize(
    "given",
    [
        "http://127.0.0.1:5000",
        "http://127.0.0.1:5000/",
        "http://127.0.0.1:5000/v2",
        "http://127.0.0.1:5000/v2/",
        "http://127.0.0.1:5000//v2//",
        " http://127.0.0.1:5000 ",
    ],
)
def test_registry_url_without_the_api_path(given):
    assert warm_command.registry_url(given) == "http://127.0.0.1:5000"


def test_registry_url_keeps_a_path_prefix():
    assert warm_command.registry_url("https://mirror.example.com/cache/v2/") == "https://mirror.example.com/cache"


@pytest.mark.registry
@pytest.mark.parametrize("suffix", ["/v2/", "/v2"])
def test_registry_given_with_the_api_path_works(cache, seeded, suffix):
    code, out, err = run_warm("--registry", cache.url + suffix, seeded.ref)
    assert code == 0, out + err
    assert rows(out)[0].rstrip().endswith("ok")
