import torch.nn.functional as F


def amplitude_inputs(images):
    """(N, 28, 28) images -> (N, 16) unit vectors: 4x4 average pooling, then divide by the norm."""
    pooled = F.adaptive_avg_pool2d(images.unsqueeze(1), (4, 4)).reshape(len(images), 16)
    pooled = pooled.double() + 1e-3  # a black image still has a direction
    return pooled / pooled.norm(dim=1, keepdim=True)
