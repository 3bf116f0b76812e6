"""``python -m dexgen.cli``: the ``dexgen`` command."""

import sys

from dexgen.cli.main import main

sys.exit(main())
