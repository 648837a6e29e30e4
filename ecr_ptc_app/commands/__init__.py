"""The ``ecr-ptc`` commands: one module each, listed in ``COMMANDS`` in the order ``ecr-ptc --help`` shows them.

Each module exposes ``add_parser(subparsers) -> argparse.ArgumentParser`` (it sets ``func=run``) and
``run(args) -> int``: 0 done, 1 work failed, 2 bad input. Results go to stdout; progress and errors to stderr,
each error with a ``Fix:`` line. A command module imports only the standard library at import time and calls
library code (the config loader, ``ecr_ptc``, ``ecr_ptc_runtime``) from ``run``. A new command is a new module
here and one entry in ``COMMANDS``.
"""

from . import doctor, org, plan, purge, rewrite, uri, validate, warm

COMMANDS = (validate, warm, doctor, uri, rewrite, org, plan, purge)
