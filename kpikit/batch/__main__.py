"""``python -m kpikit.batch``."""

import sys

from kpikit.batch import main

sys.exit(main())
