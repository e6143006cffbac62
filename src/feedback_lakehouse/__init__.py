"""feedback-lakehouse: customer feedback from bronze exports to gold themes."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("feedback-lakehouse")
except PackageNotFoundError:  # a source tree on the path without an install
    __version__ = "0.0.0"
