"""A DCGAN in the shape of PyTorch's example, on 16x16 images (scikit-learn's digits, upsampled).

Generator of ConvTranspose2d + BatchNorm + ReLU ending in Tanh, discriminator of strided Conv2d +
LeakyReLU ending in Sigmoid, trained with BCELoss: a saturating discriminator must not turn the
gradients into NaN.
"""

import math
import sys

import numpy as np
from sklearn.datasets import load_digits

import ember
import ember.nn as nn
import ember.nn.functional as F
import ember.optim as optim

NZ, NGF, NDF = 16, 16, 16


def weights_init(m):
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif classname.find("BatchNorm") != -1:
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(NZ, NGF * 2, 4, 1, 0, bias=False), nn.BatchNorm2d(NGF * 2), nn.ReLU(True),
            nn.ConvTranspose2d(NGF * 2, NGF, 4, 2, 1, bias=False), nn.BatchNorm2d(NGF), nn.ReLU(True),
            nn.ConvTranspose2d(NGF, 1, 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, z):
        return self.main(z)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(1, NDF, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(NDF, NDF * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(NDF * 2), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(NDF * 2, 1, 4, 1, 0, bias=False), nn.Sigmoid())

    def forward(self, x):
        return self.main(x).view(-1, 1).squeeze(1)


def main():
    ember.manual_seed(0)
    digits = load_digits().images.astype(np.float32) / 8.0 - 1.0
    real_all = F.interpolate(ember.tensor(digits).unsqueeze(1), size=(16, 16), mode="bilinear", align_corners=False)
    netG, netD = Generator(), Discriminator()
    netG.apply(weights_init)
    netD.apply(weights_init)
    criterion = nn.BCELoss()
    optD = optim.Adam(netD.parameters(), lr=2e-3, betas=(0.5, 0.999))
    optG = optim.Adam(netG.parameters(), lr=2e-3, betas=(0.5, 0.999))
    batch = 32
    for step in range(60):
        real = real_all[ember.randint(0, real_all.shape[0], (batch,))]
        netD.zero_grad()
        errD_real = criterion(netD(real), ember.full((batch,), 1.0))
        errD_real.backward()
        fake = netG(ember.randn(batch, NZ, 1, 1))
        errD_fake = criterion(netD(fake.detach()), ember.full((batch,), 0.0))
        errD_fake.backward()
        optD.step()
        netG.zero_grad()
        errG = criterion(netD(fake), ember.full((batch,), 1.0))
        errG.backward()
        optG.step()
        grads = [p.grad for p in list(netG.parameters()) + list(netD.parameters())]
        if any(not bool(ember.isfinite(g).all()) for g in grads):
            sys.exit(f"step {step}: non-finite gradient")
        if step % 10 == 9:
            print(f"step {step + 1} loss_D: {(errD_real + errD_fake).item():.4f} loss_G: {errG.item():.4f}")
    # A discriminator that outputs exactly 0 and 1 still gives finite BCE gradients.
    p = ember.tensor([0.0, 1.0, 1.0, 0.0], requires_grad=True)
    loss = criterion(p, ember.tensor([0.0, 0.0, 1.0, 1.0]))
    loss.backward()
    if not math.isfinite(loss.item()) or not bool(ember.isfinite(p.grad).all()):
        sys.exit("BCE at saturated probabilities is not finite")
    print(f"saturated BCE loss: {loss.item():.1f}")


if __name__ == "__main__":
    main()
