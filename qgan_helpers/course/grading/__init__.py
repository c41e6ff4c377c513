"""The course's grader: isolated, parallel, unforgeable grading of handed-in notebooks.

* :mod:`.sandbox` -- a throw-away folder per submission, limits, namespaces (no network, hidden files);
* :mod:`.worker` -- runs inside the sandbox: executes cells, calls the student's answers on request;
* :mod:`.codec` -- the only way data leaves the sandbox: JSON and raw arrays, never pickles;
* :mod:`.remote` -- the student's answer as seen by the checks, which run in the grader's process;
* :mod:`.job` -- one submission from notebook to verdicts;
* :mod:`.batch` -- a class: identities, a roster, ``--jobs N`` in parallel, results written as they come;
* :mod:`.manual` -- written answers and project rubrics for manual grading;
* :mod:`.reports` -- grades, per-student totals, the Canvas gradebook CSV and the manual-grading sheet.

The command line is ``python -m qgan_helpers.grading`` (see :mod:`qgan_helpers.course.grading.cli`).
"""
