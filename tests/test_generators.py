"""qgan_helpers.models: every fast path against the one-circuit-at-a-time reference and an
independent NumPy state-vector calculation; the parameter budget of the classical generator; and
clear messages for bad input."""

from __future__ import annotations

import copy
import math
from functools import reduce

import numpy as np
import pennylane as qml
import pytest
import torch

from qgan_helpers.metrics import count_parameters
from qgan_helpers.models import (
    LEARNED_PIXEL_METHODS,
    METHODS,
    NOISE_RANGE,
    PATCH_PIXEL_METHODS,
    ClassicalGenerator,
    ClassicalPatchGenerator,
    ConditionalPatchGenerator,
    PatchPixelMap,
    PatchQuantumGenerator,
    TapeReplay,
)
from qgan_helpers.quantum.circuits import angle_encoding


# -- independent NumPy reference: explicit matrices, wire 0 = most significant bit -----------------
def ry(t: float) -> np.ndarray:
    c, s = np.cos(t / 2), np.sin(t / 2)
    return np.array([[c, -s], [s, c]])


def on_wire(m: np.ndarray, wire: int, n: int) -> np.ndarray:
    return reduce(np.kron, [m if i == wire else np.eye(2) for i in range(n)])


def cz(a: int, b: int, n: int) -> np.ndarray:
    bits = (np.arange(2**n)[:, None] >> (n - 1 - np.arange(n))) & 1
    return np.diag(np.where(bits[:, a] & bits[:, b], -1.0, 1.0))


def numpy_patch(noise: np.ndarray, weights: np.ndarray, n_ancillas: int, reupload: bool = False) -> np.ndarray:
    """Pixels of one sub-generator: RY(noise), [RY(w_l) + CZ chain] x depth, keep ancillas = 0, / max.

    With ``reupload`` the RY(noise) encoding comes before every layer instead of once."""
    n = len(noise)
    state = np.zeros(2**n)
    state[0] = 1.0
    for index, layer in enumerate(weights):
        if index == 0 or reupload:
            for i in range(n):
                state = on_wire(ry(noise[i]), i, n) @ state
        for i in range(n):
            state = on_wire(ry(layer[i]), i, n) @ state
        for i in range(n - 1):
            state = cz(i, i + 1, n) @ state
    probs = np.abs(state) ** 2
    kept = probs[: 2 ** (n - n_ancillas)]
    kept = kept / kept.sum()
    return kept / kept.max()


# -- fixtures ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def gen() -> PatchQuantumGenerator:
    torch.manual_seed(1)
    return PatchQuantumGenerator().double()  # the course default: 5 qubits, 1 ancilla, depth 6, 4 x 16 pixels


@pytest.fixture(scope="module")
def noise() -> torch.Tensor:
    return PatchQuantumGenerator().sample_noise(2, torch.Generator().manual_seed(2)).double()


def values_and_grads(module: torch.nn.Module, *args, method: str) -> tuple[torch.Tensor, list[torch.Tensor]]:
    module.zero_grad()
    out = module(*args, method=method)
    weights = torch.linspace(-1, 1, out.numel(), dtype=out.dtype).reshape(out.shape)  # a generic loss
    (out * weights).sum().backward()
    return out.detach().clone(), [p.grad.clone() for p in module.parameters()]


@pytest.fixture(scope="module")
def reference(gen, noise):
    return values_and_grads(gen, noise, method="loop")


# -- the fast paths equal the reference -------------------------------------------------------------
@pytest.mark.parametrize("method", [m for m in METHODS if m != "loop"])
def test_fast_paths_match_the_per_sample_loop_values_and_gradients(gen, noise, reference, method):
    out, grads = values_and_grads(gen, noise, method=method)
    ref_out, ref_grads = reference
    assert out.shape == (2, 64)
    assert torch.allclose(out, ref_out, atol=1e-6, rtol=0)
    for g, r in zip(grads, ref_grads):
        assert torch.allclose(g, r, atol=1e-6, rtol=0)
    assert float(ref_grads[0].abs().max()) > 1e-3  # the comparison is not between zeros


def test_default_method_is_the_lean_replay(gen):
    assert gen.method == "lean"
    # lightning.qubit defaults to parameter-shift, which cannot differentiate broadcast tapes: loop
    assert PatchQuantumGenerator(device="lightning.qubit").method == "loop"
    assert PatchQuantumGenerator(device="lightning.qubit", diff_method="backprop").method == "broadcast"


def test_parameter_shift_defaults_to_the_loop_and_broadcast_is_refused_with_gradients():
    torch.manual_seed(0)
    kwargs = dict(n_qubits=3, n_ancillas=1, depth=1, n_generators=2, n_pixels=8, diff_method="parameter-shift")
    g = PatchQuantumGenerator(**kwargs)
    assert g.method == "loop"
    z = torch.rand(3, 3)
    g(z).sum().backward()
    assert g.weights.grad is not None and float(g.weights.grad.abs().max()) > 0
    for method in ("broadcast", "per_generator"):
        b = PatchQuantumGenerator(**kwargs, method=method)
        with torch.no_grad():  # forward-only use (sampling) is fine and equals the loop
            assert torch.allclose(b(z), b(z, method="loop"), atol=1e-12)
        with pytest.raises(ValueError, match=f"method: '{method}' evaluates broadcast tapes, which "
                                             "diff_method='parameter-shift' cannot differentiate"):
            b(z)


def test_each_patch_matches_an_independent_numpy_state_vector(gen, noise):
    out = gen(noise).detach().numpy()
    w = gen.weights.detach().numpy()
    for b in range(noise.shape[0]):
        for g in range(gen.n_generators):
            expected = numpy_patch(noise[b].numpy(), w[g], gen.n_ancillas)
            np.testing.assert_allclose(out[b, 16 * g : 16 * (g + 1)], expected, atol=1e-10)


def test_replay_probabilities_equal_pennylane_probs_of_the_same_circuit(gen, noise):
    w = gen.weights.detach()[0]
    expected = gen.qnode()(noise[0], w)
    angles = torch.cat([noise[0], w.reshape(-1)])[None]
    got = gen.replay().probs(angles)[0]
    assert torch.allclose(got, expected, atol=1e-12)
    assert abs(float(got.sum()) - 1) < 1e-12


def test_the_recorded_tape_is_the_patch_circuit_and_the_replay_merges_gates(gen):
    replay = gen.replay()
    ops = replay.tape.operations
    assert replay.num_gates == 5 + 6 * (5 + 4)  # encoding, then per layer 5 RY + 4 CZ
    assert [op.name for op in ops[:6]] == ["RY"] * 5 + ["RY"]
    assert sum(op.name == "CZ" for op in ops) == 24
    # encoding folded into layer 1 (30 rotations), each CZ chain one sign vector (6)
    assert replay.num_steps == 30 + 6


