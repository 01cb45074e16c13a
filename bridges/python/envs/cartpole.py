"""CartPole-v1 in pure Python, with the Gymnasium environment API and no dependencies.

The physics are Gymnasium's published CartPole-v1 (Barto, Sutton and Anderson's cart-pole, explicit
Euler over tau = 0.02 s), so that the bridge can be exercised (in CI, in its tests) where Gymnasium is
not installed:

    python3 bridges/python/gym_server.py --env bridges/python/envs/cartpole.py:make --n-envs 8 --port 0

Push the cart left (action 0) or right (action 1) to keep the pole upright. The reward is 1 for every
step, the terminating one included. The episode terminates when |x| > 2.4 m or |theta| > 12 degrees and
is truncated after 500 steps (Gymnasium's TimeLimit, folded into the env here). Reset draws the four
state variables uniformly from [-0.05, 0.05] with a `random.Random` seeded by `reset(seed=...)`; the
numbers therefore differ from Gymnasium's NumPy generator for the same seed, the dynamics do not.
"""

from __future__ import annotations

import math
import random

FLOAT32_MAX = 3.4028234663852886e38


class Discrete:
    """The actions (or observations) 0 .. n-1, as Gymnasium's `spaces.Discrete` describes them."""

    def __init__(self, n: int):
        self.n = int(n)
        self.start = 0
        self.shape = ()

    def contains(self, x) -> bool:
        try:
            return int(x) == x and 0 <= int(x) < self.n
        except (TypeError, ValueError):
            return False

    def __repr__(self) -> str:
        return f"Discrete({self.n})"


class Box:
    """A box of float32 values with per-element bounds (flat lists here), like `spaces.Box`."""

    def __init__(self, low, high):
        self.low = [float(v) for v in low]
        self.high = [float(v) for v in high]
        if len(self.low) != len(self.high):
            raise ValueError(f"low has {len(self.low)} elements, high {len(self.high)}")
        self.shape = (len(self.low),)
        self.dtype = "float32"

    def __repr__(self) -> str:
        return f"Box({self.low}, {self.high}, {self.shape}, float32)"


class EnvSpec:
    """The parts of Gymnasium's `EnvSpec` that the bridge reads."""

    def __init__(self, id: str, max_episode_steps: int | None, reward_threshold: float | None):
        self.id = id
        self.max_episode_steps = max_episode_steps
        self.reward_threshold = reward_threshold

    def __repr__(self) -> str:
        return (f"EnvSpec(id={self.id!r}, max_episode_steps={self.max_episode_steps}, "
                f"reward_threshold={self.reward_threshold})")


class CartPoleEnv:
    """CartPole-v1: `reset(seed=None) -> (obs, info)`, `step(action) -> (obs, reward, terminated,
    truncated, info)`; observations are lists of four floats: x, x_dot, theta, theta_dot."""

    gravity = 9.8
    masscart = 1.0
    masspole = 0.1
    total_mass = masspole + masscart
    length = 0.5  # half the pole's length
    polemass_length = masspole * length
    force_mag = 10.0
    tau = 0.02  # seconds between state updates
    theta_threshold_radians = 12 * 2 * math.pi / 360
    x_threshold = 2.4

    metadata = {"render_modes": []}
    render_mode = None

    def __init__(self, max_episode_steps: int = 500):
        # Twice the termination bounds, as Gymnasium does, so that a failing observation still lies
        # inside the space; the velocities are unbounded (float32's largest value).
        high = [self.x_threshold * 2, FLOAT32_MAX, self.theta_threshold_radians * 2, FLOAT32_MAX]
        self.observation_space = Box([-h for h in high], high)
        self.action_space = Discrete(2)
        self.spec = EnvSpec("CartPole-v1", max_episode_steps, 475.0)
        self._max_episode_steps = max_episode_steps
        self._rng = random.Random()
        self.state: list[float] | None = None
        self._elapsed_steps = 0
        self._steps_beyond_terminated: int | None = None

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        # A seed restarts the generator; without one the episode continues the current sequence
        # (Gymnasium's contract), which is what the bridge's same-step resets rely on.
        if seed is not None:
            self._rng = random.Random(seed)
        self.state = [self._rng.uniform(-0.05, 0.05) for _ in range(4)]
        self._elapsed_steps = 0
        self._steps_beyond_terminated = None
        return list(self.state), {}

    def step(self, action):
        if self.state is None:
            raise RuntimeError("call reset before step")
        if not self.action_space.contains(action):
            raise ValueError(f"action {action!r} is not in {self.action_space}")

        x, x_dot, theta, theta_dot = self.state
        force = self.force_mag if int(action) == 1 else -self.force_mag
        costheta = math.cos(theta)
        sintheta = math.sin(theta)

        # Florian's corrected equations of motion, as in Gymnasium.
        temp = (force + self.polemass_length * theta_dot**2 * sintheta) / self.total_mass
        thetaacc = (self.gravity * sintheta - costheta * temp) / (
            self.length * (4.0 / 3.0 - self.masspole * costheta**2 / self.total_mass))
        xacc = temp - self.polemass_length * thetaacc * costheta / self.total_mass

        # Explicit Euler: positions advance with the old velocities.
        x = x + self.tau * x_dot
        x_dot = x_dot + self.tau * xacc
        theta = theta + self.tau * theta_dot
        theta_dot = theta_dot + self.tau * thetaacc
        self.state = [x, x_dot, theta, theta_dot]

        terminated = (x < -self.x_threshold or x > self.x_threshold
                      or theta < -self.theta_threshold_radians or theta > self.theta_threshold_radians)

        if not terminated:
            reward = 1.0
        elif self._steps_beyond_terminated is None:
            self._steps_beyond_terminated = 0  # the pole just fell: this step still earns 1
            reward = 1.0
        else:
            self._steps_beyond_terminated += 1  # stepping a finished episode earns nothing
            reward = 0.0

        self._elapsed_steps += 1
        truncated = (self._max_episode_steps is not None
                     and self._elapsed_steps >= self._max_episode_steps)
        return list(self.state), reward, terminated, truncated, {}

    def close(self) -> None:
        pass


def make(max_episode_steps: int = 500) -> CartPoleEnv:
    """The factory the bridge calls, once per served environment."""
    return CartPoleEnv(max_episode_steps=max_episode_steps)
