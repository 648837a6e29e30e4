"""Reading synthesized templates: intrinsic functions flattened to text, IAM statements collected."""

from __future__ import annotations

from typing import Any, Iterator


def flat(value: Any) -> Any:
    """Fn::Join, Ref and Fn::GetAtt as readable text: {'Ref': 'AWS::Region'} -> '<AWS::Region>'."""
    if isinstance(value, dict):
        if "Fn::Join" in value:
            sep, parts = value["Fn::Join"]
            return sep.join(str(flat(p)) for p in parts)
        if "Ref" in value:
            return f"<{value['Ref']}>"
        if "Fn::GetAtt" in value:
            return "<{}.{}>".format(*value["Fn::GetAtt"])
        return {k: flat(v) for k, v in value.items()}
    if isinstance(value, list):
        return [flat(v) for v in value]
    return value


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def normalised(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Statements flattened, with Action, Resource and AWS principals as sorted lists: the app's
    ``@aws-cdk/aws-iam:minimizePolicies`` flag sorts them and turns one-item lists into strings."""
    result = []
    for statement in flat(statements):
        statement = dict(statement)
        for key in ("Action", "Resource"):
            if key in statement:
                statement[key] = sorted(as_list(statement[key]))
        if isinstance(statement.get("Principal"), dict) and "AWS" in statement["Principal"]:
            statement["Principal"] = {**statement["Principal"], "AWS": sorted(as_list(statement["Principal"]["AWS"]))}
        result.append(statement)
    return result


def of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}


def props(template: dict[str, Any], kind: str, **match: Any) -> dict[str, Any]:
    """The properties of the one resource of ``kind`` whose properties include ``match``."""
    found = [
        r.get("Properties", {})
        for r in of_type(template, kind).values()
        if all(r.get("Properties", {}).get(k) == v for k, v in match.items())
    ]
    assert len(found) == 1, f"{len(found)} {kind} resources match {match}"
    return found[0]


def logical_id(template: dict[str, Any], kind: str, **match: Any) -> str:
    found = [
        k
        for k, r in of_type(template, kind).items()
        if all(r.get("Properties", {}).get(key) == v for key, v in match.items())
    ]
    assert len(found) == 1, f"{len(found)} {kind} resources match {match}"
    return found[0]


def iam_statements(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(logical id, statement) for every identity-policy statement: policies, managed policies, role inline."""
    for key, resource in template["Resources"].items():
        properties = resource.get("Properties", {})
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            documents = [properties["PolicyDocument"]]
        elif resource["Type"] == "AWS::IAM::Role":
            documents = [p["PolicyDocument"] for p in properties.get("Policies", [])]
        else:
            continue
        for document in documents:
            for statement in document["Statement"]:
                yield key, statement