# -- outputs -----------------------------------------------------------------------------------------
def test_output_shape_range_dtype_and_patch_maximum():
    torch.manual_seed(3)
    gen = PatchQuantumGenerator()
    x = gen(gen.sample_noise(5))
    assert x.shape == (5, 64) and x.dtype == torch.float32
    assert float(x.detach().min()) >= 0 and float(x.detach().max()) <= 1 + 1e-6
    # "max" mapping: the brightest pixel of every patch is 1
    assert torch.allclose(x.reshape(5, 4, 16).amax(-1), torch.ones(5, 4), atol=1e-6)
    assert sum(p.numel() for p in gen.parameters()) == 4 * 6 * 5


def test_noise_changes_the_image_and_sample_noise_is_in_range():
    torch.manual_seed(4)
    gen = PatchQuantumGenerator()
    z = gen.sample_noise(200, torch.Generator().manual_seed(0))
    lo, hi = NOISE_RANGE
    assert z.shape == (200, 5) and float(z.min()) >= lo and float(z.max()) < hi
    x = gen(z[:2]).detach()
    assert float((x[0] - x[1]).abs().max()) > 1e-3


def test_crop_to_n_pixels_keeps_the_first_pixels():
    torch.manual_seed(5)
    full = PatchQuantumGenerator(n_pixels=64)
    cropped = PatchQuantumGenerator(n_pixels=60)
    cropped.load_state_dict(full.state_dict())
    z = full.sample_noise(2)
    assert cropped(z).shape == (2, 60)
    assert torch.allclose(cropped(z), full(z)[:, :60])


def test_minmax_pixel_method_reaches_both_ends():
    torch.manual_seed(6)
    gen = PatchQuantumGenerator(pixel_method="minmax")
    x = gen(gen.sample_noise(2)).reshape(2, 4, 16)
    assert torch.allclose(x.amin(-1), torch.zeros(2, 4), atol=1e-6)
    assert torch.allclose(x.amax(-1), torch.ones(2, 4), atol=1e-6)


def test_other_sizes_and_no_ancilla():
    torch.manual_seed(7)
    gen = PatchQuantumGenerator(n_qubits=3, n_ancillas=0, depth=2, n_generators=2, n_pixels=16).double()
    z = gen.sample_noise(2).double()
    assert torch.allclose(gen(z), gen.forward_loop(z), atol=1e-10)
    w = gen.weights.detach().numpy()
    np.testing.assert_allclose(gen(z)[1, 8:].detach().numpy(), numpy_patch(z[1].numpy(), w[1], 0), atol=1e-10)


def test_deepcopy_and_state_dict_round_trip():
    torch.manual_seed(8)
    gen = PatchQuantumGenerator()
    z = gen.sample_noise(2)
    before = gen(z)
    clone = copy.deepcopy(gen)
    assert torch.allclose(clone(z), before)
    fresh = PatchQuantumGenerator()
    fresh.load_state_dict(gen.state_dict())
    assert torch.allclose(fresh(z), before)


def test_draw_shows_the_patch_gates():
    text = PatchQuantumGenerator(n_qubits=3, depth=1, n_generators=2, n_pixels=8).draw()
    assert "RY" in text and "Probs" in text and "Z" in text


# -- the conditional generator -----------------------------------------------------------------------
def test_conditional_fast_path_matches_the_loop_and_depends_on_the_label():
    torch.manual_seed(9)
    gen = ConditionalPatchGenerator(depth=2).double()
    z = gen.sample_noise(3).double()
    labels = torch.tensor([0, 7, 7])
    out, grads = values_and_grads(gen, z, labels, method="lean")
    ref, ref_grads = values_and_grads(gen, z, labels, method="loop")
    assert torch.allclose(out, ref, atol=1e-6)
    for g, r in zip(grads, ref_grads):
        assert torch.allclose(g, r, atol=1e-6)
    # only the labels used receive gradient in the label table
    table_grad = grads[1]
    assert float(table_grad[:, [0, 7]].abs().max()) > 0 and float(table_grad[:, 1:7].abs().max()) == 0
    same_noise = z[:1].repeat(2, 1)
    x = gen(same_noise, torch.tensor([2, 5])).detach()
    assert float((x[0] - x[1]).abs().max()) > 1e-3
    assert torch.allclose(gen(same_noise, torch.tensor([4, 4]))[0], gen(same_noise, torch.tensor([4, 4]))[1])


def test_conditional_angles_add_the_class_table():
    torch.manual_seed(10)
    gen = ConditionalPatchGenerator(depth=3, label_layers=2)
    z = gen.sample_noise(2)
    labels = torch.tensor([1, 6])
    enc, w = gen.circuit_angles(z, labels)
    table = gen.label_angles.detach().double()
    base = gen.weights.detach().double()
    assert torch.allclose(enc[2, 1], z[1].double() + table[2, 6, 0])
    assert torch.allclose(w[2, 1, 0], base[2, 0] + table[2, 6, 1])
    assert torch.allclose(w[2, 1, 1:], base[2, 1:])  # later layers are shared by all classes
    assert sum(p.numel() for p in gen.parameters()) == 4 * 3 * 5 + 4 * 10 * 2 * 5


# -- the classical generator --------------------------------------------------------------------------
@pytest.mark.parametrize("budget", [120, 133, 134, 300, 400, 1000, 5000])
def test_classical_generator_respects_the_budget(budget):
    gen = ClassicalGenerator.with_budget(budget, latent_dim=5, n_pixels=64)
    n = sum(p.numel() for p in gen.parameters() if p.requires_grad)
    assert n == gen.n_params == ClassicalGenerator.count(5, 64, gen.hidden, gen.rank, gen.output_bias)
    assert n <= budget
    if budget >= 134:  # a hidden unit with a per-pixel bias fits: less than one unit (70) is left over
        assert budget - n < 5 + 1 + 64
    x = gen(gen.sample_noise(4)).detach()
    assert x.shape == (4, 64) and float(x.min()) > 0 and float(x.max()) < 1


def test_classical_generator_tiny_budget_is_honest():
    gen = ClassicalGenerator.with_budget(120, latent_dim=5, n_pixels=64)  # the default patch QGAN's count
    assert (gen.hidden, gen.output_bias, gen.n_params) == ((1,), "shared", 71)
    low_rank = ClassicalGenerator.with_budget(133, latent_dim=5, n_pixels=64)
    assert (low_rank.hidden, low_rank.rank, low_rank.n_params) == ((), 1, 133)


