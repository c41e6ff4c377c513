"""The 28x28 patch QGAN on real MNIST: generators, recipe, command line, shipped checkpoints.

Training here is a few steps at depth 1 (seconds); the quality of the real runs is measured by
``benchmarks/bench_patch_mnist.py``, never by a test.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from qgan_helpers.cli import main
from qgan_helpers.models import (
    GENERATORS,
    ConditionalClassicalGenerator,
    ConditionalMnistPatchGenerator,
    MnistPatchGenerator,
    RowPixelMap,
)
from qgan_helpers.resources import checkpoints_dir
from qgan_helpers.training import load_checkpoint, save_checkpoint
from qgan_helpers.training.patch_mnist_recipe import MNIST_CONDITIONAL_DEFAULTS

SHIPPED = ("patch_mnist_conditional_seed0", "patch_mnist_digit0_seed0", "classical_mnist_conditional_seed0")


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


# ---------------------------------------------------------------------------------------------- generators
def test_generators_are_registered():
    for name in ("MnistPatchGenerator", "ConditionalMnistPatchGenerator", "ConditionalClassicalGenerator"):
        assert name in GENERATORS


def test_default_generator_paints_28x28_images_in_unit_range():
    torch.manual_seed(0)
    gen = ConditionalMnistPatchGenerator(depth=1)
    x = gen(gen.sample_noise(5), torch.arange(5)).detach()
    assert x.shape == (5, 784) and x.dtype == torch.float32
    assert float(x.min()) >= 0.0 and float(x.max()) <= 1.0
    assert gen.n_generators == 28 and gen.image_shape == (28, 28)
    # 28 circuits x (6 qubits x 1 layer + 10 classes x 2 label rows x 6) + 28 gains
    assert gen.n_params == 28 * 6 + 28 * 10 * 2 * 6 + 28


def test_rows_are_the_circuits_patches():
    """Row g of the image is circuit g's post-selected probabilities through tanh(k_g p): checked by hand."""
    torch.manual_seed(1)
    gen = MnistPatchGenerator(n_qubits=4, n_ancillas=1, depth=2, image_side=5)
    z = gen.sample_noise(3)
    probs = gen.circuit_probs(z)  # (5, 3, 16)
    kept = probs.reshape(5, 3, 2, 8)[:, :, 0, :]  # ancilla (first wire) reads 0
    kept = kept / kept.sum(-1, keepdim=True)
    gain = gen.pixel_map.log_gain.detach().double().exp()[:, None, None]
    expected = torch.tanh(gain * kept[..., :5]).permute(1, 0, 2).reshape(3, 25)
    assert torch.allclose(gen(z).double(), expected, atol=1e-6)


@pytest.mark.parametrize("conditional", [False, True])
def test_batched_engine_matches_pennylane_qnodes(conditional):
    """All circuits in one batched replay == one PennyLane QNode call per circuit (values and gradients)."""
    torch.manual_seed(2)
    if conditional:
        gen = ConditionalMnistPatchGenerator(n_qubits=3, n_ancillas=1, depth=2, image_side=4, n_classes=3)
        labels = torch.tensor([0, 2, 1])
    else:
        gen = MnistPatchGenerator(n_qubits=3, n_ancillas=1, depth=2, image_side=4)
        labels = None
    z = gen.sample_noise(3)
    lean = gen(z, labels, method="lean")
    loop = gen(z, labels, method="loop")
    assert lean.shape == (3, 16)
    assert torch.allclose(lean, loop, atol=1e-6)
    g_lean = torch.autograd.grad(lean.square().sum(), gen.weights)[0]
    g_loop = torch.autograd.grad(gen(z, labels, method="loop").square().sum(), gen.weights)[0]
    assert torch.allclose(g_lean, g_loop, atol=1e-6)


def test_dark_outcomes_give_a_black_row():
    m = RowPixelMap(1, 3, gain_init=10.0)
    probs = torch.tensor([[[0.0, 0.0, 0.0, 1.0], [1.0, 0.0, 0.0, 0.0]]], dtype=torch.float64)
    out = m(probs).detach()
    assert out[0, 0].abs().max() == 0.0 and out[0, 1, 0] > 0.99


