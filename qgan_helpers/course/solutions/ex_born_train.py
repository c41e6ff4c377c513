import torch

from qgan_helpers.born.bars_stripes import bas_distribution
from qgan_helpers.born.metrics import hamming_kernel_matrix
from qgan_helpers.born.qcbm import QCBM


def train_small_qcbm(steps, seed):
    """A 2-layer QCBM trained on bars and stripes 2x2 with the exact MMD^2 and Adam."""
    target = torch.as_tensor(bas_distribution(2, 2))
    kernel = hamming_kernel_matrix(4, [0.25, 0.5, 1.0])
    model = QCBM(n_qubits=4, layers=2, entanglers="grid", grid_shape=(2, 2), init_seed=seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
    for _ in range(steps):
        diff = target - model()[0]
        loss = diff @ kernel @ diff  # MMD^2
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model