# -- bad input ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_qubits": 5, "n_ancillas": 5}, r"^n_ancillas: expected fewer ancillas than qubits \(at most 4"),
        ({"depth": 0}, r"^depth: expected an integer >= 1, got 0"),
        ({"n_pixels": 65}, r"^n_pixels: expected at most n_generators \* 2\*\*\(n_qubits - n_ancillas\) = 4 \* 16 = 64"),
        ({"n_generators": 0}, r"^n_generators: expected an integer >= 1, got 0"),
        ({"init_scale": -1.0}, r"^init_scale: expected a number >= 0"),
        ({"method": "fast"}, r"^method: expected one of \('lean', 'broadcast', 'per_generator', 'loop'\), got 'fast'"),
        ({"pixel_method": "sum"}, r"^pixel_method: expected one of"),
    ],
)
def test_bad_constructor_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PatchQuantumGenerator(**kwargs)


def test_non_integer_sizes_are_type_errors():
    with pytest.raises(TypeError, match=r"^n_qubits: expected an integer >= 1, got 4\.5 \(float\)"):
        PatchQuantumGenerator(n_qubits=4.5)


@pytest.mark.parametrize(
    ("noise", "error", "match"),
    [
        (torch.zeros(3, 4), ValueError, r"^noise: expected shape \(B, 5\) with B >= 1 \(one angle per qubit, n_qubits = 5\), got \(3, 4\)"),
        (torch.zeros(5), ValueError, r"^noise: expected shape \(B, 5\).*got \(5,\)"),
        (torch.zeros(0, 5), ValueError, r"^noise: expected shape \(B, 5\) with B >= 1"),
        (np.zeros((2, 5)), TypeError, r"^noise: expected a torch.Tensor of shape \(B, 5\), got ndarray"),
        (torch.full((2, 5), float("nan")), ValueError, r"^noise: expected finite values, got NaN or infinity"),
        (torch.zeros(2, 5, dtype=torch.long), TypeError, r"^noise: expected a floating-point tensor"),
    ],
)
def test_bad_noise(noise, error, match):
    with pytest.raises(error, match=match):
        PatchQuantumGenerator(n_generators=4)(noise)


def test_bad_labels():
    gen = ConditionalPatchGenerator(depth=1)
    z = gen.sample_noise(2)
    with pytest.raises(ValueError, match=r"^labels: expected class labels in 0..9, got values from 3 to 10"):
        gen(z, torch.tensor([3, 10]))
    with pytest.raises(ValueError, match=r"^labels: expected class labels in 0..9, got values from -1 to 2"):
        gen(z, torch.tensor([-1, 2]))
    with pytest.raises(ValueError, match=r"^labels: expected shape \(2,\) \(one label per noise row\), got \(3,\)"):
        gen(z, torch.tensor([1, 2, 3]))
    with pytest.raises(ValueError, match=r"^labels: this generator is conditional; expected labels of shape \(2,\)"):
        gen(z)
    with pytest.raises(TypeError, match=r"^labels: expected an integer tensor, got dtype torch.float32"):
        gen(z, torch.tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"^labels: this generator is unconditional; expected labels=None"):
        PatchQuantumGenerator()(z, torch.tensor([1, 2]))
    with pytest.raises(ValueError, match=r"^label_layers: expected at most depth \+ 1 = 2"):
        ConditionalPatchGenerator(depth=1, label_layers=3)


def test_bad_classical_generator_arguments():
    with pytest.raises(ValueError, match=r"^n_params: expected a budget of at least 70 parameters for latent_dim=5"):
        ClassicalGenerator.with_budget(50, latent_dim=5, n_pixels=64)
    with pytest.raises(ValueError, match=r"^rank: a bottleneck is only for a linear generator"):
        ClassicalGenerator(hidden=(8,), rank=2)
    with pytest.raises(ValueError, match=r"^rank: expected a bottleneck below latent_dim=5"):
        ClassicalGenerator(hidden=(), rank=5)
    with pytest.raises(ValueError, match=r"^output_bias: expected 'pixel' or 'shared', got 'none'"):
        ClassicalGenerator(output_bias="none")
    with pytest.raises(TypeError, match=r"^hidden: expected a sequence of widths such as \(32,\), got 16"):
        ClassicalGenerator(hidden=16)
    with pytest.raises(ValueError, match=r"^noise: expected shape \(B, 5\) with B >= 1 \(latent_dim = 5\), got \(2, 3\)"):
        ClassicalGenerator(latent_dim=5)(torch.zeros(2, 3))


def test_the_lean_replay_refuses_what_it_cannot_replay():
    with pytest.raises(NotImplementedError, match=r"^RX: the lean replay supports real gates only"):
        TapeReplay(lambda z: angle_encoding(z, 2, rotation="X"), [(2,)], 2)
    with pytest.raises(NotImplementedError, match=r"^RY: its angle is not one of the circuit's inputs"):
        TapeReplay(lambda z: angle_encoding(2 * z + 0.5, 2), [(2,)], 2)
    with pytest.raises(NotImplementedError, match=r"^CRY: the lean replay supports one-qubit rotations"):
        TapeReplay(lambda z: qml.CRY(z[0], wires=[0, 1]), [(2,)], 2)
    replay = TapeReplay(lambda z: angle_encoding(z, 2), [(2,)], 2)
    with pytest.raises(ValueError, match=r"^angles: expected shape \(N, 2\), got \(3,\)"):
        replay.probs(torch.zeros(3, dtype=torch.float64))


def test_replay_of_a_dense_fixed_gate_matches_pennylane():
    def circuit(z):
        angle_encoding(z, 3)
        qml.CNOT(wires=[0, 2])
        qml.CZ(wires=[1, 2])
        qml.RY(z[..., 1], wires=1)

    replay = TapeReplay(circuit, [(3,)], 3)
    z = torch.tensor([[0.3, 1.2, -0.7], [2.0, 0.1, 0.4]], dtype=torch.float64)

    @qml.qnode(qml.device("default.qubit", wires=3))
    def ref(z):
        circuit(z)
        return qml.probs(wires=[0, 1, 2])

    assert torch.allclose(replay.probs(z), ref(z), atol=1e-12)
    assert math.isclose(float(replay.probs(z)[0].sum()), 1.0, abs_tol=1e-12)


# -- noise re-uploading -----------------------------------------------------------------------------------
REUPLOAD_CONFIGS = {
    "reupload+threshold_gain": dict(reupload=True, pixel_method="threshold_gain", threshold_init=0.05),
    "reupload+max": dict(reupload=True, pixel_method="max"),
    "once+threshold": dict(reupload=False, pixel_method="threshold", threshold_init=0.05),
}


