"""``python -m qgan_helpers.course.grading``: the same command line as ``python -m qgan_helpers.grading``."""

import sys

from qgan_helpers.course.grading.cli import main

sys.exit(main())
