"""Course tooling: what the pages and the classroom need, apart from the science.

* :mod:`qgan_helpers.course.page` -- page helpers: :func:`~qgan_helpers.course.page.glue` that
  works in the book build and anywhere else (Colab, a plain Jupyter), and the figure style.
"""
