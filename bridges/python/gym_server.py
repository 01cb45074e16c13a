#!/usr/bin/env python3
"""Serves environments with the Gymnasium API over A2C's environment protocol (gRPC).

    python3 bridges/python/gym_server.py --env LunarLander-v3 --n-envs 8 --port 50051
    python3 bridges/python/gym_server.py --env bridges/python/envs/cartpole.py:make --n-envs 8 --port 0
    ./a2c train --env grpc://127.0.0.1:50051

The contract is proto/a2c_env.proto (protocol version 2; service a2c.env.v1.EnvironmentService, one
bidirectional stream per session). Each session gets its own N environments, made by calling the factory
N times, stepped in lockstep by a loop in this process, and closed when the session ends. An environment
is anything with Gymnasium's API: `reset(seed=None) -> (obs, info)`, `step(action) -> (obs, reward,
terminated, truncated, info)`, `observation_space` and `action_space`, and optionally `spec.id`,
`spec.max_episode_steps`, `spec.reward_threshold`. Spaces are recognised by their attributes, as
Gymnasium's are: Box (`low`, `high`, `shape`, `dtype` float or uint8, any shape), Discrete (`n`,
`start`), MultiDiscrete (`nvec`, one dimension), MultiBinary (`n` with a one-dimensional `shape`) and,
for observations, Dict (`spaces`, a mapping of those). Observations travel flat in the protocol's
layout: a Box row-major, a Discrete as its integer, a Dict's keys in sorted order. MultiDiscrete and
MultiBinary actions reach the environment as integer arrays (NumPy when installed, else lists).

Needs Python 3.11, grpcio, protobuf and protoc (Debian: apt-get install -y python3-grpcio
python3-protobuf protobuf-compiler). The message classes are generated from the .proto with protoc on
first use and cached; no generated gRPC stubs are needed (the service is registered generically).
NumPy is optional: observations may be numbers, nested lists or tuples, or anything with `.tolist()`
(Dict observations: a mapping of those).
Gymnasium is imported only when --env names a Gymnasium id.
With --render, envs are made with render_mode="rgb_array" and RenderRequest is answered with
env.render() (an (H, W, 3) uint8 array), each ended episode's last frame drawn before its reset.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import hashlib
import importlib
import importlib.util
import inspect
import math
import numbers
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from typing import Any, Callable

_DEPENDENCY_HINT = (
    "On Debian or Ubuntu: apt-get install -y python3-grpcio python3-protobuf protobuf-compiler, "
    "then run the system interpreter (/usr/bin/python3), which is the one those packages serve.")

try:
    import grpc
    from google.protobuf import __version__ as PROTOBUF_VERSION  # the generated messages need it
except ImportError as _error:
    _message = (f"gym_server needs the grpc and protobuf Python packages, which {sys.executable} "
                f"cannot import ({_error}). {_DEPENDENCY_HINT}")
    if __name__ == "__main__":
        print(f"gym_server: {_message}", file=sys.stderr)
        sys.exit(1)
    raise ImportError(_message) from _error

try:  # optional: only used to hand Box actions to environments as arrays of the space's shape
    import numpy
except ImportError:
    numpy = None

PROTOCOL_VERSION = 2
SERVICE_NAME = "a2c.env.v1.EnvironmentService"
METHOD_NAME = "Session"
DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024  # gRPC's own default receive limit
FLOAT32_MAX = 3.4028234663852886e38


def log(message: str) -> None:
    """One line on stderr; stdout is reserved for the `serving ...` line."""
    print(f"gym_server: {message}", file=sys.stderr, flush=True)


class BridgeError(Exception):
    """A problem for the person starting the server; `exit_code` 2 means bad arguments."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


# ---------------------------------------------------------------------------------------------
# Message classes, generated from the .proto with protoc
# ---------------------------------------------------------------------------------------------

def default_proto_path() -> Path:
    """proto/a2c_env.proto of the repository this script lives in (bridges/python/../../proto)."""
    return Path(__file__).resolve().parent.parent.parent / "proto" / "a2c_env.proto"


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "a2c" / "python-proto"


def generate_messages(proto_path: Path, out_dir: Path) -> tuple[Path, bool]:
    """Runs protoc for `proto_path` into `out_dir` unless the generated module there is current.

    Returns the module's path and whether it was (re)generated. It is regenerated when the .proto
    is newer than it, or when its content differs from the one it was generated from (a stamp file
    holds the .proto's SHA-256, so switching --proto between files cannot serve stale classes).
    protoc writes into a temporary directory that is then renamed into place, so two servers
    starting at once never import a half-written file.
    """
    proto_path = Path(proto_path).resolve()
    if not proto_path.is_file():
        raise BridgeError(f"protocol file not found: {proto_path} (give its path with --proto)", 2)
    module_name = proto_path.stem + "_pb2"
    target = out_dir / f"{module_name}.py"
    stamp = out_dir / f"{module_name}.sha256"
    digest = hashlib.sha256(proto_path.read_bytes()).hexdigest()
    try:
        current = (target.is_file() and stamp.is_file()
                   and target.stat().st_mtime >= proto_path.stat().st_mtime
                   and stamp.read_text().strip() == digest)
    except OSError:
        current = False
    if current:
        return target, False

    protoc = shutil.which("protoc")
    if protoc is None:
        raise BridgeError(
            f"protoc (the Protocol Buffers compiler) is not on PATH; it is needed once to generate "
            f"the message classes from {proto_path}. On Debian or Ubuntu: apt-get install -y "
            f"protobuf-compiler")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".protoc-") as scratch:
        command = [protoc, f"--python_out={scratch}", f"-I{proto_path.parent}", proto_path.name]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise BridgeError(f"protoc failed on {proto_path} (exit code {result.returncode}): "
                              f"{result.stderr.strip() or result.stdout.strip()}")
        generated = os.path.join(scratch, f"{module_name}.py")
        # Never older than the .proto, even one with an mtime in the future, so that the next
        # start does not see a "newer" .proto and regenerate again.
        now = time.time()
        stamp_time = max(now, proto_path.stat().st_mtime)
        os.utime(generated, (stamp_time, stamp_time))
        os.replace(generated, target)
    stamp.write_text(digest + "\n")
    return target, True


_messages_lock = threading.Lock()
_messages_loaded: dict[Path, Any] = {}