@pytest.fixture(scope="module", params=list(REUPLOAD_CONFIGS))
def variant(request):
    torch.manual_seed(11)
    gen = PatchQuantumGenerator(depth=3, **REUPLOAD_CONFIGS[request.param]).double()
    if gen.pixel_map.log_gain is not None:
        with torch.no_grad():  # a gain that saturates some pixels, so both kinks of the clamp are exercised
            gen.pixel_map.log_gain.fill_(0.4)
    z = gen.sample_noise(3, torch.Generator().manual_seed(12)).double()
    return gen, z, values_and_grads(gen, z, method="loop")


@pytest.mark.parametrize("method", [m for m in METHODS if m != "loop"])
def test_reupload_and_learned_maps_agree_across_methods(variant, method):
    gen, z, (ref_out, ref_grads) = variant
    out, grads = values_and_grads(gen, z, method=method)
    assert torch.allclose(out, ref_out, atol=1e-6, rtol=0)
    assert len(grads) == len(ref_grads) == 1 + (gen.pixel_map.n_params > 0) + (gen.pixel_map.log_gain is not None)
    for g, r in zip(grads, ref_grads):
        assert torch.allclose(g, r, atol=1e-6, rtol=0)
    assert all(float(r.abs().max()) > 1e-4 for r in ref_grads)  # every parameter (threshold, gain) gets gradient


def test_reupload_matches_an_independent_numpy_state_vector():
    torch.manual_seed(13)
    gen = PatchQuantumGenerator(n_qubits=4, n_ancillas=1, depth=3, n_generators=8, reupload=True).double()
    z = gen.sample_noise(2).double()
    out = gen(z).detach().numpy()
    w = gen.weights.detach().numpy()
    for b in range(2):
        for g in range(8):
            expected = numpy_patch(z[b].numpy(), w[g], 1, reupload=True)
            np.testing.assert_allclose(out[b, 8 * g : 8 * (g + 1)], expected, atol=1e-10)
    once = numpy_patch(z[0].numpy(), w[0], 1, reupload=False)
    assert np.abs(once - out[0, :8]).max() > 1e-3  # re-uploading changes the circuit


def test_reupload_tape_reuses_the_noise_indices_and_merges_each_encoding_into_its_layer():
    gen = PatchQuantumGenerator(depth=4, reupload=True)
    replay = gen.replay()
    ops = replay.tape.operations
    assert replay.num_gates == 4 * (5 + 5 + 4)  # per layer: encoding, 5 RY, 4 CZ
    noise_angles = [int(op.parameters[0]) for op in ops if op.name == "RY" and op.parameters[0] < 5]
    assert sorted(noise_angles) == sorted(list(range(5)) * 4)  # each noise index feeds 4 rotations
    assert replay.num_steps == 4 * 5 + 4  # every encoding merged with its layer's RY; one sign vector per CZ chain
    z = torch.tensor([0.3, 1.1, 0.2, 0.9, 1.4], dtype=torch.float64)
    w = gen.weights.detach().double()[2]
    angles = torch.cat([z, w.reshape(-1)])[None]
    assert torch.allclose(replay.probs(angles)[0], gen.qnode()(z, w), atol=1e-12)


def _noise_spectrum(gen: PatchQuantumGenerator, n_grid: int = 16) -> np.ndarray:
    """|Fourier coefficients| of all circuit probabilities as z_0 runs over a full period (other z fixed)."""
    z = torch.full((n_grid, gen.n_qubits), 0.7, dtype=torch.float64)
    z[:, 0] = torch.arange(n_grid, dtype=torch.float64) * 2 * math.pi / n_grid
    with torch.no_grad():
        probs = gen.circuit_probs(z).numpy()  # (G, n_grid, 2**n)
    return np.abs(np.fft.rfft(probs, axis=1)) / n_grid  # (G, n_grid // 2 + 1, 2**n)


def test_reupload_raises_the_frequencies_of_the_noise():
    # Schuld, Sweke & Meyer (2021): one RY(z) encoding -> frequencies 0 and 1 of z only; L encodings -> up to L
    torch.manual_seed(14)
    once = PatchQuantumGenerator(depth=3).double()
    again = PatchQuantumGenerator(depth=3, reupload=True).double()
    again.load_state_dict(once.state_dict())
    s_once, s_again = _noise_spectrum(once), _noise_spectrum(again)
    assert s_once[:, 1].max() > 1e-3 and s_once[:, 2:].max() < 1e-12
    assert s_again[:, 3].max() > 1e-4 and s_again[:, 4:].max() < 1e-12


def test_conditional_reupload_matches_the_loop_and_reapplies_the_label_shifted_encoding():
    torch.manual_seed(15)
    gen = ConditionalPatchGenerator(depth=2, label_layers=2, reupload=True, pixel_method="threshold").double()
    z = gen.sample_noise(3).double()
    labels = torch.tensor([0, 7, 7])
    out, grads = values_and_grads(gen, z, labels, method="lean")
    for method in ("broadcast", "per_generator", "loop"):
        ref, ref_grads = values_and_grads(gen, z, labels, method=method)
        assert torch.allclose(out, ref, atol=1e-6)
        for g, r in zip(grads, ref_grads):
            assert torch.allclose(g, r, atol=1e-6)
    # the label table still receives gradient (only for the labels used)
    assert float(grads[1][:, [0, 7]].abs().max()) > 0 and float(grads[1][:, 1:7].abs().max()) == 0
    # against NumPy: the encoding noise + E[g, c, 0] comes before both layers, layer 0 is shifted by E[g, c, 1]
    table = gen.label_angles.detach().double().numpy()
    w = gen.weights.detach().double().numpy()
    t = gen.pixel_map.thresholds.double().numpy()
    plain = ConditionalPatchGenerator(depth=2, label_layers=2, reupload=True).double()
    plain.load_state_dict({k: v for k, v in gen.state_dict().items() if not k.startswith("pixel_map")})
    x = plain(z, labels).detach().numpy()
    for b, c in enumerate(labels.tolist()):
        for g in range(4):
            layers = w[g].copy()
            layers[0] += table[g, c, 1]
            expected = numpy_patch(z[b].numpy() + table[g, c, 0], layers, 1, reupload=True)
            np.testing.assert_allclose(x[b, 16 * g : 16 * (g + 1)], expected, atol=1e-10)
            thresholded = np.clip((expected - t[g]) / (1 - t[g]), 0, 1)
            np.testing.assert_allclose(out[b, 16 * g : 16 * (g + 1)].numpy(), thresholded, atol=1e-6)


