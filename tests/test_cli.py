"""Tests of the command line ``python -m qgan_helpers``: tiny success runs and every error path.

Success paths run as real subprocesses (training and sampling, with the hidden ``--steps``/``--depth``
flags to stay tiny); the conditional variants run in-process through :func:`qgan_helpers.cli.main` to
save further torch start-ups (several seconds each).
Error paths are checked in-process through :func:`qgan_helpers.cli.main` (fast), and a representative
few again as subprocesses, asserting exit code 2 and exactly ONE line on stderr (no traceback).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from qgan_helpers.cli import TRAINERS, build_parser, main

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "ignore::DeprecationWarning", "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "qgan_helpers", *args], capture_output=True, text=True, cwd=cwd or ROOT, env=env,
        timeout=300,
    )


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> dict[str, Path]:
    """One tiny unconditional checkpoint written by the CLI in a real process, one conditional in-process."""
    d = tmp_path_factory.mktemp("cli")
    unc = d / "zero.pt"
    r = _run("train", "patch", "--digit", "0", "--seed", "0", "--out", str(unc), "--steps", "2", "--depth", "1")
    assert r.returncode == 0, r.stderr
    assert "wrote" in r.stdout and "2 steps" in r.stdout
    assert "2/2" in r.stderr  # the progress bar is on stderr
    cond = d / "cond.pt"
    code = main(["train", "patch", "--conditional", "--seed", "1", "--out", str(cond), "--steps", "1", "--depth", "1",
                 "--no-progress"])
    assert code == 0
    return {"unconditional": unc, "conditional": cond, "dir": d}


# ---------------------------------------------------------------------------------------------- success paths
def test_train_writes_checkpoint_and_provenance(trained):
    pt = trained["unconditional"]
    payload = torch.load(pt, weights_only=True)
    assert payload["config"]["kind"] == "patch" and payload["config"]["digit"] == 0
    assert payload["config"]["generator"]["kwargs"]["depth"] == 1
    prov = json.loads(pt.with_suffix(".json").read_text())
    assert prov["command"].startswith("python -m qgan_helpers train patch --digit 0 --seed 0 --out ")
    assert prov["command"].endswith("--steps 2 --depth 1")
    assert prov["seed"] == 0 and prov["steps"] == 2
    # recorded, rounded to 0.01 s (a fast run can read 0.0): never assert on its size
    assert isinstance(prov["wall_time_s"], (int, float)) and prov["wall_time_s"] >= 0
    assert {"mmd2", "accuracy", "coverage"} <= set(prov["final_metrics"])
    assert "torch" in prov["packages"] and "pennylane" in prov["packages"]


def test_sample_unconditional(trained, tmp_path):
    out = tmp_path / "s.npy"
    r = _run("sample", str(trained["unconditional"]), "--n", "7", "--seed", "3", "--out", str(out))
    assert r.returncode == 0, r.stderr
    arr = np.load(out)
    assert arr.shape == (7, 8, 8) and arr.dtype == np.float32
    assert arr.min() >= 0 and arr.max() <= 1
    # same seed, same images (in-process run of the same command); another seed, other images
    out2 = tmp_path / "s2.npy"
    assert main(["sample", str(trained["unconditional"]), "--n", "7", "--seed", "3", "--out", str(out2)]) == 0
    assert np.array_equal(np.load(out2), arr)
    assert main(["sample", str(trained["unconditional"]), "--n", "7", "--seed", "4", "--out", str(out2)]) == 0
    assert not np.array_equal(np.load(out2), arr)


def test_conditional_training_provenance(trained, capsys):
    cprov = json.loads(trained["conditional"].with_suffix(".json").read_text())
    assert cprov["conditional"] is True and cprov["digit"] is None
    assert "mmd2_9" in cprov["final_metrics"] and "accuracy_0" in cprov["final_metrics"]
    assert "--conditional" in cprov["command"]


def test_sample_conditional_with_and_without_digit(trained, tmp_path):
    from qgan_helpers.training import generate, load_checkpoint

    out = tmp_path / "c.npy"
    assert main(["sample", str(trained["conditional"]), "--n", "4", "--seed", "0", "--digit", "3", "--out", str(out)]) == 0
    threes = np.load(out)
    assert threes.shape == (4, 8, 8) and threes.dtype == np.float32
    gen = load_checkpoint(trained["conditional"]).generator
    assert np.allclose(threes, generate(gen, 4, seed=0, labels=3).numpy(), atol=1e-6)
    # without --digit: sample i shows digit i % 10
    out_all = tmp_path / "all.npy"
    assert main(["sample", str(trained["conditional"]), "--n", "12", "--seed", "0", "--out", str(out_all)]) == 0
    cycled = np.load(out_all)
    assert np.allclose(cycled, generate(gen, 12, seed=0, labels=np.arange(12) % 10).numpy(), atol=1e-6)


def test_train_classical_baseline_in_process(tmp_path):
    from qgan_helpers.models import ClassicalGenerator
    from qgan_helpers.training import load_checkpoint

    out = tmp_path / "classical.pt"
    assert main(["train", "patch", "--digit", "1", "--classical", "--out", str(out), "--steps", "2", "--depth", "4",
                 "--no-progress"]) == 0
    ck = load_checkpoint(out)
    assert isinstance(ck.generator, ClassicalGenerator) and ck.config["kind"] == "classical" and ck.config["digit"] == 1
    assert "--classical" in ck.provenance["command"]


def test_help_lists_commands_and_hides_internal_flags(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["train", "patch", "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert "--digit" in text and "--conditional" in text and "--steps" not in text
    parser = build_parser()
    assert "train" in parser.format_help() and "sample" in parser.format_help()


# ---------------------------------------------------------------------------------------------- error paths
def _one_line_error(capsys, argv: list[str]) -> str:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse errors
        code = exc.code
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 2, err
    assert len(lines) == 1, err
    assert lines[0].startswith("qgan_helpers: error: ")
    return lines[0]


@pytest.mark.parametrize(
    "argv, message",
    [
        ([], "the following arguments are required: {train,sample,evaluate}"),
        (["fly"], "invalid choice: 'fly'"),
        (["train"], "the following arguments are required: {" + ",".join(TRAINERS) + "}"),
        (["train", "vae", "--out", "x.pt"], "invalid choice: 'vae'"),
        (["train", "patch", "--out", "x.pt"], "one of the arguments --digit --conditional is required"),
        (["train", "patch", "--digit", "0", "--conditional", "--out", "x.pt"], "not allowed with argument"),
        (["train", "patch", "--digit", "12", "--out", "{tmp}/x.pt"], "--digit: expected a digit in 0..9, got 12"),
        (["train", "patch", "--digit", "zero", "--out", "x.pt"], "argument --digit: expected an integer, got 'zero'"),
        (["train", "patch", "--digit", "0", "--seed", "-1", "--out", "x.pt"], "argument --seed: expected an integer >= 0"),
        (["train", "patch", "--digit", "0"], "the following arguments are required: --out"),
        (["train", "patch", "--digit", "0", "--out", "{tmp}/x.pth"], "--out: expected a file name ending in .pt"),
        (["train", "patch", "--digit", "0", "--out", "{tmp}/no/such/dir/x.pt"], "--out: the directory"),
        (["train", "patch", "--digit", "0", "--out", "{tmp}/isdir.pt"], "is a directory"),
        (["train", "patch", "--digit", "0", "--out", "x.pt", "--steps", "0"], "argument --steps: expected an integer >= 1"),
        (["train", "patch", "--conditional", "--classical", "--out", "{tmp}/x.pt"], "--classical: the classical baseline is unconditional"),
        (["sample", "--n", "3", "--out", "x.npy"], "the following arguments are required: PATH.pt"),
        (["sample", "{tmp}/missing.pt", "--n", "3", "--out", "{tmp}/s.npy"], "checkpoint: no such file"),
        (["sample", "{tmp}/garbage.pt", "--n", "3", "--out", "{tmp}/s.npy"], "is not a readable checkpoint"),
        (["sample", "{tmp}/foreign.pt", "--n", "3", "--out", "{tmp}/s.npy"], "not a qgan_helpers checkpoint"),
        (["sample", "{tmp}/model.ckpt", "--n", "3", "--out", "{tmp}/s.npy"], "checkpoint: expected a .pt file"),
        (["sample", "{unc}", "--n", "0", "--out", "{tmp}/s.npy"], "--n: expected a positive number of samples, got 0"),
        (["sample", "{unc}", "--n", "-5", "--out", "{tmp}/s.npy"], "--n: expected a positive number of samples, got -5"),
        (["sample", "{unc}", "--n", "many", "--out", "{tmp}/s.npy"], "argument --n: expected an integer, got 'many'"),
        (["sample", "{unc}", "--n", "3"], "the following arguments are required: --out"),
        (["sample", "{unc}", "--n", "3", "--out", "{tmp}/s.txt"], "--out: expected a file name ending in .npy"),
        (["sample", "{unc}", "--n", "3", "--digit", "0", "--out", "{tmp}/s.npy"],
         "--digit: this checkpoint is an unconditional generator (it was trained on digit 0); drop --digit"),
        (["sample", "{cond}", "--n", "3", "--digit", "10", "--out", "{tmp}/s.npy"], "--digit: expected a digit in 0..9, got 10"),
        (["sample", "{unc}", "--n", "3", "--out", "/proc/qgan_helpers_test/s.npy"], "--out: the directory"),
    ],
)
def test_error_paths_are_one_line_with_exit_code_2(capsys, trained, argv, message):
    tmp = trained["dir"]
    (tmp / "garbage.pt").write_bytes(b"definitely not a checkpoint")
    torch.save({"weights": torch.zeros(2)}, tmp / "foreign.pt")
    (tmp / "model.ckpt").write_bytes(b"")
    (tmp / "isdir.pt").mkdir(exist_ok=True)
    argv = [a.format(tmp=tmp, unc=trained["unconditional"], cond=trained["conditional"]) for a in argv]
    line = _one_line_error(capsys, argv)
    assert message in line, line


def test_unwritable_out_reports_one_line(capsys, trained):
    # /proc accepts no new files, even for root (os.access cannot tell): the write itself fails
    line = _one_line_error(capsys, ["sample", str(trained["unconditional"]), "--n", "2", "--out", "/proc/qgan_test.npy"])
    assert "--out: cannot write '/proc/qgan_test.npy'" in line


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "patch", "--digit", "0", "--conditional", "--out", "x.pt"], "not allowed with argument"),
        (["sample", "{tmp}/missing.pt", "--n", "3", "--out", "{tmp}/s.npy"], "checkpoint: no such file"),
        (["sample", "{unc}", "--n", "0", "--out", "{tmp}/s.npy"], "--n: expected a positive number of samples"),
        (["sample", "{tmp}/s.pt", "--n", "2", "--out", "{tmp}/no/s.npy"], "--out: the directory"),
    ],
)
def test_error_paths_in_a_real_process(trained, args, message):
    tmp = trained["dir"]
    args = [a.format(tmp=tmp, unc=trained["unconditional"]) for a in args]
    r = _run(*args)
    assert r.returncode == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert lines[0].startswith("qgan_helpers: error: ") and message in lines[0]
    assert r.stdout == ""
