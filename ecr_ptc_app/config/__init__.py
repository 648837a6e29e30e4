"""The YAML config file -> typed construct props.

The rules themselves live in the construct library (``ecr_ptc``); this package only knows the file: its
keys (camelCase of the props' snake_case names), its lines, and where it is. Modules by concern:
``errors`` (mistakes as people read them, names as the file spells them), ``shapes`` (YAML values: mappings,
lists, text, a props class from a mapping), ``keys`` (one builder per config key), ``checks`` (across keys,
once they are built: organization, Regions, locations), ``model`` (``AppConfig``) and ``loader``.

The public names are imported here (``from ecr_ptc_app.config import load_config``): unlike the construct
library's subpackages this one has no heavy module to keep from loading (no CDK, no jsii).
"""

from __future__ import annotations

from .errors import ConfigError, Problem, camel, camel_path, camel_words, for_file, snake
from .keys import CONFIG_DIR
from .loader import build, build_all, load_config
from .model import DEFAULT_CONFIG, PROJECT_ROOT, TOP_KEYS, AppConfig, Environment, default_config
from .shapes import text_problems

__all__ = [
    "AppConfig",
    "CONFIG_DIR",
    "ConfigError",
    "DEFAULT_CONFIG",
    "Environment",
    "PROJECT_ROOT",
    "Problem",
    "TOP_KEYS",
    "build",
    "build_all",
    "camel",
    "camel_path",
    "camel_words",
    "default_config",
    "for_file",
    "load_config",
    "snake",
    "text_problems",
]
