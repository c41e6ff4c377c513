"""qgan_helpers.models.hybrid.HybridQuantumGenerator and qgan_helpers.hybrid: the torch state vector
against PennyLane's QNode and an independent NumPy calculation, the seed's defects measured, the
training variants on tiny runs, the 28x28 measurements and the feature extractor; clear messages
for bad input."""

from __future__ import annotations

from functools import reduce

import numpy as np
import pennylane as qml
import pytest
import torch

from qgan_helpers.hybrid import (
    HYBRID_DEFAULTS,
    SEED_SETTINGS,
    circuit_features,
    digit_score,
    feature_table,
    make_generator,
    pool_inputs,
    random_features,
    shrink,
    shrink_accuracy,
    train_hybrid_qgan,
)
from qgan_helpers.models import (
    HYBRID_ENCODINGS,
    ClassicalGenerator,
    HybridQuantumGenerator,
)
from qgan_helpers.models.hybrid import ConvDecoder
from qgan_helpers.quantum.engine import rot_zyx
from qgan_helpers.training import load_checkpoint, save_checkpoint


# -- independent NumPy reference ------------------------------------------------------------------
def rx(t):
    return np.array([[np.cos(t / 2), -1j * np.sin(t / 2)], [-1j * np.sin(t / 2), np.cos(t / 2)]])


def ry(t):
    return np.array([[np.cos(t / 2), -np.sin(t / 2)], [np.sin(t / 2), np.cos(t / 2)]])


def rz(t):
    return np.diag([np.exp(-1j * t / 2), np.exp(1j * t / 2)])


def on_wire(m, wire, n):
    return reduce(np.kron, [m if i == wire else np.eye(2) for i in range(n)])


def cnot(a, b, n):
    dim = 2**n
    out = np.zeros((dim, dim))
    for k in range(dim):
        bits = [(k >> (n - 1 - i)) & 1 for i in range(n)]
        if bits[a]:
            bits[b] ^= 1
        out[sum(bit << (n - 1 - i) for i, bit in enumerate(bits)), k] = 1
    return out


def numpy_expvals(z, weights, encoding, readout="z"):
    n = weights.shape[1]
    if encoding == "amplitude":
        state = z / np.linalg.norm(z)
    else:
        state = np.zeros(2**n, complex)
        state[0] = 1
        if encoding == "angle":
            for i in range(n):
                state = on_wire(ry(z[i]), i, n) @ state
    for k, layer in enumerate(weights):
        for i in range(n):
            upload = ry(z[k * n + i]) if encoding == "reupload" else np.eye(2)
            state = on_wire(rz(layer[i, 2]) @ ry(layer[i, 1]) @ rx(layer[i, 0]) @ upload, i, n) @ state
        for i in range(n - 1):
            state = cnot(i, i + 1, n) @ state
    if readout == "probs":  # every bitstring's probability, times 2**n
        return 2**n * np.abs(state) ** 2
    paulis = [np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]])] if readout == "xyz" else []
    paulis.append(np.diag([1.0, -1.0]))
    return np.array([(state.conj() @ on_wire(m, i, n) @ state).real for m in paulis for i in range(n)])


# -- the circuit ----------------------------------------------------------------------------------
def test_rot_matrices_match_pennylane():
    w = torch.tensor([[0.3, -1.2, 2.0], [1.1, 0.4, -0.7]], dtype=torch.float64)
    got = rot_zyx(w)
    for k in range(2):
        a, b, c = w[k].tolist()
        want = qml.matrix(qml.prod(qml.RZ(c, 0), qml.RY(b, 0), qml.RX(a, 0)))
        np.testing.assert_allclose(got[k].numpy(), want, atol=1e-12)


