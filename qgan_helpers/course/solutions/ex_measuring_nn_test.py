import numpy as np


def knn_two_sample_accuracy(real, fake, k):
    x = np.vstack([real, fake])  # (2n, 64): real first, then fake
    is_fake = np.r_[np.zeros(len(real)), np.ones(len(fake))]
    d = np.linalg.norm(x[:, None, :] - x[None, :, :], axis=-1)
    np.fill_diagonal(d, np.inf)  # an image is not its own neighbour
    nearest = np.argsort(d, axis=1, kind="stable")[:, :k]  # (2n, k) indices
    called_fake = is_fake[nearest].mean(axis=1) > 0.5  # majority vote
    return float((called_fake == is_fake).mean())
