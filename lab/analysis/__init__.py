"""What the numbers say: statistics, the run summary, comparisons of runs, and the self-checks.

Pure: functions of trial records and summaries.
"""