@pytest.mark.parametrize("readout", ["z", "xyz", "probs"])
@pytest.mark.parametrize("encoding", ["none", "angle", "amplitude", "reupload"])
def test_torch_state_vector_matches_qnode_and_numpy(encoding, readout):
    torch.manual_seed(0)
    gen = HybridQuantumGenerator(n_qubits=3, layers=2, encoding=encoding, decoder=(5,), n_pixels=9, init_scale=1.0,
                                 readout=readout)
    z = gen.sample_noise(6).double()
    fast = gen.expvals(z)
    assert fast.shape == (6, {"z": 3, "xyz": 9, "probs": 8}[readout])
    ref = gen.expvals(z, method="qnode")
    torch.testing.assert_close(fast, ref, atol=1e-10, rtol=0)
    w = gen.weights.detach().double().numpy()
    for j in (0, 5):
        want = numpy_expvals(z[j].numpy(), w, encoding, readout)
        np.testing.assert_allclose(fast[j].detach().numpy(), want, atol=1e-10)
    (g_fast,) = torch.autograd.grad(gen.expvals(z).pow(2).sum(), gen.weights)
    (g_ref,) = torch.autograd.grad(gen.expvals(z, method="qnode").pow(2).sum(), gen.weights)
    torch.testing.assert_close(g_fast, g_ref, atol=1e-10, rtol=0)


def test_seed_generator_ignores_z_and_is_unbounded():
    torch.manual_seed(1)
    seed = HybridQuantumGenerator(encoding="none", activation="none", decoder=(16,))
    with torch.no_grad():
        x = seed(seed.sample_noise(32))
    assert float(x.std(0).max()) == 0.0  # every sample is the same image
    assert float(torch.cdist(x, x).max()) == 0.0
    (grad_z,) = torch.autograd.grad(seed(torch.randn(4, 4, requires_grad=True)).sum(), seed.weights)
    assert grad_z.abs().sum() > 0  # the weights still train; only z is cut off
    z = torch.randn(3, 4, requires_grad=True)
    seed(z).sum().backward()
    assert z.grad is None or float(z.grad.abs().max()) == 0.0
    # no output activation: the untrained decoder already leaves [0, 1]
    assert float(x.min()) < 0.0


def test_fixed_generators_vary_with_z_and_stay_in_range():
    torch.manual_seed(2)
    for encoding in ("angle", "amplitude", "direct"):
        gen = HybridQuantumGenerator(encoding=encoding, decoder=(16,), init_scale=1.0)
        with torch.no_grad():
            x = gen(gen.sample_noise(32))
        assert x.shape == (32, 784) and float(x.min()) > 0 and float(x.max()) < 1
        assert float(x.std(0).max()) > 1e-3, encoding


def test_sizes_and_noise():
    gen = HybridQuantumGenerator()
    assert gen.latent_dim == 4 and gen.n_circuit_params == 24
    assert gen.n_params == 24 + (4 * 128 + 128) + (128 * 784 + 784)
    assert HybridQuantumGenerator(encoding="amplitude").latent_dim == 16
    direct = HybridQuantumGenerator(encoding="direct")
    assert direct.weights is None and direct.n_circuit_params == 0 and direct.n_params == gen.n_params - 24
    z = gen.sample_noise(500, torch.Generator().manual_seed(0))
    assert float(z.min()) >= 0 and float(z.max()) < np.pi
    assert set(HYBRID_ENCODINGS) == {"none", "angle", "amplitude", "direct", "classical", "reupload"}
    assert "RX" in HybridQuantumGenerator(n_qubits=2, decoder=()).draw()


def test_checkpoint_round_trip(tmp_path):
    gen, entry = make_generator("fixed", decoder=(8,), decoder_kind="mlp")
    save_checkpoint(tmp_path / "h.pt", gen, {"generator": entry, "image_shape": [28, 28]})
    back = load_checkpoint(tmp_path / "h.pt").generator
    z = gen.sample_noise(3)
    torch.testing.assert_close(back(z), gen(z))


@pytest.mark.parametrize("variant", ["fixed", "classical", "direct"])
def test_conv_decoder_checkpoint_round_trip(tmp_path, variant):
    gen, entry = make_generator(variant, decoder=(8, 4), decoder_kind="conv")
    assert isinstance(gen.decoder, ConvDecoder) and entry["kwargs"]["decoder_kind"] == "conv"
    save_checkpoint(tmp_path / "h.pt", gen, {"generator": entry, "image_shape": [28, 28]})
    back = load_checkpoint(tmp_path / "h.pt").generator
    assert isinstance(back.decoder, ConvDecoder) and back.encoding == gen.encoding
    z = gen.sample_noise(3)
    torch.testing.assert_close(back(z), gen(z))


