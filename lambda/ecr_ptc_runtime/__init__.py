"""Cache-warming runtime (stdlib + boto3): pull images through a pull-through cache so it holds them.

Modules: ``names`` (upstreams, image references, cache paths), ``registry`` (OCI registry HTTP client), ``warm`` (the
one warming implementation), ``refresh`` (re-warming: digests before and after, moved tags), ``ecr`` (Amazon ECR
specifics), ``handler`` (one Lambda entry point per trigger: the CloudFormation custom resource's
``on_event``/``is_complete``, the schedule, ECR's pull-through failure events), ``metrics`` (EMF metric lines),
``notify`` (readable pull-through failure messages), ``logs`` (JSON log lines, secrets redacted), ``errors``,
``allow`` (rules' allow/deny patterns and their IAM matcher), ``purge`` (list and delete the cache's repositories).
"""
