"""What every command line shares: the two consoles (:mod:`shipit.core.console`) and the common options
and arguments.

Commands print results on ``out_console`` (stdout) and progress, warnings and errors on
``err_console`` (stderr).
"""

from __future__ import annotations

from pathlib import Path

import click

from shipit.core.console import err_console, out_console

__all__ = ["config_option", "err_console", "out_console", "release_dir_argument"]

config_option = click.option("--config", "-c", "config", type=click.Path(path_type=Path), default="shipit.yaml",
                             show_default=True, help="Path to shipit.yaml.")

release_dir_argument = click.argument("release_dir", type=click.Path(path_type=Path, file_okay=False, exists=True))
