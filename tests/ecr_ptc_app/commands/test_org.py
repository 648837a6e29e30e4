"""`ecr-ptc org plan` against moto's AWS Organizations: a nested OU tree of 56 accounts, read-only."""

from __future__ import annotations

import argparse
import io
import json
from dataclasses import dataclass, field

import boto3
import pytest
from moto import mock_aws

from ecr_ptc_app.commands import org

STACKSETS = org.STACKSETS_PRINCIPAL
REGIONS = ("eu-west-1", "us-east-1")
# OU -> (parent OU or None for the root, accounts directly in it); Workloads and Sandbox are the targets.
TREE = {
    "Workloads": (None, 4),
    "Prod": ("Workloads", 10),
    "ProdEU": ("Prod", 12),  # three levels below the target
    "Dev": ("Workloads", 10),
    "Sandbox": (None, 8),
    "Team": ("Sandbox", 8),
    "Infra": (None, 0),  # the hub and the StackSet administrator, not targeted
}


@dataclass
class Org:
    client: object
    id: str
    root: str
    management: str
    units: dict[str, str] = field(default_factory=dict)  # name -> id
    accounts: dict[str, list[str]] = field(default_factory=dict)  # OU name -> account ids
    hub: str = ""
    admin: str = ""

    def in_units(self, *names: str) -> set[str]:
        return {a for n in names for a in self.accounts[n]}

    def config(
        self, tmp_path, *, targets=("Workloads", "Sandbox"), call_as="DELEGATED_ADMIN", admin=None, **extra
    ) -> str:
        units = ", ".join(self.units.get(t, t) for t in targets)
        lines = [
            "rules:\n  - upstream: ecr-public\n  - upstream: k8s\norganization:\n",
            f"  hub: {{account: '{self.hub}', region: eu-west-1}}\n",
            f"  stackSet: {{account: '{admin or self.admin}', region: us-east-1, callAs: {call_as}}}\n",
            f"  organizationId: {extra.pop('organization_id', self.id)}\n",
            f"  targets: {{organizationalUnits: [{units}], regions: [{', '.join(REGIONS)}]}}\n",
            *(f"  {k}: {v}\n" for k, v in extra.items()),
        ]
        path = tmp_path / "org.yaml"
        path.write_text("".join(lines))
        return str(path)


@pytest.fixture
def organization(monkeypatch):
    from moto.organizations.models import FakeDelegatedAdministrator

    # moto 5.2.5 knows only six services for delegated administration; StackSets is one in AWS
    # (CloudFormation User Guide, "Register a delegated administrator").
    monkeypatch.setattr(
        FakeDelegatedAdministrator, "SUPPORTED_SERVICES", [*FakeDelegatedAdministrator.SUPPORTED_SERVICES, STACKSETS]
    )
    with mock_aws():
        client = boto3.client("organizations", region_name="us-east-1")
        description = client.create_organization(FeatureSet="ALL")["Organization"]
        root = client.list_roots()["Roots"][0]["Id"]
        tree = Org(client, description["Id"], root, description["MasterAccountId"])
        for name, (parent, count) in TREE.items():
            parent_id = tree.units[parent] if parent else root
            tree.units[name] = client.create_organizational_unit(ParentId=parent_id, Name=name)["OrganizationalUnit"][
                "Id"
            ]
            tree.accounts[name] = [_account(client, root, tree.units[name], f"{name.lower()}{i}") for i in range(count)]
        tree.hub = _account(client, root, tree.units["Infra"], "hub")
        tree.admin = _account(client, root, tree.units["Infra"], "stacksets-admin")
        tree.accounts["Infra"] = [tree.hub, tree.admin]
        client.enable_aws_service_access(ServicePrincipal=STACKSETS)
        client.register_delegated_administrator(AccountId=tree.admin, ServicePrincipal=STACKSETS)
        yield tree


def _account(client, root: str, unit: str, name: str) -> str:
    account = client.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]["AccountId"]
    client.move_account(AccountId=account, SourceParentId=root, DestinationParentId=unit)
    return account


def plan(config: str, *extra: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="ecr-ptc")
    org.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["org", "plan", "--config", config, *extra])
    out, err = io.StringIO(), io.StringIO()
    code = args.func(args, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    "text, words",
    [
        ("rules: []\n", "add at least one rule"),
        ("rules:\n  - upstream: quay\n", "has no organization"),
    ],
)
def test_json_output_prints_the_error_document_when_there_is_no_plan(tmp_path, text, words):
    path = tmp_path / "config.yaml"
    path.write_text(text)
    code, out, err = plan(str(path), "--output", "json")
    document = json.loads(out)
    assert code == 2 and document["exitCode"] == 2 and "Fix: " in err
    assert words in document["error"]["message"] + document["error"]["fix"] and document["error"]["fix"]


