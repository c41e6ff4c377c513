import torch.nn.functional as F


def generator_step(generator, discriminator, optimizer, noise):
    """One update of the generator with the non-saturating loss -log D(G(z)); returns the loss."""
    optimizer.zero_grad()  # gradients add up in .grad: clear the last step's
    logits = discriminator(generator(noise))  # (B,) logits, D = sigmoid(logit)
    loss = F.softplus(-logits).mean()  # -log sigmoid(logit) = -log D(G(z)), computed stably
    loss.backward()  # through the discriminator AND the circuits, into the generator's angles
    optimizer.step()  # moves only the generator: the optimizer holds only its parameters
    return loss.item()
