"""What one trial measured, interpreted: wrk's JSON, CPU accounting, answer checks, calibration.

Pure: functions of raw output (wrk's line, two stats snapshots, a probe report), never of the engine.
"""
