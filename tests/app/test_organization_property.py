"""Property: every spoke that `ecr-ptc validate` accepts passes cdk-nag, cfn-lint and the IAM lint, and the
app's construct-time checks (hub, StackSet, spoke) accept what validate accepted (validate and synth agree).

The main property test (test_property.py) synthesizes whole apps and lints their top-level stacks; a
spoke sits in a nested Stage, so there only cdk-nag sees it. Here hypothesis draws whole config files
with an organization (every other key as test_property.py draws it), and the spoke alone is synthesized
(no hub, no warmer: about two seconds) and linted in its target Regions, as an account there gets it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.stable_draws import import_product_modules

from .config_strategy import OMIT, SECTIONS, Draft, Section, config_documents, organization_valid
from .iam_lint import problems as iam_problems
from .lint import findings

import_product_modules()  # the same examples in any test order (tests/stable_draws.py)

EXAMPLES = int(os.environ.get("ECR_PTC_SPOKE_PROPERTY_EXAMPLES", "8"))


def _organization_always(ctx):
    return organization_valid(ctx).filter(lambda value: value is not OMIT)


# environments never (the hub is the environment), organization always, the rest as usual
ORGANIZATION_SECTIONS = (
    Section("environments", lambda ctx: st.just(OMIT), lambda ctx: st.nothing()),
    Section("organization", _organization_always, lambda ctx: st.nothing()),
    *(s for s in SECTIONS if s.key not in ("environments", "organization")),
)


def spoke_template(config, outdir: Path) -> dict:
    from aws_cdk import App, Stage, Validations
    from cdk_nag import AwsSolutionsChecks

    from ecr_ptc.organization.spoke import SpokeStack
    from ecr_ptc_stacks.governance import govern

    from .synth import CONTEXT

    app = App(context=dict(CONTEXT), outdir=str(outdir))
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    spoke = SpokeStack(
        Stage(app, "EcrPtcSpoke"),
        "Template",
        hub_rules=config.rules,
        repositories=config.repositories,
        prefix_repositories=config.prefix_repositories,
        settings=config.organization,
    )
    govern([spoke], config)
    (template,) = [s.template for s in app.synth().stacks_recursively if s.stack_name == spoke.stack_name]
    return template


def hub_construct_refusal(config) -> "str | None":
    """What the app's construct-time checks (hub cache stack, StackSet stack, spoke) refuse in ``config``,
    or None: everything synth checks before writing templates (the templates are the spoke's question)."""
    from aws_cdk import App

    from ecr_ptc.errors import ValidationError
    from ecr_ptc_stacks.compose import build_app

    from .synth import CONTEXT

    try:
        build_app(App(context=dict(CONTEXT)), config)
    except ValidationError as err:
        return str(err)
    return None


@pytest.mark.synth
def test_accepted_spokes_are_deployable(tmp_path):
    from ecr_ptc_app.config import ConfigError, load_config

    checked = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=tuple(p for p in Phase if p not in (Phase.shrink, Phase.explain)),
        print_blob=False,
        suppress_health_check=list(HealthCheck),
    )
    @given(draft=config_documents(near_miss_chance=None, sections=ORGANIZATION_SECTIONS))
    def spokes(draft: Draft) -> None:
        path = tmp_path / "config.yaml"
        path.write_text(draft.text)
        try:
            config = load_config(path)
        except ConfigError:  # whether validate refuses rightly is test_property.py's question
            return
        hub_refusal = hub_construct_refusal(config)  # validate and synth agree: what validate took, synth takes
        assert hub_refusal is None, (
            f"validate accepted, synth refused: {hub_refusal}\n--- config.yaml ---\n{draft.text}"
        )
        outdir = tmp_path / "cdk.out"
        try:
            template = spoke_template(config, outdir)
        finally:
            shutil.rmtree(outdir, ignore_errors=True)
        found = []
        for region in config.organization.targets.regions[:2]:
            found += [f"cfn-lint {region}: {p}" for p in findings(template, region)]
            found += [f"IAM lint {region}: {p}" for p in iam_problems(template, region=region, account="333344445555")]
        assert not found, "\n".join(found) + f"\n--- config.yaml ---\n{draft.text}"
        checked.append(len(template["Resources"]))

    spokes()
    assert len(checked) >= EXAMPLES // 2, checked  # most drafts are accepted and their spokes checked
