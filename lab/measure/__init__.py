"""What one trial measured: wrk's JSON, CPU accounting, answer checks, calibration.

Pure: functions of raw output (wrk's line, two stats snapshots, a probe report).
"""
