"""The baseline: a hand-written app of bare L1 resources with the default config's rules."""

from aws_cdk import App, Stack
from aws_cdk import aws_ecr as ecr

RULES = [("ecr-public", "public.ecr.aws"), ("k8s", "registry.k8s.io"), ("quay", "quay.io")]

app = App()
stack = Stack(app, "Bare")
for prefix, url in RULES:
    ecr.CfnPullThroughCacheRule(
        stack, f"Rule{prefix}", ecr_repository_prefix=prefix, upstream_registry=prefix, upstream_registry_url=url
    )
app.synth()
