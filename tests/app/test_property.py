"""Property: whatever `ecr-ptc validate` accepts, synth builds and CloudFormation can deploy.

Hypothesis draws whole config files (tests/app/config_strategy.py: every config key): two thirds meant to
be valid, a third with one near-miss each (two parametrized properties). For each file:

* refused by the loader (``ConfigError``): ``ecr-ptc validate`` exits 2 with the mistake and a fix,
  and no traceback; a draft meant to be valid must not be refused;
* accepted: ``ecr-ptc validate`` exits 0, the app synthesizes in-process as ``cdk synth`` would
  (cdk.json context, cdk-nag findings raise), needs no context lookup, and every template passes
  the offline deployability checks below, cfn-lint (in the stack's own Region), the IAM lint, and the
  IAM evaluation of every policy against the rules' allow and deny lists (tests/app/iam_eval.py).

Deterministic (``derandomize``, no example database). Shrinking is off so a failure stays inside
the time budget; ``ECR_PTC_PROPERTY_SHRINK=1`` turns it on to get a minimal config (minutes).
``ECR_PTC_PROPERTY_EXAMPLES`` sets the number of files (default 48: about 80 s on two cores, most of it
cfn-lint, about 1 s a template).
"""

from __future__ import annotations

import functools
import io
import json
import os
import re
import shutil
import traceback
from collections import Counter
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any, Optional

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from ecr_ptc.cache.grants import REGISTRY_SIDS
from tests.stable_draws import import_product_modules

from .config_strategy import UNQUOTED_MARK, Draft, config_documents
from .iam_eval import list_problems
from .iam_lint import problems as iam_problems
from .lint import findings

import_product_modules()  # the same examples in any test order (tests/stable_draws.py)

# 48 keeps make test near five minutes on two cores (about 2 s a config); ECR_PTC_PROPERTY_EXAMPLES=200 explores more.
MAX_EXAMPLES = int(os.environ.get("ECR_PTC_PROPERTY_EXAMPLES", "48"))
SHRINK = os.environ.get("ECR_PTC_PROPERTY_SHRINK") == "1"
PHASES = tuple(p for p in Phase if SHRINK or p not in (Phase.shrink, Phase.explain))

# CloudFormation's quotas per template (the deploy fails past them).
MAX_RESOURCES, MAX_OUTPUTS, MAX_PARAMETERS, MAX_TEMPLATE_BYTES = 500, 200, 200, 1_000_000
# Graviton families: a1, and every family with a 'g' among the attribute letters after the
# generation (m7g, t4g, c6gn, r7gd, im4gn, g5g); x86_64 otherwise (g4dn, c6in, m7i-flex, t3a).
GRAVITON = re.compile(r"^(a1|[a-z]+\d+[a-z]*g[a-z]*)(-[a-z0-9]+)?\.")


def architecture(instance_type: str) -> str:
    return "arm64" if GRAVITON.match(instance_type) else "x86_64"


# --- offline deployability checks on one template -------------------------------------------------
def _resolve_image(image_id: Any, template: dict) -> Optional[str]:
    """The SSM parameter name an ImageId comes from (a Ref to an SSM-typed parameter, or resolve:ssm:)."""
    if isinstance(image_id, dict) and "Ref" in image_id:
        image_id = template.get("Parameters", {}).get(image_id["Ref"], {}).get("Default")
    if isinstance(image_id, str):
        return image_id.removeprefix("resolve:ssm:")
    return None


def image_problems(template: dict) -> list[str]:
    """The AMI's architecture (from its public SSM parameter name) fits the instance type."""
    out = []
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        if resource["Type"] not in ("AWS::EC2::Instance", "AWS::Cloud9::EnvironmentEC2"):
            continue
        instance_type, image = props.get("InstanceType"), _resolve_image(props.get("ImageId"), template)
        if not isinstance(instance_type, str) or image is None:
            out.append(f"{logical_id}: instance type {instance_type!r} or image {props.get('ImageId')!r} unknown")
            continue
        image_arch = "arm64" if "arm64" in image else "x86_64" if "x86_64" in image else None
        if image_arch != architecture(instance_type):
            out.append(f"{logical_id}: image {image} ({image_arch}) on {instance_type} ({architecture(instance_type)})")
    return out


@functools.lru_cache(maxsize=1)
def _botocore() -> Any:
    from botocore.session import get_session

    return get_session()


