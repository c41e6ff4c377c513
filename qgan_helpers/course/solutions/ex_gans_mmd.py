import torch


def mmd2_multi(x, y, sigmas):
    """Biased MMD^2 of x (n, d) and y (m, d) with the mean of Gaussian kernels of widths sigmas."""

    def kernel_mean(a, b):
        d2 = ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)  # (len(a), len(b)) squared distances
        k = sum(torch.exp(-d2 / (2 * s**2)) for s in sigmas) / len(sigmas)
        return k.mean()

    return kernel_mean(x, x) + kernel_mean(y, y) - 2 * kernel_mean(x, y)
