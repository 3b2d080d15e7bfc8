# PyTorch's examples/vae (Kingma & Welling's VAE, 784-400-20) on scikit-learn's bundled 8x8
# digits (64-32-8), plus the same model written with ember.distributions, as many VAEs are now.
# Run as a script it prints the loss per image (nats) after each epoch, for both models.
import ember
import ember.nn.functional as F
from ember import nn, optim
from ember.distributions import Bernoulli, Independent, Normal, kl_divergence
from ember.utils.data import DataLoader, TensorDataset


class VAE(nn.Module):
    def __init__(self, features=64, hidden=32, latent=8):
        super().__init__()
        self.features = features
        self.fc1 = nn.Linear(features, hidden)
        self.fc21 = nn.Linear(hidden, latent)
        self.fc22 = nn.Linear(hidden, latent)
        self.fc3 = nn.Linear(latent, hidden)
        self.fc4 = nn.Linear(hidden, features)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar, noise=None):
        std = ember.exp(0.5 * logvar)
        eps = ember.randn_like(std) if noise is None else noise
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return ember.sigmoid(self.fc4(h3))

    def forward(self, x, noise=None):
        mu, logvar = self.encode(x.view(-1, self.features))
        z = self.reparameterize(mu, logvar, noise)
        return self.decode(z), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    # reconstruction + KL divergence losses summed over all elements and batch
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, recon_x.shape[-1]), reduction="sum")
    KLD = -0.5 * ember.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD


def distributions_loss(model, x):
    """The negative ELBO written with ember.distributions: q(z|x) = N(mu, sigma), p(x|z) Bernoulli."""
    mu, logvar = model.encode(x)
    q = Independent(Normal(mu, ember.exp(0.5 * logvar)), 1)
    z = q.rsample()
    logits = model.fc4(F.relu(model.fc3(z)))
    log_likelihood = Independent(Bernoulli(logits=logits), 1).log_prob(x)
    prior = Independent(Normal(ember.zeros_like(mu), ember.ones_like(mu)), 1)
    return (kl_divergence(q, prior) - log_likelihood).sum()


def train_step(model, optimizer, x, noise=None):
    optimizer.zero_grad()
    recon, mu, logvar = model(x, noise)
    loss = loss_function(recon, x, mu, logvar)
    loss.backward()
    optimizer.step()
    return loss.item()


def fit(images, epochs=3, batch_size=64, seed=1, use_distributions=False):
    ember.manual_seed(seed)
    model = VAE()
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    data = ember.from_numpy(images)
    if use_distributions:  # a Bernoulli likelihood needs binary pixels
        data = (data > 0.5).float()
    loader = DataLoader(TensorDataset(data), batch_size=batch_size)
    losses = []
    for _ in range(epochs):
        total = 0.0
        for (x,) in loader:
            if use_distributions:
                optimizer.zero_grad()
                loss = distributions_loss(model, x)
                loss.backward()
                optimizer.step()
                total += loss.item()
            else:
                total += train_step(model, optimizer, x)
        losses.append(total / len(data))
    return losses


def main():
    from sklearn.datasets import load_digits
    images = (load_digits().data / 16.0).astype("float32")
    for use_distributions in (False, True):
        for epoch, loss in enumerate(fit(images, epochs=3, use_distributions=use_distributions)):
            print(f"distributions={use_distributions} epoch {epoch} loss: {loss:.4f}")


if __name__ == "__main__":
    main()
