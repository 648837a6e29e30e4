"""The change classifier on small hand-made template pairs."""

from __future__ import annotations

import copy

import pytest

from ecr_ptc_app.plan.classify import ADDED, REMOVED, REPLACED, UPDATED, classify, classify_stack, references

REGION = "eu-west-1"


def template(**resources: dict) -> dict:
    return {"Resources": resources}


def role(path: str = "/", name: str | None = None) -> dict:
    props: dict = {"AssumeRolePolicyDocument": {"Statement": []}, "Path": path}
    if name:
        props["RoleName"] = name
    return {"Type": "AWS::IAM::Role", "Properties": props}


def rule(prefix: str = "quay", **props: object) -> dict:
    base = {"EcrRepositoryPrefix": prefix, "UpstreamRegistry": "quay", "UpstreamRegistryUrl": "quay.io"}
    return {"Type": "AWS::ECR::PullThroughCacheRule", "Properties": {**base, **props}}


def by_id(changes):
    return {c.logical_id: c for c in changes}


def test_no_change_no_changes():
    t = template(Rule=rule(), Role=role())
    assert classify_stack(t, copy.deepcopy(t), REGION) == []


def test_a_mutable_property_updates_in_place():
    old = template(Role=role())
    new = copy.deepcopy(old)
    new["Resources"]["Role"]["Properties"]["MaxSessionDuration"] = 7200
    (change,) = classify_stack(old, new, REGION)
    assert (change.action, change.properties, change.refused) == (UPDATED, ("MaxSessionDuration",), False)


def test_metadata_alone_is_no_update():
    old = template(Role=role())
    new = copy.deepcopy(old)
    new["Resources"]["Role"]["Metadata"] = {"aws:cdk:path": "X/Role"}
    assert classify_stack(old, new, REGION) == []


def test_a_role_path_replaces_an_unnamed_role_safely():
    (change,) = classify_stack(template(Role=role("/")), template(Role=role("/team/")), REGION)
    assert (change.action, change.properties, change.problem) == (REPLACED, ("Path",), None)


def test_a_named_role_replaced_under_its_name_would_fail():
    (change,) = classify_stack(template(Role=role("/", "ci")), template(Role=role("/team/", "ci")), REGION)
    assert change.action == REPLACED and "ci already exists" in change.problem and change.fix


def test_a_type_that_deletes_before_it_replaces_never_collides():
    """Schema replacementStrategy delete_then_create (AWS::EC2::TransitGatewayRoute): a new attachment replaces the
    route under the same table and CIDR, but CloudFormation deletes the old route first."""

    def route(attachment):
        props = {"TransitGatewayRouteTableId": "tgw-rtb-1", "DestinationCidrBlock": "10.0.0.0/8"}
        return template(
            R={
                "Type": "AWS::EC2::TransitGatewayRoute",
                "Properties": {**props, "TransitGatewayAttachmentId": attachment},
            }
        )

    (change,) = classify_stack(route("tgw-attach-1"), route("tgw-attach-2"), REGION)
    assert change.action == REPLACED and change.properties == ("TransitGatewayAttachmentId",) and change.problem is None


def test_a_renamed_stack_set_would_fail_in_the_member_accounts():
    def stack_set(name):
        return template(
            S={
                "Type": "AWS::CloudFormation::StackSet",
                "Properties": {"StackSetName": name, "PermissionModel": "SERVICE_MANAGED"},
            }
        )

    (change,) = classify_stack(stack_set("a"), stack_set("b"), REGION)
    assert change.action == REPLACED and "every target account and Region" in change.problem
    assert "first without organization" in change.fix


def test_a_named_role_renamed_is_a_safe_replacement():
    (change,) = classify_stack(template(Role=role("/", "ci")), template(Role=role("/", "ci2")), REGION)
    assert change.action == REPLACED and change.problem is None


def test_a_credential_change_replaces_the_rule_under_the_same_prefix():
    old = template(Rule=rule(CredentialArn="arn:aws:secretsmanager:eu-west-1:1:secret:ecr-pullthroughcache/a-AbCdEf"))
    new = template(Rule=rule(CredentialArn="arn:aws:secretsmanager:eu-west-1:1:secret:ecr-pullthroughcache/a-XyZwVu"))
    (change,) = classify_stack(old, new, REGION)
    assert change.properties == ("CredentialArn",)
    assert "quay already exists" in change.problem and "left out of rules" in change.fix


def test_a_prefix_change_is_a_safe_replacement():
    (change,) = classify_stack(template(Rule=rule("quay")), template(Rule=rule("q2")), REGION)
    assert change.action == REPLACED and "EcrRepositoryPrefix" in change.properties and change.problem is None


