"""The installed package's version (recorded in every output's provenance)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mpanalysis")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"
