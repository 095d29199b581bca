"""``python -m hyperscout.cli``: the same as the ``hyperscout`` command."""

import sys

from ._main import main

sys.exit(main())
