"""Every key of every shipped config, given a value of another shape, is a clear mistake or still fine:
never a traceback. The property test draws such mistakes at random; this walks all of them."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from ecr_ptc_app.config import ConfigError, load_config

CONFIGS = sorted((Path(__file__).parents[3] / "config").glob("*.yaml"))
SHAPES = (None, [], {}, 5, 1.5, True, "x", ["x"], {"x": 1}, [["x"]], [{"x": 1}])


def key_paths(value: Any, path: tuple = ()) -> Iterator[tuple]:
    """The path of every value below the document (mapping keys and list indexes)."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        yield (*path, key)
        yield from key_paths(item, (*path, key))


@pytest.mark.parametrize("config", CONFIGS, ids=[c.stem for c in CONFIGS])
def test_a_value_of_another_shape_is_reported_with_its_key_and_a_fix(config, tmp_path):
    document = yaml.safe_load(config.read_text())
    path_file, wrong = tmp_path / "config.yaml", []
    for path in key_paths(document):
        for shape in SHAPES:
            changed = copy.deepcopy(document)
            parent = changed
            for key in path[:-1]:
                parent = parent[key]
            parent[path[-1]] = copy.deepcopy(shape)
            path_file.write_text(yaml.safe_dump(changed))
            try:
                load_config(path_file)
            except ConfigError as err:
                text = "\n".join(err.lines())
                named = [key for key in path if isinstance(key, str)][-1]
                if named not in text or "Fix:" not in text:
                    wrong.append(f"{path} = {shape!r}: {text}")
            except Exception as exc:  # noqa: BLE001 - what a user would see as a traceback
                wrong.append(f"{path} = {shape!r}: {type(exc).__name__}: {exc}")
    assert not wrong, "\n".join(wrong[:10])
