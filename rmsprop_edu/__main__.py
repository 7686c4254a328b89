"""``python -m rmsprop_edu`` is the ``rmsprop-edu`` command."""

import sys

from .cli import main

sys.exit(main())
