"""`ecr-ptc org verify` for each outcome (chaining, miss forwarding, neither) and its refusals, every AWS answer
from botocore's Stubber; the manifest pull through the spoke is a recorded stand-in (the registry API is not
botocore's), the clock and sleep are fakes."""

from __future__ import annotations

import io
import json

import pytest

from ecr_ptc_app import org_verify
from ecr_ptc_app.cli import parser

from .spoke_session import CONFIG, HUB_ACCOUNT, HUB_REGION, Session

IMAGE = "docker-hub/library/nginx:1.27"


class Pulls:
    """The spoke's manifest pulls, answering in turn."""

    def __init__(self, *answers: bool) -> None:
        self.answers = list(answers)
        self.made: list[str] = []

    def __call__(self, spoke_ecr, ref) -> tuple[bool, str]:
        self.made.append(str(ref))
        ok = self.answers.pop(0)
        return ok, "digest sha256:cd" if ok else "image-not-found: not in the cache"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def verify(session, pulls, *argv, clock=None):
    clock = clock or Clock()
    args = parser().parse_args(["org", "verify", "--config", CONFIG, "--image", IMAGE, *argv])
    out, err = io.StringIO(), io.StringIO()
    code = org_verify.run(args, out, err, session=session, pull=pulls, sleep=clock.sleep, clock=clock)
    return code, out.getvalue(), err.getvalue()


def test_a_first_pull_that_succeeds_is_chaining():
    aws = Session()
    aws.identity()
    aws.hub_image(held=False)
    pulls = Pulls(True)
    code, out, err = verify(aws, pulls, "--output", "json")
    assert code == 0 and err == ""
    document = json.loads(out)
    assert document["path"] == "chaining" and document["seconds_to_fill"] is None
    assert pulls.made == [IMAGE]  # one pull, nothing else
    aws.done()


def test_a_fill_in_the_hub_then_a_pull_that_succeeds_is_miss_forwarding():
    aws = Session()
    aws.identity()
    aws.hub_image(held=False)  # before the pull
    aws.hub_image(held=False)  # first look after it
    aws.hub_image(held=True)  # the fill function has filled it
    pulls, clock = Pulls(False, True), Clock()
    code, out, err = verify(aws, pulls, clock=clock)
    assert code == 0 and err == ""
    assert "miss-forwarding" in out and "the hub held it after 30.0 s" in out
    assert clock.slept == [15, 15] and pulls.made == [IMAGE, IMAGE]
    aws.done()


def test_nothing_in_the_hub_within_the_wait_is_neither_with_the_fix():
    aws = Session()
    aws.identity()
    aws.hub_image(held=False)
    for _ in range(4):  # --wait 60, --poll 15
        aws.hub_image(held=False)
    code, out, err = verify(aws, Pulls(False), "--wait", "60")
    assert code == 1
    assert "neither" in out
    assert "Fix:" in err and f"ecr-ptc warm --config {CONFIG} {IMAGE}" in err and "miss-*" in err
    aws.done()


def test_the_hub_holding_it_but_the_spoke_still_failing_is_neither_pointing_at_doctor():
    aws = Session()
    aws.identity()
    aws.hub_image(held=False)
    aws.hub_image(held=True)
    code, _, err = verify(aws, Pulls(False, False))
    assert code == 1 and "ecr-ptc doctor" in err and "--image " + IMAGE in err
    aws.done()


@pytest.mark.parametrize(
    "setup, words",
    [
        pytest.param(lambda aws: aws.identity(HUB_ACCOUNT), "hub account", id="hub credentials"),
        pytest.param(lambda aws: (aws.identity(), aws.hub_image(held=True)), "already holds", id="held already"),
    ],
)
def test_refusals_exit_2_without_a_pull(setup, words):
    aws, pulls = Session(), Pulls()
    setup(aws)
    code, out, err = verify(aws, pulls)
    assert code == 2 and out == "" and words in err and "Fix:" in err
    assert pulls.made == []
    aws.done()


def test_a_region_outside_the_targets_is_refused_before_any_call():
    aws = Session(region="ap-south-1")
    code, _, err = verify(aws, Pulls())
    assert code == 2 and "not a target Region" in err
    aws.done()


def test_dry_run_says_what_it_would_do_and_calls_nothing():
    aws, pulls = Session(), Pulls()
    code, out, _ = verify(aws, pulls, "--dry-run")
    assert code == 0 and pulls.made == [] and aws.stubs == {}  # no client was even made
    assert f"ecr:DescribeImages on the hub registry {HUB_ACCOUNT}.dkr.ecr.{HUB_REGION}.amazonaws.com" in out
    assert "pull the manifest of " + IMAGE in out


@pytest.mark.parametrize("image", ["elsewhere/app:1", "docker-hub/app@sha256:" + "ab" * 32])
def test_an_image_no_rule_covers_or_by_digest_is_bad_input(image):
    args = parser().parse_args(["org", "verify", "--config", CONFIG, "--image", image])
    err = io.StringIO()
    assert org_verify.run(args, io.StringIO(), err, session=Session(), pull=Pulls()) == 2
    assert "Fix:" in err.getvalue()
