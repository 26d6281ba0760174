"""What every command line shares: the two consoles and the common options and arguments.

Commands print results on ``out_console`` (stdout) and progress, warnings and errors on
``err_console`` (stderr).
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

out_console = Console()
err_console = Console(stderr=True)

config_option = click.option("--config", "-c", "config", type=click.Path(path_type=Path), default="shipit.yaml",
                             show_default=True, help="Path to shipit.yaml.")

release_dir_argument = click.argument("release_dir", type=click.Path(path_type=Path, file_okay=False, exists=True))