def load_messages(proto_path: Path | None = None, cache_dir: Path | None = None):
    """The generated module (Request, Response, ...) for `proto_path`, generated if needed.

    Loaded once per process: protobuf's default descriptor pool refuses a second definition of the
    same file, so later calls return the first module.
    """
    proto_path = Path(proto_path or default_proto_path()).resolve()
    with _messages_lock:
        if proto_path in _messages_loaded:
            return _messages_loaded[proto_path]
        if _messages_loaded:
            first = next(iter(_messages_loaded))
            raise BridgeError(f"this process already loaded the protocol from {first}; "
                              f"it cannot load a second one from {proto_path}")
        out_dir = Path(cache_dir or default_cache_dir())
        try:
            path, _ = generate_messages(proto_path, out_dir)
        except PermissionError as error:
            # An unwritable cache should not stop the server: generate into a private directory.
            fallback = Path(tempfile.mkdtemp(prefix="a2c-python-proto-"))
            log(f"cannot write the cache {out_dir} ({error}); generating into {fallback}")
            path, _ = generate_messages(proto_path, fallback)
        name = path.stem
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except Exception as error:
            raise BridgeError(
                f"the message classes generated into {path} do not load ({error}); protoc and the "
                f"Python protobuf package (version {PROTOBUF_VERSION}) may be incompatible: "
                f"use a protoc of the same release line") from error
        sys.modules.setdefault(name, module)
        _messages_loaded[proto_path] = module
        return module


# ---------------------------------------------------------------------------------------------
# Observations and spaces
# ---------------------------------------------------------------------------------------------

_PLAIN_SCALARS = (float, int)


def flatten(value) -> list[float]:
    """`value` as a flat list of floats, in row-major order.

    Accepts numbers (bool, int, float, NumPy scalars), lists and tuples nested to any depth, and
    anything with `.tolist()` (NumPy arrays) or that is iterable. Strings, bytes and mappings are
    refused with TypeError, since iterating them would yield characters or keys, not values.
    """
    out: list[float] = []
    _flatten_into(value, out)
    return out


def _flatten_into(value, out: list[float]) -> None:
    if isinstance(value, (list, tuple)):
        # Fast path: a flat sequence of plain numbers (a 1-D NumPy array's .tolist() is one).
        if all(type(item) in _PLAIN_SCALARS for item in value):
            out.extend(map(float, value))
        else:
            for item in value:
                _flatten_into(item, out)
        return
    if isinstance(value, (str, bytes, bytearray, dict)):
        raise TypeError(f"expected numbers, got a {type(value).__name__}")
    if isinstance(value, numbers.Real):
        out.append(float(value))
        return
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        listed = tolist()
        if isinstance(listed, (list, tuple)):
            _flatten_into(listed, out)
        else:
            out.append(float(listed))  # a 0-d array or NumPy scalar
        return
    try:
        items = iter(value)
    except TypeError:
        out.append(float(value))  # raises TypeError naming the type when it is not a number
        return
    for item in items:
        _flatten_into(item, out)


def first_non_finite(values: list[float]) -> int | None:
    """Index of the first value that is NaN, infinite, or too large for float32; None if none."""
    # C-speed screen first (a NaN or an infinity makes the sum non-finite); the Python scan only
    # runs to locate the culprit, or when large finite values overflowed the sum.
    if values and (not math.isfinite(sum(values))
                   or max(values) > FLOAT32_MAX or min(values) < -FLOAT32_MAX):
        for index, v in enumerate(values):
            if not math.isfinite(v) or abs(v) > FLOAT32_MAX:
                return index
    return None


class EnvFailure(Exception):
    """An environment misbehaved; the message names it and what it did."""


class InvalidRequest(Exception):
    """A request whose content is wrong (INVALID_ARGUMENT); nothing was changed."""


def _is_box(space) -> bool:
    return all(hasattr(space, name) for name in ("low", "high", "shape"))


def _space_size(shape) -> int:
    size = 1
    for extent in tuple(shape or ()):
        size *= int(extent)
    return size


def _dtype_name(dtype) -> str:
    """`dtype` (a NumPy dtype or type, or a string) as NumPy names it: 'float32', 'uint8', ..."""
    if dtype is None:
        return "float32"
    if numpy is not None:
        try:
            return numpy.dtype(dtype).name
        except TypeError:
            pass
    return str(getattr(dtype, "__name__", dtype))


def _format_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _reshape(values: list, shape: tuple[int, ...]):
    """A flat list as nested lists of `shape` (row-major); the plain-Python form of an array."""
    if len(shape) <= 1:
        return list(values)
    stride = len(values) // shape[0]
    return [_reshape(values[i * stride:(i + 1) * stride], shape[1:]) for i in range(shape[0])]


def _as_array(values: list, shape: tuple[int, ...], dtype):
    """An action as the environment expects it: a NumPy array of `shape` and `dtype` when NumPy is
    installed, else a number (shape ()) or (nested) lists."""
    if numpy is not None:
        return numpy.asarray(values, dtype=dtype).reshape(shape)
    if shape == ():
        return values[0]
    return _reshape(values, shape)


def _flat_values(obs, where: str) -> list[float]:
    try:
        return flatten(obs)
    except (TypeError, ValueError, OverflowError) as error:
        raise EnvFailure(f"{where} an observation that is not numeric ({error})") from None


class SpaceLayout:
    """One space as the protocol carries it: its Space message, its flat size (floats per element),
    how an observation is flattened and checked, and how integer or float actions are handed over."""

    size: int

    def describe(self) -> str:
        raise NotImplementedError

    def message(self, pb):
        raise NotImplementedError

    def encode(self, obs, where: str) -> list[float]:
        """One observation as `size` floats (EnvFailure naming the key and value when it does not fit)."""
        raise NotImplementedError

    def violation(self, values: list[int]) -> str | None:
        """Why one environment's integer action is not in the space, or None (integer spaces only)."""
        raise NotImplementedError

    def to_env(self, values: list):
        """One environment's action, as sent, in the form the environment takes."""
        raise NotImplementedError


@dataclasses.dataclass(frozen=True)
class BoxLayout(SpaceLayout):
    shape: tuple[int, ...]
    low: list[float]
    high: list[float]
    uint8: bool
    dtype: Any  # what actions are handed over as (a NumPy dtype when NumPy is installed)

    @property
    def size(self) -> int:
        return len(self.low)

    def describe(self) -> str:
        return f"Box(shape {self.shape}, {'uint8' if self.uint8 else 'float32'})"

    def message(self, pb):
        dtype = pb.BoxSpace.DType.Value("UINT8" if self.uint8 else "FLOAT32")
        return pb.Space(box=pb.BoxSpace(low=self.low, high=self.high, shape=list(self.shape), dtype=dtype))

    def encode(self, obs, where: str) -> list[float]:
        values = _flat_values(obs, where)
        if len(values) != self.size:
            raise EnvFailure(f"{where} an observation of {len(values)} elements; its space "
                             f"{self.describe()} has {self.size}")
        bad = first_non_finite(values)
        if bad is not None:
            raise EnvFailure(f"{where} a non-finite observation (element {bad} is {values[bad]!r}, "
                             f"not a finite float32)")
        if self.uint8:
            low, high = self.low, self.high
            for index, v in enumerate(values):
                if not (low[index] <= v <= high[index] and v.is_integer()):
                    raise EnvFailure(
                        f"{where} an observation whose element {index} is {v!r}, not a whole number "
                        f"in [{_format_number(low[index])}, {_format_number(high[index])}] of "
                        f"{self.describe()}")
        return values

    def to_env(self, values: list):
        return _as_array(values, self.shape, self.dtype)


