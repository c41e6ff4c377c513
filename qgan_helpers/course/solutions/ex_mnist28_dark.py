import torch

from qgan_helpers.quantum.measurement import postselect


def dark_row_share(generator, digit, n=100, seed=0):
    """Share of the rows (over n images of `digit`) whose circuit puts most probability on dark outcomes."""
    noise_rng = torch.Generator().manual_seed(seed)
    z = generator.sample_noise(n, noise_rng)  # (n, latent_dim)
    labels = torch.full((n,), digit)
    with torch.no_grad():
        probs = generator.circuit_probs(z, labels)  # (rows, n, 2**n_qubits)
        probs = postselect(probs, generator.n_ancillas)  # ancilla read 0: (rows, n, 32)
    dark = probs[..., generator.image_side:].sum(-1)  # mass beyond the row's pixels
    return float((dark > 0.5).double().mean())
