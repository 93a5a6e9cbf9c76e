"""civicforum: an embeddable community forum for public institutions."""

from .errors import ConfigError as ConfigError
from .extension import CivicForum as CivicForum
from .hookspecs import hookimpl as hookimpl

__version__ = "0.1.0.dev0"
