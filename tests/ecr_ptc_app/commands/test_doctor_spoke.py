"""`ecr-ptc doctor` with a member account's credentials: the spoke's checks, every AWS answer from botocore's
Stubber (the spoke's Region and the hub's)."""

from __future__ import annotations

import io
import json

from ecr_ptc_app.cli import parser

from .spoke_session import BUS_ARN, CONFIG, HUB_ACCOUNT, HUB_REGION, SPOKE_ACCOUNT, SPOKE_REGION, Session
from .test_doctor import SCHEMA, assert_schema

IMAGE = "docker-hub/library/nginx:1.27"
PREFIXES = ("ecr-public", "k8s", "docker-hub")  # config/organization.yaml: every rule through the hub
HUB_URL = f"{HUB_ACCOUNT}.dkr.ecr.{HUB_REGION}.amazonaws.com"
ROLE = f"arn:aws:iam::{SPOKE_ACCOUNT}:role/StackSet-ecr-ptc-spoke-PullThroughRole"


def rules(aws: Session, prefixes=PREFIXES, upstream: str = HUB_URL) -> None:
    found = [
        {
            "ecrRepositoryPrefix": p,
            "upstreamRegistryUrl": upstream,
            "customRoleArn": ROLE,
            "upstreamRepositoryPrefix": p,
        }
        for p in prefixes
    ]
    aws.stub("ecr").add_response("describe_pull_through_cache_rules", {"pullThroughCacheRules": found})


def chaining(aws: Session, decision: str = "allowed") -> None:
    for prefix in PREFIXES:
        resource = f"arn:aws:ecr:{HUB_REGION}:{HUB_ACCOUNT}:repository/{prefix}/ecr-ptc-doctor-probe"
        results = [
            {"EvalActionName": a, "EvalResourceName": resource, "EvalDecision": decision}
            for a in ("ecr:BatchImportUpstreamImage", "ecr:CreateRepository")
        ]
        params = {
            "PolicySourceArn": ROLE,
            "ActionNames": ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"],
            "ResourceArns": [resource],
        }
        aws.stub("iam").add_response("simulate_principal_policy", {"EvaluationResults": results}, params)


def forwarding(aws: Session, names=("StackSet-ecr-ptc-spoke-MissForwarding",), state: str = "ENABLED") -> None:
    events = aws.stub("events")
    events.add_response("list_rule_names_by_target", {"RuleNames": list(names)}, {"TargetArn": BUS_ARN})
    for name in names:
        events.add_response("describe_rule", {"Name": name, "State": state}, {"Name": name})


def doctor(aws: Session) -> tuple[int, dict]:
    args = parser().parse_args(["doctor", "--config", CONFIG, "--image", IMAGE, "--output", "json"])
    out = io.StringIO()
    code = args.func(args, out, io.StringIO(), session=aws)
    document = json.loads(out.getvalue())
    assert_schema(document, SCHEMA)
    return code, document


def by_subject(document: dict) -> dict[str, dict]:
    return {c["subject"]: c for c in document["checks"]}


def test_a_wired_spoke_is_all_ok():
    aws = Session()
    aws.identity()
    rules(aws)
    chaining(aws)
    forwarding(aws)
    aws.hub_image(held=True)
    code, document = doctor(aws)
    assert code == 0, document["checks"]
    checks = by_subject(document)
    assert {c["area"] for c in document["checks"]} == {"spoke"}
    assert sorted(checks) == sorted(
        [f"rule {p}" for p in PREFIXES] + [f"chaining {p}" for p in PREFIXES] + ["miss forwarding", f"hub {IMAGE}"]
    )
    assert "holds it" in checks[f"hub {IMAGE}"]["message"]
    aws.done()


