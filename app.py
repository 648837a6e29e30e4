#!/usr/bin/env python3
"""CDK entry point: `npx cdk synth [-c config=path/to/file.yaml]`."""
import sys

from aws_cdk import App

from ecr_ptc.errors import ValidationError
from ecr_ptc_app.config import ConfigError, load_config
from stacks.compose import add_checks, build_app


def main() -> None:
    app = App()
    path = app.node.try_get_context("config")
    try:
        config = load_config(path)
        for warning in config.warnings:
            print(f"warning: {config.file}: {warning}", file=sys.stderr)
        build_app(app, config)
    except ConfigError as err:
        sys.exit(f"error: {err}")
    except ValidationError as err:  # a construct-time check the loader could not see
        sys.exit(f"error: {path or 'config/default.yaml'}: {err}")
    add_checks(app)
    app.synth()


if __name__ == "__main__":
    main()
