"""posture: account security posture scanner."""

__version__ = "0.1.0"
