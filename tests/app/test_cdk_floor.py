"""The lowest aws-cdk-lib pyproject.toml allows has every aws_cdk name and keyword the code uses.

Static and cheap: the code's uses (tests/app/cdk_floor.py) must be among those recorded as checked
against the floor versions. `make cdk-floor` installs the floor apart, records the surface anew and
runs the construct and app tests on it.
"""

from __future__ import annotations

from importlib.metadata import version

from .cdk_floor import SURFACE_FILE, check, floors, product_files, read_surface, used_surface

FIX = (
    "check it against the floor: `make cdk-floor` (installs aws-cdk-lib, constructs and cdk-nag at the "
    "floor versions into .venv/cdk-floor, records tests/app/cdk_floor_surface.txt and runs the tests there); "
    "if the floor lacks it, raise the floor in pyproject.toml (and the README's supported range) or use another API"
)


def test_every_name_the_code_uses_was_checked_against_the_floor():
    recorded_versions, recorded = read_surface()
    assert recorded_versions == floors(), f"{SURFACE_FILE.name} was recorded for other versions: {FIX}"
    unchecked = sorted(used_surface(product_files()) - recorded)
    assert not unchecked, f"not checked against the floor: {unchecked}; {FIX}"


def test_the_surface_finder_sees_real_names():
    """Everything found exists in the installed (pinned) versions: the finder reads the code right."""
    used = used_surface(product_files())
    assert {"aws_cdk.aws_lambda.Function(handler=)", "aws_cdk.Validations.of", "constructs.Construct"} <= used
    missing = {item: problem for item in sorted(used) if (problem := check(item))}
    assert not missing, missing


def test_the_checker_refuses_what_does_not_exist():
    assert check("aws_cdk.aws_lambda.Runtime.PYTHON_2_1") == "aws_cdk.aws_lambda.Runtime has no PYTHON_2_1"
    assert (
        check("aws_cdk.aws_lambda.Function(no_such_prop=)")
        == "aws_cdk.aws_lambda.Function takes no keyword 'no_such_prop'"
    )
    assert check("aws_cdk.aws_no_such_service.Thing") == "aws_cdk has no aws_no_such_service"


def test_the_pinned_versions_are_within_the_declared_ranges():
    from packaging.requirements import Requirement

    from .cdk_floor import project

    for line in project()["project"]["dependencies"]:
        req = Requirement(line)
        assert version(req.name) in req.specifier, f"installed {req.name} {version(req.name)} is outside {line}"
