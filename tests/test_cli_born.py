"""The command line for the Born-machine chapter: ``train qcbm|qbm|prior`` and ``sample`` of bit strings.

One real subprocess per model family checks the whole path (argument parsing, training, the files,
the one-line summary); the rest runs in-process through :func:`qgan_helpers.cli.main` to save torch
start-ups. Runs are tiny (the hidden ``--steps`` knob).
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

from qgan_helpers.born.bars_stripes import bars_and_stripes
from qgan_helpers.born.runs import sample_bitstrings
from qgan_helpers.cli import main

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "ignore::DeprecationWarning", "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "qgan_helpers", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=300)


@pytest.fixture(scope="module")
def born_checkpoints(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("born_cli")
    qcbm = d / "qcbm.pt"
    r = _run("train", "qcbm", "--seed", "0", "--out", str(qcbm), "--steps", "3")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"wrote {qcbm} and qcbm.json: 3 steps in ") and "kl " in r.stdout and "chi " in r.stdout
    qbm = d / "qbm.pt"
    assert main(["train", "qbm", "--seed", "1", "--out", str(qbm), "--steps", "3"]) == 0
    prior = d / "prior.pt"
    assert main(["train", "prior", "--prior", "bits", "--seed", "0", "--out", str(prior), "--steps", "3"]) == 0
    return {"qcbm": qcbm, "qbm": qbm, "prior": prior, "dir": d}


def test_train_records_the_command_that_reproduces_it(born_checkpoints):
    for kind, expected in (
        ("qcbm", "python -m qgan_helpers train qcbm --seed 0 --out {} --steps 3"),
        ("qbm", "python -m qgan_helpers train qbm --seed 1 --out {} --steps 3"),
        ("prior", "python -m qgan_helpers train prior --prior bits --seed 0 --out {} --steps 3"),
    ):
        pt = born_checkpoints[kind]
        prov = json.loads(pt.with_suffix(".json").read_text())
        assert prov["command"] == expected.format(pt), kind
        assert prov["steps"] == 3, kind
        # wall time is recorded (rounded to 0.01 s, so a fast run can read 0.0): never assert on its size
        assert isinstance(prov["wall_time_s"], (int, float)) and prov["wall_time_s"] >= 0, kind
        payload = torch.load(pt, weights_only=True)
        assert payload["config"]["kind"] == ("prior-bits" if kind == "prior" else kind)


def test_sample_qcbm_gives_bit_strings(born_checkpoints, tmp_path):
    out = tmp_path / "bits.npy"
    r = _run("sample", str(born_checkpoints["qcbm"]), "--n", "50", "--seed", "4", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "int64 array of shape (50, 9)" in r.stdout
    bits = np.load(out)
    assert bits.shape == (50, 9) and bits.dtype == np.int64 and set(np.unique(bits)) <= {0, 1}
    # the CLI draws exactly what the package function draws, and the seed decides
    assert np.array_equal(bits, sample_bitstrings(born_checkpoints["qcbm"], 50, seed=4))
    assert main(["sample", str(born_checkpoints["qcbm"]), "--n", "50", "--seed", "5", "--out", str(out)]) == 0
    assert not np.array_equal(np.load(out), bits)


def test_sample_qbm_gives_visible_units_only(born_checkpoints, tmp_path):
    out = tmp_path / "v.npy"
    assert main(["sample", str(born_checkpoints["qbm"]), "--n", "20", "--seed", "0", "--out", str(out)]) == 0
    bits = np.load(out)
    assert bits.shape == (20, 4) and bits.dtype == np.int64 and set(np.unique(bits)) <= {0, 1}


def test_sample_prior_gan_gives_images(born_checkpoints, tmp_path):
    out = tmp_path / "img.npy"
    assert main(["sample", str(born_checkpoints["prior"]), "--n", "6", "--seed", "0", "--out", str(out)]) == 0
    images = np.load(out)
    assert images.shape == (6, 8, 8) and images.dtype == np.float32
    assert images.min() >= 0 and images.max() <= 1


def test_shipped_qcbm_meets_the_chapter_target_from_the_command_line(tmp_path):
    """The shipped checkpoint, sampled by the CLI: almost every sample is a valid bars-and-stripes pattern."""
    out = tmp_path / "shipped.npy"
    assert main(["sample", str(ROOT / "qgan_helpers/checkpoints/born/qcbm_bas3x3_seed0.pt"), "--n", "2000", "--seed", "1",
                 "--out", str(out)]) == 0
    bits = np.load(out)
    valid = {tuple(p) for p in bars_and_stripes(3, 3).astype(int)}
    chi = np.mean([tuple(b) in valid for b in bits])
    assert chi >= 0.95
    prov = json.loads((ROOT / "qgan_helpers/checkpoints/born/qcbm_bas3x3_seed0.json").read_text())
    assert prov["command"] == "python -m qgan_helpers train qcbm --seed 0 --out checkpoints/born/qcbm_bas3x3_seed0.pt"


# ---------------------------------------------------------------------------------------------- errors
def _error(capsys, argv: list[str]) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    return capsys.readouterr().err


def test_bad_input_prior_choice_and_missing_out(capsys, tmp_path):
    err = _error(capsys, ["train", "prior", "--prior", "uniform", "--out", str(tmp_path / "p.pt")])
    assert "argument --prior: invalid choice: 'uniform'" in err and err.count("\n") == 1
    err = _error(capsys, ["train", "qcbm", "--seed", "0"])
    assert "the following arguments are required: --out" in err
    err = _error(capsys, ["train", "qbm", "--seed", "-1", "--out", str(tmp_path / "q.pt")])
    assert "argument --seed: expected an integer >= 0, got -1" in err


def test_bad_input_out_and_digit(capsys, born_checkpoints, tmp_path):
    assert main(["train", "qcbm", "--out", str(tmp_path / "model.pth")]) == 2
    assert "qgan_helpers: error: --out: expected a file name ending in .pt, got" in capsys.readouterr().err
    assert main(["train", "qbm", "--out", str(tmp_path / "missing" / "q.pt")]) == 2
    assert "--out: the directory" in capsys.readouterr().err
    code = main(["sample", str(born_checkpoints["qbm"]), "--n", "3", "--digit", "1", "--out", str(tmp_path / "x.npy")])
    assert code == 2
    err = capsys.readouterr().err
    assert err == "qgan_helpers: error: --digit: this checkpoint holds a QBM (bit strings); drop --digit\n"
    assert not (tmp_path / "x.npy").exists()