def test_the_tree_is_big_enough():
    assert sum(count for _, count in TREE.values()) + 2 >= 50


def test_plan_lists_every_nested_account_and_the_waves(organization, tmp_path):
    code, out, err = plan(organization.config(tmp_path))
    assert (code, err) == (0, ""), err
    targeted = organization.in_units("Workloads", "Prod", "ProdEU", "Dev", "Sandbox", "Team")
    assert len(targeted) == 52
    for account in targeted:
        assert account in out
    assert f"{organization.units['Workloads']}  Workloads: 36 account(s), 3 nested OU(s)" in out
    assert f"{organization.units['Sandbox']}  Sandbox: 16 account(s), 1 nested OU(s)" in out
    assert "Stack instances: 52 account(s) x 2 Region(s) (eu-west-1, us-east-1) = 104" in out
    # 10 % of 52 rounds down to 5 per Region; two Regions one after the other: 2 x ceil(52 / 5)
    assert "5 account(s) at once per Region, 5 stack instance(s) at once, 22 wave(s)" in out
    assert "about 44 minutes at 2 minute(s) per stack instance" in out
    assert f"the hub account {organization.hub} is in no target OU" in out
    assert "Problems: 0" in out and organization.hub not in out.split("Left out:")[1].split("Stack instances")[0]


def test_json_document(organization, tmp_path):
    code, out, _ = plan(
        organization.config(tmp_path, regionConcurrency="PARALLEL"), "--output", "json", "--minutes-per-instance", "3"
    )
    doc = json.loads(out)
    assert code == doc["exitCode"] == 0 and doc["organizationId"] == organization.id
    assert doc["managementAccount"] == organization.management
    assert len(doc["deployAccounts"]) == 52 and doc["stackInstances"] == 104
    assert doc["rollout"] | {} == {
        "accounts": 52,
        "regions": 2,
        "instances": 104,
        "per_region": 5,
        "at_once": 10,
        "waves": 11,
        "minutes": 33.0,
        "minutes_per_instance": 3.0,
    }
    by_id = {t["id"]: t for t in doc["targets"]}
    prod_eu = organization.units["ProdEU"]
    assert {a["parent"] for a in by_id[organization.units["Workloads"]]["accounts"]} >= {prod_eu}


def test_the_root_leaves_out_the_hub_and_the_management_account(organization, tmp_path):
    code, out, _ = plan(organization.config(tmp_path, targets=(organization.root,)), "--output", "json")
    doc = json.loads(out)
    excluded = {e["account"]: e["reason"] for e in doc["excluded"]}
    assert set(excluded) == {organization.hub, organization.management}
    assert "account filter DIFFERENCE" in excluded[organization.hub]
    assert "never deploy there" in excluded[organization.management]
    everyone = {a for accounts in organization.accounts.values() for a in accounts}
    assert set(doc["deployAccounts"]) == everyone - {organization.hub}  # the admin account is a member like others
    assert code == 0


def test_overlapping_targets_count_an_account_once(organization, tmp_path):
    code, out, _ = plan(organization.config(tmp_path, targets=("Workloads", "Prod")), "--output", "json")
    doc = json.loads(out)
    assert code == 0 and len(doc["deployAccounts"]) == 36
    assert any("share accounts with another target" in n for n in doc["notes"])


def test_problems_each_with_a_fix(organization, tmp_path):
    organization.client.close_account(AccountId=organization.accounts["Team"][0])
    config = organization.config(
        tmp_path,
        targets=("Workloads", "ou-zzzz-zzzzzzzz", "Sandbox"),
        call_as="SELF",
        organization_id="o-zzzzzzzzzz",
    )
    code, out, err = plan(config)
    assert code == 1
    assert "ou-zzzz-zzzzzzzz  NOT FOUND" in out
    for words in (
        "ou-zzzz-zzzzzzzz is not an organizational unit or root",
        "these credentials read the organization",
        "callAs SELF creates the StackSet as the management account",
        f"account {organization.accounts['Team'][0]} (team0) is SUSPENDED",
    ):
        assert words in err, (words, err)
    assert err.count("problem: ") == err.count("  Fix: ") == 4


