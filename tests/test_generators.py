"""qgan_helpers.generators: every fast path against the one-circuit-at-a-time reference and an
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

from qgan_helpers.circuits import angle_encoding
from qgan_helpers.generators import (
    METHODS,
    NOISE_RANGE,
    ClassicalGenerator,
    ConditionalPatchGenerator,
    PatchQuantumGenerator,
    TapeReplay,
)


# -- independent NumPy reference: explicit matrices, wire 0 = most significant bit -----------------
def ry(t: float) -> np.ndarray:
    c, s = np.cos(t / 2), np.sin(t / 2)
    return np.array([[c, -s], [s, c]])


def on_wire(m: np.ndarray, wire: int, n: int) -> np.ndarray:
    return reduce(np.kron, [m if i == wire else np.eye(2) for i in range(n)])


def cz(a: int, b: int, n: int) -> np.ndarray:
    bits = (np.arange(2**n)[:, None] >> (n - 1 - np.arange(n))) & 1
    return np.diag(np.where(bits[:, a] & bits[:, b], -1.0, 1.0))


def numpy_patch(noise: np.ndarray, weights: np.ndarray, n_ancillas: int) -> np.ndarray:
    """Pixels of one sub-generator: RY(noise), [RY(w_l) + CZ chain] x depth, keep ancillas = 0, / max."""
    n = len(noise)
    state = np.zeros(2**n)
    state[0] = 1.0
    for i in range(n):
        state = on_wire(ry(noise[i]), i, n) @ state
    for layer in weights:
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
        ({"init_scale": -1.0}, r"^init_scale: expected a finite number >= 0"),
        ({"method": "fast"}, r"^method: expected one of \('lean', 'broadcast', 'per_generator', 'loop'\), got 'fast'"),
        ({"pixel_method": "sum"}, r"^pixel_method: expected one of"),
    ],
)
def test_bad_constructor_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PatchQuantumGenerator(**kwargs)


def test_non_integer_sizes_are_type_errors():
    with pytest.raises(TypeError, match=r"^n_qubits: expected an integer, got 4.5"):
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