# -- output maps ---------------------------------------------------------------------------------------------
def test_pixel_method_names():
    assert PATCH_PIXEL_METHODS == ("max", "minmax", "threshold", "threshold_gain")
    assert LEARNED_PIXEL_METHODS == ("threshold", "threshold_gain")


def test_threshold_map_gives_exact_zeros_keeps_the_brightest_pixel_and_follows_its_formula():
    m = PatchPixelMap(3, "threshold", threshold_init=0.2).double()
    p = torch.rand(3, 5, 16, generator=torch.Generator().manual_seed(0), dtype=torch.float64) ** 4
    x = m(p).detach()
    q = p / p.amax(-1, keepdim=True)
    t = torch.sigmoid(m.threshold_logit.detach()).reshape(3, 1, 1)
    assert torch.allclose(m.thresholds.double(), torch.full((3,), 0.2, dtype=torch.float64), atol=1e-7)
    assert torch.allclose(x, ((q - t) / (1 - t)).clamp(min=0), atol=1e-12)
    assert bool((x[q <= t.expand_as(q)] == 0).all()) and float((x == 0).double().mean()) > 0.3
    assert torch.allclose(x.amax(-1), torch.ones(3, 5, dtype=torch.float64))
    assert float(x.min()) == 0.0 and float(x.max()) <= 1.0


def test_threshold_gain_map_saturates_with_a_gain_above_one_and_dims_below_one():
    m = PatchPixelMap(2, "threshold_gain", threshold_init=0.1).double()
    with torch.no_grad():
        m.log_gain.copy_(torch.log(torch.tensor([2.0, 0.5])))
    p = torch.tensor([[0.5, 2.0, 6.0, 10.0], [0.5, 2.0, 6.0, 10.0]], dtype=torch.float64)
    x = m(p).detach()
    q = p / 10
    t = 0.1
    assert torch.allclose(x[0], (2 * (q[0] - t) / (1 - t)).clamp(0, 1), atol=1e-6)
    assert torch.allclose(x[1], (0.5 * (q[1] - t) / (1 - t)).clamp(0, 1), atol=1e-6)
    assert x[0].tolist()[0] == 0.0 and x[0, 2:].tolist() == [1.0, 1.0]  # gain 2: two saturated pixels
    assert abs(float(x[1].max()) - 0.5) < 1e-6  # gain 0.5: the patch is dimmed
    assert torch.allclose(m.gains.double(), torch.tensor([2.0, 0.5], dtype=torch.float64))


def test_fixed_maps_have_no_parameters_and_equal_to_pixels():
    from qgan_helpers.quantum.measurement import to_pixels

    p = torch.rand(2, 3, 8, dtype=torch.float64)
    for method in ("max", "minmax"):
        m = PatchPixelMap(4, method)  # fixed maps do not care about the leading shape
        assert m.n_params == 0 and m.thresholds is None and m.gains is None and list(m.state_dict()) == []
        assert torch.equal(m(p), to_pixels(p, method))


@pytest.mark.parametrize(("pixel_method", "extra"), [("max", 0), ("minmax", 0), ("threshold", 4), ("threshold_gain", 8)])
def test_learned_maps_count_as_generator_parameters(pixel_method, extra):
    torch.manual_seed(16)
    gen = PatchQuantumGenerator(pixel_method=pixel_method)
    assert count_parameters(gen) == 120 + extra == sum(p.numel() for p in gen.parameters())
    keys = set(gen.state_dict())
    assert keys == {"weights"} | ({"pixel_map.threshold_logit"} if extra else set()) | (
        {"pixel_map.log_gain"} if extra == 8 else set()
    )
    x = gen(gen.sample_noise(4)).detach()
    assert x.shape == (4, 64) and float(x.min()) >= 0 and float(x.max()) <= 1 + 1e-6
    if extra:
        assert float((x == 0).float().mean()) > 0.1  # exact zeros: the point of the learned maps


def test_the_default_generator_draws_the_same_initial_angles_as_before():
    # the output map draws no random numbers: a seed gives the angles of earlier versions (and their checkpoints)
    torch.manual_seed(17)
    old_style = 0.5 * torch.randn(4, 6, 5)
    torch.manual_seed(17)
    assert torch.equal(PatchQuantumGenerator(pixel_method="threshold_gain").weights.detach(), old_style)


# -- other patch shapes ---------------------------------------------------------------------------------------
PATCH_SHAPES = [
    dict(n_qubits=4, n_ancillas=1, n_generators=8),  # 8 patches of 8 pixels (one row each)
    dict(n_qubits=5, n_ancillas=2, n_generators=8),  # the same with a second ancilla
    dict(n_qubits=5, n_ancillas=3, n_generators=16),  # 16 patches of 4 pixels
    dict(n_qubits=6, n_ancillas=2, n_generators=4),  # 4 patches of 16 pixels, two ancillas
]


@pytest.mark.parametrize("shape", PATCH_SHAPES, ids=lambda s: "q{n_qubits}a{n_ancillas}g{n_generators}".format(**s))
@pytest.mark.parametrize("reupload", [False, True])
def test_patch_shapes_agree_across_methods_and_with_numpy(shape, reupload):
    torch.manual_seed(18)
    gen = PatchQuantumGenerator(depth=2, reupload=reupload, **shape).double()
    z = gen.sample_noise(2).double()
    ref, ref_grads = values_and_grads(gen, z, method="loop")
    assert ref.shape == (2, 64) and gen.patch_size * gen.n_generators == 64
    for method in ("lean", "broadcast", "per_generator"):
        out, grads = values_and_grads(gen, z, method=method)
        assert torch.allclose(out, ref, atol=1e-6)
        assert torch.allclose(grads[0], ref_grads[0], atol=1e-6)
    size, w = gen.patch_size, gen.weights.detach().numpy()
    for g in (0, gen.n_generators - 1):
        expected = numpy_patch(z[1].numpy(), w[g], gen.n_ancillas, reupload=reupload)
        np.testing.assert_allclose(ref[1, size * g : size * (g + 1)].numpy(), expected, atol=1e-10)


# -- the classical patch generator ----------------------------------------------------------------------------
QUANTUM_TWINS = [
    dict(depth=6),
    dict(depth=8),
    dict(depth=8, pixel_method="threshold"),
    dict(depth=8, pixel_method="threshold_gain"),
    dict(n_qubits=4, n_ancillas=1, n_generators=8, depth=6),
    dict(n_qubits=5, n_ancillas=2, n_generators=8, depth=8, pixel_method="threshold"),
]


