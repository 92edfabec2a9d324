"""MuscleSeed segmentation engine: a plain Python package that never imports Django.

See README.md in this folder for the public API.
"""

__version__ = "0.1.0"

LABEL_NAMES: tuple[str, ...] = ("background", "muscle", "liver")
