# SPDX-License-Identifier: GPL-2.0+

from waiverdb.app import create_app
app = create_app()
