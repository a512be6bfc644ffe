"""samtal: yearly employee dialogues run through Microsoft 365."""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("samtal")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