@pytest.mark.parametrize("kwargs", QUANTUM_TWINS, ids=lambda k: "-".join(f"{v}" for v in k.values()))
def test_classical_patch_twin_matches_geometry_map_noise_and_budget(kwargs):
    torch.manual_seed(19)
    q = PatchQuantumGenerator(**kwargs)
    budget = count_parameters(q)
    c = ClassicalPatchGenerator.matching(q)
    assert 0.9 * budget <= count_parameters(c) == c.n_params <= budget
    assert c.n_params == ClassicalPatchGenerator.count(
        c.n_qubits, c.n_ancillas, c.n_generators, c.hidden, c.output_bias, c.pixel_method
    )
    assert (c.n_qubits, c.n_ancillas, c.n_generators, c.patch_size, c.n_pixels, c.latent_dim) == (
        q.n_qubits, q.n_ancillas, q.n_generators, q.patch_size, q.n_pixels, q.latent_dim
    )
    assert c.pixel_method == q.pixel_method and c.pixel_map.n_params == q.pixel_map.n_params
    z = c.sample_noise(300, torch.Generator().manual_seed(0))
    assert z.shape == (300, q.n_qubits) and float(z.min()) >= NOISE_RANGE[0] and float(z.max()) < NOISE_RANGE[1]
    assert torch.equal(z, q.sample_noise(300, torch.Generator().manual_seed(0)))  # the very same noise


@pytest.mark.parametrize("budget", [70, 100, 120, 124, 160, 300, 1000, 3000, 10000])
def test_classical_patch_budgets_from_below(budget):
    c = ClassicalPatchGenerator.with_budget(budget)
    assert 0.9 * budget <= c.n_params <= budget
    assert len(c.hidden) <= 2 and (len(c.hidden) < 2 or c.hidden[0] >= c.hidden[1])
    if budget >= 1000:  # large budgets: one hidden layer as wide as fits
        assert len(c.hidden) == 1 and budget - c.n_params < 5 + 1 + 64


def test_classical_patch_outputs_are_patches_of_probabilities_through_the_map():
    torch.manual_seed(20)
    c = ClassicalPatchGenerator(hidden=(6,))
    z = c.sample_noise(5)
    probs = c.patch_probs(z)
    assert probs.shape == (4, 5, 16) and torch.allclose(probs.sum(-1), torch.ones(4, 5))
    x = c(z).detach()
    assert x.shape == (5, 64) and float(x.min()) >= 0 and float(x.max()) <= 1 + 1e-6
    assert torch.allclose(x.reshape(5, 4, 16).amax(-1), torch.ones(5, 4), atol=1e-6)  # "max": brightest = 1
    assert torch.allclose(x.reshape(5, 4, 16).permute(1, 0, 2), probs / probs.amax(-1, keepdim=True))
    # the learned map is the quantum generator's: PatchPixelMap on the (G, B, P) probabilities, then stitched
    t = ClassicalPatchGenerator(n_qubits=4, n_ancillas=1, n_generators=8, hidden=(6,), pixel_method="threshold",
                                threshold_init=0.9)
    z = t.sample_noise(5)
    xt = t(z).detach()
    expected = t.pixel_map(t.patch_probs(z)).detach().permute(1, 0, 2).reshape(5, 64)
    assert xt.shape == (5, 64) and torch.equal(xt, expected)
    assert float((xt == 0).float().mean()) > 0.1 and float(xt.max()) <= 1


def test_classical_patch_gradients_reach_every_parameter():
    torch.manual_seed(21)
    c = ClassicalPatchGenerator(hidden=(4, 3), output_bias=True, pixel_method="threshold_gain", threshold_init=0.05)
    x = c(c.sample_noise(8))
    (x * torch.linspace(-1, 1, x.numel()).reshape(x.shape)).sum().backward()
    for name, p in c.named_parameters():
        assert p.grad is not None and float(p.grad.abs().max()) > 0, name


def test_classical_patch_crop_deepcopy_and_state_dict():
    torch.manual_seed(22)
    c = ClassicalPatchGenerator(hidden=(3,), n_pixels=60, pixel_method="threshold")
    z = c.sample_noise(2)
    assert c(z).shape == (2, 60)
    twin = copy.deepcopy(c)
    assert torch.equal(twin(z), c(z))
    fresh = ClassicalPatchGenerator(hidden=(3,), n_pixels=60, pixel_method="threshold")
    fresh.load_state_dict(c.state_dict())
    assert torch.equal(fresh(z), c(z))


# -- the classical MLP generator across budgets ----------------------------------------------------------------
def _best_in_family(budget: int) -> int:
    """Largest count <= budget over every ClassicalGenerator configuration with_budget can pick from."""
    counts = []
    for bias in ("pixel", "shared"):
        counts += [ClassicalGenerator.count(5, 64, (h,), output_bias=bias) for h in range(1, 200)]
        counts += [ClassicalGenerator.count(5, 64, (), rank=r, output_bias=bias) for r in range(1, 5)]
        counts.append(ClassicalGenerator.count(5, 64, (), output_bias=bias))
    return max(c for c in counts if c <= budget)


@pytest.mark.parametrize("budget", [70, 100, 160, 300, 1000, 3000, 10000])
def test_classical_mlp_budget_sweep(budget):
    gen = ClassicalGenerator.with_budget(budget, latent_dim=5, n_pixels=64)
    assert gen.n_params <= budget
    if budget >= 134:  # one hidden unit with a bias per pixel fits: a real MLP, one hidden layer as wide as fits
        assert gen.n_params >= 0.8 * budget and len(gen.hidden) == 1 and gen.output_bias == "pixel"
    else:  # below that the family has nothing between 71 and 133 parameters
        assert gen.n_params == _best_in_family(budget) == {70: 70, 100: 71}[budget]