def test_conv_decoder_shapes_sizes_and_classical_twin():
    dec = ConvDecoder(4, (8, 4), 784)
    assert (dec.start, dec.side) == (7, 28)
    # Linear(4, 8*7*7), Conv(8 -> 4, 3x3), Conv(4 -> 1, 3x3)
    assert sum(p.numel() for p in dec.parameters()) == (4 * 392 + 392) + (8 * 4 * 9 + 4) + (4 * 9 + 1)
    out = dec(torch.rand(5, 4))
    assert out.shape == (5, 784)
    fixed = HybridQuantumGenerator(decoder=(8, 4), decoder_kind="conv")
    with torch.no_grad():
        x = fixed(fixed.sample_noise(6, torch.Generator().manual_seed(0)))
    assert x.shape == (6, 784) and float(x.min()) >= 0 and float(x.max()) <= 1
    assert float(x.std(0).max()) > 0  # z reaches the image
    twin = HybridQuantumGenerator(decoder=(8, 4), decoder_kind="conv", encoding="classical")
    direct = HybridQuantumGenerator(decoder=(8, 4), decoder_kind="conv", encoding="direct")
    # the same decoder; a classical layer of 3 * 4 = 12 numbers instead of the circuit's 24 angles
    assert twin.n_circuit_params == 0 and twin.n_params == fixed.n_params - 24 + 12
    assert direct.n_params == fixed.n_params - 24
    z = twin.sample_noise(500, torch.Generator().manual_seed(0))
    assert float(z.min()) >= 0 and float(z.max()) < np.pi
    feats = twin.expvals(z[:3]).detach()
    assert feats.shape == (3, 4) and float(feats.abs().max()) < 1
    u = z[:3].double() - np.pi / 2
    a, c, b = (row.detach().double() for row in twin.mixer)
    nxt = torch.cat([u[:, 1:], torch.zeros(3, 1, dtype=torch.float64)], 1)
    torch.testing.assert_close(feats, torch.tanh(a * u + c * nxt + b))  # each number with its neighbour
    with pytest.raises(ValueError, match=r"encoding: 'classical' has no circuit"):
        twin.qnode()
    classical, entry = make_generator("classical", decoder=(8, 4), decoder_kind="conv")
    assert entry["class"] == "HybridQuantumGenerator" and classical.encoding == "classical"
    assert classical.n_params <= make_generator("fixed", decoder=(8, 4), decoder_kind="conv")[0].n_params


# -- training variants (tiny runs) ---------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny_data():
    from qgan_helpers.data import ImageData, load_digits_tensors, upsample

    x, y = load_digits_tensors(split="train")
    return ImageData(upsample(x[:64], 28), y[:64], source="8x8 digits upsampled to 28x28 (test subset)", fallback=True)


def test_train_variants_tiny(tiny_data):
    sizes = {}
    for variant in ("seed", "fixed", "classical", "direct"):
        ck = train_hybrid_qgan(variant, seed=0, data=tiny_data, progress=False, steps=2, eval_every=2, sample_every=2,
                               decoder=(8,), eval_samples=20)
        assert ck.history.steps == 2 and ck.config["data_source"] == tiny_data.source
        assert set(ck.history.final_metrics()) >= {"mmd2", "coverage", "pixel_min", "pixel_max"}
        sizes[variant] = sum(p.numel() for p in ck.generator.parameters())
        if variant == "seed":
            assert ck.history.final_metrics()["coverage"] == 1.0
            assert ck.history.settings["betas"] == [0.9, 0.999] and ck.history.settings["ema_decay"] is None
        else:
            assert ck.history.settings["r1_gamma"] == HYBRID_DEFAULTS["r1_gamma"]
    circuit = make_generator("fixed")[0].n_circuit_params
    assert circuit == 3 * HYBRID_DEFAULTS["layers"] * HYBRID_DEFAULTS["n_qubits"] * HYBRID_DEFAULTS["blocks"]
    assert sizes["classical"] <= sizes["fixed"] and sizes["direct"] == sizes["fixed"] - circuit
    assert isinstance(make_generator("classical", decoder_kind="mlp")[0], ClassicalGenerator)
    assert make_generator("classical")[0].decoder_kind == HYBRID_DEFAULTS["decoder_kind"]


