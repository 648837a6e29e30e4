"""ecr_ptc: an Amazon ECR pull-through cache as CDK constructs."""
from .errors import ValidationError

__all__ = ["ValidationError"]
