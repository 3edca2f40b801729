"""The library's name and version, sent in every event's context."""

LIB_NAME = "beaconlake-python"
__version__ = "0.1.0"
