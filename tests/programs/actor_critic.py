# PyTorch's examples/reinforcement_learning/actor_critic.py on the NumPy cart-pole.
from collections import namedtuple

import numpy as np
from cartpole import CartPole

import ember
import ember.nn as nn
import ember.nn.functional as F
import ember.optim as optim
from ember.distributions import Categorical

GAMMA = 0.99
SavedAction = namedtuple("SavedAction", ["log_prob", "value"])


class Policy(nn.Module):
    def __init__(self):
        super().__init__()
        self.affine1 = nn.Linear(4, 128)
        self.action_head = nn.Linear(128, 2)  # actor
        self.value_head = nn.Linear(128, 1)   # critic
        self.saved_actions = []
        self.rewards = []

    def forward(self, x):
        x = F.relu(self.affine1(x))
        action_prob = F.softmax(self.action_head(x), dim=-1)
        state_values = self.value_head(x)
        return action_prob, state_values


def select_action(model, state, forced=None):
    state = ember.from_numpy(state).float()
    probs, state_value = model(state)
    m = Categorical(probs)
    action = m.sample() if forced is None else ember.tensor(forced)
    model.saved_actions.append(SavedAction(m.log_prob(action), state_value))
    return action.item()


def finish_episode(model, optimizer, eps=np.finfo(np.float32).eps.item()):
    R = 0
    saved_actions = model.saved_actions
    policy_losses, value_losses, returns = [], [], []
    for r in model.rewards[::-1]:
        R = r + GAMMA * R
        returns.insert(0, R)
    returns = ember.tensor(returns)
    returns = (returns - returns.mean()) / (returns.std() + eps)
    for (log_prob, value), R in zip(saved_actions, returns):
        advantage = R - value.item()
        policy_losses.append(-log_prob * advantage)
        value_losses.append(F.smooth_l1_loss(value, ember.tensor([R])))
    optimizer.zero_grad()
    loss = ember.stack(policy_losses).sum() + ember.stack(value_losses).sum()
    loss.backward()
    optimizer.step()
    del model.rewards[:]
    del model.saved_actions[:]


def make(seed=543):
    ember.manual_seed(seed)
    model = Policy()
    return model, optim.Adam(model.parameters(), lr=3e-2)


def run(episodes, seed=543):
    env = CartPole(seed)
    model, optimizer = make(seed)
    lengths = []
    for _ in range(episodes):
        state, done = env.reset(), False
        while not done:
            action = select_action(model, state)
            state, reward, done = env.step(action)
            model.rewards.append(reward)
        lengths.append(len(model.rewards))
        finish_episode(model, optimizer)
    return lengths
