"""``python -m kpikit.sample``."""

import sys

from kpikit.sample import main

sys.exit(main())
