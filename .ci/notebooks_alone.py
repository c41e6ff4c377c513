"""Run every chapter as a Colab user would: the built wheel in a fresh environment, each notebook alone.

``make colab`` (part of ``make test``) runs::

    python .ci/notebooks_alone.py --work _build/alone --jobs 2 --timeout 300 book/*.ipynb

Steps:

1. build the wheel of ``qgan_helpers`` from this checkout (``pip wheel --no-deps``);
2. create a fresh virtual environment from the base interpreter and install the wheel with its
   declared dependencies and the ``hardware`` extra (no editable install, nothing from the checkout),
   plus a kernel (``ipykernel``) and ``nbclient`` to run the notebooks. PyTorch and torchvision are
   pre-installed there, as on Colab: the fresh environment sees this environment's copies (with
   triton and the CUDA libraries they bring, about 5 GB) through a ``.pth`` file instead of a second
   install, which ran a CI machine out of disk. Everything else comes from the wheel's requirements;
3. check that the package imported there is the installed one (under ``site-packages``) and that its
   package data (checkpoints, benchmark results, feature networks) is inside it;
4. copy each notebook **alone** into an empty folder and execute it there with that environment's
   kernel, ``--jobs`` at a time, ``--timeout`` seconds per cell (errors not allowed). The checkout
   is not on the path and the notebook has no ``../checkpoints`` or ``../benchmarks`` beside it.

Colab has no ``myst_nb`` and no checkout: a notebook that passes here differs from one on Colab only in
the packages Colab pre-installs and in its first cell, which installs the package on Colab alone.

Exit status: 0 if every notebook ran, 1 if one failed (each failure is named with its cell and the
first lines of its error), 2 for bad arguments or a failed set-up.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HARNESS = ["ipykernel>=6.29,<7", "nbclient>=0.10", "nbformat>=5.9"]
STALL_LINES = 120  # of a stall report, at most

# Executed by the fresh environment's Python: run one notebook with nbclient in its own folder.
RUN_ONE = r"""
import sys, time, nbformat, nbclient
path, timeout = sys.argv[1], int(sys.argv[2])
sys.path.insert(0, sys.argv[3])
import stall_watch  # a kernel that stops using the CPU is reported with what it waits on
stall_watch.start(path)
nb = nbformat.read(path, as_version=4)
client = nbclient.NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=False,
                                 iopub_timeout=60, raise_on_iopub_timeout=True,
                                 resources={"metadata": {"path": str(__import__("pathlib").Path(path).parent)}})
start = time.perf_counter()
try:
    client.execute()
except Exception as exc:
    nbformat.write(nb, path)
    print(f"FAILED after {time.perf_counter() - start:.1f} s: {type(exc).__name__}")
    print("\n".join(str(exc).splitlines()[-12:]))
    sys.exit(1)
nbformat.write(nb, path)
print(f"ok in {time.perf_counter() - start:.1f} s")
"""

# Executed by the fresh environment's Python: the package is the installed one, with its data.
CHECK_INSTALL = r"""
import pathlib, qgan_helpers
from qgan_helpers import resources
where = pathlib.Path(qgan_helpers.__file__).resolve()
assert "site-packages" in where.parts, f"qgan_helpers imported from {where}, not from the installed wheel"
for name, folder in resources.shipped().items():
    folder = pathlib.Path(folder).resolve()
    assert folder.is_dir() and any(folder.iterdir()), f"package data {name}: {folder} is missing or empty"
    assert where.parent in folder.parents, f"package data {name}: {folder} is not inside the package"
import torch
print("installed:", where.parent, "version", qgan_helpers.__version__, "| torch", torch.__version__,
      "from", pathlib.Path(torch.__file__).parent)
