"""What to run: apps and scenarios, the run configuration, CPU placement and the trial plan.

Pure: no Docker, no subprocess, no clock. All of it is decided before the first image is built.
"""
