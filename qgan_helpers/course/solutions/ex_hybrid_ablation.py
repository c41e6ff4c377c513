import torch

from qgan_helpers.metrics import mmd2


def ablate_layers(generator, real, n=256, seed=0):
    """MMD² against `real` of the hybrid's images, with and without the circuit's trained layers.

    Without the layers, angle encoding alone leaves <Z_i> = cos(z_i): the trained decoder gets those.
    """
    z = generator.sample_noise(n, torch.Generator().manual_seed(seed))  # (n, 4) angles in [0, pi)
    with torch.no_grad():
        with_circuit = generator(z)  # (n, n_pixels): decoder(<Z>) through the sigmoid
        features = torch.cos(z).float()  # the encoding alone
        without_layers = torch.sigmoid(generator.decoder(features))
    real = real.reshape(len(real), -1)
    return {
        "circuit": float(mmd2(with_circuit.numpy(), real, sigma="median")),
        "no layers": float(mmd2(without_layers.numpy(), real, sigma="median")),
    }
