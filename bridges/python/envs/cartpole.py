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

`make(render_mode="rgb_array")` also draws: `render()` paints Gymnasium's 600x400 picture (cart,
pole, axle, track, in its colours and geometry) without anti-aliasing, in pure Python, and returns
it as an (H, W, 3) uint8 array (NumPy's when installed, else `RgbArray`, which has the same
`shape`, `dtype` and `tobytes()`).
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

    metadata = {"render_modes": ["rgb_array"], "render_fps": 50}
    screen_width = 600
    screen_height = 400

    def __init__(self, max_episode_steps: int = 500, render_mode: str | None = None):
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"render_mode {render_mode!r} is not one of {self.metadata['render_modes']}")
        self.render_mode = render_mode
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

    def render(self):
        """The current state as Gymnasium's CartPole draws it: (400, 600, 3) uint8, row 0 at the top."""
        if self.render_mode != "rgb_array":
            raise RuntimeError("make the env with render_mode='rgb_array' to render it")
        if self.state is None:
            raise RuntimeError("call reset before render")
        width, height = self.screen_width, self.screen_height
        canvas = Canvas(width, height)
        scale = width / (self.x_threshold * 2)
        pole_width, pole_length = 10.0, scale * (2 * self.length)
        cart_width, cart_height = 50.0, 30.0
        cart_x, cart_y = self.state[0] * scale + width / 2.0, 100.0
        axle_offset = cart_height / 4.0
        # Gymnasium's coordinates: y up from the bottom row (it flips the picture at the end).
        canvas.polygon([(cart_x + x, cart_y + y) for x, y in
                        ((-cart_width / 2, -cart_height / 2), (-cart_width / 2, cart_height / 2),
                         (cart_width / 2, cart_height / 2), (cart_width / 2, -cart_height / 2))], (0, 0, 0))
        angle = -self.state[2]  # pygame's Vector2.rotate_rad(-theta)
        corners = ((-pole_width / 2, -pole_width / 2), (-pole_width / 2, pole_length - pole_width / 2),
                   (pole_width / 2, pole_length - pole_width / 2), (pole_width / 2, -pole_width / 2))
        canvas.polygon([(x * math.cos(angle) - y * math.sin(angle) + cart_x,
                         x * math.sin(angle) + y * math.cos(angle) + cart_y + axle_offset)
                        for x, y in corners], (202, 152, 101))
        canvas.circle(cart_x, cart_y + axle_offset, int(pole_width / 2), (129, 132, 203))
        canvas.row(int(cart_y), (0, 0, 0))
        return canvas.image()

    def close(self) -> None:
        pass


class RgbArray:
    """An (H, W, 3) uint8 picture without NumPy: `shape`, `dtype` and `tobytes()` as an ndarray's."""

    dtype = "uint8"

    def __init__(self, height: int, width: int, data: bytes):
        self.shape = (height, width, 3)
        self._data = bytes(data)

    def tobytes(self) -> bytes:
        return self._data


class Canvas:
    """White RGB pixels drawn with y up from the bottom row, as pygame draws Gymnasium's frames
    before flipping them; shapes are filled where a pixel's centre lies inside them."""

    def __init__(self, width: int, height: int):
        self.width, self.height = width, height
        self.pixels = bytearray(b"\xff" * (width * height * 3))

    def _span(self, y: int, x0: int, x1: int, colour) -> None:
        x0, x1 = max(x0, 0), min(x1, self.width - 1)
        if 0 <= y < self.height and x0 <= x1:
            start = ((self.height - 1 - y) * self.width + x0) * 3
            self.pixels[start:start + (x1 - x0 + 1) * 3] = bytes(colour) * (x1 - x0 + 1)

    def polygon(self, points, colour) -> None:
        """A convex polygon: on each row, the pixels between its edges."""
        ys = [y for _, y in points]
        for y in range(max(math.ceil(min(ys)), 0), min(math.floor(max(ys)), self.height - 1) + 1):
            crossings = []
            for (xa, ya), (xb, yb) in zip(points, points[1:] + points[:1]):
                if ya != yb and min(ya, yb) <= y <= max(ya, yb):
                    crossings.append(xa + (y - ya) * (xb - xa) / (yb - ya))
            if crossings:
                self._span(y, math.ceil(min(crossings)), math.floor(max(crossings)), colour)

    def circle(self, cx: float, cy: float, radius: int, colour) -> None:
        cx, cy = int(cx), int(cy)
        for dy in range(-radius, radius + 1):
            half = int(math.sqrt(radius * radius - dy * dy))
            self._span(cy + dy, cx - half, cx + half, colour)

    def row(self, y: int, colour) -> None:
        self._span(y, 0, self.width - 1, colour)

    def image(self):
        try:
            import numpy
        except ImportError:
            return RgbArray(self.height, self.width, self.pixels)
        return numpy.frombuffer(bytes(self.pixels), dtype=numpy.uint8).reshape(self.height, self.width, 3)


def make(max_episode_steps: int = 500, render_mode: str | None = None) -> CartPoleEnv:
    """The factory the bridge calls, once per served environment (with render_mode="rgb_array"
    when it serves frames)."""
    return CartPoleEnv(max_episode_steps=max_episode_steps, render_mode=render_mode)