def test_settings_are_the_seeds():
    assert (SEED_SETTINGS["n_qubits"], SEED_SETTINGS["layers"], SEED_SETTINGS["encoding"]) == (4, 2, "none")
    assert SEED_SETTINGS["activation"] == "none" and SEED_SETTINGS["lr_g"] == SEED_SETTINGS["lr_d"] == 1e-3
    assert HYBRID_DEFAULTS["encoding"] == "angle" and HYBRID_DEFAULTS["activation"] == "sigmoid"


# -- measurements and features -------------------------------------------------------------------
def test_shrink_and_digit_score_on_the_fallback():
    from qgan_helpers.data import load_digits_tensors, upsample

    x, y = load_digits_tensors(split="test")
    x28 = upsample(x, 28)
    assert shrink(x28).shape == (len(y), 8, 8)
    assert shrink_accuracy((x28, y)) > 0.88  # the 8x8 feature network on blurred round trips (0.91)
    assert digit_score(x28).coverage == 10
    assert digit_score(torch.full((5, 784), 7.0)).coverage == 1  # unbounded pixels are clipped first


def test_features_shapes_and_table():
    from qgan_helpers.data import load_digits_tensors, upsample

    torch.manual_seed(0)
    amp = HybridQuantumGenerator(encoding="amplitude", decoder=(), init_scale=1.0)
    ang = HybridQuantumGenerator(encoding="angle", decoder=(), init_scale=1.0)
    x = torch.rand(6, 28, 28)
    inputs = pool_inputs(x, amp)
    want = torch.nn.functional.adaptive_avg_pool2d(x.unsqueeze(1), (4, 4)).reshape(6, 16).double() + 1e-3
    torch.testing.assert_close(inputs, want)
    assert pool_inputs(x, ang).shape == (6, 4)
    f = circuit_features(x, amp)
    assert f.shape == (6, 4) and np.abs(f).max() <= 1
    np.testing.assert_allclose(f, amp.expvals(inputs).detach().numpy())
    r = random_features(x, 4)
    assert r.shape == (6, 4) and np.array_equal(r, random_features(x, 4)) and np.abs(r).max() < 1
    xt, yt = load_digits_tensors(split="train")
    xs, ys = load_digits_tensors(split="test")
    rows = feature_table((upsample(xt[:200], 28), yt[:200]), (upsample(xs[:100], 28), ys[:100]), {"amp": amp})
    names = [r["features"] for r in rows]
    assert names == ["raw pixels", "circuit features (amp)", "pooled inputs (amp)", "random features, dim 4"]
    assert rows[0]["dim"] == 784 and rows[1]["dim"] == 4 and rows[0]["accuracy"] > 0.8
    assert all(0 <= r["accuracy"] <= 1 for r in rows)


def test_features_of_circuit_blocks():
    x = torch.rand(3, 28, 28)
    tiled = HybridQuantumGenerator(n_qubits=4, blocks=4, decoder=())  # 16 inputs tile 28x28 as 4x4
    want = torch.nn.functional.adaptive_avg_pool2d(x.unsqueeze(1), (4, 4)).reshape(3, 16).double() * np.pi
    torch.testing.assert_close(pool_inputs(x, tiled), want)
    odd = HybridQuantumGenerator(n_qubits=8, blocks=4, decoder=())  # 32 inputs: no grid tiles 28x28
    want = torch.nn.functional.adaptive_avg_pool2d(x.unsqueeze(1), (4, 8)).reshape(3, 32).double() * np.pi
    torch.testing.assert_close(pool_inputs(x, odd), want)
    assert circuit_features(x, odd).shape == (3, 32)
    amp = HybridQuantumGenerator(encoding="amplitude", blocks=2, decoder=())
    with pytest.raises(ValueError, match=r"generator: amplitude features need a single circuit block, got blocks=2"):
        pool_inputs(x, amp)


