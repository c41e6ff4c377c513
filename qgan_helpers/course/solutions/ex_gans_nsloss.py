import torch.nn.functional as F


def generator_loss(fake_logits):
    """Non-saturating generator loss: the batch mean of -log D(G(z)), with D = sigmoid(logit)."""
    return -F.logsigmoid(fake_logits).mean()
