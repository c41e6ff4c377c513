"""The hardware chapter's entry points with the course's generator shape: several noise blocks.

The shipped patch generator re-uploads its noise in blocks (``noise_per_upload``): a noise vector has
``n_uploads * n_qubits`` angles. :func:`~qgan_helpers.hardware.noise.mixed_qnode` and
:func:`~qgan_helpers.hardware.qiskit_bridge.qasm_probabilities` take one such vector and must give the
generator's own probabilities (and, with noise, Aer's).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from qgan_helpers.hardware import AerRunner, DepolarizingNoise, mixed_qnode, qasm_probabilities
from qgan_helpers.models import PatchQuantumGenerator


@pytest.fixture(scope="module")
def blocks_gen() -> PatchQuantumGenerator:
    torch.manual_seed(7)
    # 3 qubits, 1 ancilla, 2 sub-generators, depth 4, noise encoded before layers 0 and 2 (latent 6)
    return PatchQuantumGenerator(n_qubits=3, n_ancillas=1, depth=4, n_generators=2, n_pixels=8, reupload=True,
                                 upload_every=2, noise_per_upload=True)


@pytest.fixture(scope="module")
def z_blocks(blocks_gen: PatchQuantumGenerator) -> torch.Tensor:
    return blocks_gen.sample_noise(3, torch.Generator().manual_seed(1))


def test_blocks_generator_shape(blocks_gen, z_blocks):
    assert blocks_gen.upload_layers == (0, 2) and blocks_gen.latent_dim == 6
    assert tuple(z_blocks.shape) == (3, 6)


def test_mixed_qnode_without_noise_is_the_generator(blocks_gen, z_blocks):
    want = blocks_gen.circuit_probs(z_blocks).detach().numpy()  # (2, 3, 8)
    for g in range(2):
        qnode = mixed_qnode(blocks_gen, DepolarizingNoise(0.0), sub_generator=g)
        for b in range(3):
            np.testing.assert_allclose(qnode(z_blocks[b].double().numpy()), want[g, b], atol=1e-10)


def test_mixed_qnode_with_noise_agrees_with_aer(blocks_gen, z_blocks):
    noise = DepolarizingNoise(p1=0.02, p2=0.06, readout=0.04)
    aer = AerRunner(noise, shots=None).probs(blocks_gen, z_blocks)
    qnode = mixed_qnode(blocks_gen, noise, sub_generator=1)
    for b in range(3):
        np.testing.assert_allclose(qnode(z_blocks[b].numpy()), aer[1, b], atol=1e-10)


def test_mixed_qnode_rejects_a_short_noise_vector(blocks_gen):
    qnode = mixed_qnode(blocks_gen, DepolarizingNoise(0.01), sub_generator=0)
    with pytest.raises(ValueError, match="noise"):
        qnode(np.zeros(3))  # one block only


def test_openqasm_export_with_noise_blocks(blocks_gen, z_blocks):
    qasm, probs = qasm_probabilities(blocks_gen, z_blocks[2], sub_generator=1)
    assert qasm.startswith("OPENQASM 2.0") and qasm.count("ry(") == 2 * 3 + 4 * 3  # 2 encodings + 4 layers
    np.testing.assert_allclose(probs, blocks_gen.circuit_probs(z_blocks).detach().numpy()[1, 2], atol=1e-10)
    with pytest.raises(ValueError, match=r"noise: expected a torch.Tensor of shape \(6,\)"):
        qasm_probabilities(blocks_gen, z_blocks[2, :3], sub_generator=0)
