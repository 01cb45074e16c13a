"""Tests of the pure-Python CartPole-v1 (envs/cartpole.py) against Gymnasium's published dynamics."""

from __future__ import annotations

import importlib.util
import math
import unittest
from pathlib import Path

_spec = importlib.util.spec_from_file_location("bridge_cartpole_under_test",
                                               Path(__file__).resolve().parent / "envs" / "cartpole.py")
cartpole = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cartpole)

THRESHOLD = 12 * 2 * math.pi / 360


def stepped_from(state, action):
    env = cartpole.make()
    env.reset(seed=0)
    env.state = list(state)
    return env.step(action)


class CartPoleTests(unittest.TestCase):
    def test_space_spec_and_factory(self):
        env = cartpole.make()
        self.assertEqual(env.action_space.n, 2)
        self.assertEqual(env.observation_space.shape, (4,))
        self.assertEqual(env.observation_space.high[0], 4.8)
        self.assertAlmostEqual(env.observation_space.high[2], 2 * THRESHOLD)
        self.assertEqual((env.spec.id, env.spec.max_episode_steps, env.spec.reward_threshold),
                         ("CartPole-v1", 500, 475.0))

    def test_a_step_from_rest_pushing_right_worked_by_hand(self):
        # theta = 0: temp = 10 / 1.1; thetaacc = -temp / (0.5 * (4/3 - 0.1/1.1)) = -14.6341;
        # xacc = temp + 0.05 * 14.6341 / 1.1 = 9.7561. Euler: only the velocities move this step.
        obs, reward, terminated, truncated, info = stepped_from([0.0, 0.0, 0.0, 0.0], 1)
        thetaacc = -(10 / 1.1) / (0.5 * (4 / 3 - 0.1 / 1.1))
        xacc = 10 / 1.1 - 0.05 * thetaacc / 1.1
        self.assertEqual(obs[0], 0.0)
        self.assertEqual(obs[2], 0.0)
        self.assertAlmostEqual(obs[1], 0.02 * xacc, places=12)
        self.assertAlmostEqual(obs[3], 0.02 * thetaacc, places=12)
        self.assertAlmostEqual(obs[1], 0.1951219512, places=9)
        self.assertAlmostEqual(obs[3], -0.2926829268, places=9)
        self.assertEqual((reward, terminated, truncated, info), (1.0, False, False, {}))

    def test_termination_at_the_limits(self):
        self.assertFalse(stepped_from([0.0, 0.0, THRESHOLD, 0.0], 1)[2])  # exactly 12 degrees: inside
        self.assertTrue(stepped_from([0.0, 0.0, THRESHOLD, 1e-6], 1)[2])
        self.assertTrue(stepped_from([2.4, 1.0, 0.0, 0.0], 1)[2])
        self.assertTrue(stepped_from([-2.4, -1.0, 0.0, 0.0], 0)[2])
        _, reward, terminated, _, _ = stepped_from([0.0, 0.0, THRESHOLD, 1e-6], 1)
        self.assertEqual((reward, terminated), (1.0, True))  # the terminating step still pays 1

    def test_resets_are_seeded_and_uniform_in_a_small_box(self):
        env = cartpole.make()
        starts = [env.reset(seed=seed)[0] for seed in range(300)]
        self.assertTrue(all(abs(v) <= 0.05 for obs in starts for v in obs))
        self.assertLess(abs(sum(obs[0] for obs in starts) / len(starts)), 0.01)
        self.assertEqual(env.reset(seed=42), env.reset(seed=42))
        self.assertNotEqual(env.reset(seed=42)[0], env.reset(seed=43)[0])

    def test_time_limit_truncates(self):
        env = cartpole.make(max_episode_steps=3)
        env.reset(seed=1)
        flags = [env.step(i % 2)[3] for i in range(3)]
        self.assertEqual(flags, [False, False, True])

    def test_bad_use_raises(self):
        env = cartpole.make()
        with self.assertRaises(RuntimeError):
            env.step(0)  # before reset
        env.reset(seed=0)
        for action in (2, -1, 0.5, "1"):
            with self.assertRaises(ValueError, msg=repr(action)):
                env.step(action)


if __name__ == "__main__":
    unittest.main()
