"""The checks of ``ecr-ptc doctor``: read-only AWS calls compared with what the config deploys.

Each check ends as one :class:`~ecr_ptc_app.doctor.context.Check`: ``ok``, ``problem`` (with the exact fix)
or ``could-not-check`` (the IAM action that was denied, or why the call failed). A call the credentials may
not make never stops the others. No check writes anything, and none triggers an image import: images are
looked at with ``ecr:DescribeImages`` only (a ``BatchGetImage`` would pull from the upstream). Secret values
are read to check their shape and registered with the runtime's redaction, so no output can carry them.

What the config deploys comes from its owners, not from copies: the first-pull actions, the template role's
actions and the registry and repository policies from ``ecr_ptc.cache.policy``, the scanning configuration
from ``ecr_ptc.cache.registry_settings.merged_scanning``, the placeholder and the secret name of ``credentials:
{create: true}`` from ``ecr_ptc.cache.pull_through_cache``, each template's settings from the rule's own
``RepositorySettings`` (else the default), the stack name from ``ecr_ptc_stacks.compose``. Policies are
compared statement by statement (lists sorted, an account id and its root ARN alike), so a statement
someone added by hand is named too: the next deploy removes it. Those construct modules start the
CDK's jsii runtime (about a second, and Node.js, as ``cdk synth`` needs), which is why ``doctor`` alone of
the day-two commands loads them, and only inside the check functions.

Modules: ``aws`` (the call wrapper, the session), ``context`` (who asks, where, the checks found so far;
the areas and statuses), ``run`` (every check in order), and one module per area: ``identity``,
``rules`` (rules and upstream logins), ``secrets``, ``templates`` (and their role), ``registry_wide``
(registry policy, scanning), ``principal``, ``images``, ``spoke`` (a member account's spoke, instead of the
others); ``policies`` compares policies and simulates IAM; ``lists`` reads the rules' allow and deny lists (which
one refuses an image, a name they let in).
This ``__init__`` imports nothing.
"""