@functools.lru_cache(maxsize=1)
def ec2_instance_types() -> frozenset[str]:
    return frozenset(_botocore().get_service_model("ec2").shape_for("InstanceType").enum)


def instance_type_problems(template: dict) -> list[str]:
    """Instance types are ones EC2 has (botocore's EC2 model lists them all)."""
    known = ec2_instance_types()
    return [
        f"{logical_id}: instance type {resource['Properties']['InstanceType']!r} does not exist"
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] in ("AWS::EC2::Instance", "AWS::Cloud9::EnvironmentEC2")
        and isinstance(resource.get("Properties", {}).get("InstanceType"), str)
        and resource["Properties"]["InstanceType"] not in known
    ]


def credential_problems(template: dict, region: Optional[str], account: Optional[str]) -> list[str]:
    """README: a rule's secret is in the rule's own Region and account."""
    out = []
    for logical_id, resource in template["Resources"].items():
        arn = resource.get("Properties", {}).get("CredentialArn")
        if resource["Type"] != "AWS::ECR::PullThroughCacheRule" or not isinstance(arn, str):
            continue
        _, _, _, arn_region, arn_account, *_ = arn.split(":")
        if region and arn_region != region:
            out.append(f"{logical_id}: the secret {arn} is in {arn_region}, the rule in {region}")
        if account and arn_account != account:
            out.append(f"{logical_id}: the secret {arn} is in account {arn_account}, the rule in {account}")
    return out


def region_problems(region: Optional[str]) -> list[str]:
    if region is not None and region not in _botocore().get_available_regions("ecr"):
        return [f"Amazon ECR is not offered in {region!r}"]
    return []


def limit_problems(template: dict) -> list[str]:
    out = []
    for what, count, limit in (
        ("resources", len(template["Resources"]), MAX_RESOURCES),
        ("outputs", len(template.get("Outputs", {})), MAX_OUTPUTS),
        ("parameters", len(template.get("Parameters", {})), MAX_PARAMETERS),
        ("bytes", len(json.dumps(template)), MAX_TEMPLATE_BYTES),
    ):
        if count > limit:
            out.append(f"{count} {what}; CloudFormation allows {limit}")
    return out


# --- the app, as `cdk synth` builds it -------------------------------------------------------------
def synthesize(config: Any, outdir: Path) -> dict[str, tuple[dict, Optional[str], Optional[str]]]:
    """Templates by stack name with their Region and account (None: environment-agnostic).

    Raises whatever synth raises (cdk-nag findings, construct-time checks, CloudFormation errors)."""
    from aws_cdk import App

    from ecr_ptc_stacks.compose import add_checks, build_app

    from .synth import CONTEXT

    app = App(context=dict(CONTEXT), outdir=str(outdir))
    build_app(app, config)
    assert add_checks(app)
    app.synth()
    manifest = json.loads((outdir / "manifest.json").read_text())
    if manifest.get("missing"):
        raise AssertionError(
            "synth needs context lookups (README: no lookups, no credentials): "
            + json.dumps(manifest["missing"])[:1000]
        )
    stacks = {}
    for artifact in manifest["artifacts"].values():
        if artifact["type"] != "aws:cloudformation:stack":
            continue
        account, region = artifact["environment"].removeprefix("aws://").split("/")
        template = json.loads((outdir / artifact["properties"]["templateFile"]).read_text())
        name = artifact["properties"].get("stackName") or artifact["displayName"]
        stacks[name] = (
            template,
            None if region == "unknown-region" else region,
            None if account == "unknown-account" else account,
        )
    return stacks


def validation_report(outdir: Path) -> list[str]:
    """The findings of a failed validation (cdk-nag) that synth wrote next to the templates."""
    path = outdir / "validation-report.json"
    if not path.exists():
        return []
    report = json.loads(path.read_text())
    return [
        f"{plugin.get('pluginName')}: {v.get('ruleName')} on "
        f"{', '.join(r.get('constructPath', '?') for r in v.get('violatingResources', []))}: "
        f"{v.get('description', '')[:300]}"
        for plugin in report.get("pluginReports", [])
        for v in plugin.get("violations", [])
    ]


