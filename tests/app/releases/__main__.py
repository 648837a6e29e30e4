"""``python -m tests.app.releases record VERSION``: write the release fixtures of the current checkout.

Run once, on the release commit, when VERSION is released (README "Releasing"); refuses to overwrite a
version already recorded, since a released version's templates never change.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from . import HERE, write


def record(version: str) -> int:
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    target = HERE / version
    if target.exists():
        print(
            f"error: {target} exists.\n  Fix: a released version's fixtures never change; delete it only if "
            "VERSION was never released",
            file=sys.stderr,
        )
        return 2
    from ..synth import ROOT, normalise, synth_all

    for config in sorted((ROOT / "config").glob("*.yaml")):
        with tempfile.TemporaryDirectory() as out:
            templates = {name: normalise(t) for name, t in synth_all(config, Path(out)).items()}
        for path in write(target / config.stem, templates):
            print(path.relative_to(ROOT))
    return 0


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "record":
        print("usage: python -m tests.app.releases record VERSION", file=sys.stderr)
        return 2
    return record(argv[1])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
