# -*- coding: utf-8 -*-

"""Module anitya"""

from importlib import metadata

__api_version__ = "1.2"
__version__ = metadata.version(__package__)