def test_a_broken_spoke_says_what_is_missing_and_the_warm_command():
    aws = Session()
    aws.identity()
    rules(aws, prefixes=("ecr-public", "k8s", "docker-hub"))
    chaining(aws, decision="implicitDeny")
    forwarding(aws, names=())
    aws.hub_image(held=False)
    code, document = doctor(aws)
    assert code == 1
    checks = by_subject(document)
    assert checks["chaining docker-hub"]["status"] == "problem"
    assert "ecr:CreateRepository (not allowed)" in checks["chaining docker-hub"]["message"]
    assert checks["miss forwarding"]["status"] == "problem" and BUS_ARN in checks["miss forwarding"]["message"]
    hub = checks[f"hub {IMAGE}"]
    assert hub["status"] == "problem"
    assert hub["fix"] == (
        f"with the hub's credentials ({HUB_ACCOUNT}, AWS_REGION={HUB_REGION}): ecr-ptc warm --config {CONFIG} {IMAGE}"
    )
    aws.done()


def test_a_missing_rule_or_one_to_elsewhere_is_a_problem_naming_the_stack_set():
    aws = Session()
    aws.identity()
    aws.stub("ecr").add_response(
        "describe_pull_through_cache_rules",
        {
            "pullThroughCacheRules": [
                {"ecrRepositoryPrefix": "ecr-public", "upstreamRegistryUrl": "public.ecr.aws"},
                {"ecrRepositoryPrefix": "k8s", "upstreamRegistryUrl": HUB_URL, "customRoleArn": ROLE},
            ]
        },
    )
    resource = f"arn:aws:ecr:{HUB_REGION}:{HUB_ACCOUNT}:repository/k8s/ecr-ptc-doctor-probe"
    aws.stub("iam").add_response(
        "simulate_principal_policy",
        {
            "EvaluationResults": [
                {"EvalActionName": a, "EvalResourceName": resource, "EvalDecision": "allowed"}
                for a in ("ecr:BatchImportUpstreamImage", "ecr:CreateRepository")
            ]
        },
    )
    forwarding(aws, state="DISABLED")
    aws.hub_image(held=True)
    code, document = doctor(aws)
    checks = by_subject(document)
    assert code == 1
    assert "public.ecr.aws" in checks["rule ecr-public"]["message"]
    assert "list-stack-instances --stack-set-name ecr-ptc-spoke" in checks["rule docker-hub"]["fix"]
    assert checks["chaining k8s"]["status"] == "ok" and "chaining docker-hub" not in checks
    assert "disabled" in checks["miss forwarding"]["message"] and "enable-rule" in checks["miss forwarding"]["fix"]
    aws.done()


def test_the_hub_account_gets_the_hubs_checks_not_the_spokes():
    from ecr_ptc_app.doctor import spoke as doctor_spoke

    class Ctx:
        config = type("C", (), {"organization": type("O", (), {"hub": type("H", (), {"account": HUB_ACCOUNT})})})
        account = HUB_ACCOUNT

    assert not doctor_spoke.is_spoke(Ctx())  # type: ignore[arg-type]
    Ctx.account = SPOKE_ACCOUNT
    assert doctor_spoke.is_spoke(Ctx())  # type: ignore[arg-type]
    assert SPOKE_REGION != HUB_REGION


def test_print_policy_adds_what_a_spoke_needs_and_passes_the_iam_lint():
    from tests.app.iam_lint import document_problems

    args = parser().parse_args(["doctor", "--config", CONFIG, "--print-policy"])
    out = io.StringIO()
    assert args.func(args, out, io.StringIO()) == 0
    policy = json.loads(out.getvalue())
    assert document_problems(policy) == []
    statements = {s["Sid"]: s for s in policy["Statement"]}
    assert statements["SpokeFindForwardingRule"]["Action"] == ["events:ListRuleNamesByTarget"]
    assert statements["SpokeReadForwardingRule"]["Action"] == ["events:DescribeRule"]
    assert statements["SpokeReadHubImages"]["Resource"] == [
        f"arn:aws:ecr:{HUB_REGION}:{HUB_ACCOUNT}:repository/{p}/*" for p in PREFIXES
    ]
