"""shipit: turn a backend service's repository into a verifiable release and an operations handoff."""

from importlib.metadata import PackageNotFoundError, version as _dist_version

try:
    __version__ = _dist_version("shipit")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.1.0"
