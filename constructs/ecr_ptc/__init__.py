"""ecr_ptc: an Amazon ECR pull-through cache as CDK constructs."""
from .cache import PullThroughCache
from .errors import ValidationError
from .settings import AccessSettings, Encryption, RepositorySettings, ScanOnPush, TagMutability
from .upstream import UpstreamCredentials, UpstreamRule

__all__ = [
    "AccessSettings",
    "Encryption",
    "PullThroughCache",
    "RepositorySettings",
    "ScanOnPush",
    "TagMutability",
    "UpstreamCredentials",
    "UpstreamRule",
    "ValidationError",
]
