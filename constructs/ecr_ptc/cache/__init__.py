"""The cache: pull-through cache rules, repository creation templates, registry policies and IAM.

Modules: ``rules`` (``UpstreamRule``, ``UpstreamCredentials``), ``settings`` (``RepositorySettings``,
``AccessSettings``, ``Encryption``), ``policy`` (pure IAM statement builders), ``inputs``
(the construct's input checks), ``pull_through_cache`` (the ``PullThroughCache`` construct). Importing the package loads none of them.
"""
