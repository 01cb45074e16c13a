#!/usr/bin/python3
"""Records seeded Gymnasium episodes for tests/A2C.Cli.Tests/GymnasiumParityTests.fs.

Each episode is made the way a user makes it, `gym.make(id, **kwargs)` (so with Gymnasium's
TimeLimit, OrderEnforcing and PassiveEnvChecker), reset with `reset(seed=seed)` and stepped with a
fixed list of actions until the list ends or the episode terminates or truncates. The file holds,
per episode, what Gymnasium returned: the reset observation and, per step, the observation, the
reward and the two flags.

Values are written exactly. A float32 observation is written as the float64 of the same value,
which JSON's shortest round-trip form (Python's repr) keeps bit for bit; a Discrete observation is
an integer; rewards are Python floats of whatever Gymnasium returned. Continuous actions are chosen
as float32 values, so the action replayed from the file is the action Gymnasium was given.

The actions are fixed lists or come from small deterministic rules (pump energy into MountainCar,
plan Taxi's route over its own transition table); the rule runs here, once, and the file keeps the
resulting list, so a replay needs no policy.

Run with a Gymnasium importable, e.g. `pip install gymnasium==1.4.0 "numpy<2"` in a virtual
environment (NumPy 2's promotion rules compute Pendulum's torque terms and MountainCarContinuous's
push in float32, which moves those two envs' low bits), or with the assembled source tree the docs
describe, under Debian 12's python3-numpy:

    PYTHONPATH=/tmp/gymnasium-src /usr/bin/python3 tests/reference/record_gymnasium.py

docs/gymnasium-parity.md says which Gymnasium and numpy the committed file came from.
"""

import json
import math
import os
import sys
from collections import deque
from pathlib import Path

# On Intel CPUs with AVX-512, numpy sends float64 sin and cos to SVML kernels that differ from the C
# library's in the last bit for about half of all inputs (numpy issue #23523), so Gymnasium's own
# Pendulum rewards differ between machines. The vectors are Gymnasium as it runs everywhere else
# (AMD, ARM, older Intel): with that dispatch off, numpy's sin and cos are the C library's. The
# variable must be set before numpy is imported; numpy warns and goes on where nothing is dispatched.
os.environ.setdefault("NPY_DISABLE_CPU_FEATURES", "AVX512_SKX")

import gymnasium as gym  # noqa: E402
import numpy as np  # noqa: E402

OUT = Path(__file__).with_name("gymnasium_episodes.json")


def f32(x):
    """The float32 nearest x, as a Python float (exact)."""
    return float(np.float32(x))


def pendulum_torques(n):
    """A swing that uses the whole range, both ends included: 2 sin(t / 7), float32."""
    torques = [[f32(2.0 * math.sin(t / 7.0))] for t in range(n)]
    torques[5] = [2.0]
    torques[6] = [-2.0]
    return torques


def mountain_car_pump(seed, steps):
    """Push with the velocity (the classic energy-pumping rule) on a private copy of the env."""
    env = gym.make("MountainCar-v0")
    obs, _ = env.reset(seed=seed)
    actions = []
    for _ in range(steps):
        action = 2 if obs[1] >= 0 else 0
        actions.append(action)
        obs, _, terminated, truncated, _ = env.step(action)
        if terminated or truncated:
            break
    return actions


def taxi_route(seed):
    """An illegal pickup first (-10), then Taxi's shortest way to a delivery, found by BFS on P."""
    env = gym.make("Taxi-v4")
    start, _ = env.reset(seed=seed)
    table = env.unwrapped.P
    first = table[start][4][0][1]  # the illegal pickup leaves the state as it is
    frontier = deque([first])
    came_from = {first: None}
    goal = None
    while frontier and goal is None:
        state = frontier.popleft()
        for action in range(6):
            _, nxt, _, terminated = table[state][action][0]
            if terminated:
                goal = (state, action)
                break
            if nxt not in came_from:
                came_from[nxt] = (state, action)
                frontier.append(nxt)
    route = [goal[1]]
    state = goal[0]
    while came_from[state] is not None:
        state, action = came_from[state]
        route.append(action)
    return [4] + route[::-1]


