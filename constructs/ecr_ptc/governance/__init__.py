"""Governance of what the stacks create: IAM permissions boundary and role path, resource tags.

Modules: ``settings`` (``RoleGovernance``, ``check_resource_tags``; no CDK), ``aspects``
(``apply_role_governance``, ``apply_resource_tags``). Importing the package loads none of them.
"""
