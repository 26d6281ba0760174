"""shipit: turn a backend service's repository into a verifiable release and an operations handoff."""

# The one place the version is written (pyproject.toml reads it from here): reading the installed
# distribution's metadata instead would cost `shipit --help` a third of its start-up time.
__version__ = "0.1.0"
