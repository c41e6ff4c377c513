import torch


def latent_spread(generator, n=64):
    """Largest standard deviation of any pixel over n noise vectors: 0 when z is ignored.

    The same number as qgan_helpers.metrics.pixel_spread(images), the course's one definition.
    """
    torch.manual_seed(0)
    with torch.no_grad():
        images = generator(generator.sample_noise(n))  # (n, n_pixels)
    return float(images.std(dim=0).max())
