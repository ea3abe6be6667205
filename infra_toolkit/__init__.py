"""infra_toolkit: plan infrastructure changes with numbers you can defend in a review.

Data flows one way: traffic -> simulate (HPA, pods, nodes) -> cost -> plan report -> approval.
Each stage is its own module; see docs/DESIGN.md for the map.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("infra_toolkit")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
