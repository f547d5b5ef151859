"""lab: a containerized, reproducible benchmark lab for Python web servers."""

__version__ = "0.1.0"
