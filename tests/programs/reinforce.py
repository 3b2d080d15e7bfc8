# PyTorch's examples/reinforcement_learning/reinforce.py on the NumPy cart-pole. Run as a script
# it prints, every 20 episodes, how many steps short of the cart-pole's 200 the pole stayed up.
from collections import deque

import numpy as np
from cartpole import CartPole

import ember
import ember.nn as nn
import ember.nn.functional as F
import ember.optim as optim
from ember.distributions import Categorical

GAMMA = 0.99


class Policy(nn.Module):
    def __init__(self):
        super().__init__()
        self.affine1 = nn.Linear(4, 128)
        self.dropout = nn.Dropout(p=0.6)
        self.affine2 = nn.Linear(128, 2)
        self.saved_log_probs = []
        self.rewards = []

    def forward(self, x):
        x = self.affine1(x)
        x = self.dropout(x)
        x = F.relu(x)
        action_scores = self.affine2(x)
        return F.softmax(action_scores, dim=1)


def select_action(policy, state, forced=None):
    state = ember.from_numpy(state).float().unsqueeze(0)
    probs = policy(state)
    m = Categorical(probs)
    action = m.sample() if forced is None else ember.tensor([forced])
    policy.saved_log_probs.append(m.log_prob(action))
    return action.item()


def finish_episode(policy, optimizer, eps=np.finfo(np.float32).eps.item()):
    R = 0
    policy_loss = []
    returns = deque()
    for r in policy.rewards[::-1]:
        R = r + GAMMA * R
        returns.appendleft(R)
    returns = ember.tensor(returns)
    returns = (returns - returns.mean()) / (returns.std() + eps)
    for log_prob, R in zip(policy.saved_log_probs, returns):
        policy_loss.append(-log_prob * R)
    optimizer.zero_grad()
    policy_loss = ember.cat(policy_loss).sum()
    policy_loss.backward()
    optimizer.step()
    del policy.rewards[:]
    del policy.saved_log_probs[:]


def make(seed=543):
    ember.manual_seed(seed)
    policy = Policy()
    return policy, optim.Adam(policy.parameters(), lr=1e-2)


def run(episodes, seed=543):
    env = CartPole(seed)
    policy, optimizer = make(seed)
    lengths = []
    for _ in range(episodes):
        state, done = env.reset(), False
        while not done:
            action = select_action(policy, state)
            state, reward, done = env.step(action)
            policy.rewards.append(reward)
        lengths.append(len(policy.rewards))
        finish_episode(policy, optimizer)
    return lengths


def main():
    lengths = run(80)
    for i in range(20, 81, 20):
        print(f"episode {i} loss: {200 - np.mean(lengths[i - 20:i]):.2f}")


if __name__ == "__main__":
    main()
