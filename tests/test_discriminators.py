"""Tests of qgan_helpers.models.discriminators: shapes, conventions (logits), conditioning, the quantum classifier."""

from __future__ import annotations

import math

import numpy as np
import pennylane as qml
import pytest
import torch

from qgan_helpers.metrics import count_parameters
from qgan_helpers.models.discriminators import CNNDiscriminator, MLPDiscriminator, QuantumDiscriminator
from qgan_helpers.quantum.circuits import seed_layer


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Tiny tensors: one torch thread is fastest and avoids thread contention on a busy machine."""
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


def test_mlp_shapes_and_layout():
    torch.manual_seed(0)
    d = MLPDiscriminator()
    x = torch.rand(5, 8, 8)
    out = d(x)
    assert out.shape == (5,)
    # the same logits for every accepted image layout
    assert torch.allclose(d(x.reshape(5, 64)), out)
    assert torch.allclose(d(x.reshape(5, 1, 8, 8)), out)
    # the PennyLane demo's 64-64-16-1 network
    assert count_parameters(d) == 64 * 64 + 64 + 64 * 16 + 16 + 16 + 1
    # logits, not probabilities: an unbounded output (large weights -> outside [0, 1])
    with torch.no_grad():
        d.net[-1].bias.fill_(5.0)
    with torch.no_grad():
        assert float(d(x).min()) > 1.0


def test_mlp_matches_a_manual_forward():
    torch.manual_seed(1)
    d = MLPDiscriminator(hidden=(7,), activation="relu")
    x = torch.rand(3, 64)
    l1, l2 = d.net[0], d.net[2]
    manual = torch.relu(x @ l1.weight.T + l1.bias) @ l2.weight.T + l2.bias
    assert torch.allclose(d(x), manual.squeeze(-1), atol=1e-6)


def test_mlp_conditional_uses_the_label():
    torch.manual_seed(2)
    d = MLPDiscriminator(n_classes=10)
    x = torch.rand(4, 8, 8)
    a = d(x, torch.tensor([0, 1, 2, 3]))
    b = d(x, torch.tensor([9, 9, 9, 9]))
    assert a.shape == (4,) and not torch.allclose(a, b)
    assert count_parameters(d) == (64 + 10) * 64 + 64 + 64 * 16 + 16 + 17


def test_mlp_projection_conditioning_matches_its_formula():
    torch.manual_seed(3)
    d = MLPDiscriminator(hidden=(8,), n_classes=3, conditioning="projection")
    x, y = torch.rand(4, 64), torch.tensor([0, 1, 2, 1])
    phi = torch.nn.functional.leaky_relu(d.net[0](x), 0.2)
    expected = d.net[-1](phi).squeeze(-1) + (d.embed.weight[y] * phi).sum(-1)
    assert torch.allclose(d(x, y), expected, atol=1e-6)
    # the label changes the logit; without labels it is refused
    assert not torch.allclose(d(x, torch.zeros(4, dtype=torch.long)), d(x, y))
    assert count_parameters(d) == 64 * 8 + 8 + 8 + 1 + 3 * 8


def test_cnn_shapes_and_size():
    torch.manual_seed(0)
    d = CNNDiscriminator()
    x = torch.rand(3, 28, 28)
    out = d(x)
    assert out.shape == (3,)
    assert torch.allclose(d(x.unsqueeze(1)), out) and torch.allclose(d(x.reshape(3, 784)), out)
    assert count_parameters(d) == (1 * 16 * 9 + 16) + (16 * 32 * 9 + 32) + (32 * 7 * 7 + 1) == 6369
    assert CNNDiscriminator(image_size=8)(torch.rand(2, 8, 8)).shape == (2,)


def test_cnn_feature_map_shapes():
    d = CNNDiscriminator()
    h = d.features(torch.rand(2, 1, 28, 28))
    assert h.shape == (2, 32, 7, 7)


def test_discriminators_are_trainable_on_a_simple_task():
    # real = bright images, fake = dark images: a few Adam steps separate them
    torch.manual_seed(0)
    real, fake = 0.5 + 0.5 * torch.rand(32, 8, 8), 0.5 * torch.rand(32, 8, 8)
    for d in (MLPDiscriminator(), CNNDiscriminator(image_size=8)):
        opt = torch.optim.Adam(d.parameters(), lr=1e-2)
        bce = torch.nn.functional.binary_cross_entropy_with_logits
        for _ in range(30):
            loss = bce(d(real), torch.ones(32)) + bce(d(fake), torch.zeros(32))
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            assert (torch.sigmoid(d(real)) > 0.5).float().mean() > 0.9
            assert (torch.sigmoid(d(fake)) < 0.5).float().mean() > 0.9


def test_quantum_discriminator_matches_a_pennylane_reference():
    torch.manual_seed(0)
    d = QuantumDiscriminator(n_qubits=4, layers=2)
    x = torch.rand(3, 8, 8)
    feats = d.extract_features(x)
    assert feats.shape == (3, 4)
    # pooling 2x2 blocks of 4x4 pixels
    assert torch.allclose(feats[0, 0], x[0, :4, :4].mean()) and torch.allclose(feats[0, 3], x[0, 4:, 4:].mean())
    dev = qml.device("default.qubit", wires=4)

    @qml.qnode(dev)
    def ref(f, w):
        for i in range(4):
            qml.RY(math.pi * f[i], wires=i)
        for layer in w:
            seed_layer(layer, 4)
        return qml.expval(qml.PauliZ(0))

    w = d.weights.detach().numpy()
    expected = [float(d.scale.detach()) * float(ref(f.numpy(), w)) + float(d.bias.detach()) for f in feats.detach()]
    assert np.allclose(d(x).detach().numpy(), expected, atol=1e-5)


def test_quantum_discriminator_gradients_and_pca():
    torch.manual_seed(0)
    images = torch.rand(40, 8, 8)
    d = QuantumDiscriminator.from_pca(images, n_qubits=3, layers=1)
    out = d(images[:5])
    assert out.shape == (5,)
    out.sum().backward()
    assert d.weights.grad is not None and d.weights.grad.abs().sum() > 0
    f = d.extract_features(images)
    assert f.shape == (40, 3) and float(f.min()) > 0 and float(f.max()) < 1
    # one image also works (broadcast batch of one)
    assert d(images[:1]).shape == (1,)


# ---------------------------------------------------------------------------------------------- bad inputs
@pytest.mark.parametrize(
    "make, x, match",
    [
        (lambda: MLPDiscriminator(), torch.rand(5, 7, 7), r"x: expected images of shape \(B, 64\)"),
        (lambda: MLPDiscriminator(), torch.rand(5, 3, 8, 8), r"x: expected images of shape"),
        (lambda: MLPDiscriminator(), torch.rand(0, 64), r"x: expected images .* with B >= 1"),
        (lambda: CNNDiscriminator(), torch.rand(2, 8, 8), r"x: expected images of shape \(B, 784\), \(B, 28, 28\)"),
        (lambda: CNNDiscriminator(), torch.rand(2, 16, 49), r"x: expected images of shape"),
        (lambda: QuantumDiscriminator(), torch.rand(2, 28, 28), r"x: expected images of shape \(B, 64\)"),
    ],
)
def test_wrong_image_shapes(make, x, match):
    with pytest.raises(ValueError, match=match):
        make()(x)


def test_wrong_input_type_and_labels():
    d = MLPDiscriminator()
    with pytest.raises(TypeError, match="x: expected a torch.Tensor"):
        d(np.zeros((2, 64)))
    with pytest.raises(ValueError, match="labels: this discriminator is unconditional"):
        d(torch.rand(2, 64), torch.tensor([0, 1]))
    dc = MLPDiscriminator(n_classes=10)
    with pytest.raises(ValueError, match="labels: this discriminator is conditional"):
        dc(torch.rand(2, 64))
    with pytest.raises(ValueError, match=r"labels: expected integer labels of shape \(2,\)"):
        dc(torch.rand(2, 64), torch.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"labels: expected values in 0..9"):
        dc(torch.rand(2, 64), torch.tensor([0, 10]))


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: MLPDiscriminator(n_pixels=0), "n_pixels: expected an integer >= 1"),
        (lambda: MLPDiscriminator(hidden=(64, 0)), "hidden: expected an integer >= 1"),
        (lambda: MLPDiscriminator(n_classes=-1), "n_classes: expected an integer >= 0"),
        (lambda: MLPDiscriminator(activation="tanh"), "activation: expected 'leaky_relu' or 'relu'"),
        (lambda: MLPDiscriminator(n_classes=3, conditioning="film"), "conditioning: expected 'concat' or 'projection'"),
        (lambda: MLPDiscriminator(hidden=(), n_classes=3, conditioning="projection"), "hidden: conditioning='projection' needs"),
        (lambda: CNNDiscriminator(image_size=30), "image_size: expected a multiple of 4"),
        (lambda: CNNDiscriminator(channels=(8,)), "channels: expected two channel counts"),
        (lambda: QuantumDiscriminator(n_qubits=5), "n_qubits: expected a number of pooling blocks"),
        (lambda: QuantumDiscriminator(features="fft"), "features: expected 'pool' or 'pca'"),
        (lambda: QuantumDiscriminator(features="pca"), "projection: features='pca' needs a projection"),
        (lambda: QuantumDiscriminator(layers=0), "layers: expected an integer >= 1"),
    ],
)
def test_bad_constructor_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()