def test_geometry_and_argument_errors():
    with pytest.raises(ValueError, match="outcomes"):
        MnistPatchGenerator(n_qubits=5, n_ancillas=1, image_side=28)  # 16 outcomes for 28 pixels
    with pytest.raises(ValueError, match="gain_init"):
        RowPixelMap(2, 2, gain_init=0.0)
    with pytest.raises(ValueError, match="probs"):
        RowPixelMap(2, 4)(torch.zeros(2, 1, 3))
    with pytest.raises(ValueError, match="labels"):
        ConditionalClassicalGenerator(4, 10, 784)(torch.zeros(2, 4))


def test_classical_twin_fits_the_budget():
    quantum = ConditionalMnistPatchGenerator(depth=2)
    twin = ConditionalClassicalGenerator.with_budget(quantum.n_params, quantum.latent_dim, 10, 784)
    assert twin.n_params <= quantum.n_params
    x = twin(twin.sample_noise(4), torch.tensor([0, 1, 2, 3])).detach()
    assert x.shape == (4, 784) and float(x.min()) >= 0 and float(x.max()) <= 1


def test_checkpoint_round_trip(tmp_path):
    torch.manual_seed(3)
    gen = ConditionalMnistPatchGenerator(n_qubits=6, n_ancillas=1, depth=1)
    with torch.no_grad():
        gen.pixel_map.log_gain.add_(0.3)
    kwargs = {"n_qubits": 6, "n_ancillas": 1, "depth": 1}
    config = {"generator": {"class": "ConditionalMnistPatchGenerator", "kwargs": kwargs}, "image_shape": [28, 28]}
    pt, _ = save_checkpoint(tmp_path / "g.pt", gen, config)
    back = load_checkpoint(pt).generator
    z, labels = gen.sample_noise(2), torch.tensor([4, 7])
    assert torch.equal(gen(z, labels), back(z, labels))


# ---------------------------------------------------------------------------------------------- command line
def test_cli_rejects_bad_data(capsys, tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["train", "patch", "--data", "fashion", "--digit", "0", "--out", str(tmp_path / "x.pt")])
    assert exc.value.code == 2
    line = _one_error_line(capsys)
    assert "--data" in line and "'digits'" in line and "'mnist'" in line


@pytest.mark.parametrize(
    "args, message",
    [
        (["--data", "mnist", "--digit", "11"], "--digit: expected a digit in 0..9, got 11"),
        (["--digit", "0", "--eval-samples", "5"], "--eval-samples: only used with --data mnist"),
        (["--conditional", "--classical"], "--classical: the classical baseline is unconditional on the 8x8 digits"),
        (["--data", "mnist", "--digit", "3", "--aux-weight", "1"], "--aux-weight: only used with --data mnist --conditional"),
        (["--conditional", "--aux-weight", "1"], "--aux-weight: only used with --data mnist --conditional"),
        (["--data", "mnist", "--conditional", "--aux-weight", "-1"], "--aux-weight: expected a number >= 0, got -1.0"),
        (["--data", "mnist", "--conditional", "--aux-weight", "nan"], "--aux-weight: expected a number >= 0, got nan"),
    ],
)
def test_cli_errors(capsys, tmp_path, args, message):
    assert main(["train", "patch", *args, "--out", str(tmp_path / "x.pt")]) == 2
    assert message in _one_error_line(capsys)
    assert not (tmp_path / "x.pt").exists()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    d = tmp_path_factory.mktemp("mnist_cli")
    paths = {}
    for name, extra in (("cond", ["--conditional"]), ("twin", ["--conditional", "--classical"]),
                        ("three", ["--digit", "3"]), ("noaux", ["--conditional", "--aux-weight", "0"])):
        paths[name] = d / f"{name}.pt"
        code = main(["train", "patch", "--data", "mnist", *extra, "--seed", "0", "--out", str(paths[name]),
                     "--steps", "2", "--depth", "1", "--eval-samples", "10", "--no-progress"])
        assert code == 0
    return paths