def deployability_problems(config: Any, outdir: Path) -> list[str]:
    try:
        stacks = synthesize(config, outdir)
    except Exception as err:  # noqa: BLE001 - every synth failure is the finding
        return [f"synth failed: {type(err).__name__}: {str(err)[:3000]}", *validation_report(outdir)]
    out = []
    for name, (template, region, account) in stacks.items():
        checks = (
            region_problems(region)
            + limit_problems(template)
            + image_problems(template)
            + instance_type_problems(template)
            + credential_problems(template, region, account)
            + findings(template, region or "us-east-1")
            + iam_problems(template, region=region or "us-east-1", account=account or "123456789012")
            + list_problems(
                config.rules, template, account or "<AWS::AccountId>", REGISTRY_SIDS, region or "<AWS::Region>"
            )[0]
        )
        out += [f"{name}: {p}" for p in checks]
    return out


# --- the CLI, in-process -----------------------------------------------------------------------------
def validate_cli(path: Path) -> tuple[int, str]:
    """`ecr-ptc validate PATH`: exit code and everything printed."""
    from ecr_ptc_app.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(["validate", str(path)])
        except SystemExit as exit_:  # argparse
            code = exit_.code
        except Exception:  # noqa: BLE001 - the real CLI would print this traceback
            return -1, out.getvalue() + err.getvalue() + traceback.format_exc()
    return code, out.getvalue() + err.getvalue()


# --- the property ----------------------------------------------------------------------------------
def failure(draft: Draft, what: str) -> AssertionError:
    """A failure that shows the config file it happened with."""
    near = "; ".join(draft.near_misses) or "none, meant to be valid"
    return AssertionError(f"{what}\n--- config.yaml (near-misses: {near}) ---\n{draft.text}")


def check_draft(draft: Draft, workdir: Path, tally: Counter) -> None:
    from ecr_ptc_app.config import ConfigError, load_config

    path = workdir / "config.yaml"
    path.write_text(draft.text)
    try:
        config = load_config(path)
    except ConfigError as err:
        tally["refused"] += 1
        if draft.meant_valid:
            raise failure(draft, f"a valid config was refused:\n{err}") from None
        if any(UNQUOTED_MARK in n for n in draft.near_misses) and "quote it" not in str(err):
            raise failure(draft, f"text YAML reads as a number, boolean or date, refused otherwise:\n{err}") from None
        code, printed = validate_cli(path)
        if code != 2 or "Traceback" in printed or not printed.startswith("error: ") or "Fix:" not in printed:
            raise failure(draft, f"ecr-ptc validate exit {code} on a refused config:\n{printed}") from None
        return
    except Exception:  # noqa: BLE001 - anything but ConfigError reaches the user as a traceback
        raise failure(
            draft, f"the config loader crashed (ecr-ptc validate prints this):\n{traceback.format_exc()}"
        ) from None
    tally["accepted"] += 1
    if any(UNQUOTED_MARK in n for n in draft.near_misses):  # one scalar-type rule for every text key
        raise failure(draft, "text YAML reads as a number, boolean or date was accepted")
    code, printed = validate_cli(path)
    if code != 0 or "Traceback" in printed:
        raise failure(draft, f"ecr-ptc validate exit {code} on an accepted config:\n{printed}")
    outdir = workdir / "cdk.out"
    try:
        problems = deployability_problems(config, outdir)
    finally:
        shutil.rmtree(outdir, ignore_errors=True)
    if problems:
        raise failure(draft, "accepted by validate, but not deployable:\n" + "\n".join(problems))


# Two properties, so that both branches run whatever Hypothesis draws: two thirds of the files meant to be
# valid (each accepted and deployable), a third with one near-miss each (each refused well). Both run in
# parallel under pytest-xdist.
@pytest.mark.synth
@pytest.mark.parametrize(
    "near_miss_chance, examples",
    [(None, MAX_EXAMPLES - MAX_EXAMPLES // 3), (1, MAX_EXAMPLES // 3)],
    ids=["meant-valid", "near-miss"],
)
def test_validate_means_deployable(tmp_path, near_miss_chance, examples):
    tally: Counter = Counter()

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=PHASES,
        print_blob=False,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.large_base_example,
        ],
    )
    @given(draft=config_documents(near_miss_chance=near_miss_chance))
    def validate_means_deployable(draft: Draft) -> None:
        check_draft(draft, tmp_path, tally)

    validate_means_deployable()
    if near_miss_chance == 1:  # a near-miss drawn for a section the file left out leaves the file valid
        assert tally["refused"] >= examples // 2, tally
    else:
        assert tally["accepted"] == examples, tally
