import torch
import torch.nn.functional as F


def discriminator_loss(real_logits, fake_logits):
    """Binary cross-entropy of the discriminator: real images have target 1, generated ones target 0."""
    loss_real = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
    loss_fake = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    return loss_real + loss_fake
