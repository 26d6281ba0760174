# SPDX-License-Identifier: GPL-2.0+

from .base import db  # noqa: F401
from .waivers import Waiver  # noqa: F401