@dataclasses.dataclass(frozen=True)
class DiscreteLayout(SpaceLayout):
    n: int
    start: int
    size = 1

    def describe(self) -> str:
        return f"Discrete({self.n})" if self.start == 0 else f"Discrete({self.n}, start={self.start})"

    def message(self, pb):
        return pb.Space(discrete=pb.DiscreteSpace(n=self.n, start=self.start))

    def _contains(self, value) -> bool:
        return value == int(value) and self.start <= value < self.start + self.n

    def encode(self, obs, where: str) -> list[float]:
        values = _flat_values(obs, where)
        if len(values) != 1 or not math.isfinite(values[0]) or not self._contains(values[0]):
            raise EnvFailure(f"{where} the observation {obs!r}, which is not in its {self.describe()} "
                             f"observation space (an integer in [{self.start}, {self.start + self.n - 1}])")
        return values

    def violation(self, values: list[int]) -> str | None:
        return None if self._contains(values[0]) else \
            f"{values[0]} is outside [{self.start}, {self.start + self.n - 1}] of {self.describe()}"

    def to_env(self, values: list):
        return int(values[0])


@dataclasses.dataclass(frozen=True)
class MultiDiscreteLayout(SpaceLayout):
    nvec: tuple[int, ...]
    dtype: Any

    @property
    def size(self) -> int:
        return len(self.nvec)

    def describe(self) -> str:
        return f"MultiDiscrete([{', '.join(map(str, self.nvec))}])"

    def message(self, pb):
        return pb.Space(multi_discrete=pb.MultiDiscreteSpace(nvec=list(self.nvec)))

    def _first_bad(self, values) -> int | None:
        for k, v in enumerate(values):
            if not (math.isfinite(v) and v == int(v) and 0 <= v < self.nvec[k]):
                return k
        return None

    def encode(self, obs, where: str) -> list[float]:
        values = _flat_values(obs, where)
        if len(values) != self.size:
            raise EnvFailure(f"{where} an observation of {len(values)} elements; its space "
                             f"{self.describe()} has {self.size}")
        k = self._first_bad(values)
        if k is not None:
            raise EnvFailure(f"{where} an observation whose choice {k} is {values[k]!r}, not an integer "
                             f"in [0, {self.nvec[k] - 1}] of {self.describe()}")
        return values

    def violation(self, values: list[int]) -> str | None:
        k = self._first_bad(values)
        return None if k is None else \
            f"choice {k} is {values[k]}, outside [0, {self.nvec[k] - 1}] of {self.describe()}"

    def to_env(self, values: list):
        return _as_array([int(v) for v in values], (self.size,), self.dtype)


@dataclasses.dataclass(frozen=True)
class MultiBinaryLayout(SpaceLayout):
    n: int
    dtype: Any

    @property
    def size(self) -> int:
        return self.n

    def describe(self) -> str:
        return f"MultiBinary({self.n})"

    def message(self, pb):
        return pb.Space(multi_binary=pb.MultiBinarySpace(n=self.n))

    @staticmethod
    def _first_bad(values) -> int | None:
        return next((k for k, v in enumerate(values) if v not in (0, 1)), None)

    def encode(self, obs, where: str) -> list[float]:
        values = _flat_values(obs, where)
        if len(values) != self.n:
            raise EnvFailure(f"{where} an observation of {len(values)} elements; its space "
                             f"{self.describe()} has {self.n}")
        k = self._first_bad(values)
        if k is not None:
            raise EnvFailure(f"{where} an observation whose switch {k} is {values[k]!r}, not 0 or 1 of "
                             f"{self.describe()}")
        return values

    def violation(self, values: list[int]) -> str | None:
        k = self._first_bad(values)
        return None if k is None else f"switch {k} is {values[k]}, not 0 or 1 of {self.describe()}"

    def to_env(self, values: list):
        return _as_array([int(v) for v in values], (self.n,), self.dtype)


@dataclasses.dataclass(frozen=True)
class DictLayout(SpaceLayout):
    entries: tuple[tuple[str, SpaceLayout], ...]  # sorted by key: the flat layout's order

    @property
    def size(self) -> int:
        return sum(layout.size for _, layout in self.entries)

    def describe(self) -> str:
        return "Dict(" + ", ".join(f"'{key}': {layout.describe()}" for key, layout in self.entries) + ")"

    def message(self, pb):
        return pb.Space(dict=pb.DictSpace(entries=[pb.DictEntry(key=key, space=layout.message(pb))
                                                   for key, layout in self.entries]))

    def encode(self, obs, where: str) -> list[float]:
        keys = getattr(obs, "keys", None)
        if not callable(keys):
            raise EnvFailure(f"{where} an observation of type {type(obs).__name__}, not a mapping of "
                             f"its {self.describe()} observation space")
        present = set(keys())
        values: list[float] = []
        for key, layout in self.entries:
            if key not in present:
                raise EnvFailure(f"{where} an observation without the key '{key}' of its "
                                 f"{self.describe()} observation space")
            values.extend(layout.encode(obs[key], f"{where} (key '{key}')"))
        extra = sorted(str(k) for k in present - {key for key, _ in self.entries})
        if extra:
            raise EnvFailure(f"{where} an observation with the key '{extra[0]}', which its "
                             f"{self.describe()} observation space does not have")
        return values


_SUPPORTED = ("Box (float32 or uint8, any shape), Discrete, MultiDiscrete (one dimension) and "
              "MultiBinary (one dimension)")


