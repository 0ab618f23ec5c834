"""``python -m kpikit.batch``."""

import signal
import sys

# A Ctrl-C while the kit is still being imported ends the program quietly (kpikit.batch.interrupt).
for _sig in (signal.SIGINT, signal.SIGTERM):
    signal.signal(_sig, lambda signum, frame: sys.exit(128 + signum))

from kpikit.batch import main  # noqa: E402

sys.exit(main())