EPISODES = [
    # CartPole: one episode pushed right until the pole falls, one alternating for 30 steps.
    ("CartPole-v1", {}, 0, [1] * 30),
    ("CartPole-v1", {}, 42, [0, 1, 1, 0, 1, 0, 0, 1, 1, 1] * 3),
    # Pendulum: a full episode, truncated by the 200-step limit.
    ("Pendulum-v1", {}, 0, pendulum_torques(200)),
    # FrozenLake: slippery ice (two seeds, walked until a hole or the goal), still ice to the goal,
    # the 8x8 map, and a success_rate that is not 1/3.
    ("FrozenLake-v1", {}, 0, [1, 2] * 50),
    ("FrozenLake-v1", {}, 7, [2, 1] * 50),
    ("FrozenLake-v1", {"is_slippery": False}, 0, [1, 1, 2, 2, 1, 2]),
    ("FrozenLake8x8-v1", {}, 3, [2, 1] * 100),
    ("FrozenLake-v1", {"success_rate": 0.8}, 5, [1, 1, 2, 2, 1, 2, 2, 1, 1, 2] * 10),
    # Acrobot: bang-bang on a fixed pattern; MountainCar: pumped to the flag; the continuous car: short.
    ("Acrobot-v1", {}, 0, ([0] * 4 + [2] * 4 + [1] * 2) * 10),
    ("MountainCar-v0", {}, 0, mountain_car_pump(0, 200)),
    ("MountainCarContinuous-v0", {}, 0, [[f32(0.9 * math.cos(t / 5.0))] for t in range(40)]),
    # Taxi: default kwargs, two seeds, an illegal pickup then the shortest delivery.
    ("Taxi-v4", {}, 0, taxi_route(0)),
    ("Taxi-v4", {}, 11, taxi_route(11)),
    # CliffWalking: a step into the cliff (-100, back to the start), then up, along and down to the goal;
    # and the slippery cliff walked along its edge, where slips fall into it.
    ("CliffWalking-v1", {}, 0, [1, 0] + [1] * 11 + [2]),
    ("CliffWalkingSlippery-v1", {}, 0, ([0] + [1] * 11 + [2]) * 3),
]


def plain(obs):
    """Gymnasium's observation as JSON: an int for Discrete, the float32 values as exact doubles."""
    if isinstance(obs, (int, np.integer)):
        return int(obs)
    array = np.asarray(obs)
    assert array.dtype == np.float32, array.dtype
    return [float(v) for v in array.ravel()]


def record(env_id, kwargs, seed, actions):
    env = gym.make(env_id, **kwargs)
    obs, _ = env.reset(seed=seed)
    episode = {"id": env_id, "kwargs": kwargs, "seed": seed, "actions": [], "reset_obs": plain(obs), "steps": []}
    for action in actions:
        given = np.asarray(action, dtype=np.float32) if isinstance(action, list) else action
        obs, reward, terminated, truncated, _ = env.step(given)
        episode["actions"].append(action)
        episode["steps"].append(
            {"obs": plain(obs), "reward": float(reward), "terminated": bool(terminated), "truncated": bool(truncated)}
        )
        if terminated or truncated:
            break
    env.close()
    return episode


def layout(document):
    """JSON with one line per episode field and per step, so a diff shows which step moved."""
    dump = lambda value: json.dumps(value, separators=(",", ":"))  # noqa: E731
    lines = ["{", f' "recorded_with":{dump(document["recorded_with"])},', ' "episodes":[']
    for i, e in enumerate(document["episodes"]):
        lines.append("  {")
        for key in ["id", "kwargs", "seed", "actions", "reset_obs"]:
            lines.append(f"   {dump(key)}:{dump(e[key])},")
        lines.append('   "steps":[')
        lines.append(",\n".join("    " + dump(step) for step in e["steps"]))
        lines.append("   ]")
        lines.append("  }" + ("," if i < len(document["episodes"]) - 1 else ""))
    lines.append(" ]")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    assert json.loads(text) == document
    return text


def check_trigonometry():
    """Refuses to record if numpy's float64 sin or cos is not the C library's (see the top)."""
    x = np.random.default_rng(0).uniform(-10.0, 10.0, 10_000)
    off = sum(np.sin(v) != math.sin(v) or np.cos(v) != math.cos(v) for v in x)
    if off:
        sys.exit(f"numpy's float64 sin/cos differ from the C library's on {off} of 10000 inputs; "
                 "set NPY_DISABLE_CPU_FEATURES to the AVX-512 features numpy dispatches them to")


def main():
    check_trigonometry()
    episodes = [record(*e) for e in EPISODES]
    document = {
        "recorded_with": {
            "gymnasium": gym.__version__,
            "numpy": np.__version__,
            "python": sys.version.split()[0],
            "NPY_DISABLE_CPU_FEATURES": os.environ.get("NPY_DISABLE_CPU_FEATURES", ""),
        },
        "episodes": episodes,
    }
    OUT.write_text(layout(document))
    for e in episodes:
        last = e["steps"][-1]
        end = "terminated" if last["terminated"] else "truncated" if last["truncated"] else "actions ran out"
        rewards = sorted({s["reward"] for s in e["steps"]})
        shown = rewards if len(rewards) <= 4 else f"{len(rewards)} distinct"
        print(f"{e['id']:<26} {json.dumps(e['kwargs']):<24} seed {e['seed']:<3} {len(e['steps']):>3} steps, {end}; rewards {shown}")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