def space_layout(space, role: str, in_dict: bool = False) -> SpaceLayout:
    """The protocol's view of a Gymnasium-like space (duck-typed: Gymnasium is not needed);
    BridgeError (exit code 2) naming the role, the space and the supported kinds otherwise."""
    kind = type(space).__name__

    def unsupported(why: str) -> BridgeError:
        allowed = _SUPPORTED + ("" if role.startswith("action") or in_dict else ", and a Dict of those")
        return BridgeError(f"unsupported {role} {space!r} ({why}): the protocol carries {allowed}", 2)

    spaces = getattr(space, "spaces", None)
    if spaces is not None and callable(getattr(spaces, "keys", None)):
        if in_dict:
            raise unsupported("a nested Dict; a Dict's sub-spaces are Box, Discrete, MultiDiscrete or "
                              "MultiBinary")
        if role.startswith("action"):
            raise unsupported("a Dict action space")
        if not spaces:
            raise unsupported("a Dict without keys")
        bad_keys = [key for key in spaces.keys() if not isinstance(key, str) or not key]
        if bad_keys:
            raise unsupported(f"the key {bad_keys[0]!r} is not a non-empty string")
        return DictLayout(tuple((key, space_layout(spaces[key], f"{role}'s key '{key}'", True))
                                for key in sorted(spaces.keys())))
    if spaces is not None:
        raise unsupported(f"a {kind} of sub-spaces")
    if hasattr(space, "nvec"):
        nvec = getattr(space, "nvec")
        nvec = nvec.tolist() if callable(getattr(nvec, "tolist", None)) else list(nvec)
        if not nvec or any(isinstance(k, (list, tuple)) for k in nvec):
            raise unsupported("a MultiDiscrete must have one dimension, at least one choice")
        start = getattr(space, "start", None)
        if start is not None and any(flatten(start)):
            raise unsupported("a MultiDiscrete with a start other than 0")
        if any(int(k) < 1 for k in nvec):
            raise unsupported("every nvec entry must be at least 1")
        return MultiDiscreteLayout(tuple(int(k) for k in nvec), _int_dtype(space, "int64"))
    if _is_box(space):
        return _box_layout(space, role, unsupported)
    if hasattr(space, "n"):
        shape = tuple(getattr(space, "shape", ()) or ())
        if shape == ():
            n, start = int(space.n), int(getattr(space, "start", 0))
            if n < 1:
                raise unsupported("a Discrete needs n of at least 1")
            return DiscreteLayout(n, start)
        if len(shape) != 1 or int(shape[0]) < 1:
            raise unsupported(f"a MultiBinary of shape {shape}; only one dimension is supported")
        return MultiBinaryLayout(int(shape[0]), _int_dtype(space, "int8"))
    raise unsupported(f"a {kind}")


def _int_dtype(space, default: str):
    if numpy is None:
        return None
    try:
        return numpy.dtype(getattr(space, "dtype", None) or default)
    except TypeError:
        return numpy.dtype(default)


def _box_layout(space, role: str, unsupported) -> BoxLayout:
    shape = tuple(int(extent) for extent in (space.shape or ()))
    size = _space_size(shape)
    bounds = []
    for name in ("low", "high"):
        values = flatten(getattr(space, name))
        if len(values) == 1 and size != 1:
            values = values * size  # a scalar bound broadcast over the shape
        if len(values) != size:
            raise BridgeError(f"the {role}'s {name} has {len(values)} elements but its shape "
                              f"{shape} has {size}", 2)
        bounds.append(values)
    low, high = bounds
    dtype_name = _dtype_name(getattr(space, "dtype", None))
    uint8 = dtype_name == "uint8"
    if uint8 and role.startswith("action"):
        raise unsupported("a uint8 action box; action boxes are float32")
    if not uint8 and not dtype_name.startswith("float"):
        raise unsupported(f"a Box of dtype {dtype_name}; boxes are float32 or uint8")
    if uint8 and not all(v.is_integer() and 0 <= v <= 255 for v in low + high):
        raise unsupported("a uint8 box's bounds must be whole numbers in 0..255")
    dtype = None
    if numpy is not None:
        # Hand the env action arrays of its own float type.
        try:
            dtype = numpy.dtype(getattr(space, "dtype", None) or numpy.float32)
        except TypeError:
            dtype = numpy.dtype(numpy.float32)
    return BoxLayout(shape, low, high, uint8, dtype)


@dataclasses.dataclass(frozen=True)
class EnvLayout:
    """What the bridge knows about one environment, read once from a probe instance at startup."""

    env_id: str
    observation: SpaceLayout
    action: SpaceLayout  # Box, Discrete, MultiDiscrete or MultiBinary
    max_episode_steps: int
    reward_threshold: float | None

    @property
    def observation_size(self) -> int:
        """O: floats per environment in a Batch."""
        return self.observation.size

    @property
    def action_size(self) -> int:
        """Values per environment in a StepRequest (1 for Discrete)."""
        return self.action.size

    def describe_action_space(self) -> str:
        return self.action.describe()


def describe_env(env, fallback_id: str) -> EnvLayout:
    """Reads the spaces and spec of `env`; BridgeError for spaces the protocol cannot carry."""
    obs_space = getattr(env, "observation_space", None)
    act_space = getattr(env, "action_space", None)
    if obs_space is None or act_space is None:
        raise BridgeError(f"the environment ({type(env).__name__}) has no observation_space or "
                          f"action_space attribute", 2)
    observation = space_layout(obs_space, "observation space")
    action = space_layout(act_space, "action space")
    spec = getattr(env, "spec", None)
    env_id = getattr(spec, "id", None)
    max_steps = getattr(spec, "max_episode_steps", None)
    threshold = getattr(spec, "reward_threshold", None)
    threshold = float(threshold) if threshold is not None and math.isfinite(float(threshold)) else None
    return EnvLayout(env_id=env_id if isinstance(env_id, str) and env_id else fallback_id,
                     observation=observation, action=action,
                     max_episode_steps=min(int(max_steps), 2**32 - 1) if max_steps else 0,
                     reward_threshold=threshold)


def encode_observation(layout: EnvLayout, obs, where: str) -> list[float]:
    """One environment's observation as O float32-representable floats in the protocol's flat
    layout (a Dict's keys in sorted order), or EnvFailure naming the key and value at fault."""
    return layout.observation.encode(obs, where)


def box_action(layout: EnvLayout, values: list[float]):
    """A Box action as the environment expects it: an array of the space's shape when NumPy is
    installed, else a float (shape ()) or (nested) lists. Values are passed as sent, not clipped."""
    return layout.action.to_env(values)


# ---------------------------------------------------------------------------------------------
# Frames: Gymnasium's rgb_array renders as the protocol's Frame
# ---------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class RenderLayout:
    """What a rendering server's frames are (the spec's RenderInfo)."""
    width: int
    height: int
    fps: int


def frame_bytes(frame, where: str, expected: RenderLayout | None = None) -> tuple[int, int, bytes]:
    """(width, height, RGB bytes) of what env.render() returned in rgb_array mode: an (H, W, 3)
    uint8 array (NumPy's, or anything with its `shape`, `dtype` and `tobytes()`); EnvFailure naming
    what is wrong otherwise, or when its size is not `expected`'s."""
    shape = getattr(frame, "shape", None)
    if frame is None or shape is None or not callable(getattr(frame, "tobytes", None)):
        raise EnvFailure(f"{where}: render() returned {type(frame).__name__}, not an (H, W, 3) uint8 "
                         f"array (make the env with render_mode='rgb_array')")
    shape = tuple(int(d) for d in shape)
    dtype = str(getattr(frame, "dtype", ""))
    if len(shape) != 3 or shape[2] != 3 or shape[0] < 1 or shape[1] < 1 or dtype != "uint8":
        raise EnvFailure(f"{where}: render() returned an array of shape {shape} and dtype {dtype or '?'}; "
                         f"expected (H, W, 3) uint8")
    height, width = shape[0], shape[1]
    if expected is not None and (width, height) != (expected.width, expected.height):
        raise EnvFailure(f"{where}: render() returned a {width}x{height} frame; this server's frames "
                         f"are {expected.width}x{expected.height}")
    if numpy is not None and isinstance(frame, numpy.ndarray):
        frame = numpy.ascontiguousarray(frame)  # a flipped or sliced view's bytes in row-major order
    data = frame.tobytes()
    if len(data) != width * height * 3:
        raise EnvFailure(f"{where}: render() returned {len(data)} bytes for a {width}x{height} RGB frame")
    return width, height, data


