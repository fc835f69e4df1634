"""``python -m qa_analysis``: the same command as ``qa-analysis`` (handy where Scripts/ is not on PATH)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
