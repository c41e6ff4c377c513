"""Course tooling: what the pages and the classroom need, apart from the science.

For the pages:

* :mod:`.page` -- :func:`~qgan_helpers.course.page.glue` that works in the book build and anywhere
  else (Colab, a plain Jupyter), tables, and the figure style;
* :mod:`.quiz` -- self-check quizzes that answer offline on the site;
* :mod:`.results` -- the checked-in benchmark results (``qgan_helpers/results/*.json``) turned into
  the rows and series a page shows.

For the exercises and the classroom:

* :mod:`.checks` -- one checker per exercise (``exercise("ex-devices-bell").check(answer)``);
  :mod:`.solutions` holds the reference solutions (the instructor's copy only);
* :mod:`.edition` -- the student site's configuration and ``python -m qgan_helpers.course.edition``;
  :mod:`.leaks` -- the check that no solution text reaches the student site;
* :mod:`.release` and :mod:`.student_notebooks` -- the student release: notebooks and package without
  solutions, a zip, and the proof that no solution text is in it (``make student``);
* :mod:`.grading` -- the grader: sandboxed, parallel, unforgeable; points, totals, a Canvas gradebook
  and a manual-grading sheet (``python -m qgan_helpers.grading``).

Nothing in the science subpackages imports from here: the course sits on top of the package.
"""