# ---------------------------------------------------------------------------------------------
# Environments: resolving --env
# ---------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class EnvSource:
    name: str  # as given on the command line
    factory: Callable[[], Any]  # returns one new environment per call


def resolve_env(env_arg: str, render: bool = False) -> EnvSource:
    """--env as a factory: `path/to/file.py:factory`, `module:factory`, or a Gymnasium id.

    With `render` (--render), environments are made to draw: a Gymnasium id with
    `render_mode="rgb_array"`, a factory called with that keyword argument (which it must accept).

    The part after the last colon decides: a Python identifier names a factory in the file or module
    before it; anything else (`LunarLander-v3`, `ale_py:ALE/Pong-v5`) is a Gymnasium id, given to
    `gymnasium.make` whole (Gymnasium itself reads `module:EnvId` as "import module first").
    """
    module_part, colon, attribute = env_arg.rpartition(":")
    if colon and attribute.isidentifier() and module_part:
        factory = _load_factory(module_part, attribute, env_arg)
        if not render:
            return EnvSource(env_arg, factory)
        if not _accepts_render_mode(factory):
            raise BridgeError(f"--render: {env_arg} takes no render_mode argument; a factory that serves "
                              f"frames is called as factory(render_mode=\"rgb_array\")", 2)
        return EnvSource(env_arg, lambda: factory(render_mode="rgb_array"))
    return EnvSource(env_arg, _gymnasium_factory(env_arg, render))


def _accepts_render_mode(factory) -> bool:
    try:
        parameters = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):  # a builtin without a signature: let the call decide
        return True
    return any(p.name == "render_mode" and p.kind != p.POSITIONAL_ONLY or p.kind == p.VAR_KEYWORD
               for p in parameters)


def _load_factory(module_part: str, attribute: str, env_arg: str) -> Callable[[], Any]:
    looks_like_file = module_part.endswith(".py") or os.sep in module_part or "/" in module_part
    if looks_like_file:
        path = Path(module_part).expanduser().resolve()
        if not path.is_file():
            raise BridgeError(f"--env {env_arg}: no such file {module_part}", 2)
        # Like running the file as a script: its own directory first, so its sibling imports work.
        if str(path.parent) not in sys.path:
            sys.path.insert(0, str(path.parent))
        name = f"_a2c_env_{hashlib.sha256(str(path).encode()).hexdigest()[:12]}_{path.stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses and pickling look modules up by name
        try:
            spec.loader.exec_module(module)
        except Exception as error:
            raise BridgeError(f"--env {env_arg}: importing {path} failed: "
                              f"{type(error).__name__}: {error}", 2) from error
    else:
        # Modules resolve from the working directory, as with `python3 -m`.
        if os.getcwd() not in sys.path:
            sys.path.append(os.getcwd())
        try:
            module = importlib.import_module(module_part)
        except Exception as error:
            raise BridgeError(f"--env {env_arg}: importing module {module_part} failed: "
                              f"{type(error).__name__}: {error}", 2) from error
    factory = getattr(module, attribute, None)
    if factory is None:
        raise BridgeError(f"--env {env_arg}: {module_part} has no attribute {attribute}", 2)
    if not callable(factory):
        raise BridgeError(f"--env {env_arg}: {module_part}.{attribute} is not callable", 2)
    return factory


def _gymnasium_factory(env_id: str, render: bool = False) -> Callable[[], Any]:
    try:
        import gymnasium
    except ImportError as error:
        raise BridgeError(
            f"--env {env_id} names a Gymnasium environment, but {sys.executable} cannot import "
            f"gymnasium ({error}). Install it on your machine (for example pip install "
            f"'gymnasium[box2d]' for LunarLander), or serve your own environment with "
            f"--env path/to/file.py:factory or --env module:factory", 2) from error
    try:
        gymnasium.spec(env_id)
    except Exception as error:
        raise BridgeError(f"--env {env_id}: not a registered Gymnasium environment "
                          f"({type(error).__name__}: {error})", 2) from error
    if render:
        return lambda: gymnasium.make(env_id, render_mode="rgb_array")
    return lambda: gymnasium.make(env_id)


# ---------------------------------------------------------------------------------------------
# The session
# ---------------------------------------------------------------------------------------------

@dataclasses.dataclass
class ServerConfig:
    source: EnvSource
    n_envs: int
    layout: EnvLayout
    messages: Any  # the generated module
    seed_offset: int = 0
    stopping: threading.Event = dataclasses.field(default_factory=threading.Event)
    render: RenderLayout | None = None  # set with --render: the frames' size and pace


