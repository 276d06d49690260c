"""``python -m wast_runner`` is the ``wast-runner`` command."""
import sys

from .cli import main

sys.exit(main())
