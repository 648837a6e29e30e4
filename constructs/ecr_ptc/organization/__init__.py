"""Organization rollout: one hub cache, a spoke in every member account and Region via CloudFormation StackSets.

Modules: ``settings`` (``OrganizationSettings`` and its parts, ``spoke_rules``: no CDK), ``waves`` (StackSets
quotas and the wave arithmetic ``ecr-ptc org plan`` prints: no CDK), ``policy`` (pure IAM builders for the
hub's grants and the spoke's role), ``spoke`` (``SpokeCache``, ``SpokeStack``: the StackSet's template),
``selection`` (which accounts get a spoke: no CDK), ``stack_set`` (``SpokeStackSet``) and ``organization_cache`` (``OrganizationCache``, which ties hub, spoke and
StackSet together).

Importing the package loads none of them; the public names are exported lazily from ``ecr_ptc``
(``from ecr_ptc import OrganizationSettings`` starts no jsii runtime).
"""
