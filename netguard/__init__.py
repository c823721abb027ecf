"""netguard: audit government office networks for antivirus, password rotation and isolation."""

__version__ = "0.1.0"
