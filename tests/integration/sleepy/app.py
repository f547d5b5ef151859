"""Stuck at start-up, as an app waiting for a database that never comes: alive, silent."""

import sys
import time

print("sleepy: waiting for a database that never comes", file=sys.stderr, flush=True)
time.sleep(3600)
app = None
