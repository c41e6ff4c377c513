"""``python -m qgan_helpers.grading``: the grader's command line, kept at this short name.

The grader lives in :mod:`qgan_helpers.course.grading`, its command line in
:mod:`qgan_helpers.course.grading.cli` (``python -m qgan_helpers.course.grading`` runs it too).
"""

import sys

from qgan_helpers.course.grading.cli import main

if __name__ == "__main__":
    sys.exit(main())
