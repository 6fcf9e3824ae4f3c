"""``python -m cli``: the `legalkg` command."""
import sys

from .main import main

sys.exit(main())