# -- bad input ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"encoding": "basis"}, ValueError,
         r"encoding: expected one of \('none', 'angle', 'amplitude', 'direct', 'classical', 'reupload'\), got 'basis'"),
        ({"decoder_kind": "deconv"}, ValueError, r"decoder_kind: expected one of \('mlp', 'conv'\), got 'deconv'"),
        ({"decoder_kind": "conv", "decoder": ()}, ValueError, r"decoder: a convolutional decoder needs at least one"),
        ({"decoder_kind": "conv", "decoder": (8, 4, 2)}, ValueError,
         r"n_pixels: a convolutional decoder with 3 widths needs a square image whose side is divisible by 8, got 784"),
        ({"decoder_kind": "conv", "decoder": (8,), "n_pixels": 700}, ValueError, r"n_pixels: a convolutional decoder"),
        ({"decoder_kind": "conv", "decoder": (8, 0)}, ValueError, r"decoder: expected an integer >= 1, got 0"),
        ({"activation": "tanh"}, ValueError, r"activation: expected one of \('none', 'sigmoid'\), got 'tanh'"),
        ({"decoder": 128}, TypeError, r"decoder: expected a sequence of hidden widths such as \(128,\), got 128"),
        ({"decoder": (0,)}, ValueError, r"decoder: expected an integer >= 1, got 0"),
        ({"n_qubits": 0}, ValueError, r"n_qubits: expected an integer >= 1, got 0"),
        ({"n_qubits": 13}, ValueError, r"n_qubits: expected at most 12"),
        ({"layers": 1.5}, TypeError, r"layers: expected an integer >= 1, got 1\.5 \(float\)"),
        ({"method": "fast"}, ValueError, r"method: expected one of \('torch', 'qnode'\), got 'fast'"),
        ({"init_scale": -1.0}, ValueError, r"init_scale: expected a number >= 0, got -1.0"),
    ],
)
def test_bad_generator_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        HybridQuantumGenerator(**kwargs)


def test_bad_noise_and_helpers():
    gen = HybridQuantumGenerator(decoder=(4,))
    with pytest.raises(ValueError, match=r"noise: expected shape \(B, 4\) with B >= 1 \(latent_dim = 4\), got \(2, 16\)"):
        gen(torch.rand(2, 16))
    with pytest.raises(TypeError, match=r"noise: expected a torch.Tensor of shape \(B, 4\), got list"):
        gen([[0.0] * 4])
    with pytest.raises(ValueError, match=r"noise: expected finite values, got NaN or infinity"):
        gen(torch.full((1, 4), float("nan")))
    with pytest.raises(ValueError, match=r"method: expected one of \('torch', 'qnode'\), got 'x'"):
        gen.expvals(torch.rand(1, 4), method="x")
    with pytest.raises(ValueError, match=r"encoding: 'direct' has no circuit"):
        HybridQuantumGenerator(encoding="direct").qnode()
    with pytest.raises(
        ValueError, match=r"generator: expected a HybridQuantumGenerator with encoding 'angle' or 'amplitude', got encoding='none'"
    ):
        pool_inputs(torch.rand(2, 28, 28), HybridQuantumGenerator(encoding="none"))
    with pytest.raises(ValueError, match=r"dim: expected an integer >= 1, got 0"):
        random_features(torch.rand(2, 28, 28), 0)
    with pytest.raises(TypeError, match=r"images: expected a torch tensor or NumPy array of images, got list"):
        shrink([[1.0]])
    with pytest.raises(ValueError, match=r"images: expected images of shape \(N, H, W\) or \(N, 784\) with N >= 1, got \(5,\)"):
        shrink(torch.rand(5))
    with pytest.raises(ValueError, match=r"images: expected finite pixel values, got NaN or infinity"):
        shrink(torch.full((1, 28, 28), float("inf")))
    with pytest.raises(TypeError, match=r"data: expected an ImageData or a pair \(images, labels\), got str"):
        shrink_accuracy("mnist")


def test_bad_training_arguments(tiny_data):
    with pytest.raises(ValueError, match=r"variant: expected one of \('fixed', 'seed', 'classical', 'direct'\), got 'big'"):
        train_hybrid_qgan("big", data=tiny_data)
    with pytest.raises(ValueError, match=r"overrides: unknown setting\(s\) \['depth'\]"):
        train_hybrid_qgan("fixed", data=tiny_data, depth=3)
    with pytest.raises(ValueError, match=r"seed: expected an integer >= 0, got -1"):
        train_hybrid_qgan("fixed", seed=-1, data=tiny_data)
    with pytest.raises(TypeError, match=r"data: expected an ImageData \(see qgan_helpers.data\), got Tensor"):
        train_hybrid_qgan("fixed", data=torch.rand(4, 28, 28))