def _describe_exception(error: BaseException) -> str:
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class Session:
    """One client's stream: its own N environments and where it is in the protocol.

    `handle` maps every request to exactly one response and never raises: all problems become
    Error responses. Invalid requests leave the environments untouched (actions are checked before
    any environment steps); an environment failure part-way through a reset or step leaves them in
    a mixed state, so the session then requires a ResetRequest.
    """

    def __init__(self, config: ServerConfig, peer: str):
        self.config = config
        self.peer = peer
        self.pb = config.messages
        self.envs: list | None = None  # made on the SpecRequest
        self.ready = False  # True after a successful reset, until an environment fails
        self.failed_since_reset = False
        self.step_count = 0  # StepRequests since the last reset
        self.episode_steps: list[int] = []
        # With --render: each env's last frame of the episode it ended in the last step, drawn
        # before its same-step reset (None where no episode ended).
        self.final_frames: list = []

    # Responses -------------------------------------------------------------------------------

    def _error(self, code_name: str, message: str):
        code = self.pb.Error.Code.Value(code_name)
        return self.pb.Response(version=PROTOCOL_VERSION,
                                error=self.pb.Error(code=code, message=message))

    def _spec(self):
        layout, pb = self.config.layout, self.pb
        spec = pb.Spec(env_id=layout.env_id, num_envs=self.config.n_envs,
                       observation_space=layout.observation.message(pb),
                       action_space=layout.action.message(pb),
                       max_episode_steps=layout.max_episode_steps)
        if layout.reward_threshold is not None:
            spec.reward_threshold = layout.reward_threshold
        render = self.config.render
        if render is not None:
            spec.render.CopyFrom(pb.RenderInfo(width=render.width, height=render.height, fps=render.fps))
        return pb.Response(version=PROTOCOL_VERSION, spec=spec)

    # Requests --------------------------------------------------------------------------------

    def handle(self, request):
        try:
            if request.version != PROTOCOL_VERSION:
                return self._error("UNSUPPORTED_VERSION",
                                   f"request version {request.version} is not supported: this server "
                                   f"speaks protocol version {PROTOCOL_VERSION}")
            kind = request.WhichOneof("kind")
            if kind == "spec":
                return self._on_spec()
            if kind == "reset":
                return self._on_reset(request.reset)
            if kind == "step":
                return self._on_step(request.step)
            if kind == "render":
                return self._on_render(request.render)
            return self._error("INVALID_ARGUMENT", "the request sets none of spec, reset, step and render")
        except Exception as error:  # a bug in the bridge must not end the session or the server
            log(f"session {self.peer}: internal error: {traceback.format_exc().strip()}")
            return self._error("UNSPECIFIED", f"internal error in the bridge: {_describe_exception(error)}")

    def _on_spec(self):
        if self.envs is not None:
            return self._error("BAD_SEQUENCE", "a second SpecRequest: this session already has its spec; "
                                               "send a ResetRequest or a StepRequest")
        envs = []
        for index in range(self.config.n_envs):
            try:
                envs.append(self.config.source.factory())
            except Exception as error:
                _close_all(envs, self.peer)
                message = f"creating env {index} failed: {_describe_exception(error)}"
                log(f"session {self.peer}: {message}")
                return self._error("ENVIRONMENT_FAILED", message)
        self.envs = envs
        return self._spec()

    def _on_reset(self, reset):
        if self.envs is None:
            return self._error("BAD_SEQUENCE", "ResetRequest before the SpecRequest: a session's first "
                                               "request must be a SpecRequest")
        seed = reset.seed if reset.HasField("seed") else None
        self.ready = False
        observations: list[float] = []
        for index, env in enumerate(self.envs):
            env_seed = None if seed is None else seed + self.config.seed_offset + index
            try:
                obs = self._reset_env(env, index, env_seed, f"env {index} returned from reset")
            except EnvFailure as failure:
                return self._env_failed(str(failure))
            observations.extend(obs)
        self.ready = True
        self.failed_since_reset = False
        self.step_count = 0
        self.episode_steps = [0] * len(self.envs)
        self.final_frames = [None] * len(self.envs)
        n = len(self.envs)
        # final_observations stays empty after a reset, as the protocol says.
        batch = self.pb.Batch(observations=observations, rewards=[0.0] * n,
                              terminated=[False] * n, truncated=[False] * n)
        return self.pb.Response(version=PROTOCOL_VERSION, batch=batch)

    def _reset_env(self, env, index: int, seed: int | None, where: str) -> list[float]:
        try:
            result = env.reset(seed=seed) if seed is not None else env.reset()
        except Exception as error:
            raise EnvFailure(f"env {index} raised in reset: {_describe_exception(error)}") from error
        if not (isinstance(result, tuple) and len(result) == 2):
            raise EnvFailure(f"env {index}: reset returned {type(result).__name__}, expected a pair "
                             f"(observation, info) as in Gymnasium's API")
        return encode_observation(self.config.layout, result[0], where)

    def _env_failed(self, message: str):
        self.ready = False
        self.failed_since_reset = True
        log(f"session {self.peer}: {message}")
        return self._error("ENVIRONMENT_FAILED", f"{message}; send a ResetRequest to continue")

    def _check_actions(self, step) -> list:
        """The N environment actions; InvalidRequest if the StepRequest's actions are wrong."""
        layout, n = self.config.layout, len(self.envs)
        discrete, continuous = step.discrete_actions, step.continuous_actions
        space, size = layout.action, layout.action_size
        expected = n * size
        per_env = "one per env" if size == 1 else f"{n} envs x {size}"
        if not isinstance(space, BoxLayout):
            if len(continuous):
                also = f" and {len(discrete)} discrete_actions" if len(discrete) else ""
                raise InvalidRequest(
                    f"continuous_actions has {len(continuous)} values{also}, but the action space is "
                    f"{space.describe()}: expected {expected} discrete_actions ({per_env}) and an empty "
                    f"continuous_actions")
            if len(discrete) != expected:
                raise InvalidRequest(f"expected {expected} discrete_actions ({per_env}) for the action "
                                     f"space {space.describe()}, got {len(discrete)}")
            values = list(discrete)
            actions = []
            for index in range(n):
                action = values[index * size:(index + 1) * size]
                why = space.violation(action)
                if why is not None:
                    if isinstance(space, DiscreteLayout):
                        raise InvalidRequest(f"discrete_actions[{index}] = {action[0]} for env {index} is "
                                             f"out of range: {why}")
                    raise InvalidRequest(f"env {index}: action {why}")
                actions.append(space.to_env(action))
            return actions

        if len(discrete):
            also = f" and {len(continuous)} continuous_actions" if len(continuous) else ""
            raise InvalidRequest(
                f"discrete_actions has {len(discrete)} values{also}, but the action space is a "
                f"{layout.describe_action_space()}: expected {expected} continuous_actions "
                f"({n} envs x {size}) and an empty discrete_actions")
        if len(continuous) != expected:
            raise InvalidRequest(
                f"expected {expected} continuous_actions ({n} envs x {size}), got {len(continuous)}")
        values = list(continuous)
        bad = first_non_finite(values)
        if bad is not None:
            raise InvalidRequest(
                f"continuous_actions[{bad}] = {values[bad]} (env {bad // size}, element {bad % size}) "
                f"is not finite")
        return [box_action(layout, values[i * size:(i + 1) * size]) for i in range(n)]

    def _on_step(self, step):
        if self.envs is None:
            return self._error("BAD_SEQUENCE", "StepRequest before the SpecRequest: a session's first "
                                               "request must be a SpecRequest")
        if not self.ready:
            if self.failed_since_reset:
                return self._error("BAD_SEQUENCE", "StepRequest after an environment failure: send a "
                                                   "ResetRequest first")
            return self._error("BAD_SEQUENCE", "StepRequest before the first ResetRequest")
        try:
            actions = self._check_actions(step)  # all of them before any env steps
        except InvalidRequest as invalid:
            return self._error("INVALID_ARGUMENT", str(invalid))

        layout, n = self.config.layout, len(self.envs)
        size = layout.observation_size
        self.step_count += 1
        observations: list[float] = []
        rewards: list[float] = []
        terminated_flags: list[bool] = []
        truncated_flags: list[bool] = []
        # N x O after every step, zeros except where an episode ended (the protocol's layout).
        finals = [0.0] * (n * size)
        self.final_frames = [None] * n
        for index, (env, action) in enumerate(zip(self.envs, actions)):
            self.episode_steps[index] += 1
            when = (f"in step {self.step_count} since the last reset "
                    f"(step {self.episode_steps[index]} of its episode)")
            try:
                try:
                    result = env.step(action)
                except Exception as error:
                    raise EnvFailure(f"env {index} raised in step {self.step_count} since the last "
                                     f"reset: {_describe_exception(error)}") from error
                if not (isinstance(result, tuple) and len(result) == 5):
                    raise EnvFailure(f"env {index}: step returned {type(result).__name__}, expected "
                                     f"(observation, reward, terminated, truncated, info) as in "
                                     f"Gymnasium's API")
                obs, reward, terminated, truncated, _ = result
                obs = encode_observation(layout, obs, f"env {index} returned {when}")
                try:
                    reward = float(reward)
                except (TypeError, ValueError) as error:
                    raise EnvFailure(f"env {index} returned a reward that is not a number "
                                     f"({reward!r}) {when}") from error
                if not math.isfinite(reward) or abs(reward) > FLOAT32_MAX:
                    raise EnvFailure(f"env {index} returned a non-finite reward ({reward!r}, not a finite "
                                     f"float32) {when}")
                terminated, truncated = bool(terminated), bool(truncated)
                if terminated or truncated:
                    # Same-step reset: the ended episode's last observation goes to
                    # final_observations, the new episode's first to observations.
                    finals[index * size:(index + 1) * size] = obs
                    if self.config.render is not None:
                        self.final_frames[index] = self._render(env, index, f"env {index} at the end "
                                                                            f"of its episode {when}")
                    obs = self._reset_env(env, index, None,
                                          f"env {index} returned from its automatic reset after step "
                                          f"{self.step_count}")
                    self.episode_steps[index] = 0
            except EnvFailure as failure:
                return self._env_failed(str(failure))
            observations.extend(obs)
            rewards.append(reward)
            terminated_flags.append(terminated)
            truncated_flags.append(truncated)
        batch = self.pb.Batch(observations=observations, rewards=rewards, terminated=terminated_flags,
                              truncated=truncated_flags, final_observations=finals)
        return self.pb.Response(version=PROTOCOL_VERSION, batch=batch)

    def _render(self, env, index: int, where: str) -> tuple[int, int, bytes]:
        try:
            frame = env.render()
        except Exception as error:
            raise EnvFailure(f"{where}: render() raised {_describe_exception(error)}") from error
        return frame_bytes(frame, where, self.config.render)

    def _on_render(self, render):
        if self.envs is None:
            return self._error("BAD_SEQUENCE", "RenderRequest before the SpecRequest: a session's first "
                                               "request must be a SpecRequest")
        if self.config.render is None:
            return self._error("NOT_RENDERABLE", f"this server cannot render {self.config.layout.env_id}: "
                                                 f"it was started without --render, so its spec has no "
                                                 f"render info")
        if not self.ready:
            after = " (or after an environment failure)" if self.failed_since_reset else ""
            return self._error("BAD_SEQUENCE", f"RenderRequest before the first ResetRequest{after}: "
                                               f"send a ResetRequest first")
        n, index = len(self.envs), render.env
        if index >= n:
            return self._error("INVALID_ARGUMENT", f"env is {index}; allowed: 0 to {n - 1}")
        if render.final:
            frame = self.final_frames[index]
            if frame is None:
                return self._error("BAD_SEQUENCE", f"env {index}'s episode did not end in the last step, so "
                                                   f"it has no final frame: ask with final = false for its "
                                                   f"current state")
        else:
            try:
                frame = self._render(self.envs[index], index, f"env {index}")
            except EnvFailure as failure:
                # A drawing that failed leaves the env's state as it was: the session goes on.
                log(f"session {self.peer}: {failure}")
                return self._error("ENVIRONMENT_FAILED", str(failure))
        width, height, data = frame
        return self.pb.Response(version=PROTOCOL_VERSION,
                                frame=self.pb.Frame(width=width, height=height, rgb=data))

    def close(self) -> None:
        envs, self.envs = self.envs, None
        if envs:
            _close_all(envs, self.peer)