# -- bad arguments of the new options ---------------------------------------------------------------------------
def test_bad_new_generator_arguments():
    with pytest.raises(TypeError, match=r"^reupload: expected True or False, got 'yes'"):
        PatchQuantumGenerator(reupload="yes")
    with pytest.raises(TypeError, match=r"^reupload: expected True or False, got 1"):
        ConditionalPatchGenerator(depth=1, reupload=1)
    with pytest.raises(ValueError, match=r"^pixel_method: expected one of \('max', 'minmax', 'threshold', 'threshold_gain'\)"):
        PatchQuantumGenerator(pixel_method="clip")
    with pytest.raises(ValueError, match=r"^threshold_init: expected a number in \(0, 1\)"):
        PatchQuantumGenerator(pixel_method="threshold", threshold_init=1.0)
    with pytest.raises(TypeError, match=r"^threshold_init: expected a number in \(0, 1\), got '0.1'"):
        PatchPixelMap(4, "threshold", threshold_init="0.1")
    with pytest.raises(ValueError, match=r"^n_patches: expected an integer >= 1, got 0"):
        PatchPixelMap(0)
    with pytest.raises(ValueError, match=r"^p: expected a torch.Tensor of shape \(4, ..., P\) \(one row per patch\)"):
        PatchPixelMap(4, "threshold")(torch.rand(3, 2, 16))
    with pytest.raises(ValueError, match=r"^n_params: expected a budget of at least 70 parameters for n_qubits=5"):
        ClassicalPatchGenerator.with_budget(69)
    with pytest.raises(ValueError, match=r"^n_params: expected a budget of at least 74 parameters .*'threshold'"):
        ClassicalPatchGenerator.with_budget(73, pixel_method="threshold")
    with pytest.raises(TypeError, match=r"^hidden: expected a sequence of widths such as \(8,\), got 8"):
        ClassicalPatchGenerator(hidden=8)
    with pytest.raises(TypeError, match=r"^output_bias: expected True or False, got 'pixel'"):
        ClassicalPatchGenerator(output_bias="pixel")
    with pytest.raises(ValueError, match=r"^n_pixels: expected at most n_generators \* 2\*\*\(n_qubits - n_ancillas\) = 8 \* 4"):
        ClassicalPatchGenerator(n_qubits=4, n_ancillas=2, n_generators=8)
    with pytest.raises(TypeError, match=r"^generator: expected a PatchQuantumGenerator, got ClassicalGenerator"):
        ClassicalPatchGenerator.matching(ClassicalGenerator())
    with pytest.raises(ValueError, match=r"^generator: expected an unconditional PatchQuantumGenerator"):
        ClassicalPatchGenerator.matching(ConditionalPatchGenerator(depth=1))
    with pytest.raises(ValueError, match=r"^noise: expected shape \(B, 5\) with B >= 1"):
        ClassicalPatchGenerator()(torch.zeros(2, 4))


# -- trainable input scaling and spaced re-uploading --------------------------------------------------------------
def numpy_scaled_patch(noise: np.ndarray, weights: np.ndarray, scale: np.ndarray, layers: tuple[int, ...],
                       n_ancillas: int) -> np.ndarray:
    """Pixels of one sub-generator whose encoding ``u`` (before layer ``layers[u]``) is ``RY(scale[u, i] * noise[u, i])``."""
    n = noise.shape[1]
    state = np.zeros(2**n)
    state[0] = 1.0
    for index, layer in enumerate(weights):
        if index in layers:
            for i in range(n):
                u = layers.index(index)
                state = on_wire(ry(scale[u, i] * noise[u, i]), i, n) @ state
        for i in range(n):
            state = on_wire(ry(layer[i]), i, n) @ state
        for i in range(n - 1):
            state = cz(i, i + 1, n) @ state
    probs = np.abs(state) ** 2
    kept = probs[: 2 ** (n - n_ancillas)]
    kept = kept / kept.sum()
    return kept / kept.max()


SCALING_CONFIGS = {
    "once": dict(depth=3, input_scaling=True),
    "every layer": dict(depth=3, reupload=True, input_scaling=True),
    "every 2nd, rows": dict(depth=5, reupload=True, upload_every=2, input_scaling=True, n_qubits=4, n_generators=8),
    "every 2nd, unscaled": dict(depth=4, reupload=True, upload_every=2),
    "noise blocks": dict(depth=4, reupload=True, upload_every=2, noise_per_upload=True),
    "noise blocks, scaled, rows": dict(depth=3, reupload=True, noise_per_upload=True, input_scaling=True, n_qubits=4,
                                       n_generators=8),
    "every layer, threshold": dict(depth=2, reupload=True, input_scaling=True, input_scale_init=0.7,
                                   pixel_method="threshold", threshold_init=0.05),
}


@pytest.fixture(scope="module", params=list(SCALING_CONFIGS))
def scaled(request):
    torch.manual_seed(21)
    gen = PatchQuantumGenerator(**SCALING_CONFIGS[request.param]).double()
    if gen.input_scale is not None:
        with torch.no_grad():  # generic scales, different for every generator, encoding and wire
            gen.input_scale.mul_(1.0 + 0.5 * torch.rand(gen.input_scale.shape, dtype=torch.float64))
    z = gen.sample_noise(3, torch.Generator().manual_seed(22)).double()
    return gen, z, values_and_grads(gen, z, method="loop")


@pytest.mark.parametrize("method", [m for m in METHODS if m != "loop"])
def test_input_scaling_and_spaced_uploads_agree_across_methods(scaled, method):
    gen, z, (ref_out, ref_grads) = scaled
    out, grads = values_and_grads(gen, z, method=method)
    assert torch.allclose(out, ref_out, atol=1e-6, rtol=0)
    assert len(grads) == len(ref_grads) == 1 + (gen.input_scale is not None) + (gen.pixel_map.n_params > 0)
    for g, r in zip(grads, ref_grads):
        assert torch.allclose(g, r, atol=1e-6, rtol=0)
    assert all(float(r.abs().max()) > 1e-4 for r in ref_grads)  # the scales get gradient too


def test_input_scaling_matches_an_independent_numpy_state_vector(scaled):
    gen, z, (ref_out, _) = scaled
    w = gen.weights.detach().numpy()
    s = (gen.input_scale.detach().numpy() if gen.input_scale is not None
         else np.ones((gen.n_generators, gen.n_uploads, gen.n_qubits)))
    size, u, n = gen.patch_size, gen.n_uploads, gen.n_qubits
    for b in range(len(z)):
        zb = z[b].numpy().reshape(u, n) if gen.noise_per_upload else np.tile(z[b].numpy(), (u, 1))
        for g in range(gen.n_generators):
            if gen.pixel_method != "max":
                continue  # the learned map is checked across methods above
            expected = numpy_scaled_patch(zb, w[g], s[g], gen.upload_layers, gen.n_ancillas)
            np.testing.assert_allclose(ref_out[b, size * g : size * (g + 1)].numpy(), expected, atol=1e-10)


