"""Tests of the Python bridge (gym_server.py) through its gRPC protocol.

    python3 -m unittest discover -s bridges/python -p 'test_*.py'     (from the repository root)

Servers run in-process on free ports (and, for the command line, as subprocesses); clients are raw
gRPC stream-stream calls built the same generic way as the server, each with a deadline, so a
misbehaving server fails a test instead of hanging it.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import queue
import re
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from pathlib import Path
from unittest import mock

import gym_server  # first: it explains a missing grpc or protobuf

import grpc

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "gym_server.py"
CARTPOLE_FILE = HERE / "envs" / "cartpole.py"
REPO_ROOT = HERE.parent.parent
PROTO = REPO_ROOT / "proto" / "a2c_env.proto"
METHOD_PATH = f"/{gym_server.SERVICE_NAME}/{gym_server.METHOD_NAME}"
CALL_TIMEOUT = 10.0  # seconds; the deadline of every client call

pb = gym_server.load_messages(PROTO)
Code = pb.Error.Code


def load_cartpole():
    spec = importlib.util.spec_from_file_location("bridge_test_cartpole", CARTPOLE_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cartpole = load_cartpole()


def float32(values):
    """`values` rounded through float32, as they travel on the wire."""
    return list(struct.unpack(f"{len(values)}f", struct.pack(f"{len(values)}f", *values)))


# ---------------------------------------------------------------------------------------------
# Test environments (duck-typed: no Gymnasium)
# ---------------------------------------------------------------------------------------------

class Spec:
    def __init__(self, id=None, max_episode_steps=None, reward_threshold=None):
        self.id, self.max_episode_steps, self.reward_threshold = id, max_episode_steps, reward_threshold


class CountingEnv:
    """Observation [episode step, last action, seed or -1]; action 2 terminates; truncates after
    `limit` steps. Fails on request: `fail` is ("reset", nth reset), ("reset_seed", seed) or
    (what, at_step) with what in "step",
    "nan_observation", "nan_reward", "inf_observation", "huge_observation", "short_observation"."""

    observation_space = cartpole.Box([-1e6] * 3, [1e6] * 3)
    action_space = cartpole.Discrete(3)
    instances: list["CountingEnv"] = []

    def __init__(self, limit=None, fail=None, with_spec=False):
        self.limit, self.fail = limit, fail
        if with_spec:
            self.spec = Spec("Counting-v0", limit, None)
        self.steps, self.seed, self.resets, self.closed = 0, -1, 0, False
        self.actions = []
        CountingEnv.instances.append(self)

    def _obs(self, action=-1):
        return (float(self.steps), float(action), float(self.seed))

    def reset(self, seed=None, options=None):
        self.resets += 1
        if self.fail in (("reset", self.resets), ("reset_seed", seed)):
            raise RuntimeError("reset exploded")
        if seed is not None:
            self.seed = seed
        self.steps = 0
        if self.fail == ("inf_observation", 0):
            return [0.0, math.inf, 0.0], {}
        return self._obs(), {}

    def step(self, action):
        self.actions.append(action)
        self.steps += 1
        what, at = self.fail if self.fail else (None, None)
        if at == self.steps:
            if what == "step":
                raise ValueError("step exploded")
            if what == "nan_observation":
                return [1.0, float("nan"), 0.0], 1.0, False, False, {}
            if what == "huge_observation":
                return [1e39, 0.0, 0.0], 1.0, False, False, {}
            if what == "short_observation":
                return [1.0, 2.0], 1.0, False, False, {}
            if what == "nan_reward":
                return self._obs(action), float("nan"), False, False, {}
        terminated = action == 2
        truncated = self.limit is not None and self.steps >= self.limit
        return self._obs(action), 1.0, terminated, truncated, {"ignored": True}

    def close(self):
        self.closed = True


class DiscreteObsEnv:
    """Discrete(5) observations (the step count mod 5) and a Box action of shape (2,) in [-1, 1]."""

    observation_space = cartpole.Discrete(5)
    action_space = cartpole.Box([-1.0, -1.0], [1.0, 1.0])

    instances: list["DiscreteObsEnv"] = []

    def __init__(self):
        self.count, self.actions = 0, []
        DiscreteObsEnv.instances.append(self)

    def reset(self, seed=None):
        self.count = 0
        return 0, {}

    def step(self, action):
        self.actions.append(action)
        self.count += 1
        return self.count % 5, 0.5, False, False, {}


class BoxLike:
    """A Box of any shape and dtype (a string, as Gymnasium's dtype prints), bounds as given."""

    def __init__(self, low, high, shape, dtype="float32"):
        self.low, self.high, self.shape, self.dtype = low, high, tuple(shape), dtype

    def __repr__(self):
        return f"Box({self.low}, {self.high}, {self.shape}, {self.dtype})"


class DiscreteLike:
    def __init__(self, n, start=0):
        self.n, self.start, self.shape = n, start, ()

    def __repr__(self):
        return f"Discrete({self.n}, start={self.start})"


class MultiDiscreteLike:
    def __init__(self, nvec):
        self.nvec, self.dtype = nvec, "int64"
        self.shape = (len(nvec),)

    def __repr__(self):
        return f"MultiDiscrete({self.nvec})"


class MultiBinaryLike:
    def __init__(self, n):
        self.n, self.shape, self.dtype = n, (n,), "int8"

    def __repr__(self):
        return f"MultiBinary({self.n})"


class DictLike:
    def __init__(self, spaces):
        self.spaces = dict(spaces)

    def __repr__(self):
        return f"Dict({self.spaces})"


class TupleLike:
    def __init__(self, *spaces):
        self.spaces = tuple(spaces)

    def __repr__(self):
        return f"Tuple{self.spaces}"


class TextLike:
    max_length, min_length = 8, 1

    def __repr__(self):
        return "Text(1, 8)"


class SpaceEnv:
    """Given spaces; reset returns observations[0], step t returns observations[t] (the last one
    from then on) with reward 1. Records the actions it gets."""

    instances: list["SpaceEnv"] = []

    def __init__(self, observation_space, action_space, observations):
        self.observation_space, self.action_space = observation_space, action_space
        self.observations, self.t, self.actions = observations, 0, []
        SpaceEnv.instances.append(self)

    def reset(self, seed=None):
        self.t = 0
        return self.observations[0], {}

    def step(self, action):
        self.actions.append(action)
        self.t += 1
        return self.observations[min(self.t, len(self.observations) - 1)], 1.0, False, False, {}


class FlakyFactory:
    """Makes envs, but raises on call number `fail_on` (1-based)."""

    def __init__(self, fail_on):
        self.calls, self.fail_on = 0, fail_on

    def __call__(self):
        self.calls += 1
        if self.calls == self.fail_on:
            raise OSError("simulator license not found")
        return CountingEnv()


# ---------------------------------------------------------------------------------------------
# Harness
# ---------------------------------------------------------------------------------------------

class Client:
    """One session: requests go through a queue into the stream; each send waits for its reply."""

    def __init__(self, channel, timeout=CALL_TIMEOUT):
        self._requests: queue.Queue = queue.Queue()
        call = channel.stream_stream(METHOD_PATH, request_serializer=pb.Request.SerializeToString,
                                     response_deserializer=pb.Response.FromString)
        self._responses = call(self._request_stream(), timeout=timeout)

    def _request_stream(self):
        while True:
            request = self._requests.get()
            if request is None:
                return
            yield request

    def send(self, request):
        self._requests.put(request)
        return next(self._responses)

    def spec(self, version=gym_server.PROTOCOL_VERSION):
        return self.send(pb.Request(version=version, spec=pb.SpecRequest()))

    def reset(self, seed=None):
        reset = pb.ResetRequest() if seed is None else pb.ResetRequest(seed=seed)
        return self.send(pb.Request(version=gym_server.PROTOCOL_VERSION, reset=reset))

    def step(self, discrete=(), continuous=()):
        step = pb.StepRequest(discrete_actions=list(discrete), continuous_actions=list(continuous))
        return self.send(pb.Request(version=gym_server.PROTOCOL_VERSION, step=step))

    def render(self, env=0, final=False):
        return self.send(pb.Request(version=gym_server.PROTOCOL_VERSION,
                                    render=pb.RenderRequest(env=env, final=final)))

    def finish(self):
        """Ends our side of the stream and waits for the server to end its side."""
        self._requests.put(None)
        for _ in self._responses:
            pass

    def cancel(self):
        self._responses.cancel()
        self._requests.put(None)  # releases gRPC's thread that waits on our request stream


class Served:
    """An in-process server for `factory` on a free port, and a channel to it."""

    def __init__(self, factory, n_envs, name="test-env", seed_offset=0,
                 max_message_bytes=gym_server.DEFAULT_MAX_MESSAGE_BYTES, max_sessions=4, render=False):
        source = gym_server.EnvSource(name, factory)
        layout = gym_server.probe(source, n_envs, max_message_bytes)
        frames = gym_server.probe_render(source, max_message_bytes) if render else None
        self.config = gym_server.ServerConfig(source=source, n_envs=n_envs, layout=layout,
                                              messages=pb, seed_offset=seed_offset, render=frames)
        self.server, self.port = gym_server.start_server(self.config, "127.0.0.1", 0, max_message_bytes,
                                                         max_sessions)
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
        self.clients: list[Client] = []

    def session(self, ready=False) -> Client:
        """A new session; with ready=True, past its spec and an unseeded reset."""
        client = Client(self.channel)
        self.clients.append(client)
        if ready:
            assert client.spec().WhichOneof("kind") == "spec"
            assert client.reset().WhichOneof("kind") == "batch"
        return client

    def close(self):
        for client in self.clients:
            client.cancel()
        self.channel.close()
        self.server.stop(None).wait(CALL_TIMEOUT)


class BridgeTestCase(unittest.TestCase):
    def setUp(self):
        # Collect the server's stderr lines instead of printing them among the test results.
        self.logged: list[str] = []
        patcher = mock.patch.object(gym_server, "log", self.logged.append)
        patcher.start()
        self.addCleanup(patcher.stop)
        CountingEnv.instances = []
        DiscreteObsEnv.instances = []

    def serve(self, factory, n_envs, **kwargs) -> Served:
        served = Served(factory, n_envs, **kwargs)
        self.addCleanup(served.close)
        return served

    def assert_error(self, response, code, *fragments):
        self.assertEqual(response.version, gym_server.PROTOCOL_VERSION)
        self.assertEqual(response.WhichOneof("kind"), "error", response)
        self.assertEqual(Code.Name(response.error.code), Code.Name(code), response.error.message)
        for fragment in fragments:
            self.assertIn(fragment, response.error.message)

    def assert_batch(self, response):
        self.assertEqual(response.version, gym_server.PROTOCOL_VERSION)
        self.assertEqual(response.WhichOneof("kind"), "batch", response)
        return response.batch

    def wait_for_log(self, fragment, timeout=5.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            matches = [line for line in self.logged if fragment in line]
            if matches:
                return matches
            time.sleep(0.02)
        self.fail(f"no log line containing {fragment!r}; logged: {self.logged}")


# ---------------------------------------------------------------------------------------------
# Spec
# ---------------------------------------------------------------------------------------------

class SpecTests(BridgeTestCase):
    def test_spec_describes_cartpole(self):
        client = self.serve(cartpole.make, 4, name="bridges/python/envs/cartpole.py:make").session()
        response = client.spec()
        self.assertEqual(response.version, gym_server.PROTOCOL_VERSION)
        self.assertEqual(response.WhichOneof("kind"), "spec")
        spec = response.spec
        self.assertEqual(spec.env_id, "CartPole-v1")
        self.assertEqual(spec.num_envs, 4)
        self.assertEqual(spec.observation_space.WhichOneof("kind"), "box")
        high = [4.8, gym_server.FLOAT32_MAX, 2 * 12 * 2 * math.pi / 360, gym_server.FLOAT32_MAX]
        self.assertEqual(list(spec.observation_space.box.high), float32(high))
        self.assertEqual(list(spec.observation_space.box.low), float32([-h for h in high]))
        self.assertEqual(spec.action_space.WhichOneof("kind"), "discrete")
        self.assertEqual(spec.action_space.discrete.n, 2)
        self.assertEqual(spec.max_episode_steps, 500)
        self.assertTrue(spec.HasField("reward_threshold"))
        self.assertEqual(spec.reward_threshold, 475.0)

    def test_spec_without_env_spec_uses_the_env_argument_and_no_limit(self):
        client = self.serve(CountingEnv, 2, name="my_envs.py:counting").session()
        spec = client.spec().spec
        self.assertEqual(spec.env_id, "my_envs.py:counting")
        self.assertEqual(spec.max_episode_steps, 0)
        self.assertFalse(spec.HasField("reward_threshold"))

    def test_discrete_observations_travel_as_their_integer_and_box_actions_pass_unclipped(self):
        served = self.serve(DiscreteObsEnv, 2)
        client = served.session()
        spec = client.spec().spec
        self.assertEqual(spec.observation_space.WhichOneof("kind"), "discrete")
        self.assertEqual((spec.observation_space.discrete.n, spec.observation_space.discrete.start), (5, 0))
        self.assertEqual(spec.action_space.WhichOneof("kind"), "box")
        self.assertEqual(list(spec.action_space.box.low), [-1.0, -1.0])
        self.assertEqual(list(spec.action_space.box.high), [1.0, 1.0])
        self.assertEqual(list(spec.action_space.box.shape), [2])
        self.assertEqual(spec.action_space.box.dtype, pb.BoxSpace.DType.Value("FLOAT32"))

        batch = self.assert_batch(client.reset())
        self.assertEqual(list(batch.observations), [0.0] * 2)
        batch = self.assert_batch(client.step(continuous=[5.0, -7.5, 0.25, 0.5]))
        self.assertEqual(list(batch.observations), [1.0] * 2)
        self.assertEqual(list(batch.rewards), [0.5, 0.5])
        # The session's envs are the second and third instances (the first was the startup probe).
        # list() accepts both forms the bridge may pass: a NumPy array or a plain list.
        sent = [[float(v) for v in list(env.actions[0])] for env in DiscreteObsEnv.instances[1:3]]
        self.assertEqual(sent, [[5.0, -7.5], [0.25, 0.5]])


try:
    import numpy as np
except ImportError:
    np = None


class NumpyEnv:
    """Gymnasium-style NumPy spaces and observations: a (2, 2) Box of float64 observations and a
    (3,) float32 Box of actions, both with NumPy bounds."""

    def __init__(self):
        self.observation_space = cartpole.Box([-5.0] * 4, [5.0] * 4)
        self.observation_space.shape = (2, 2)
        self.observation_space.low = np.full((2, 2), -5.0)
        self.observation_space.high = np.full((2, 2), 5.0)
        self.action_space = cartpole.Box([-1.0] * 3, [1.0] * 3)
        self.action_space.low = np.full(3, -1.0, dtype=np.float32)
        self.action_space.high = np.full(3, 1.0, dtype=np.float32)
        self.action_space.dtype = np.float32
        self.actions = []

    def reset(self, seed=None):
        return np.arange(4, dtype=np.float64).reshape(2, 2), {}

    def step(self, action):
        self.actions.append(action)
        return np.full((2, 2), 0.5), np.float32(2.0), np.bool_(False), False, {}


@unittest.skipIf(np is None, "NumPy is not installed (the bridge does not need it)")
class NumpyTests(BridgeTestCase):
    def test_numpy_observations_rewards_and_actions(self):
        envs = []
        client = self.serve(lambda: envs.append(NumpyEnv()) or envs[-1], 2).session()
        spec = client.spec().spec
        self.assertEqual(list(spec.observation_space.box.low), [-5.0] * 4)
        self.assertEqual(list(spec.action_space.box.high), [1.0] * 3)
        self.assertEqual(list(self.assert_batch(client.reset()).observations), [0, 1, 2, 3] * 2)
        batch = self.assert_batch(client.step(continuous=[0.5, -2.0, 1.0, 0.0, 0.25, 3.0]))
        self.assertEqual(list(batch.observations), [0.5] * 8)
        self.assertEqual(list(batch.rewards), [2.0, 2.0])
        action = envs[1].actions[0]  # envs[0] was the startup probe
        self.assertIsInstance(action, np.ndarray)
        self.assertEqual((action.shape, action.dtype), ((3,), np.float32))
        self.assertEqual(action.tolist(), [0.5, -2.0, 1.0])  # as sent: not clipped


class SpaceKindTests(BridgeTestCase):
    """Every space kind: its Space message, its flat observations, its actions as the env gets them."""

    def serve_spaces(self, observation_space, action_space, observations, n_envs=2):
        SpaceEnv.instances = []
        factory = lambda: SpaceEnv(observation_space, action_space, observations)
        client = self.serve(factory, n_envs).session()
        spec = client.spec().spec
        return client, spec, SpaceEnv.instances[1:]  # the first instance was the startup probe

    def test_float32_box_of_any_shape_travels_row_major(self):
        box = BoxLike([[-1, -2, -3], [-4, -5, -6]], [[1, 2, 3], [4, 5, 6]], (2, 3))
        client, spec, _ = self.serve_spaces(box, cartpole.Discrete(2), [[[1, 2, 3], [4, 5, 6]]])
        self.assertEqual(list(spec.observation_space.box.shape), [2, 3])
        self.assertEqual(spec.observation_space.box.dtype, pb.BoxSpace.DType.Value("FLOAT32"))
        self.assertEqual(list(spec.observation_space.box.low), [-1, -2, -3, -4, -5, -6])
        self.assertEqual(list(self.assert_batch(client.reset()).observations), [1, 2, 3, 4, 5, 6] * 2)

    def test_uint8_image_is_whole_numbers_and_a_fraction_is_named(self):
        image = BoxLike(0, 255, (2, 2, 3), "uint8")
        pixels = [[[0, 1, 2], [3, 4, 5]], [[6, 7, 8], [9, 10, 255]]]
        spoiled = [[[0, 1, 2.5], [3, 4, 5]], [[6, 7, 8], [9, 10, 11]]]
        client, spec, _ = self.serve_spaces(image, cartpole.Discrete(2), [pixels, spoiled])
        box = spec.observation_space.box
        self.assertEqual((list(box.shape), box.dtype), ([2, 2, 3], pb.BoxSpace.DType.Value("UINT8")))
        self.assertEqual((list(box.low), list(box.high)), ([0.0] * 12, [255.0] * 12))
        self.assertEqual(list(self.assert_batch(client.reset()).observations), list(range(11)) + [255] + list(range(11)) + [255])
        self.assert_error(client.step(discrete=[0, 1]), Code.ENVIRONMENT_FAILED, "env 0",
                          "element 2 is 2.5, not a whole number in [0, 255] of Box(shape (2, 2, 3), uint8)")

    def test_discrete_with_start_carries_its_values(self):
        client, spec, envs = self.serve_spaces(DiscreteLike(5, start=-2), DiscreteLike(3, start=1), [-2, -1, 3])
        self.assertEqual((spec.observation_space.discrete.n, spec.observation_space.discrete.start), (5, -2))
        self.assertEqual((spec.action_space.discrete.n, spec.action_space.discrete.start), (3, 1))
        self.assertEqual(list(self.assert_batch(client.reset()).observations), [-2.0, -2.0])
        self.assertEqual(list(self.assert_batch(client.step(discrete=[1, 3])).observations), [-1.0, -1.0])
        self.assertEqual([env.actions for env in envs], [[1], [3]])  # the values themselves, as ints
        self.assert_error(client.step(discrete=[1, 0]), Code.INVALID_ARGUMENT, "env 1",
                          "outside [1, 3] of Discrete(3, start=1)")
        self.assert_error(client.step(discrete=[1, 1]), Code.ENVIRONMENT_FAILED, "env 0",
                          "the observation 3, which is not in its Discrete(5, start=-2)")

    def test_multidiscrete_actions_are_checked_and_arrive_as_integer_arrays(self):
        client, spec, envs = self.serve_spaces(MultiDiscreteLike([2, 4]), MultiDiscreteLike([3, 3]),
                                               [[1, 3], [0, 0], [2, 0]])
        self.assertEqual(list(spec.observation_space.multi_discrete.nvec), [2, 4])
        self.assertEqual(list(spec.action_space.multi_discrete.nvec), [3, 3])
        self.assertEqual(list(self.assert_batch(client.reset()).observations), [1, 3, 1, 3])
        self.assert_batch(client.step(discrete=[2, 0, 1, 2]))
        sent = [[int(v) for v in env.actions[0]] for env in envs]
        self.assertEqual(sent, [[2, 0], [1, 2]])
        if np is not None:
            self.assertEqual((envs[0].actions[0].dtype, envs[0].actions[0].shape), (np.int64, (2,)))
        self.assert_error(client.step(discrete=[0, 0, 1, 5]), Code.INVALID_ARGUMENT,
                          "env 1: action choice 1 is 5, outside [0, 2] of MultiDiscrete([3, 3])")
        self.assert_error(client.step(discrete=[0, 0, 1]), Code.INVALID_ARGUMENT,
                          "expected 4 discrete_actions (2 envs x 2)", "got 3")
        self.assert_error(client.step(continuous=[0.0] * 4), Code.INVALID_ARGUMENT, "MultiDiscrete([3, 3])")
        self.assertEqual(len(envs[0].actions), 1)  # refused steps reached no env
        self.assert_error(client.step(discrete=[0, 0, 0, 0]), Code.ENVIRONMENT_FAILED,
                          "choice 0 is 2.0, not an integer in [0, 1] of MultiDiscrete([2, 4])")

    def test_multibinary_actions_and_observations_are_zeros_and_ones(self):
        client, spec, envs = self.serve_spaces(MultiBinaryLike(3), MultiBinaryLike(2), [[1, 0, 1], [0, 2, 0]])
        self.assertEqual((spec.observation_space.multi_binary.n, spec.action_space.multi_binary.n), (3, 2))
        self.assertEqual(list(self.assert_batch(client.reset()).observations), [1, 0, 1] * 2)
        self.assert_error(client.step(discrete=[1, 0, 2, 0]), Code.INVALID_ARGUMENT,
                          "env 1: action switch 0 is 2, not 0 or 1 of MultiBinary(2)")
        self.assert_error(client.step(discrete=[1, 0, 0, 1]), Code.ENVIRONMENT_FAILED,
                          "switch 1 is 2.0, not 0 or 1 of MultiBinary(3)")
        self.assertEqual([int(v) for v in envs[0].actions[0]], [1, 0])  # env 0 failed after stepping

    def test_dict_observations_are_flattened_in_sorted_key_order(self):
        space = DictLike({"speed": cartpole.Box([-1.0, -1.0], [1.0, 1.0]),
                          "camera": BoxLike(0, 255, (1, 2, 1), "uint8"),
                          "gear": DiscreteLike(3)})
        good = {"speed": [0.5, -0.5], "gear": 2, "camera": [[[7], [9]]]}
        client, spec, _ = self.serve_spaces(space, cartpole.Discrete(2), [good, good])
        entries = spec.observation_space.dict.entries
        self.assertEqual([e.key for e in entries], ["camera", "gear", "speed"])
        self.assertEqual([e.space.WhichOneof("kind") for e in entries], ["box", "discrete", "box"])
        self.assertEqual(entries[0].space.box.dtype, pb.BoxSpace.DType.Value("UINT8"))
        self.assertEqual(list(self.assert_batch(client.reset()).observations), [7, 9, 2, 0.5, -0.5] * 2)

    def test_dict_observation_missing_a_key_or_with_a_bad_value_names_the_key(self):
        space = DictLike({"speed": cartpole.Box([-1.0], [1.0]), "gear": DiscreteLike(3)})
        cases = (({"speed": [0.5]}, "without the key 'gear' of its Dict('gear': Discrete(3), 'speed'"),
                 ({"speed": [0.5], "gear": 1, "radar": 3}, "with the key 'radar'"),
                 ({"speed": [0.5], "gear": 4}, "(key 'gear') the observation 4"),
                 ({"speed": [0.5, 0.5], "gear": 1}, "(key 'speed') an observation of 2 elements"),
                 ([0.5, 1], "not a mapping"))
        for observation, fragment in cases:
            with self.subTest(fragment=fragment):
                client, _, _ = self.serve_spaces(space, cartpole.Discrete(2), [observation])
                self.assert_error(client.reset(), Code.ENVIRONMENT_FAILED, "env 0", fragment)


# ---------------------------------------------------------------------------------------------
# Reset and step
# ---------------------------------------------------------------------------------------------

class ResetStepTests(BridgeTestCase):
    def test_reset_batch_layout(self):
        client = self.serve(cartpole.make, 3).session()
        client.spec()
        batch = self.assert_batch(client.reset(seed=7))
        self.assertEqual(len(batch.observations), 3 * 4)
        self.assertEqual(list(batch.rewards), [0.0] * 3)
        self.assertEqual(list(batch.terminated), [False] * 3)
        self.assertEqual(list(batch.truncated), [False] * 3)
        self.assertEqual(list(batch.final_observations), [])
        self.assertTrue(all(abs(v) <= 0.05 for v in batch.observations))

    def test_reset_with_seed_is_reproducible_and_env_i_gets_seed_plus_i(self):
        client = self.serve(cartpole.make, 3).session()
        client.spec()
        first = self.assert_batch(client.reset(seed=42))
        steps_first = [list(self.assert_batch(client.step(discrete=[1, 0, 1])).observations) for _ in range(5)]
        second = self.assert_batch(client.reset(seed=42))
        steps_second = [list(self.assert_batch(client.step(discrete=[1, 0, 1])).observations) for _ in range(5)]
        self.assertEqual(list(first.observations), list(second.observations))
        self.assertEqual(steps_first, steps_second)
        other = self.assert_batch(client.reset(seed=43))
        self.assertNotEqual(list(other.observations), list(first.observations))
        # Env i is reset with seed + i: compare each env with a local CartPole seeded the same way.
        for i in range(3):
            expected = float32(cartpole.make().reset(seed=42 + i)[0])
            self.assertEqual(list(first.observations[4 * i:4 * i + 4]), expected)

    def test_seed_offset_is_added_to_every_seed(self):
        client = self.serve(cartpole.make, 2, seed_offset=100).session()
        client.spec()
        batch = self.assert_batch(client.reset(seed=5))
        self.assertEqual(list(batch.observations[4:8]), float32(cartpole.make().reset(seed=106)[0]))

    def test_cartpole_episode_ends_with_final_observation_and_same_step_reset(self):
        client = self.serve(cartpole.make, 2).session()
        client.spec()
        self.assert_batch(client.reset(seed=0))
        threshold = 12 * 2 * math.pi / 360
        for step in range(200):
            # Env 0 always pushes right and soon falls; env 1 alternates and stays up longer.
            batch = self.assert_batch(client.step(discrete=[1, step % 2]))
            self.assertEqual(len(batch.final_observations), 2 * 4)  # N x O after every step
            if batch.terminated[0]:
                break
            self.assertEqual(list(batch.final_observations[0:4]), [0.0] * 4)
        else:
            self.fail("env 0 never terminated")
        self.assertFalse(batch.truncated[0])
        self.assertEqual(batch.rewards[0], 1.0)  # the terminating step still earns 1
        x, _, theta, _ = batch.final_observations[0:4]
        self.assertTrue(abs(x) > 2.4 or abs(theta) > threshold, list(batch.final_observations[0:4]))
        # The new episode's first observation, drawn from [-0.05, 0.05].
        self.assertTrue(all(abs(v) <= 0.05 for v in batch.observations[0:4]))
        if not (batch.terminated[1] or batch.truncated[1]):
            self.assertEqual(list(batch.final_observations[4:8]), [0.0] * 4)
        # The reset env goes on stepping from its new episode.
        after = self.assert_batch(client.step(discrete=[0, 0]))
        self.assertFalse(after.terminated[0])
        self.assertTrue(all(abs(v) < 0.5 for v in after.observations[0:4]))

    def test_time_limit_truncates_and_resets_in_the_same_step(self):
        client = self.serve(lambda: CountingEnv(limit=3, with_spec=True), 2).session()
        self.assertEqual(client.spec().spec.max_episode_steps, 3)
        self.assert_batch(client.reset(seed=10))
        for step in (1, 2):
            batch = self.assert_batch(client.step(discrete=[1, 1]))
            self.assertEqual(list(batch.truncated), [False, False])
            self.assertEqual(list(batch.observations), [step, 1, 10, step, 1, 11])
        batch = self.assert_batch(client.step(discrete=[1, 2]))
        self.assertEqual(list(batch.truncated), [True, True])
        self.assertEqual(list(batch.terminated), [False, True])
        self.assertEqual(list(batch.final_observations), [3, 1, 10, 3, 2, 11])
        self.assertEqual(list(batch.observations), [0, -1, 10, 0, -1, 11])  # reset without a seed
        self.assertEqual(list(batch.rewards), [1.0, 1.0])

    def test_sessions_have_their_own_environments(self):
        served = self.serve(CountingEnv, 1)
        a, b = served.session(ready=True), served.session(ready=True)
        self.assert_batch(a.step(discrete=[0]))
        self.assert_batch(a.step(discrete=[0]))
        self.assertEqual(list(self.assert_batch(b.step(discrete=[1])).observations), [1, 1, -1])
        self.assertEqual(list(self.assert_batch(a.step(discrete=[1])).observations), [3, 1, -1])


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------

class SequenceErrorTests(BridgeTestCase):
    def test_requests_before_the_spec(self):
        client = self.serve(CountingEnv, 2).session()
        self.assert_error(client.reset(), Code.BAD_SEQUENCE, "SpecRequest")
        self.assert_error(client.step(discrete=[0, 0]), Code.BAD_SEQUENCE, "SpecRequest")
        self.assertEqual(client.spec().WhichOneof("kind"), "spec")  # still usable

    def test_step_before_reset(self):
        client = self.serve(CountingEnv, 2).session()
        client.spec()
        self.assert_error(client.step(discrete=[0, 0]), Code.BAD_SEQUENCE, "before the first ResetRequest")
        self.assert_batch(client.reset())
        self.assert_batch(client.step(discrete=[0, 0]))

    def test_second_spec(self):
        client = self.serve(CountingEnv, 2).session(ready=True)
        self.assert_error(client.spec(), Code.BAD_SEQUENCE, "second SpecRequest")
        self.assert_batch(client.step(discrete=[0, 0]))

    def test_unsupported_version_names_both_versions(self):
        client = self.serve(CountingEnv, 2).session()
        # A v1 client (and any other version) gets the refusal in this server's version, naming both.
        for version in (1, 3, 0):
            response = client.spec(version=version)
            self.assert_error(response, Code.UNSUPPORTED_VERSION, f"request version {version}",
                              "speaks protocol version 2")
        self.assertEqual(client.spec().WhichOneof("kind"), "spec")

    def test_request_without_kind(self):
        client = self.serve(CountingEnv, 2).session()
        self.assert_error(client.send(pb.Request(version=gym_server.PROTOCOL_VERSION)), Code.INVALID_ARGUMENT,
                          "none of")


class ActionErrorTests(BridgeTestCase):
    def test_wrong_number_of_discrete_actions_changes_nothing(self):
        client = self.serve(CountingEnv, 4).session(ready=True)
        self.assert_error(client.step(discrete=[0, 1, 1]), Code.INVALID_ARGUMENT, "expected 4", "got 3")
        self.assert_error(client.step(discrete=[0] * 5), Code.INVALID_ARGUMENT, "expected 4", "got 5")
        batch = self.assert_batch(client.step(discrete=[0, 1, 1, 0]))
        self.assertEqual(batch.observations[0], 1.0)  # the rejected steps did not advance any env

    def test_no_actions(self):
        client = self.serve(CountingEnv, 4).session(ready=True)
        self.assert_error(client.step(), Code.INVALID_ARGUMENT, "expected 4", "got 0")

    def test_both_action_fields(self):
        client = self.serve(CountingEnv, 2).session(ready=True)
        response = client.step(discrete=[0, 1], continuous=[0.0, 1.0])
        self.assert_error(response, Code.INVALID_ARGUMENT, "continuous_actions", "expected 2 discrete_actions")

    def test_continuous_actions_for_a_discrete_space(self):
        client = self.serve(CountingEnv, 2).session(ready=True)
        self.assert_error(client.step(continuous=[0.0, 1.0]), Code.INVALID_ARGUMENT, "Discrete(3)",
                          "expected 2 discrete_actions")

    def test_discrete_action_out_of_range_names_env_and_value(self):
        client = self.serve(CountingEnv, 3).session(ready=True)
        self.assert_error(client.step(discrete=[0, 1, 3]), Code.INVALID_ARGUMENT, "env 2", "= 3",
                          "outside [0, 2] of Discrete(3)")
        self.assert_error(client.step(discrete=[-1, 1, 2]), Code.INVALID_ARGUMENT, "env 0", "= -1")
        self.assert_batch(client.step(discrete=[0, 1, 2]))

    def test_wrong_number_of_continuous_actions(self):
        client = self.serve(DiscreteObsEnv, 3).session(ready=True)
        self.assert_error(client.step(continuous=[0.0] * 5), Code.INVALID_ARGUMENT, "expected 6", "got 5")

    def test_discrete_actions_for_a_box_space(self):
        client = self.serve(DiscreteObsEnv, 3).session(ready=True)
        self.assert_error(client.step(discrete=[0, 0, 0]), Code.INVALID_ARGUMENT, "discrete_actions",
                          "expected 6 continuous_actions")
        self.assert_error(client.step(discrete=[0, 0, 0], continuous=[0.0] * 6), Code.INVALID_ARGUMENT,
                          "discrete_actions")

    def test_non_finite_continuous_action_names_env(self):
        client = self.serve(DiscreteObsEnv, 3).session(ready=True)
        for bad in (math.nan, math.inf, -math.inf):
            response = client.step(continuous=[0.0, 0.0, 0.0, bad, 0.0, 0.0])
            self.assert_error(response, Code.INVALID_ARGUMENT, "env 1", "not finite")
        self.assert_batch(client.step(continuous=[0.0] * 6))


class EnvironmentFailureTests(BridgeTestCase):
    def test_env_raising_in_step(self):
        served = self.serve(lambda: CountingEnv(fail=("step", 2)), 3)
        client = served.session(ready=True)
        self.assert_batch(client.step(discrete=[0, 0, 0]))
        self.assert_error(client.step(discrete=[0, 0, 0]), Code.ENVIRONMENT_FAILED, "env 0", "ValueError",
                          "step exploded", "step 2")
        # The envs are now out of step with each other: the session wants a reset, then goes on.
        self.assert_error(client.step(discrete=[0, 0, 0]), Code.BAD_SEQUENCE, "ResetRequest")
        self.assert_batch(client.reset())
        self.assert_batch(client.step(discrete=[0, 0, 0]))
        self.wait_for_log("step exploded")

    def test_env_raising_in_reset(self):
        client = self.serve(lambda: CountingEnv(fail=("reset_seed", 13)), 2).session()
        client.spec()
        # Env 1 gets seed 12 + 1 and raises.
        self.assert_error(client.reset(seed=12), Code.ENVIRONMENT_FAILED, "env 1", "RuntimeError",
                          "reset exploded")
        self.assert_error(client.step(discrete=[0, 0]), Code.BAD_SEQUENCE)
        self.assert_batch(client.reset(seed=20))

    def test_env_raising_in_the_automatic_reset(self):
        client = self.serve(lambda: CountingEnv(fail=("reset", 2)), 2).session(ready=True)
        self.assert_error(client.step(discrete=[0, 2]), Code.ENVIRONMENT_FAILED, "env 1", "reset exploded")

    def test_factory_raising_when_a_session_makes_its_envs(self):
        client = self.serve(FlakyFactory(fail_on=3), 2).session()  # call 1 is the probe
        self.assert_error(client.spec(), Code.ENVIRONMENT_FAILED, "creating env 1", "OSError",
                          "license not found")
        self.assertEqual(client.spec().WhichOneof("kind"), "spec")  # calls 4 and 5 succeed

    def test_nan_observation_names_env_step_and_observation(self):
        client = self.serve(lambda: CountingEnv(fail=("nan_observation", 2)), 2).session(ready=True)
        self.assert_batch(client.step(discrete=[0, 0]))
        self.assert_error(client.step(discrete=[0, 0]), Code.ENVIRONMENT_FAILED, "env 0",
                          "non-finite observation", "step 2", "nan")

    def test_nan_reward_names_env_step_and_reward(self):
        client = self.serve(lambda: CountingEnv(fail=("nan_reward", 1)), 2).session(ready=True)
        self.assert_error(client.step(discrete=[0, 0]), Code.ENVIRONMENT_FAILED, "env 0",
                          "non-finite reward", "step 1")

    def test_infinite_observation_from_reset(self):
        client = self.serve(lambda: CountingEnv(fail=("inf_observation", 0)), 2).session()
        client.spec()
        self.assert_error(client.reset(), Code.ENVIRONMENT_FAILED, "env 0", "reset", "non-finite observation")

    def test_observation_beyond_float32(self):
        client = self.serve(lambda: CountingEnv(fail=("huge_observation", 1)), 1).session(ready=True)
        self.assert_error(client.step(discrete=[0]), Code.ENVIRONMENT_FAILED, "env 0", "non-finite observation")

    def test_observation_of_the_wrong_size(self):
        client = self.serve(lambda: CountingEnv(fail=("short_observation", 1)), 1).session(ready=True)
        self.assert_error(client.step(discrete=[0]), Code.ENVIRONMENT_FAILED, "env 0", "2 elements", "has 3")


# ---------------------------------------------------------------------------------------------
# Connections
# ---------------------------------------------------------------------------------------------

class ConnectionTests(BridgeTestCase):
    def test_disconnect_mid_session_is_logged_and_the_server_keeps_serving(self):
        served = self.serve(CountingEnv, 2)
        # A session on its own channel, dropped without ending the stream.
        channel = grpc.insecure_channel(f"127.0.0.1:{served.port}")
        dropped = Client(channel)
        dropped.spec()
        self.assert_batch(dropped.reset())
        self.assert_batch(dropped.step(discrete=[0, 1]))
        dropped.cancel()
        channel.close()
        lines = self.wait_for_log("ended after 3 requests")
        self.assertEqual(len(lines), 1, self.logged)

        client = served.session(ready=True)
        self.assertEqual(list(self.assert_batch(client.step(discrete=[1, 1])).observations), [1, 1, -1] * 2)
        # The dropped session's two envs were closed (instances: probe, dropped x2, current x2).
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not all(e.closed for e in CountingEnv.instances[1:3]):
            time.sleep(0.02)
        self.assertTrue(all(env.closed for env in CountingEnv.instances[1:3]))
        self.assertFalse(any(env.closed for env in CountingEnv.instances[3:5]))

    def test_a_finished_session_closes_its_envs(self):
        served = self.serve(CountingEnv, 2)
        client = served.session(ready=True)
        client.finish()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not all(e.closed for e in CountingEnv.instances[1:3]):
            time.sleep(0.02)
        self.assertTrue(all(env.closed for env in CountingEnv.instances[1:3]))
        self.assertEqual(len(self.wait_for_log("ended after 2 requests (client ended the stream)")), 1)

    def test_oversized_request_fails_that_call_only(self):
        served = self.serve(CountingEnv, 2, max_message_bytes=1024)
        client = served.session(ready=True)
        with self.assertRaises(grpc.RpcError) as raised:
            client.step(continuous=[0.0] * 1000)  # about 4 KB
        self.assertEqual(raised.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        self.assert_batch(served.session(ready=True).step(discrete=[0, 0]))

    def test_unsupported_spaces_are_refused_at_startup_naming_the_space(self):
        cases = (
            (TupleLike(cartpole.Discrete(2), cartpole.Discrete(3)), None, "a TupleLike of sub-spaces"),
            (DictLike({"inner": DictLike({"x": cartpole.Discrete(2)})}), None,
             "observation space's key 'inner'"),
            (DictLike({"inner": DictLike({"x": cartpole.Discrete(2)})}), None, "a nested Dict"),
            (TextLike(), None, "a TextLike"),
            ({"position": cartpole.Box([0.0], [1.0])}, None, "a dict"),
            (MultiDiscreteLike([[2, 2], [3, 3]]), None, "one dimension"),
            (BoxLike([0], [9], (1,), "int64"), None, "dtype int64"),
            (BoxLike([0], [300], (1,), "uint8"), None, "whole numbers in 0..255"),
            (None, DictLike({"a": cartpole.Discrete(2)}), "a Dict action space"),
            (None, BoxLike([0], [1], (1,), "uint8"), "a uint8 action box"),
            (None, TextLike(), "action space"),
        )
        for observation_space, action_space, fragment in cases:
            def factory():
                env = CountingEnv()
                if observation_space is not None:
                    env.observation_space = observation_space
                if action_space is not None:
                    env.action_space = action_space
                return env
            with self.subTest(fragment=fragment):
                with self.assertRaises(gym_server.BridgeError) as raised:
                    gym_server.probe(gym_server.EnvSource("odd", factory), 1, 1 << 20)
                self.assertIn(fragment, str(raised.exception))
                self.assertIn("the protocol carries Box (float32 or uint8, any shape)", str(raised.exception))
                self.assertEqual(raised.exception.exit_code, 2)

    def test_message_limit_too_small_for_the_batches_is_refused_at_startup(self):
        source = gym_server.EnvSource("cartpole", cartpole.make)
        with self.assertRaises(gym_server.BridgeError) as raised:
            gym_server.probe(source, 100, 1024)
        self.assertIn("--max-message-bytes", str(raised.exception))
        self.assertEqual(raised.exception.exit_code, 2)


# ---------------------------------------------------------------------------------------------
# Helpers: flatten, message generation, --env resolution
# ---------------------------------------------------------------------------------------------

def drawing_cartpole():
    return cartpole.make(render_mode="rgb_array")


def local_frame(seed, actions, reset_after=False):
    """The frame of a CartPole drawn here: seeded, pushed with `actions`, then reset unseeded."""
    env = drawing_cartpole()
    env.reset(seed=seed)
    for action in actions:
        env.step(action)
    if reset_after:
        env.reset()
    return env.render().tobytes()


class RenderTests(BridgeTestCase):
    def test_spec_carries_the_frames_size_and_fps_with_render_only(self):
        spec = self.serve(drawing_cartpole, 2, render=True).session().spec().spec
        self.assertTrue(spec.HasField("render"))
        self.assertEqual((spec.render.width, spec.render.height, spec.render.fps), (600, 400, 50))
        plain = self.serve(cartpole.make, 2).session()
        self.assertFalse(plain.spec().spec.HasField("render"))
        plain.reset(seed=0)
        self.assert_error(plain.render(0), Code.NOT_RENDERABLE, "cannot render", "--render")

    def test_frames_are_the_envs_states_current_and_final(self):
        client = self.serve(drawing_cartpole, 2, render=True).session()
        client.spec()
        client.reset(seed=4)
        frame = client.render(1).frame
        self.assertEqual((frame.width, frame.height, len(frame.rgb)), (600, 400, 600 * 400 * 3))
        self.assertEqual(frame.rgb, local_frame(5, []), "env 1 is seeded 4 + 1")
        actions = []
        while True:
            actions.append(1)
            batch = client.step(discrete=[1, 0]).batch
            if batch.terminated[0] or batch.truncated[0]:
                break
            self.assertEqual(client.render(0).frame.rgb, local_frame(4, actions))
        self.assertEqual(client.render(0, final=True).frame.rgb, local_frame(4, actions),
                         "the final frame: where the episode ended, before the same-step reset")
        self.assertEqual(client.render(0).frame.rgb, local_frame(4, actions, reset_after=True),
                         "the current frame: the next episode's start")

    def test_render_refusals_change_nothing(self):
        client = self.serve(drawing_cartpole, 3, render=True).session()
        self.assert_error(client.render(0), Code.BAD_SEQUENCE, "before the SpecRequest")
        client.spec()
        self.assert_error(client.render(0), Code.BAD_SEQUENCE, "before the first ResetRequest")
        client.reset(seed=0)
        self.assert_error(client.render(3), Code.INVALID_ARGUMENT, "env is 3; allowed: 0 to 2")
        self.assert_error(client.render(1, final=True), Code.BAD_SEQUENCE, "env 1's episode did not end")
        self.assert_batch(client.step(discrete=[0, 0, 0]))
        self.assert_error(client.render(2, final=True), Code.BAD_SEQUENCE, "no final frame")
        self.assertEqual(client.render(2).WhichOneof("kind"), "frame")

    def test_a_factory_without_render_mode_and_a_render_that_returns_no_array_are_refused_at_startup(self):
        with tempfile.TemporaryDirectory() as scratch:
            module = Path(scratch) / "plain_factory.py"
            module.write_text("def make():\n    return None\n")
            with self.assertRaises(gym_server.BridgeError) as raised:
                gym_server.resolve_env(f"{module}:make", render=True)
            self.assertEqual(raised.exception.exit_code, 2)
            self.assertIn("takes no render_mode argument", str(raised.exception))

        class Blank(CountingEnv):
            def render(self):
                return None

        with self.assertRaises(gym_server.BridgeError) as raised:
            gym_server.probe_render(gym_server.EnvSource("blank", Blank), 1 << 22)
        self.assertEqual(raised.exception.exit_code, 2)
        self.assertIn("not an (H, W, 3) uint8 array", str(raised.exception))
        with self.assertRaises(gym_server.BridgeError) as raised:
            gym_server.probe_render(gym_server.EnvSource("big", drawing_cartpole), 500_000)
        self.assertIn("over --max-message-bytes 500000", str(raised.exception))

    def test_a_client_from_before_rendering_is_served_as_before(self):
        served = self.serve(drawing_cartpole, 2, render=True)
        result = subprocess.run([sys.executable, str(HERE / "testdata" / "old_peer.py"),
                                 f"127.0.0.1:{served.port}", "3"],
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        summary = json.loads(result.stdout)
        self.assertEqual((summary["env_id"], summary["num_envs"]), ("CartPole-v1", 2))
        self.assertEqual(summary["rewards"], [[1.0, 1.0]] * 3)
        self.assertGreater(summary["unknown_spec_bytes"], 0, "the render info it does not know, skipped")


class ArrayLike:
    def __init__(self, nested):
        self.nested = nested

    def tolist(self):
        return self.nested


class HelperTests(unittest.TestCase):
    def test_flatten(self):
        self.assertEqual(gym_server.flatten(3), [3.0])
        self.assertEqual(gym_server.flatten(True), [1.0])
        self.assertEqual(gym_server.flatten([1, 2.5, 3]), [1.0, 2.5, 3.0])
        self.assertEqual(gym_server.flatten(((1, 2), [3, (4, 5)])), [1.0, 2.0, 3.0, 4.0, 5.0])
        self.assertEqual(gym_server.flatten(ArrayLike([[1, 2], [3, 4]])), [1.0, 2.0, 3.0, 4.0])
        self.assertEqual(gym_server.flatten([ArrayLike([1, 2]), ArrayLike(3.5)]), [1.0, 2.0, 3.5])
        self.assertEqual(gym_server.flatten(range(3)), [0.0, 1.0, 2.0])
        for bad in ("abc", [1, "2"], {"a": 1}, [None]):
            with self.assertRaises(TypeError, msg=repr(bad)):
                gym_server.flatten(bad)

    def test_first_non_finite(self):
        self.assertIsNone(gym_server.first_non_finite([0.0, -1e30, 3.4e38]))
        self.assertEqual(gym_server.first_non_finite([0.0, math.nan]), 1)
        self.assertEqual(gym_server.first_non_finite([math.inf, math.nan]), 0)
        self.assertEqual(gym_server.first_non_finite([0.0, 0.0, -1e39]), 2)
        self.assertEqual(gym_server.first_non_finite([3e38, 3e38, 3e38]), None)  # the sum overflows

    def test_messages_are_generated_once_and_again_when_the_proto_changes(self):
        with tempfile.TemporaryDirectory() as scratch:
            proto = Path(scratch) / "a2c_env.proto"
            proto.write_bytes(PROTO.read_bytes())
            out = Path(scratch) / "cache"
            path, generated = gym_server.generate_messages(proto, out)
            self.assertTrue(generated)
            self.assertTrue(path.is_file())
            self.assertFalse(gym_server.generate_messages(proto, out)[1])
            later = time.time() + 10
            os.utime(proto, (later, later))
            proto.write_bytes(PROTO.read_bytes() + b"\n// changed\n")
            os.utime(proto, (later, later))
            self.assertTrue(gym_server.generate_messages(proto, out)[1])
            self.assertFalse(gym_server.generate_messages(proto, out)[1])

    def test_missing_protoc_is_named(self):
        with tempfile.TemporaryDirectory() as scratch, mock.patch.dict(os.environ, {"PATH": scratch}):
            with self.assertRaises(gym_server.BridgeError) as raised:
                gym_server.generate_messages(PROTO, Path(scratch) / "cache")
        self.assertIn("protoc", str(raised.exception))
        self.assertIn("protobuf-compiler", str(raised.exception))

    def test_resolve_env_file_and_module_forms(self):
        source = gym_server.resolve_env(f"{CARTPOLE_FILE}:make")
        self.assertEqual(source.factory().spec.id, "CartPole-v1")
        with tempfile.TemporaryDirectory() as scratch:
            (Path(scratch) / "bridge_test_envmod.py").write_text(
                "def build():\n    return 'an env'\nvalue = 3\n")
            sys.path.insert(0, scratch)
            try:
                self.assertEqual(gym_server.resolve_env("bridge_test_envmod:build").factory(), "an env")
                with self.assertRaises(gym_server.BridgeError) as raised:
                    gym_server.resolve_env("bridge_test_envmod:value")
                self.assertIn("not callable", str(raised.exception))
                with self.assertRaises(gym_server.BridgeError) as raised:
                    gym_server.resolve_env("bridge_test_envmod:missing")
                self.assertIn("no attribute missing", str(raised.exception))
            finally:
                sys.path.remove(scratch)
                sys.modules.pop("bridge_test_envmod", None)
        with self.assertRaises(gym_server.BridgeError) as raised:
            gym_server.resolve_env("no/such/file.py:make")
        self.assertEqual(raised.exception.exit_code, 2)

    def test_gymnasium_id_without_gymnasium_is_a_clear_error(self):
        if importlib.util.find_spec("gymnasium") is not None:
            self.skipTest("gymnasium is installed here")
        for env_id in ("LunarLander-v3", "ale_py:ALE/Pong-v5"):
            with self.assertRaises(gym_server.BridgeError) as raised:
                gym_server.resolve_env(env_id)
            self.assertIn("gymnasium", str(raised.exception))
            self.assertIn(env_id, str(raised.exception))
            self.assertEqual(raised.exception.exit_code, 2)


# ---------------------------------------------------------------------------------------------
# The command line, as a subprocess
# ---------------------------------------------------------------------------------------------

class CommandLineTests(unittest.TestCase):
    def start(self, *args):
        process = subprocess.Popen([sys.executable, str(SCRIPT), *args], cwd=REPO_ROOT,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(self._reap, process)
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: lines.put(process.stdout.readline()), daemon=True).start()
        try:
            line = lines.get(timeout=CALL_TIMEOUT)
        except queue.Empty:
            self.fail("the server printed nothing within the timeout")
        match = re.fullmatch(r"serving (\S+) \((\d+) envs(?:, \d+x\d+ frames)?\) on 127\.0\.0\.1:(\d+)\n", line)
        self.assertIsNotNone(match, f"unexpected first line {line!r}; stderr: {self._stderr(process)}")
        return process, int(match.group(3))

    @staticmethod
    def _stderr(process):
        if process.poll() is None:
            return "(still running)"
        return process.stderr.read()

    @staticmethod
    def _reap(process):
        if process.poll() is None:
            process.kill()
        process.wait(CALL_TIMEOUT)
        process.stdout.close()
        process.stderr.close()

    def test_serves_cartpole_logs_a_disconnect_and_stops_on_sigterm(self):
        process, port = self.start("--env", "bridges/python/envs/cartpole.py:make", "--n-envs", "3",
                                   "--port", "0")
        self.assertNotEqual(port, 0)
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            client = Client(channel)
            spec = client.spec().spec
            self.assertEqual((spec.env_id, spec.num_envs), ("CartPole-v1", 3))
            self.assertEqual(len(client.reset(seed=1).batch.observations), 12)
            self.assertEqual(len(client.step(discrete=[0, 1, 0]).batch.rewards), 3)
            client.cancel()
            second = Client(channel)
            self.assertEqual(second.spec().spec.num_envs, 3)
            second.finish()
        time.sleep(0.2)  # let the server log the dropped session before it stops
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=CALL_TIMEOUT)
        self.assertEqual(process.returncode, 0, stderr)
        # One line per session: the dropped one and the finished one.
        self.assertEqual(stderr.count("ended after 3 requests"), 1, stderr)
        self.assertEqual(stderr.count("ended after 1 request ("), 1, stderr)

    def test_stops_on_sigint(self):
        process, _ = self.start("--env", f"{CARTPOLE_FILE}:make", "--port", "0")
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=CALL_TIMEOUT)
        self.assertEqual(process.returncode, 0, stderr)
        self.assertNotIn("Traceback", stderr)

    def test_bad_arguments_exit_2_with_a_message(self):
        cases = [
            (["--env", "bridges/python/envs/cartpole.py:make", "--n-envs", "0"], "--n-envs"),
            (["--env", "bridges/python/envs/nothere.py:make"], "no such file"),
            (["--env", "bridges/python/envs/cartpole.py:nothing"], "no attribute nothing"),
            (["--env", "bridges/python/envs/cartpole.py:make", "--port", "70000"], "--port"),
            (["--n-envs", "2"], "--env"),
        ]
        for args, fragment in cases:
            result = subprocess.run([sys.executable, str(SCRIPT), *args], cwd=REPO_ROOT, capture_output=True,
                                    text=True, timeout=CALL_TIMEOUT)
            self.assertEqual(result.returncode, 2, (args, result.stderr))
            self.assertIn(fragment, result.stderr)
            self.assertEqual(result.stdout, "")


if __name__ == "__main__":
    unittest.main()
