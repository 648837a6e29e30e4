"""The workstation: a Cloud9 environment or an EC2 instance to repeat the walkthrough's pull test from.

Modules: ``settings`` (the checked ``workstation`` block), ``instance_types`` (botocore's list and
architectures), ``role`` (the workstation's IAM role), ``smoke_test`` (the pull test as shell),
``base`` (what both kinds share), ``cloud9`` and ``ec2`` (the two kinds), ``network`` (the ec2
kind's own one-subnet VPC), ``kinds`` (kind -> construct). Importing the package loads none of them,
so the settings can be checked without starting the CDK's jsii runtime.
"""