def _close_all(envs: list, peer: str) -> None:
    for index, env in enumerate(envs):
        close = getattr(env, "close", None)
        if callable(close):
            try:
                close()
            except Exception as error:
                log(f"session {peer}: closing env {index} raised {_describe_exception(error)}")


def make_session_handler(config: ServerConfig):
    """The stream-stream behaviour for the generic handler: one Session per call."""

    def session(request_iterator, context):
        peer = context.peer()
        state = Session(config, peer)
        progress = {"requests": 0, "ending": None}

        def on_termination():
            # Runs once the RPC is over, however it ended: one line per session. gRPC does not
            # say whether the client cancelled; a dropped client usually makes the request stream
            # raise, but its cancellation can also arrive as a plain end of the stream, so the
            # reason is a best guess. A stream abandoned mid-request was certainly dropped.
            if config.stopping.is_set():
                reason = "server stopping"
            else:
                reason = progress["ending"] or "client disconnected"
            count = progress["requests"]
            log(f"session {peer}: ended after {count} request{'' if count == 1 else 's'} ({reason}); "
                f"its environments are closed")

        context.add_callback(on_termination)
        try:
            for request in request_iterator:
                response = state.handle(request)
                progress["requests"] += 1
                yield response
            progress["ending"] = "client ended the stream"
        except grpc.RpcError:
            progress["ending"] = "client disconnected"
        finally:
            # Also reached when gRPC abandons the generator after a cancellation (GeneratorExit).
            state.close()

    return session


def start_server(config: ServerConfig, bind: str = "127.0.0.1", port: int = 0,
                 max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES, max_sessions: int = 4):
    """Starts the gRPC server; returns (server, bound port)."""
    handler = grpc.method_handlers_generic_handler(SERVICE_NAME, {
        METHOD_NAME: grpc.stream_stream_rpc_method_handler(
            make_session_handler(config),
            request_deserializer=config.messages.Request.FromString,
            response_serializer=config.messages.Response.SerializeToString),
    })
    # A session holds a worker thread for its whole life; more sessions than workers are refused
    # (RESOURCE_EXHAUSTED) rather than left waiting in a queue.
    executor = concurrent.futures.ThreadPoolExecutor(max_workers=max_sessions,
                                                     thread_name_prefix="a2c-session")
    server = grpc.server(executor, handlers=[handler], maximum_concurrent_rpcs=max_sessions, options=[
        ("grpc.max_receive_message_length", max_message_bytes),
        ("grpc.max_send_message_length", max_message_bytes),
        # gRPC sets SO_REUSEPORT by default on Linux, which would let a second server "bind" a port
        # already in use and silently share its clients.
        ("grpc.so_reuseport", 0),
    ])
    address = f"{format_host(bind)}:{port}"
    try:
        bound = server.add_insecure_port(address)
    except RuntimeError:
        bound = 0
    if not bound:
        executor.shutdown(wait=False)
        raise BridgeError(f"cannot listen on {address} (port in use, or not an address of this machine)")
    server.start()
    return server, bound


