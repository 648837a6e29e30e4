"""Cache-warming runtime (stdlib + boto3): pull images through a pull-through cache so it holds them.

Modules: ``upstreams`` (the upstream registry table), ``images`` (images in the cache, platforms, cache
paths), ``references`` (references as workloads write them), ``mapping`` (reference -> rule and cache URI),
``patterns`` (that mapping as regular expressions), ``names`` (all of those names, for older imports), ``registry`` (OCI registry HTTP client), ``warm`` (the
one warming implementation), ``refresh`` (re-warming: digests before and after, moved tags), ``ecr`` (Amazon ECR
specifics), ``handler`` (one Lambda entry point per trigger: the CloudFormation custom resource's
``on_event``/``is_complete``, the schedule, ECR's pull-through failure events), ``metrics`` (EMF metric lines),
``notify`` (readable pull-through failure messages), ``logs`` (JSON log lines, secrets redacted), ``errors``,
``allow`` (rules' allow/deny patterns and their IAM matcher), ``purge`` (list and delete the cache's repositories).
"""
