# SPDX-FileCopyrightText: Contributors to the Fedora Project
#
# SPDX-License-Identifier: MIT

from .destination import Destination
from .filter import Filter
from .generated import Generated
from .generation_rule import GenerationRule
from .rule import Rule
from .tracking_rule import TrackingRule
from .user import User
