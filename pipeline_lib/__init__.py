"""latentbench: a reproducible benchmark of latent-space manipulation methods for pretrained GANs."""
