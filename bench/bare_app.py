"""The baseline: a hand-written app of bare L1 resources with the default config's rules.

With ``-c bare-nag=true`` the same app also runs cdk-nag's AwsSolutions plugin, which is what cdk-nag
costs any app that checks every synth (the bench compares the app with both).
"""

from aws_cdk import App, Stack
from aws_cdk import aws_ecr as ecr

RULES = [("ecr-public", "public.ecr.aws"), ("k8s", "registry.k8s.io"), ("quay", "quay.io")]

app = App()
stack = Stack(app, "Bare")
for prefix, url in RULES:
    ecr.CfnPullThroughCacheRule(
        stack, f"Rule{prefix}", ecr_repository_prefix=prefix, upstream_registry=prefix, upstream_registry_url=url
    )
if str(app.node.try_get_context("bare-nag")).lower() == "true":
    from aws_cdk import Validations
    from cdk_nag import AwsSolutionsChecks

    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
app.synth()
