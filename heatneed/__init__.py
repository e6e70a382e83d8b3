"""heatneed: rank districts by cold-exposure risk when homes lose heat and power."""

__version__ = "0.1.0"
