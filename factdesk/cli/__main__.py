"""``python -m factdesk.cli``: the same as the ``factdesk`` script."""

import sys

from factdesk.cli import main

sys.exit(main())