def test_a_replaced_role_replaces_the_rule_that_refers_to_it():
    """iam.rolePath: the role's Path is create-only, so its ARN changes, and with it the rule's CustomRoleArn."""
    arn = {"Fn::GetAtt": ["Role", "Arn"]}
    old = template(Role=role("/"), Rule=rule("central", UpstreamRegistry="ecr", CustomRoleArn=arn))
    new = copy.deepcopy(old)
    new["Resources"]["Role"]["Properties"]["Path"] = "/team/"
    changes = by_id(classify_stack(old, new, REGION))
    assert changes["Role"].action == REPLACED and changes["Role"].problem is None
    assert changes["Rule"].action == REPLACED and changes["Rule"].properties == ("CustomRoleArn",)
    assert "central already exists" in changes["Rule"].problem


def test_a_reference_to_a_replaced_resource_in_a_mutable_property_is_an_update():
    old = template(
        Role=role("/"), Fn={"Type": "AWS::Lambda::Function", "Properties": {"Role": {"Fn::Sub": "${Role.Arn}"}}}
    )
    new = copy.deepcopy(old)
    new["Resources"]["Role"]["Properties"]["Path"] = "/team/"
    assert by_id(classify_stack(old, new, REGION))["Fn"].action == UPDATED


def test_an_identity_that_refers_to_a_replaced_resource_changes_with_it():
    """An EventInvokeConfig's FunctionName is a Ref: a replaced function means a new name, no collision."""
    old = template(
        Fn={"Type": "AWS::Lambda::Function", "Properties": {"PackageType": "Zip"}},
        Config={
            "Type": "AWS::Lambda::EventInvokeConfig",
            "Properties": {"FunctionName": {"Ref": "Fn"}, "Qualifier": "$LATEST"},
        },
    )
    new = copy.deepcopy(old)
    new["Resources"]["Fn"]["Properties"]["PackageType"] = "Image"
    changes = by_id(classify_stack(old, new, REGION))
    assert changes["Config"].action == REPLACED and changes["Config"].problem is None


def test_a_type_change_under_one_logical_id_would_fail():
    old = template(Rule=rule())
    new = template(Rule={"Type": "Custom::EcrPtcRule", "Properties": {"ServiceToken": "arn"}})
    (change,) = classify_stack(old, new, REGION)
    assert change.action == REPLACED and "type" in change.problem


def test_a_named_resource_moved_to_another_logical_id_would_fail():
    old = template(Old=rule("quay"))
    new = template(New=rule("quay"))
    changes = by_id(classify_stack(old, new, REGION))
    assert changes["Old"].action == REMOVED and changes["New"].action == ADDED
    assert "quay already exists" in changes["New"].problem


def test_a_registry_policy_under_a_new_logical_id_is_cleared_by_the_old_ones_deletion():
    policy = {"Type": "AWS::ECR::RegistryPolicy", "Properties": {"PolicyText": {"Statement": []}}}
    changes = by_id(classify_stack(template(Old=policy), template(New=policy), REGION))
    assert "clears" in changes["New"].problem
    assert changes["Old"].loss  # the removal deletes the registry policy


@pytest.mark.parametrize(
    "kind, lost",
    [
        ("AWS::SecretsManager::Secret", True),
        ("AWS::ECR::RegistryPolicy", True),
        ("AWS::IAM::ManagedPolicy", True),
        ("AWS::ECR::RepositoryCreationTemplate", False),  # no rule of its prefix left: see the test below
        ("AWS::CloudWatch::Alarm", False),
    ],
)
def test_removals_that_lose_data_or_access(kind, lost):
    (change,) = classify_stack(template(X={"Type": kind, "Properties": {}}), template(), REGION)
    assert change.action == REMOVED and bool(change.loss) is lost and bool(change.fix) is lost


def test_a_repository_creation_template_removed_with_its_rule_loses_nothing():
    creation = {"Type": "AWS::ECR::RepositoryCreationTemplate", "Properties": {"Prefix": "quay"}}
    (template_gone, rule_gone) = classify_stack(template(T=creation, U=rule("quay")), template(), REGION)
    assert template_gone.loss is None and rule_gone.loss is None
    (kept_rule,) = classify_stack(template(T=creation, U=rule("quay")), template(U=rule("quay")), REGION)
    assert "ECR's defaults" in kept_rule.loss


def test_a_retained_secret_removed_loses_nothing():
    secret = {"Type": "AWS::SecretsManager::Secret", "Properties": {}, "DeletionPolicy": "Retain"}
    (change,) = classify_stack(template(X=secret), template(), REGION)
    assert change.loss is None


