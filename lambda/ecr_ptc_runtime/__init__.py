"""Cache-warming runtime (stdlib + boto3): pull images through a pull-through cache so it holds them.

Modules: ``names`` (upstreams, image references, cache paths), ``registry`` (OCI registry HTTP client), ``warm`` (the
one warming implementation), ``ecr`` (Amazon ECR specifics), ``handler`` (CloudFormation custom
resource: ``on_event``/``is_complete``), ``logs`` (JSON log lines, secrets redacted), ``errors``.
"""
