"""REINFORCE in the shape of PyTorch's reinforcement_learning example, on a small corridor world.

The agent starts at the left end of a corridor of 6 cells and is rewarded for reaching the
right end quickly. The policy samples from a `distributions.Categorical`; its loss is the
negative log-probability of each action times the normalised discounted return.
"""

import numpy as np

import ember
import ember.nn as nn
import ember.nn.functional as F
import ember.optim as optim
from ember.distributions import Categorical

CELLS, MAX_STEPS, GAMMA = 6, 20, 0.95
EPS = np.finfo(np.float32).eps.item()


class Corridor:
    def reset(self):
        self.position, self.steps = 0, 0
        return self.observe()

    def observe(self):
        state = np.zeros(CELLS, dtype=np.float32)
        state[self.position] = 1.0
        return state

    def step(self, action):
        self.position = min(max(self.position + (1 if action == 1 else -1), 0), CELLS - 1)
        self.steps += 1
        done = self.position == CELLS - 1 or self.steps == MAX_STEPS
        reward = 1.0 if self.position == CELLS - 1 else -0.05
        return self.observe(), reward, done


class Policy(nn.Module):
    def __init__(self):
        super().__init__()
        self.affine1 = nn.Linear(CELLS, 32)
        self.dropout = nn.Dropout(p=0.1)
        self.affine2 = nn.Linear(32, 2)
        self.saved_log_probs, self.rewards = [], []

    def forward(self, x):
        return F.softmax(self.affine2(F.relu(self.dropout(self.affine1(x)))), dim=1)


def main():
    ember.manual_seed(543)
    env, policy = Corridor(), Policy()
    optimizer = optim.Adam(policy.parameters(), lr=2e-2)
    lengths = []
    for episode in range(1, 121):
        state, done = env.reset(), False
        while not done:
            probs = policy(ember.from_numpy(state).unsqueeze(0))
            m = Categorical(probs)
            action = m.sample()
            policy.saved_log_probs.append(m.log_prob(action))
            state, reward, done = env.step(action.item())
            policy.rewards.append(reward)
        lengths.append(env.steps)
        R, returns = 0.0, []
        for r in policy.rewards[::-1]:
            R = r + GAMMA * R
            returns.insert(0, R)
        returns = ember.tensor(returns)
        returns = (returns - returns.mean()) / (returns.std() + EPS) if len(returns) > 1 else returns * 0
        optimizer.zero_grad()
        loss = ember.cat([-lp * R for lp, R in zip(policy.saved_log_probs, returns)]).sum()
        loss.backward()
        optimizer.step()
        policy.saved_log_probs.clear()
        policy.rewards.clear()
        if episode % 30 == 0:
            print(f"episode {episode} loss: {np.mean(lengths[-30:]):.2f}")


if __name__ == "__main__":
    main()