def test_reupload_and_bloch_read_out_sizes():
    gen = HybridQuantumGenerator(n_qubits=4, layers=3, encoding="reupload", readout="xyz", decoder=(8, 4),
                                 decoder_kind="conv")
    # a fresh angle per qubit before each of the 3 layers; the decoder reads 3 numbers per qubit
    assert (gen.latent_dim, gen.n_features, gen.decoder.n_inputs) == (12, 12, 12)
    z = gen.sample_noise(200, torch.Generator().manual_seed(0))
    assert z.shape == (200, 12) and float(z.min()) >= 0 and float(z.max()) < np.pi
    with torch.no_grad():
        x = gen(z[:5])
        feats = gen.expvals(z[:5])
    assert x.shape == (5, 784) and float(x.std(0).max()) > 0
    # every wire's Bloch vector has length at most 1 (1 for a pure one-qubit state)
    bloch = feats.reshape(5, 3, 4)
    assert float(bloch.pow(2).sum(1).max()) <= 1 + 1e-9
    # the later angle blocks reach the image too (they are not cut off like the seed's z)
    later = z[:5].clone()
    later[:, 4:] = 0.3
    assert not torch.allclose(gen.expvals(later), gen.expvals(z[:5]))
    direct = HybridQuantumGenerator(n_qubits=4, encoding="direct", readout="xyz", decoder=(8, 4), decoder_kind="conv")
    assert direct.latent_dim == 12 and direct.n_params == gen.n_params - gen.n_circuit_params
    assert "readout='xyz'" in repr(gen)
    with pytest.raises(ValueError, match=r"readout: expected one of \('z', 'xyz', 'probs'\), got 'y'"):
        HybridQuantumGenerator(readout="y")
    with pytest.raises(ValueError, match=r"noise: expected shape \(B, 12\)"):
        gen.expvals(torch.rand(2, 4))  # an angle-encoding latent is too short for re-uploading


def test_classical_twin_of_a_wider_read_out():
    # the twin draws as many noise numbers as the decoder reads (12), more than re-uploading's 8
    twin = HybridQuantumGenerator(n_qubits=4, encoding="classical", readout="xyz", decoder=(8, 4), decoder_kind="conv")
    assert (twin.latent_dim, twin.n_features) == (12, 12) and twin.mixer.shape == (3, 12)
    z = twin.sample_noise(3, torch.Generator().manual_seed(1))
    with torch.no_grad():
        twin.mixer.copy_(torch.randn(3, 12, generator=torch.Generator().manual_seed(2)))
        feats = twin.expvals(z)
    u = z.double() - np.pi / 2
    a, c, b = (row.detach().double() for row in twin.mixer)
    nxt = torch.cat([u[:, 1:], torch.zeros(3, 1, dtype=torch.float64)], 1)
    torch.testing.assert_close(feats, torch.tanh(a * u + c * nxt + b), atol=1e-6, rtol=0)  # the layer is float32


def test_readout_reaches_the_checkpoint(tmp_path):
    gen, entry = make_generator("fixed", decoder=(8, 4), encoding="reupload", readout="xyz")
    assert entry["kwargs"]["readout"] == "xyz" and entry["kwargs"]["encoding"] == "reupload"
    save_checkpoint(tmp_path / "h.pt", gen, {"generator": entry, "image_shape": [28, 28]})
    back = load_checkpoint(tmp_path / "h.pt").generator
    assert (back.readout, back.latent_dim) == ("xyz", gen.latent_dim)
    z = gen.sample_noise(3)
    torch.testing.assert_close(back(z), gen(z))
    # checkpoints written before the read-out existed rebuild with <Z_i>
    old = {**entry["kwargs"]}
    old.pop("readout")
    assert HybridQuantumGenerator(**{**old, "encoding": "angle"}).readout == "z"


