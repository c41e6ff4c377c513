import torch
import torch.nn.functional as F


def smoothed_discriminator_loss(
    real_logits: torch.Tensor, fake_logits: torch.Tensor, smoothing: float = 0.1
) -> torch.Tensor:
    """Binary cross-entropy on logits; real target 1 - smoothing, fake target 0 (one-sided smoothing)."""
    t = 1.0 - smoothing
    # a soft target t costs t * (-log D) + (1 - t) * (-log(1 - D)),
    # with -log D = softplus(-l) and -log(1 - D) = softplus(l): finite for any logit l
    loss_real = (t * F.softplus(-real_logits) + (1 - t) * F.softplus(real_logits)).mean()
    loss_fake = F.softplus(fake_logits).mean()
    return loss_real + loss_fake
