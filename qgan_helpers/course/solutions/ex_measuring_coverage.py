import numpy as np


def coverage(real, fake, k=5):
    d_rr = np.linalg.norm(real[:, None, :] - real[None, :, :], axis=-1)
    radius = np.sort(d_rr, axis=1)[:, k]  # column 0 is the point itself
    d_rf = np.linalg.norm(real[:, None, :] - fake[None, :, :], axis=-1)
    return float((d_rf.min(axis=1) < radius).mean())
