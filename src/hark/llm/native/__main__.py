"""``python -m hark.llm.native``: see :func:`hark.llm.native.cli.main`."""

import sys

from .cli import main

sys.exit(main())