def format_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def probe(source: EnvSource, n_envs: int, max_message_bytes: int) -> EnvLayout:
    """Makes one environment to learn its spaces (and to fail now, not when a client connects)."""
    try:
        env = source.factory()
    except Exception as error:
        raise BridgeError(f"--env {source.name}: creating an environment failed: "
                          f"{_describe_exception(error)}") from error
    try:
        layout = describe_env(env, source.name)
    except BridgeError as error:
        raise BridgeError(f"--env {source.name}: {error}", error.exit_code) from error
    finally:
        _close_all([env], "startup")
    # The largest messages: a step's Batch (observations and final observations, packed float32)
    # and a StepRequest of N x D floats (or N x K int32 varints, 5 bytes at most). 64 bytes of slack
    # cover tags and lengths.
    batch_bytes = 8 * n_envs * layout.observation_size + 6 * n_envs + 64
    step_bytes = 5 * n_envs * layout.action_size + 64
    largest = max(batch_bytes, step_bytes)
    if largest > max_message_bytes:
        raise BridgeError(f"--n-envs {n_envs} with {layout.observation_size} observation values per env "
                          f"makes messages of up to {largest} bytes, over --max-message-bytes "
                          f"{max_message_bytes}: raise it (the client must allow as much) or serve fewer "
                          f"envs", 2)
    return layout


def probe_render(source: EnvSource, max_message_bytes: int) -> RenderLayout:
    """For --render: makes one environment, resets it and renders, to learn the frames' size (which
    Gymnasium does not declare) and pace (its metadata's render_fps, else 30), and to fail now."""
    try:
        env = source.factory()
    except Exception as error:
        raise BridgeError(f"--env {source.name}: creating an environment failed: "
                          f"{_describe_exception(error)}") from error
    try:
        try:
            env.reset(seed=0)
            frame = env.render()
        except Exception as error:
            raise BridgeError(f"--render: {source.name} cannot render: {_describe_exception(error)}", 2) from error
        try:
            width, height, _ = frame_bytes(frame, f"--render: {source.name}")
        except EnvFailure as failure:
            raise BridgeError(str(failure), 2) from failure
        metadata = getattr(env, "metadata", None) or {}
        fps = metadata.get("render_fps") if isinstance(metadata, dict) else None
        fps = int(fps) if isinstance(fps, numbers.Real) and 1 <= fps <= 1000 else 30
    finally:
        _close_all([env], "startup")
    frame_message = width * height * 3 + 64
    if frame_message > max_message_bytes:
        raise BridgeError(f"--render: {source.name}'s {width}x{height} frames make messages of "
                          f"{frame_message} bytes, over --max-message-bytes {max_message_bytes}: raise it "
                          f"(the client must allow as much)", 2)
    return RenderLayout(width=width, height=height, fps=fps)


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gym_server.py",
        description="Serve N environments with the Gymnasium API over A2C's gRPC environment protocol "
                    "(proto/a2c_env.proto). Connect with: a2c train --env grpc://HOST:PORT",
        epilog="ENV is a Gymnasium id (LunarLander-v3; needs gymnasium), path/to/file.py:factory or "
               "module:factory (a callable returning one new environment; called N times per session).")
    parser.add_argument("--env", required=True, metavar="ENV", help="what to serve (see below)")
    parser.add_argument("--n-envs", type=int, default=1, metavar="N",
                        help="environments per session, stepped in lockstep (default 1)")
    parser.add_argument("--port", type=int, default=50051, metavar="P",
                        help="TCP port; 0 picks a free one, printed once listening (default 50051)")
    parser.add_argument("--bind", default="127.0.0.1", metavar="HOST",
                        help="address to listen on (default 127.0.0.1; 0.0.0.0 or :: for all, "
                             "unauthenticated and unencrypted)")
    parser.add_argument("--max-message-bytes", type=int, default=DEFAULT_MAX_MESSAGE_BYTES, metavar="B",
                        help=f"largest message sent or received (default {DEFAULT_MAX_MESSAGE_BYTES})")
    parser.add_argument("--seed-offset", type=int, default=0, metavar="K",
                        help="added to every seed a client sends: env i is reset with seed + K + i "
                             "(default 0, the protocol's seed + i); lets two servers given the same "
                             "seed serve different episodes")
    parser.add_argument("--max-sessions", type=int, default=4, metavar="S",
                        help="concurrent sessions; more are refused (default 4)")
    parser.add_argument("--render", action="store_true",
                        help="serve frames: make the envs with render_mode='rgb_array' and answer "
                             "RenderRequest with env.render()")
    parser.add_argument("--proto", type=Path, default=None, metavar="PATH",
                        help="the protocol file (default: proto/a2c_env.proto of this repository)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # exits 2 on malformed arguments
    if not 1 <= args.n_envs <= 2**31 - 1:
        parser.error(f"--n-envs must be 1..{2**31 - 1}, got {args.n_envs}")
    if not 0 <= args.port <= 65535:
        parser.error(f"--port must be 0..65535, got {args.port}")
    if not 1024 <= args.max_message_bytes <= 2**31 - 1:
        parser.error(f"--max-message-bytes must be 1024..{2**31 - 1}, got {args.max_message_bytes}")
    if args.max_sessions < 1:
        parser.error(f"--max-sessions must be at least 1, got {args.max_sessions}")

    stop = threading.Event()
    # Installed before the slow parts (imports, protoc), so an early Ctrl-C still exits cleanly.
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    try:
        messages = load_messages(args.proto)
        source = resolve_env(args.env, render=args.render)
        layout = probe(source, args.n_envs, args.max_message_bytes)
        render = probe_render(source, args.max_message_bytes) if args.render else None
        if render is not None and not hasattr(messages, "RenderInfo"):
            raise BridgeError(f"--render: the protocol file {args.proto} has no RenderInfo (it is older "
                              f"than rendering)", 2)
        config = ServerConfig(source=source, n_envs=args.n_envs, layout=layout, messages=messages,
                              seed_offset=args.seed_offset, render=render)
        server, port = start_server(config, args.bind, args.port, args.max_message_bytes, args.max_sessions)
    except BridgeError as error:
        if error.exit_code == 2:
            parser.error(str(error))
        print(f"gym_server: {error}", file=sys.stderr)
        return error.exit_code

    if not stop.is_set():  # a signal during startup: stop without announcing
        frames = f", {render.width}x{render.height} frames" if render is not None else ""
        print(f"serving {args.env} ({args.n_envs} envs{frames}) on {format_host(args.bind)}:{port}", flush=True)
    while not stop.wait(0.5):
        pass
    config.stopping.set()
    log("stopping")
    server.stop(grace=1.0).wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
