"""goldenpath-audit: static audit and migration of pytest test suites."""

__version__ = "0.1.0"