def test_probability_read_out():
    gen = HybridQuantumGenerator(n_qubits=4, encoding="amplitude", readout="probs", decoder=(8, 4),
                                 decoder_kind="conv", init_scale=1.0)
    # the decoder reads all 16 bitstring probabilities, scaled to average 1
    assert (gen.latent_dim, gen.n_features, gen.decoder.n_inputs) == (16, 16, 16)
    z = gen.sample_noise(50, torch.Generator().manual_seed(0))
    feats = gen.expvals(z).detach()
    assert float(feats.min()) >= 0 and float(feats.max()) <= 16
    torch.testing.assert_close(feats.mean(1), torch.ones(50, dtype=torch.float64), atol=1e-12, rtol=0)
    # the amplitude-encoded noise moves every feature; the circuit's angles too
    assert float(feats.std(0).min()) > 0.05
    (grad,) = torch.autograd.grad(gen.expvals(z)[:, 0].sum(), gen.weights)
    assert float(grad.abs().max()) > 1e-6
    direct = HybridQuantumGenerator(n_qubits=4, encoding="direct", readout="probs", decoder=(8, 4), decoder_kind="conv")
    assert direct.latent_dim == 16 and direct.n_params == gen.n_params - gen.n_circuit_params
    with pytest.raises(ValueError, match=r"n_qubits: readout='probs' hands the decoder 2\*\*n_qubits numbers; "
                                         r"expected at most 8 qubits, got 9"):
        HybridQuantumGenerator(n_qubits=9, readout="probs")


@pytest.mark.parametrize("readout", ["z", "xyz", "probs"])
@pytest.mark.parametrize("encoding", ["none", "angle", "amplitude", "reupload"])
def test_blocks_are_independent_copies_of_the_circuit(encoding, readout):
    torch.manual_seed(1)
    gen = HybridQuantumGenerator(n_qubits=3, layers=2, encoding=encoding, readout=readout, blocks=3, decoder=(5,),
                                 n_pixels=9, init_scale=1.0)
    one = HybridQuantumGenerator(n_qubits=3, layers=2, encoding=encoding, readout=readout, decoder=(5,), n_pixels=9)
    assert gen.weights.shape == (3, *one.weights.shape) and gen.n_circuit_params == 3 * one.n_circuit_params
    assert (gen.latent_dim, gen.n_features) == (3 * one.latent_dim, 3 * one.n_features)
    z = gen.sample_noise(5).double()
    feats = gen.expvals(z)
    torch.testing.assert_close(feats, gen.expvals(z, method="qnode"), atol=1e-10, rtol=0)
    # block b reads slice b of z with its own angles, exactly as a one-block circuit would
    w = gen.weights.detach().double().numpy()
    lat, k = one.latent_dim, one.n_features
    for block in range(3):
        for j in (0, 4):
            want = numpy_expvals(z[j, block * lat : (block + 1) * lat].numpy(), w[block], encoding, readout)
            np.testing.assert_allclose(feats[j, block * k : (block + 1) * k].detach().numpy(), want, atol=1e-10)
    (g_fast,) = torch.autograd.grad(gen.expvals(z).pow(2).sum(), gen.weights)
    (g_ref,) = torch.autograd.grad(gen.expvals(z, method="qnode").pow(2).sum(), gen.weights)
    torch.testing.assert_close(g_fast, g_ref, atol=1e-10, rtol=0)


def test_blocks_sizes_twin_checkpoint_and_errors(tmp_path):
    gen, entry = make_generator("fixed", decoder=(8, 4), blocks=4)
    assert entry["kwargs"]["blocks"] == 4 and "blocks=4" in repr(gen) and "0:" in gen.draw()
    twin = make_generator("classical", decoder=(8, 4), blocks=4)[0]
    direct = make_generator("direct", decoder=(8, 4), blocks=4)[0]
    assert twin.latent_dim == direct.latent_dim == gen.latent_dim == 4 * gen.n_qubits
    assert twin.n_params < gen.n_params and direct.n_params == gen.n_params - gen.n_circuit_params
    save_checkpoint(tmp_path / "b.pt", gen, {"generator": entry, "image_shape": [28, 28]})
    back = load_checkpoint(tmp_path / "b.pt").generator
    z = gen.sample_noise(3)
    torch.testing.assert_close(back(z), gen(z))
    for bad, message in [(0, r"blocks: expected an integer >= 1, got 0"),
                         (17, r"blocks: expected at most 16 copies of the circuit, got 17")]:
        with pytest.raises(ValueError, match=message):
            HybridQuantumGenerator(blocks=bad)
