"""MuscleSeed segmentation engine: a plain Python package that never imports Django.

See README.md in this folder for the public API.
"""

__version__ = "0.1.0"

LABEL_NAMES: tuple[str, ...] = ("background", "muscle", "liver")

# The architecture the engine benchmark shows best in accuracy per unit of CPU time (benchmarks/engine.py,
# results in benchmarks/results/engine.json); its options are networks.DEFAULT_OPTIONS.
DEFAULT_ARCH = "unet"