def test_a_replaced_managed_policy_loses_its_outside_attachments():
    old = template(P={"Type": "AWS::IAM::ManagedPolicy", "Properties": {"Description": "a", "PolicyDocument": {}}})
    new = template(P={"Type": "AWS::IAM::ManagedPolicy", "Properties": {"Description": "b", "PolicyDocument": {}}})
    (change,) = classify_stack(old, new, REGION)
    assert change.action == REPLACED and change.problem is None and "new ARN" in change.loss


def test_a_named_managed_policy_replaced_under_its_name_would_fail():
    def policy(path):
        return {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"ManagedPolicyName": "p", "Path": path}}

    (change,) = classify_stack(template(P=policy("/")), template(P=policy("/x/")), REGION)
    assert "p already exists" in change.problem


def test_a_dashboard_renamed_is_safe_and_kept_name_with_a_body_change_is_an_update():
    def board(name, body):
        return {"Type": "AWS::CloudWatch::Dashboard", "Properties": {"DashboardName": name, "DashboardBody": body}}

    (renamed,) = classify_stack(template(D=board("a", "{}")), template(D=board("b", "{}")), REGION)
    (edited,) = classify_stack(template(D=board("a", "{}")), template(D=board("a", "{1}")), REGION)
    assert (renamed.action, renamed.problem, edited.action) == (REPLACED, None, UPDATED)


def test_nested_create_only_paths():
    """AWS::S3::StorageLens: StorageLensConfiguration/Id is create-only, the rest of that property is not."""

    def lens(**configuration):
        return template(L={"Type": "AWS::S3::StorageLens", "Properties": {"StorageLensConfiguration": configuration}})

    (renamed,) = classify_stack(lens(Id="a", IsEnabled=True), lens(Id="b", IsEnabled=True), REGION)
    assert (renamed.action, renamed.properties) == (REPLACED, ("StorageLensConfiguration/Id",))
    (edited,) = classify_stack(lens(Id="a", IsEnabled=True), lens(Id="a", IsEnabled=False), REGION)
    assert (edited.action, edited.properties) == (UPDATED, ("StorageLensConfiguration",))


def test_unknown_types_update_in_place():
    old = template(X={"Type": "AWS::Unknown::Thing", "Properties": {"A": 1}})
    new = template(X={"Type": "AWS::Unknown::Thing", "Properties": {"A": 2}})
    assert classify_stack(old, new, REGION)[0].action == UPDATED


def test_stacks_added_removed_and_unchanged():
    t = template(Role=role())
    result = {s.stack: s.status for s in classify({"A": t, "B": t}, {"B": t, "C": t}, {})}
    assert result == {"A": REMOVED, "B": "unchanged", "C": ADDED}


def test_references_reads_ref_getatt_and_sub():
    value = {"a": {"Ref": "X"}, "b": {"Fn::GetAtt": "Y.Arn"}, "c": {"Fn::Sub": "${Z.Arn}/${AWS::Region}"}}
    assert references(value) == {"X", "Y", "Z"}


def test_the_spokes_named_consumer_policy_with_a_new_description_would_fail_with_organization_steps():
    def policy(description):
        props = {"ManagedPolicyName": {"Fn::Join": ["", ["ecr-ptc-consumer-", {"Ref": "AWS::Region"}]]}}
        return template(P={"Type": "AWS::IAM::ManagedPolicy", "Properties": {**props, "Description": description}})

    (change,) = classify_stack(policy("prefixes: a, b"), policy("prefixes: a, b, c"), REGION)
    assert change.properties == ("Description",) and "already exists" in change.problem
    assert "first without organization" in change.fix and change.loss is None


def managed(prefix: str = "quay") -> dict:
    return {
        "Type": "Custom::EcrPtcPullThroughCacheRule",
        "Properties": {"ServiceToken": "arn", "EcrRepositoryPrefix": prefix},
    }


def test_the_move_to_managed_rules_is_safe_only_from_retained_rules():
    retained = {**rule("quay"), "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}
    safe = by_id(classify_stack(template(Old=retained), template(New=managed()), REGION))
    assert not safe["New"].refused and not safe["Old"].refused
    lost = by_id(classify_stack(template(Old=rule("quay")), template(New=managed()), REGION))
    assert "deletes the old" in lost["New"].loss and "=retain" in lost["New"].fix


def test_a_managed_rule_updates_in_place_and_moving_back_to_the_resource_type_would_fail():
    old, new = managed(), managed()
    new["Properties"]["CredentialArn"] = "arn:aws:secretsmanager:eu-west-1:1:secret:ecr-pullthroughcache/a-AbCdEf"
    (change,) = classify_stack(template(R=old), template(R=new), REGION)
    assert (change.action, change.refused) == (UPDATED, False)
    back = by_id(classify_stack(template(New=managed()), template(Old=rule("quay")), REGION))
    assert "quay already exists" in back["Old"].problem
