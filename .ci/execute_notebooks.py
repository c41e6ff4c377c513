"""Execute notebooks into the site build's jupyter-cache, and fail loudly if any of them fails.

``make execute`` runs this before the site build::

    python .ci/execute_notebooks.py --cache _build/.jupyter_cache --jobs 2 --timeout 300 book/*.ipynb

It replaces ``jcache project execute --executor local-parallel``, which exits 0 and prints "Successfully
executed notebooks have been cached." even when a notebook raised or timed out: such a notebook is only
listed under ``excepted:`` and left out of the cache, and the site build then quietly executes it a
second time, so a notebook that hangs once in a while never shows up as a failure.

What this script does, per notebook not yet in the cache (as jupyter-cache itself decides it):

* executes it with jupyter-cache's own :func:`~jupyter_cache.executors.utils.single_nb_execution`
  (nbclient, kernel started in the notebook's folder, errors not allowed, ``--timeout`` seconds per
  cell), ``--jobs`` notebooks at a time, each in its own worker process;
* on success, stores the executed notebook in the cache exactly as ``jcache`` does, so that the site
  build (``execute_notebooks: cache`` in ``_config.yml``) finds it and does not execute it again;
* on failure (a cell raising, a cell running past the timeout -- which includes a kernel that stops
  responding --, a kernel that dies or never starts, outputs that never arrive), records the traceback
  in the cache (``jcache notebook list`` shows it as failed) and prints the notebook, the cell and the
  first lines of the error.

Only the parent process writes to the cache database (the workers return the executed notebooks), so
parallel runs never contend for the SQLite file. The exit status is 1 if any notebook failed or is not
in the cache afterwards, 2 for bad arguments, 0 otherwise.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import multiprocessing
import re
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["NotebookResult", "execute_one", "main", "parse_args", "run"]

#: How many lines of an error are printed under the failed notebook's name.
ERROR_LINES = 12

#: Seconds nbclient waits for a cell's outputs once the kernel has replied. nbclient's default (4 s)
#: only logs a warning when it runs out and then keeps the cell with whatever outputs have arrived,
#: which on a loaded machine can silently drop a figure or a glued value; here it is an error.
IOPUB_TIMEOUT = 60

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass
class NotebookResult:
    """What happened to one notebook.

    Attributes
    ----------
    uri : str
        Absolute path of the notebook (the key of its jupyter-cache project record).
    ok : bool
        True if every cell ran without an error and within the timeout.
    seconds : float
        Wall-clock time of the execution (reported, never checked).
    nb : dict or None
        The executed notebook (an ``nbformat.NotebookNode``) when ``ok``, else None.
    error : str
        One line: the exception's type and message (empty when ``ok``).
    details : list of str
        The first lines of the error, without terminal colours (empty when ``ok``).
    traceback : str
        The full text stored in the cache's project record (empty when ``ok``).
    cell : int or None
        Index (among all cells) of the last cell sent to the kernel, if any.
    """

    uri: str
    ok: bool
    seconds: float = 0.0
    nb: Any = None
    error: str = ""
    details: list[str] = field(default_factory=list)
    traceback: str = ""
    cell: int | None = None


def _plain_lines(text: str, limit: int = ERROR_LINES) -> list[str]:
    """The first ``limit`` non-blank lines of ``text`` with ANSI colour codes removed."""
    lines = [line.rstrip() for line in _ANSI.sub("", text).splitlines()]
    return [line for line in lines if line.strip()][:limit]


def _describe(err: BaseException) -> tuple[str, list[str]]:
    """A one-line summary and the first lines of an execution error.

    Parameters
    ----------
    err : BaseException
        What :func:`single_nb_execution` or nbclient raised.

    Returns
    -------
    tuple of (str, list of str)
    """
    name = type(err).__name__
    lines = _plain_lines(str(err), ERROR_LINES + 1)
    ename, evalue = getattr(err, "ename", None), getattr(err, "evalue", None)
    if ename:  # a cell raised: nbclient's CellExecutionError carries the kernel's exception
        return f"{name}: {ename}: {evalue}", lines[:ERROR_LINES]
    if not lines:
        return name, []
    return f"{name}: {lines[0]}", lines[1:]


def execute_one(uri: str, nb: Any, timeout: int) -> NotebookResult:
    """Execute one notebook in its own folder (runs in a worker process).

    Parameters
    ----------
    uri : str
        Absolute path of the notebook; the kernel starts in its folder.
    nb : nbformat.NotebookNode
        The notebook as jupyter-cache read it (its hash is what the cache matches on).
    timeout : int
        Seconds each cell may run (nbclient's ``timeout``, an integer); a cell that exceeds it, or a
        kernel that stops answering for that long, fails the notebook.

    Returns
    -------
    NotebookResult
    """
    from jupyter_cache.executors.utils import single_nb_execution

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import stall_watch  # a kernel that stops using the CPU is reported with what it waits on

    stall_watch.start(uri)
    last_cell: list[int] = []

    def on_cell_execute(cell: Any = None, cell_index: int | None = None, **_: Any) -> None:
        if cell_index is not None:
            last_cell.append(cell_index)

    start = time.perf_counter()
    try:
        result = single_nb_execution(
            nb,
            cwd=str(Path(uri).parent),
            timeout=timeout,
            allow_errors=False,
            iopub_timeout=IOPUB_TIMEOUT,
            raise_on_iopub_timeout=True,
            on_cell_execute=on_cell_execute,
        )
        err: BaseException | None = result.err
        tb = result.exc_string or ""
    except Exception as exc:  # a dead kernel, a kernel that never started, an unreadable notebook, ...
        err, tb = exc, traceback.format_exc()
    seconds = time.perf_counter() - start
    cell = last_cell[-1] if last_cell else None
    if err is None:
        return NotebookResult(uri, True, seconds, nb=result.nb, cell=cell)
    summary, details = _describe(err)
    return NotebookResult(uri, False, seconds, error=summary, details=details, traceback=tb or summary, cell=cell)


def _positive_int(name: str, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name}: expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{name}: expected a positive integer, got {text!r}")
    return value




def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse and check the command line.

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name (default ``sys.argv[1:]``).

    Returns
    -------
    argparse.Namespace
        ``cache`` (Path), ``jobs`` (int), ``timeout`` (int), ``notebooks`` (list of Path, absolute).

    Raises
    ------
    SystemExit
        With status 2 and a message naming the argument, for a bad value or a missing notebook.
    """
    parser = argparse.ArgumentParser(
        prog="execute_notebooks.py",
        description="Execute notebooks into a jupyter-cache; exit 1 naming every notebook that fails.",
    )
    parser.add_argument("--cache", required=True, type=Path, help="the jupyter-cache folder (created if missing)")
    parser.add_argument("--jobs", type=lambda s: _positive_int("--jobs", s), default=2,
                        help="notebooks executed at the same time (default 2)")
    parser.add_argument("--timeout", type=lambda s: _positive_int("--timeout", s), default=300,
                        help="whole seconds each cell may run (default 300; nbclient takes an integer)")
    parser.add_argument("notebooks", nargs="+", type=Path, help="the .ipynb files to execute")
    args = parser.parse_args(argv)
    for nb in args.notebooks:
        if nb.suffix != ".ipynb":
            parser.error(f"notebooks: expected .ipynb files, got {str(nb)!r}")
        if not nb.is_file():
            parser.error(f"notebooks: no such file: {str(nb)!r}")
    if args.cache.exists() and not args.cache.is_dir():
        parser.error(f"--cache: expected a folder, got the file {str(args.cache)!r}")
    args.notebooks = [nb.resolve() for nb in args.notebooks]
    return args


def _report(result: NotebookResult, out: Any, indent: str = "    ") -> None:
    """Print one failed notebook: its path, the cell and the first lines of the error."""
    where = f" (cell {result.cell})" if result.cell is not None else ""
    print(f"FAILED  {result.uri}{where}: {result.error}", file=out)
    for line in result.details:
        print(f"{indent}{line}", file=out)


def run(cache_path: Path, notebooks: list[Path], jobs: int = 2, timeout: int = 300) -> int:
    """Execute the notebooks that are not cached yet, ``jobs`` at a time, and check the result.

    Parameters
    ----------
    cache_path : Path
        The jupyter-cache folder the site build reads (created if missing).
    notebooks : list of Path
        Absolute paths of the notebooks; they are added to the cache's project.
    jobs : int
        Notebooks executed at the same time.
    timeout : int
        Seconds each cell may run.

    Returns
    -------
    int
        0 if every notebook is in the cache afterwards, 1 otherwise (each failure is printed).
    """
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    from jupyter_cache.cache.db import NbProjectRecord

    cache_path.mkdir(parents=True, exist_ok=True)
    cache = get_cache(str(cache_path))
    uris = [str(cache.add_nb_to_project(str(nb)).uri) for nb in notebooks]
    todo = cache.list_unexecuted(filter_uris=uris)
    NbProjectRecord.remove_tracebacks([r.pk for r in todo], cache.db)
    print(f"execute: {len(uris)} notebook(s), {len(uris) - len(todo)} already cached, {len(todo)} to run "
          f"({jobs} at a time, {timeout} s per cell)", flush=True)

    failed: dict[str, NotebookResult] = {}
    executed: set[str] = set()
    if todo:
        work = [(r.uri, cache.get_project_notebook(r.uri).nb) for r in todo]
        # spawn: the workers inherit no open database connection, zmq context or thread from here
        with cf.ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = {pool.submit(execute_one, uri, nb, timeout): uri for uri, nb in work}
            for future in cf.as_completed(futures):
                uri = futures[future]
                try:
                    result = future.result()
                except Exception as exc:  # the worker process itself died (e.g. killed for memory)
                    summary, details = _describe(exc)
                    result = NotebookResult(uri, False, error=f"the worker process failed: {summary}",
                                            details=details, traceback=traceback.format_exc())
                if result.ok:
                    cache.cache_notebook_bundle(
                        CacheBundleIn(result.nb, uri, data={"execution_seconds": result.seconds}),
                        check_validity=False,
                        overwrite=True,
                    )
                    executed.add(uri)
                    print(f"ok      {uri} ({result.seconds:.1f} s)", flush=True)
                else:
                    failed[uri] = result
                    NbProjectRecord.set_traceback(uri, result.traceback, cache.db)
                    _report(result, sys.stdout)
                    sys.stdout.flush()

    # What the site build will see: every notebook must match an executed notebook in the cache.
    for uri in uris:
        if uri not in failed and cache.get_cached_project_nb(uri) is None:
            why = ("the file changed on disk while it ran; run again" if uri in executed
                   else "nothing was stored")
            failed[uri] = NotebookResult(uri, False, error=f"not in the cache after execution ({why})")
    if failed:
        print(f"\nexecute: FAILED: {len(failed)} of {len(uris)} notebook(s) did not execute cleanly "
              "and are not cached:", file=sys.stderr)
        for uri in uris:
            if uri in failed:
                _report(failed[uri], sys.stderr)
        return 1
    print(f"execute: all {len(uris)} notebook(s) executed and cached", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; see the module docstring.

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name (default ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status.
    """
    args = parse_args(argv)
    return run(args.cache, args.notebooks, jobs=args.jobs, timeout=args.timeout)


if __name__ == "__main__":
    sys.exit(main())
