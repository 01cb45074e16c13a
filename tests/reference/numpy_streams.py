#!/usr/bin/python3
"""Records the frozen vectors of tests/A2C.Envs.Tests/NumpyStreamTests.fs from a real numpy.

Debian 12's python3-numpy (1.24.2; `apt-get install python3-numpy`, run with /usr/bin/python3)
has the SeedSequence and PCG64 that Gymnasium 1.4 seeds its envs with: `reset(seed=s)` makes
`np.random.Generator(np.random.PCG64(np.random.SeedSequence(s)))`, which is `default_rng(s)`.
The reset draws are those of Gymnasium 1.4's classic-control sources (the calls are named below).
Prints an F# fragment; floats as repr, which round-trips.
Run: /usr/bin/python3 tests/reference/numpy_streams.py
"""

import numpy as np

SEEDS = [0, 1, 42, 12345, 2**32 + 5, 2**70 + 3]


def fs_u64(values):
    return "[| " + "; ".join(f"{int(v)}UL" for v in values) + " |]"


def fs_u32(values):
    return "[| " + "; ".join(f"{int(v)}u" for v in values) + " |]"


def fs_f64(values):
    return "[| " + "; ".join(repr(float(v)) for v in values) + " |]"


def fs_f32(values):
    # float32 values, written as the float64 of the same value (exact).
    return "[| " + "; ".join(repr(float(v)) + "f" for v in np.asarray(values, dtype=np.float32)) + " |]"


def fs_int(values):
    return "[| " + "; ".join(str(int(v)) for v in values) + " |]"


print("// SeedSequence(seed).generate_state(4, np.uint32) and (2, np.uint64)")
for s in SEEDS:
    ss = np.random.SeedSequence(s)
    print(f'    "{s}", {fs_u32(ss.generate_state(4, np.uint32))}, {fs_u64(ss.generate_state(2, np.uint64))}')

print("// SeedSequence(7, spawn_key=(3, 1)).generate_state(4, np.uint32)")
print("    " + fs_u32(np.random.SeedSequence(7, spawn_key=(3, 1)).generate_state(4, np.uint32)))

print("// PCG64(seed).random_raw(4)")
for s in SEEDS:
    print(f'    "{s}", {fs_u64(np.random.PCG64(s).random_raw(4))}')

print("// default_rng(seed).random(3)")
for s in SEEDS[:4]:
    print(f"    {s}L, {fs_f64(np.random.default_rng(s).random(3))}")

print("// default_rng(seed).integers(0, n, size=8)")
for s in SEEDS[:4]:
    for n in [1, 2, 3, 7, 1000, 2**31 - 1]:
        print(f"    {s}L, {n}, {fs_int(np.random.default_rng(s).integers(0, n, size=8))}")

print("// one stream, mixed: integers(0, 5), random(), integers(0, 5), integers(0, 5), random()")
g = np.random.default_rng(9)
mixed = [g.integers(0, 5), g.random(), g.integers(0, 5), g.integers(0, 5), g.random()]
print("    " + "; ".join(repr(float(v)) for v in mixed))

print("// CartPole-v1 reset: np_random.uniform(low=-0.05, high=0.05, size=(4,)), observed as float32")
for s in SEEDS[:4]:
    print(f"    {s}, {fs_f32(np.random.default_rng(s).uniform(low=-0.05, high=0.05, size=(4,)))}")

print("// Acrobot-v1 reset: np_random.uniform(low=-0.1, high=0.1, size=(4,)).astype(np.float32); observed as [cos t1, sin t1, cos t2, sin t2, dt1, dt2]")
for s in SEEDS[:4]:
    state = np.random.default_rng(s).uniform(low=-0.1, high=0.1, size=(4,)).astype(np.float32)
    obs = np.array([np.cos(state[0]), np.sin(state[0]), np.cos(state[1]), np.sin(state[1]), state[2], state[3]], dtype=np.float32)
    print(f"    {s}, {fs_f32(obs)}")

print("// MountainCar-v0 and MountainCarContinuous-v0 reset: [np_random.uniform(low=-0.6, high=-0.4), 0]")
for s in SEEDS[:4]:
    print(f"    {s}, {fs_f32([np.random.default_rng(s).uniform(low=-0.6, high=-0.4), 0])}")

print("// Pendulum-v1 reset: high = [pi, 1]; state = np_random.uniform(low=-high, high=high); observed as [cos, sin, thdot]")
for s in SEEDS[:4]:
    high = np.array([np.pi, 1.0])
    th, thdot = np.random.default_rng(s).uniform(low=-high, high=high)
    print(f"    {s}, {fs_f32([np.cos(th), np.sin(th), thdot])}")

