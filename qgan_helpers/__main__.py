"""``python -m qgan_helpers``: see :mod:`qgan_helpers.cli`."""

import sys

from qgan_helpers.cli import main

if __name__ == "__main__":
    sys.exit(main())
