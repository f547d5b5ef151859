"""What a run folder holds: the trial record, the formats and their versions, the writer and reader.

Pure data and files: no Docker, no subprocess, no clock.
"""