print("// CartPole-v1, reset(seed=42), then these actions: each step's observation (float32), from")
print("// Gymnasium 1.4's CartPole step (explicit Euler over a float64 state), transcribed here")
ACTIONS = [0, 1, 1, 0, 1, 0, 0, 1, 1, 1]
GRAVITY, MASSCART, MASSPOLE, LENGTH, FORCE, TAU = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
TOTAL, POLEML = MASSPOLE + MASSCART, MASSPOLE * LENGTH
x, x_dot, theta, theta_dot = np.random.default_rng(42).uniform(low=-0.05, high=0.05, size=(4,))
print("    " + fs_int(ACTIONS))
for a in ACTIONS:
    force = FORCE if a == 1 else -FORCE
    costheta, sintheta = np.cos(theta), np.sin(theta)
    temp = (force + POLEML * np.square(theta_dot) * sintheta) / TOTAL
    thetaacc = (GRAVITY * sintheta - costheta * temp) / (LENGTH * (4.0 / 3.0 - MASSPOLE * np.square(costheta) / TOTAL))
    xacc = temp - POLEML * thetaacc * costheta / TOTAL
    x, x_dot = x + TAU * x_dot, x_dot + TAU * xacc
    theta, theta_dot = theta + TAU * theta_dot, theta_dot + TAU * thetaacc
    print("    " + fs_f32([x, x_dot, theta, theta_dot]))

print("// FrozenLake-v1 (Gymnasium 1.4's table: slip to a-1, a, a+1; categorical_sample on random()),")
print("// reset(seed) then the actions: (state, reward, terminated) after each step until the episode ends")
MAPS = {"4x4": ["SFFF", "FHFH", "FFFH", "HFFG"],
        "8x8": ["SFFFFFFF", "FFFFFFFF", "FFFHFFFF", "FFFFFHFF", "FFFHFFFF", "FHHFFFHF", "FHFFHFHF", "FFFHFFFG"]}


def categorical(probs, rng):
    return int(np.argmax(np.cumsum(np.asarray(probs)) > rng.random()))


def lake_episode(name, slippery, success, seed, actions):
    desc = MAPS[name]
    nrow, ncol = len(desc), len(desc[0])
    rng = np.random.default_rng(seed)
    initial = np.array([c == "S" for row in desc for c in row], dtype=np.float64)
    s = categorical(initial / initial.sum(), rng)
    out = [s]
    for a in actions:
        moves = [(a - 1) % 4, a, (a + 1) % 4] if slippery else [a]
        probs = [success if b == a else (1.0 - success) / 2.0 for b in moves] if slippery else [1.0]
        b = moves[categorical(probs, rng)]
        row, col = divmod(s, ncol)
        if b == 0:
            col = max(col - 1, 0)
        elif b == 1:
            row = min(row + 1, nrow - 1)
        elif b == 2:
            col = min(col + 1, ncol - 1)
        else:
            row = max(row - 1, 0)
        s = row * ncol + col
        letter = desc[row][col]
        out.append((s, 1.0 if letter == "G" else 0.0, letter in "GH"))
        if letter in "GH":
            break
    return out


LAKE_ACTIONS = [1, 2, 2, 1, 1, 2, 1, 2, 2, 1, 1, 2, 2, 1, 2, 2, 1, 1, 2, 2]
for name, slippery, success, seed in [("4x4", True, 1.0 / 3.0, 0), ("4x4", True, 1.0 / 3.0, 7), ("4x4", False, 1.0, 3),
                                      ("8x8", True, 1.0 / 3.0, 42), ("4x4", True, 0.8, 5)]:
    episode = lake_episode(name, slippery, success, seed, LAKE_ACTIONS)
    steps = "; ".join(f"{s}, {r!r}, {str(t).lower()}" for s, r, t in episode[1:])
    print(f'    "{name}", {str(slippery).lower()}, {success!r}, {seed}, {episode[0]}, [ {steps} ]')

print("// FrozenLake-v1, not slippery, the shortest path to the goal: [1, 1, 2, 2, 1, 2]")
episode = lake_episode("4x4", False, 1.0, 0, [1, 1, 2, 2, 1, 2])
print("    " + "; ".join(f"{s}, {r!r}, {str(t).lower()}" for s, r, t in episode[1:]))