def test_stack_sets_access_and_delegation_are_checked(organization, tmp_path):
    organization.client.disable_aws_service_access(ServicePrincipal=STACKSETS)
    code, _, err = plan(organization.config(tmp_path, admin=organization.hub))
    assert code == 1
    assert "trusted access for CloudFormation StackSets is off" in err and "activate-organizations-access" in err
    assert f"{organization.hub} is not a delegated administrator" in err and "register-delegated-administrator" in err
    code, _, err = plan(organization.config(tmp_path, admin=organization.management))
    assert "callAs DELEGATED_ADMIN from the management account" in err


def test_no_account_to_deploy_to(organization, tmp_path):
    organization.client.move_account(
        AccountId=organization.admin, SourceParentId=organization.units["Infra"], DestinationParentId=organization.root
    )
    code, out, err = plan(organization.config(tmp_path, targets=("Infra",)))  # now the hub alone
    assert code == 1 and "no account would get a spoke" in err
    assert "Stack instances: 0 account(s)" in out


@pytest.mark.parametrize(
    "setup, words",
    [
        ("no organization key", "has no organization"),
        ("bad config", "error: "),
        ("zero minutes", "--minutes-per-instance 0.0 is not more than 0"),
        ("no organization in AWS", "AWSOrganizationsNotInUseException"),
    ],
)
def test_usage_and_setup_errors_exit_2(tmp_path, setup, words):
    with mock_aws():
        path = tmp_path / "c.yaml"
        if setup == "no organization key":
            path.write_text("rules:\n  - upstream: quay\n")
        elif setup == "bad config":
            path.write_text("rules:\n  - upstream: quay\norganization: {hub: {account: '1', region: eu-west-1}}\n")
        else:
            path.write_text(
                "rules:\n  - upstream: quay\norganization:\n  hub: {account: '111111111111', region: eu-west-1}\n"
                "  stackSet: {account: '222222222222', region: us-east-1}\n  organizationId: o-a1b2c3d4e5\n"
                "  targets: {organizationalUnits: [r-ab12], regions: [eu-west-1]}\n"
            )
        extra = ("--minutes-per-instance", "0") if setup == "zero minutes" else ()
        code, out, err = plan(str(path), *extra)
    assert code == 2 and out == "" and words in err and "Fix: " in err


def test_plan_makes_read_only_calls_only(organization, tmp_path, monkeypatch):
    calls = []
    real = org.Reader.call

    def spy(self, method, expected=(), **kwargs):
        calls.append(method)
        return real(self, method, expected, **kwargs)

    monkeypatch.setattr(org.Reader, "call", spy)
    assert plan(organization.config(tmp_path))[0] == 0
    assert calls and all(c.startswith(("describe_", "list_")) for c in calls), set(calls)


def test_validate_and_org_plan_start_no_jsii(tmp_path):
    """`ecr-ptc validate` of an organization config and `ecr-ptc org plan` (up to reading AWS) stay off jsii."""
    import subprocess
    import sys

    from tests.app.synth import ROOT

    code = (
        "import sys\nfrom ecr_ptc_app.cli import main\n"
        "assert main(['validate', 'config/organization.yaml']) == 0\n"
        "from ecr_ptc_app.commands import org\n"
        "from ecr_ptc.organization.waves import plan_rollout\n"
        "try:\n    main(['org', 'plan', '--config', 'config/organization.yaml'])\nexcept SystemExit:\n    pass\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('aws_cdk', 'jsii', 'constructs')]\n"
        "assert not loaded, loaded\n"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
    }
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr
    assert "cannot read AWS Organizations" in done.stderr  # no credentials here: exit 2 after the config was read


def test_an_unexpected_aws_error_exits_2_with_its_code(tmp_path):
    from botocore.exceptions import ClientError

    class Throttled:
        def describe_organization(self):
            raise ClientError({"Error": {"Code": "TooManyRequestsException", "Message": "slow down"}}, "Describe")

    class Session:
        def client(self, *args, **kwargs):
            return Throttled()

    path = tmp_path / "c.yaml"
    path.write_text(
        "rules:\n  - upstream: quay\norganization:\n  hub: {account: '111111111111', region: eu-west-1}\n"
        "  stackSet: {account: '222222222222', region: us-east-1}\n  organizationId: o-a1b2c3d4e5\n"
        "  targets: {organizationalUnits: [r-ab12], regions: [eu-west-1]}\n"
    )
    parser = argparse.ArgumentParser(prog="ecr-ptc")
    org.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["org", "plan", "--config", str(path)])
    out, err = io.StringIO(), io.StringIO()
    assert org.run(args, stdout=out, stderr=err, session=Session()) == 2
    assert "TooManyRequestsException on describe_organization: slow down" in err.getvalue()
    assert "Fix: check the credentials' access" in err.getvalue() and out.getvalue() == ""
