"""bare.py's app, with 64 MiB held by every worker that imports it.

gunicorn imports the app in each worker after the fork (no --preload), so each worker
allocates its own ballast. Every page is written: an untouched page of a large
allocation is never resident, and would not count.
"""

import bare

BALLAST_MIB = 64
PAGE = 4096

BALLAST = bytearray(BALLAST_MIB * 1024 * 1024)
BALLAST[::PAGE] = b"\x01" * (len(BALLAST) // PAGE)

app = bare.app
