#!/usr/bin/env python3
"""Independent reference for the frozen vectors in tests/A2C.Core.Tests/FrozenVectorsTests.fs.

Plain Python floats (float64), written from the equations in the core issue and nothing of ours:
per env, forward over each step, the advantage is the closed-form sum of discounted TD errors
up to and including the episode's end. Run: python3 tests/reference/gae_reference.py
"""


def f32(x):
    import struct

    return struct.unpack("f", struct.pack("f", x))[0]


def gae(steps, envs, rewards, values, terminated, truncated, final_values, last_values, gamma, lam):
    def next_value(t, e):
        i = t * envs + e
        if terminated[i]:
            return 0.0
        if truncated[i]:
            return final_values[i]
        if t < steps - 1:
            return values[i + envs]
        return last_values[e]

    def delta(t, e):
        i = t * envs + e
        return rewards[i] + gamma * next_value(t, e) - values[i]

    advantages = [0.0] * (steps * envs)
    for e in range(envs):
        for t in range(steps):
            total, weight, k = 0.0, 1.0, t
            while k < steps:
                total += weight * delta(k, e)
                i = k * envs + e
                if terminated[i] or truncated[i]:
                    break
                weight *= gamma * lam
                k += 1
            advantages[t * envs + e] = total
    returns = [a + v for a, v in zip(advantages, values)]
    return advantages, returns


CASES = {
    "three steps, two envs, one termination and one truncation": dict(
        steps=3, envs=2,
        rewards=[1.0, 0.5, -0.25, 2.0, 0.75, -1.5],
        values=[0.3, -0.2, 0.1, 0.4, -0.6, 0.9],
        terminated=[False, False, True, False, False, False],
        truncated=[False, False, False, True, False, False],
        final_values=[0.0, 0.0, 0.0, 1.7, 0.0, 0.0],
        last_values=[0.45, -0.35],
        gamma=0.99, lam=0.95),
    "six steps, one env, terminated in the middle": dict(
        steps=6, envs=1,
        rewards=[0.1, 0.2, 0.3, -1.0, 0.5, 0.25],
        values=[1.0, 1.1, 0.9, 0.2, 0.6, 0.7],
        terminated=[False, False, False, True, False, False],
        truncated=[False] * 6,
        final_values=[0.0] * 6,
        last_values=[0.8],
        gamma=0.9, lam=0.8),
}

if __name__ == "__main__":
    for name, case in CASES.items():
        # Inputs as the float32 values the F# test passes in.
        c = dict(case)
        for key in ("rewards", "values", "final_values", "last_values"):
            c[key] = [f32(x) for x in c[key]]
        c["gamma"], c["lam"] = f32(c["gamma"]), f32(c["lam"])
        adv, ret = gae(**c)
        print(name)
        print("  advantages:", "; ".join(repr(a) for a in adv))
        print("  returns:   ", "; ".join(repr(r) for r in ret))
