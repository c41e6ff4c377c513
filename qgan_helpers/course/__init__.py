"""Course tooling: what the pages and the classroom need, apart from the science.

* :mod:`qgan_helpers.course.page` -- page helpers: :func:`~qgan_helpers.course.page.glue` that
  works in the book build and anywhere else (Colab, a plain Jupyter), and the figure style.
* :mod:`qgan_helpers.course.release` -- the student release: notebooks and package without solutions,
  a zip, and the proof that no solution text is in it (``make student``).
* :mod:`qgan_helpers.course.grading` -- the grader: sandboxed, parallel, unforgeable; points, totals,
  a Canvas gradebook and a manual-grading sheet (``python -m qgan_helpers.grading``).
"""