def test_upload_layers_counts_and_initial_scales():
    gen = PatchQuantumGenerator(depth=8)
    assert gen.upload_layers == (0,) and gen.n_uploads == 1 and gen.encoding_shape == (5,) and gen.input_scale is None
    every = PatchQuantumGenerator(depth=8, reupload=True)
    assert every.upload_layers == tuple(range(8)) and every.encoding_shape == (5,)
    spaced = PatchQuantumGenerator(depth=8, reupload=True, upload_every=3, input_scaling=True)
    assert spaced.upload_layers == (0, 3, 6) and spaced.encoding_shape == (3, 5)
    assert spaced.input_scale.shape == (4, 3, 5) and torch.allclose(spaced.input_scale, torch.full((4, 3, 5), 1 / 3))
    assert count_parameters(spaced) == 4 * 8 * 5 + 4 * 3 * 5
    assert float(PatchQuantumGenerator(input_scaling=True, input_scale_init=0.25).input_scale.detach().max()) == 0.25
    # a gate per encoding, each merged into its layer's RY: no extra replay steps
    replay = spaced.replay()
    assert replay.num_gates == 8 * (5 + 4) + 3 * 5 and replay.num_steps == 8 * 5 + 8
    # the scales are filled, not drawn: the initial angles for a seed are unchanged
    torch.manual_seed(5)
    a = PatchQuantumGenerator(depth=8).weights.detach()
    torch.manual_seed(5)
    b = PatchQuantumGenerator(depth=8, input_scaling=True).weights.detach()
    assert torch.equal(a, b)
    assert "input_scaling=True" in repr(spaced) and "upload_every=3" in repr(spaced)
    assert "RY" in spaced.draw()


def test_unit_input_scale_is_the_paper_circuit():
    torch.manual_seed(23)
    plain = PatchQuantumGenerator(depth=4).double()
    scaled_ = PatchQuantumGenerator(depth=4, input_scaling=True).double()
    with torch.no_grad():
        scaled_.weights.copy_(plain.weights)
    z = plain.sample_noise(4).double()
    assert torch.allclose(plain(z), scaled_(z), atol=1e-12)
    # scale s on the noise equals the paper's circuit fed s * z
    with torch.no_grad():
        scaled_.input_scale.fill_(0.4)
    assert torch.allclose(plain(0.4 * z), scaled_(z), atol=1e-12)
    # unscaled re-uploading every 2nd layer equals scales of 1 at those layers
    spaced = PatchQuantumGenerator(depth=4, reupload=True, upload_every=2).double()
    spaced_s = PatchQuantumGenerator(depth=4, reupload=True, upload_every=2, input_scaling=True,
                                     input_scale_init=1.0).double()
    with torch.no_grad():
        spaced_s.weights.copy_(spaced.weights)
    assert torch.allclose(spaced(z), spaced_s(z), atol=1e-12)


def test_input_scaling_state_dict_and_deepcopy_round_trip():
    torch.manual_seed(24)
    gen = PatchQuantumGenerator(depth=3, reupload=True, upload_every=2, input_scaling=True).double()
    with torch.no_grad():
        gen.input_scale.mul_(1.7)
    z = gen.sample_noise(2).double()
    again = PatchQuantumGenerator(depth=3, reupload=True, upload_every=2, input_scaling=True).double()
    again.load_state_dict(gen.state_dict())
    assert torch.equal(again(z), gen(z)) and torch.equal(copy.deepcopy(gen)(z), gen(z))


def test_bad_input_scaling_arguments():
    once = PatchQuantumGenerator(upload_every=2, noise_per_upload=True)  # without reupload: one encoding
    assert once.upload_layers == (0,) and once.latent_dim == 5 and once.encoding_shape == (1, 5)
    wide = PatchQuantumGenerator(depth=4, reupload=True, upload_every=5, noise_per_upload=True)
    assert wide.upload_layers == (0,) and wide.latent_dim == 5  # a spacing beyond the depth: one encoding
    with pytest.raises(ValueError, match=r"^upload_every: expected an integer >= 1, got 0"):
        PatchQuantumGenerator(reupload=True, upload_every=0)
    with pytest.raises(TypeError, match=r"^upload_every: expected an integer >= 1, got 2\.0 \(float\)"):
        PatchQuantumGenerator(reupload=True, upload_every=2.0)
    with pytest.raises(TypeError, match=r"^input_scaling: expected True or False, got 1"):
        PatchQuantumGenerator(input_scaling=1)
    with pytest.raises(ValueError, match=r"^input_scale_init: only used with input_scaling=True; expected None, got 0.5"):
        PatchQuantumGenerator(input_scale_init=0.5)
    with pytest.raises(ValueError, match=r"^input_scale_init: expected a number >= 0, got -1"):
        PatchQuantumGenerator(input_scaling=True, input_scale_init=-1)
    with pytest.raises(ValueError, match=r"^noise: expected shape \(B, 5\)"):
        PatchQuantumGenerator(input_scaling=True)(torch.zeros(2, 3))


def test_noise_per_upload_widens_the_latent_and_each_block_matters():
    torch.manual_seed(25)
    gen = PatchQuantumGenerator(depth=6, reupload=True, upload_every=3, noise_per_upload=True).double()
    assert gen.latent_dim == 10 and gen.encoding_shape == (2, 5) and gen.input_scale is None
    assert count_parameters(gen) == 4 * 6 * 5  # no extra parameters
    z = gen.sample_noise(3, torch.Generator().manual_seed(26))
    assert z.shape == (3, 10) and float(z.min()) >= NOISE_RANGE[0] and float(z.max()) < NOISE_RANGE[1]
    z = z.double()
    for block in (slice(0, 5), slice(5, 10)):  # changing either block changes the image
        moved = z.clone()
        moved[:, block] += 0.3
        assert float((gen(moved) - gen(z)).detach().abs().max()) > 1e-3
    # the replay reads the second block in the second encoding: placeholders 5..9 before layer 3
    ops = gen.replay().tape.operations
    ry_on_0 = [int(op.parameters[0]) for op in ops if op.name == "RY" and 0 in op.wires]
    assert ry_on_0 == [0, 10, 15, 20, 5, 25, 30, 35]  # enc 0, layers 0-2, enc 1 (index 5), layers 3-5
    with pytest.raises(ValueError, match=r"^noise: expected shape \(B, 10\) with B >= 1 \(one angle per qubit and encoding"):
        gen(torch.zeros(2, 5, dtype=torch.float64))
    single = PatchQuantumGenerator(depth=3, noise_per_upload=True).double()  # one encoding: nothing changes
    plain = PatchQuantumGenerator(depth=3).double()
    plain.load_state_dict(single.state_dict())
    z5 = z[:, :5]
    assert single.latent_dim == 5 and torch.allclose(single(z5), plain(z5), atol=1e-12)
    with pytest.raises(TypeError, match=r"^noise_per_upload: expected True or False, got 'yes'"):
        PatchQuantumGenerator(reupload=True, noise_per_upload="yes")
