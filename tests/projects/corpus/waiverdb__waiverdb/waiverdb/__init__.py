# SPDX-License-Identifier: GPL-2.0+
__version__ = '1.4.0'
