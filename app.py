#!/usr/bin/env python3
"""CDK entry point: `npx cdk synth [-c config=path/to/file.yaml]`."""

import os
import sys

# jsii prints a Node end-of-life banner on every synth unless told it was seen; set before
# aws_cdk starts its Node runtime, so every way of running the app (make, npx cdk, python) is quiet.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from aws_cdk import App  # noqa: E402 - after the environment above

from ecr_ptc.errors import ValidationError  # noqa: E402
from ecr_ptc_app.config import ConfigError, load_config  # noqa: E402
from ecr_ptc_stacks.compose import add_checks, build_app  # noqa: E402


def main() -> None:
    app = App()
    path = app.node.try_get_context("config")
    try:
        # Warnings are not printed here: the constructs annotate each one, and cdk synth shows those once.
        build_app(app, load_config(path))
    except ConfigError as err:
        sys.exit("\n".join(f"error: {line}" for line in err.lines()))
    except ValidationError as err:  # a construct-time check the loader could not see
        sys.exit(f"error: {path or 'config/default.yaml'}: {err}")
    add_checks(app)
    app.synth()


if __name__ == "__main__":
    main()