def test_cli_trains_on_mnist_and_records_it(tiny):
    prov = json.loads(tiny["cond"].with_suffix(".json").read_text())
    assert prov["command"].startswith("python -m qgan_helpers train patch --data mnist --conditional --seed 0")
    assert prov["steps"] == 2 and prov["conditional"] is True
    payload = torch.load(tiny["cond"], weights_only=True)
    assert payload["config"]["image_shape"] == [28, 28] and payload["config"]["data"] == "mnist"
    assert payload["config"]["generator"]["class"] == "ConditionalMnistPatchGenerator"
    twin = json.loads(tiny["twin"].with_suffix(".json").read_text())
    assert twin["generator"] == "ConditionalClassicalGenerator"
    assert twin["trainable_parameters"] <= twin["quantum_params"] == prov["trainable_parameters"]
    three = torch.load(tiny["three"], weights_only=True)["config"]
    assert three["digit"] == 3 and three["generator"]["class"] == "MnistPatchGenerator"
    # the conditional runs (quantum and twin alike) train with the auxiliary class loss; one digit has no classes
    assert prov["settings"]["aux_weight"] == twin["settings"]["aux_weight"] == 1.0
    assert json.loads(tiny["three"].with_suffix(".json").read_text())["settings"]["aux_weight"] == 0.0
    noaux = json.loads(tiny["noaux"].with_suffix(".json").read_text())
    assert noaux["settings"]["aux_weight"] == 0.0 and "--aux-weight 0" in noaux["command"]


@pytest.mark.parametrize("name, digit", [("cond", 7), ("cond", None), ("twin", 2), ("three", None)])
def test_cli_samples_are_28x28_float32_in_unit_range(tiny, tmp_path, capsys, name, digit):
    out = tmp_path / "s.npy"
    extra = [] if digit is None else ["--digit", str(digit)]
    assert main(["sample", str(tiny[name]), "--n", "12", "--seed", "1", *extra, "--out", str(out)]) == 0
    x = np.load(out)
    assert x.shape == (12, 28, 28) and x.dtype == np.float32
    assert float(x.min()) >= 0.0 and float(x.max()) <= 1.0


def test_cli_sample_refuses_digit_on_the_one_digit_checkpoint(tiny, tmp_path, capsys):
    assert main(["sample", str(tiny["three"]), "--n", "2", "--digit", "3", "--out", str(tmp_path / "s.npy")]) == 2
    assert "unconditional generator (it was trained on digit 3)" in _one_error_line(capsys)


def test_evaluate_picks_the_data_set_by_image_size(tmp_path, capsys, monkeypatch):
    """28x28 arrays are scored on MNIST (the 28x28 feature network) unless --dataset says otherwise."""
    import qgan_helpers.metrics.suite as suite

    seen = []

    def fake_evaluate(samples, digit, *, dataset, **kwargs):
        seen.append(dataset)
        raise ValueError("stop here")

    monkeypatch.setattr(suite, "evaluate_images", fake_evaluate)
    npy = tmp_path / "z.npy"
    np.save(npy, np.zeros((3, 28, 28), np.float32))
    assert main(["evaluate", str(npy), "--digit", "0"]) == 2
    np.save(npy, np.zeros((3, 8, 8), np.float32))
    assert main(["evaluate", str(npy), "--digit", "0"]) == 2
    np.save(npy, np.zeros((3, 28, 28), np.float32))
    assert main(["evaluate", str(npy), "--digit", "0", "--dataset", "digits"]) == 2
    assert seen == ["mnist", "digits", "digits"]
    capsys.readouterr()


# ---------------------------------------------------------------------------------------------- shipped checkpoints
@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_checkpoints_load_and_sample(name, tmp_path):
    pt = checkpoints_dir() / f"{name}.pt"
    prov = json.loads(pt.with_suffix(".json").read_text())
    assert prov["command"].startswith("python -m qgan_helpers train patch --data mnist")
    assert prov["seed"] == 0
    ckpt = load_checkpoint(pt)
    assert ckpt.config["image_shape"] == [28, 28]
    if ckpt.config["n_classes"]:  # made with today's conditional defaults (the auxiliary class loss included)
        assert prov["settings"]["aux_weight"] == MNIST_CONDITIONAL_DEFAULTS["aux_weight"]
    out = tmp_path / "s.npy"
    extra = ["--digit", "5"] if getattr(ckpt.generator, "n_classes", 0) else []
    assert main(["sample", str(pt), "--n", "20", "--seed", "0", *extra, "--out", str(out)]) == 0
    x = np.load(out)
    assert x.shape == (20, 28, 28) and x.dtype == np.float32
    assert 0.0 <= float(x.min()) and float(x.max()) <= 1.0 and float(x.std()) > 0.05