"""


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    """Run a set-up step quietly; on failure print the end of its output (pip's is long)."""
    proc = subprocess.run(cmd, text=True, capture_output=True, **kw)
    if proc.returncode != 0:
        print("\n".join((proc.stdout + proc.stderr).strip().splitlines()[-25:]), file=sys.stderr)
        raise subprocess.CalledProcessError(proc.returncode, cmd)
    return proc


def _clean_env(venv: Path) -> dict[str, str]:
    """Environment for the fresh interpreter: its own kernels first, nothing of the checkout's."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "JUPYTER_PATH")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["JUPYTER_PATH"] = str(venv / "share" / "jupyter")  # its python3 kernel before any other
    env["VIRTUAL_ENV"] = str(venv)
    return env


# Pre-installed on Colab; shared with this environment rather than installed twice (see step 2).
PREINSTALLED = ("torch", "torchvision", "triton")
PREINSTALLED_PREFIXES = ("nvidia-", "cuda-")


def share_preinstalled(venv: Path, work: Path) -> list[str]:
    """Let ``venv`` see this environment's PyTorch stack, as Colab pre-installs it.

    Links the top-level folders and files of those distributions (their ``.dist-info`` included, so
    pip counts them as installed) into ``work/preinstalled`` and puts that folder on the fresh
    environment's path with a ``.pth`` file. Returns the names of the shared distributions.
    """
    import importlib.metadata as md

    shared = work / "preinstalled"
    shutil.rmtree(shared, ignore_errors=True)
    shared.mkdir(parents=True)
    names = []
    for dist in md.distributions():
        name = (dist.metadata["Name"] or "").lower().replace("_", "-")
        if name not in PREINSTALLED and not name.startswith(PREINSTALLED_PREFIXES):
            continue
        names.append(name)
        for entry in dist.files or []:
            top = entry.parts[0]
            if top in ("..", "__pycache__") or (shared / top).exists():
                continue
            source = Path(dist.locate_file(top))
            if source.exists():
                (shared / top).symlink_to(source)
    if "torch" not in names:
        raise RuntimeError("PyTorch is not installed in this environment: run make setup first")
    site = next((venv / "lib").glob("python3*/site-packages"))
    (site / "colab-preinstalled.pth").write_text(str(shared) + "\n")
    return sorted(names)


def set_up(work: Path) -> Path:
    """Build the wheel, create the fresh environment and install it; return its Python."""
    dist, venv = work / "dist", work / "venv"
    shutil.rmtree(dist, ignore_errors=True)
    shutil.rmtree(venv, ignore_errors=True)
    free = shutil.disk_usage(work).free / 2**30
    print(f"colab: {free:.1f} GiB free on the disk of {work}", flush=True)
    t0 = time.perf_counter()
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
          "--wheel-dir", str(dist), str(ROOT)])
    shutil.rmtree(ROOT / "build", ignore_errors=True)  # setuptools' scratch folder in the checkout
    wheel = next(dist.glob("qgan_helpers-*.whl"))
    base = getattr(sys, "_base_executable", sys.executable)
    _run([base, "-m", "venv", str(venv)])
    python = venv / "bin" / "python"
    env = _clean_env(venv)
    shared = share_preinstalled(venv, work)
    print(f"colab: pre-installed as on Colab (shared, not copied): {', '.join(shared)}", flush=True)
    _run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-cache-dir",
          f"{wheel}[hardware]", *HARNESS], env=env, cwd=work)
    _run([str(python), "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3"], env=env, cwd=work)
    print(_run([str(python), "-c", CHECK_INSTALL], env=env, cwd=work).stdout.strip())
    print(f"colab: {wheel.name} installed in a fresh environment in {time.perf_counter() - t0:.0f} s", flush=True)
    return python


def run_one(python: Path, notebook: Path, work: Path, timeout: int) -> tuple[str, bool, str]:
    """Copy ``notebook`` alone into an empty folder and execute it there."""
    folder = work / "run" / notebook.stem
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    copy = folder / notebook.name
    shutil.copyfile(notebook, copy)
    t0 = time.perf_counter()
    ci = str(Path(__file__).resolve().parent)  # for stall_watch
    proc = subprocess.run([str(python), "-c", RUN_ONE, str(copy), str(timeout), ci], cwd=folder, text=True,
                          capture_output=True, env=_clean_env(python.parent.parent))
    took = time.perf_counter() - t0
    ok = proc.returncode == 0
    detail = (proc.stdout + proc.stderr).strip().splitlines()
    # a stall report (.ci/stall_watch.py) is shown even when the notebook then finished
    at = proc.stderr.find("stall-watch:")
    stall = proc.stderr[at:].splitlines()[:STALL_LINES] if at >= 0 else []
    shown = stall if ok else detail[-14:] + stall
    return notebook.name, ok, f"{took:.0f} s" + "".join("\n    " + line for line in shown)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, required=True, help="scratch folder (wheel, environment, runs)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    parser.add_argument("notebooks", type=Path, nargs="+")
    args = parser.parse_args(argv)
    if args.jobs < 1 or args.timeout < 1:
        parser.error("--jobs and --timeout: expected positive integers")
    missing = [str(p) for p in args.notebooks if not p.is_file()]
    if missing:
        parser.error(f"notebooks: not found: {missing}")
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    try:
        python = set_up(work)
    except RuntimeError as exc:
        print(f"colab: set-up failed: {exc}", file=sys.stderr)
        return 2
    except subprocess.CalledProcessError as exc:
        print(f"colab: set-up failed: {' '.join(map(str, exc.cmd))[:200]} exited {exc.returncode}", file=sys.stderr)
        return 2
    failed = []
    with cf.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(run_one, python, nb.resolve(), work, args.timeout) for nb in args.notebooks]
        for fut in cf.as_completed(futures):
            name, ok, detail = fut.result()
            print(f"{'ok    ' if ok else 'FAILED'}  {name} ({detail})", flush=True)
            if not ok:
                failed.append(name)
    if failed:
        print(f"colab: {len(failed)} of {len(args.notebooks)} notebook(s) failed alone: {', '.join(sorted(failed))}")
        return 1
    print(f"colab: all {len(args.notebooks)} notebook(s) ran alone from the installed wheel")
    return 0


if __name__ == "__main__":
    sys.exit(main())
