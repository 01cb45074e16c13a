"""A client of protocol version 2 from before rendering: it speaks a2c_env_before_render.proto.

    /usr/bin/python3 bridges/python/testdata/old_peer.py HOST:PORT [STEPS]

Runs a spec, a seeded reset and STEPS steps (action 0 everywhere) against the server at HOST:PORT
and prints one JSON line: the env id, N, the rewards of each step, and the spec's fields this
client does not know (protobuf keeps them as unknown fields and otherwise ignores them). A server
with rendering must serve it as any server before rendering did. Exit code 1 on any error reply.
"""

from __future__ import annotations

import json
import queue
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import grpc  # noqa: E402

import gym_server  # noqa: E402

OLD_PROTO = HERE / "a2c_env_before_render.proto"


def known_part(message):
    """A copy of `message` with only the fields this client's messages define."""
    copy = type(message)()
    for field, value in message.ListFields():
        if field.message_type is not None and field.label != field.LABEL_REPEATED:
            getattr(copy, field.name).CopyFrom(value)
        elif field.label == field.LABEL_REPEATED:
            getattr(copy, field.name).extend(value)
        else:
            setattr(copy, field.name, value)
    return copy


def main(address: str, steps: int) -> int:
    pb = gym_server.load_messages(OLD_PROTO)
    version = gym_server.PROTOCOL_VERSION
    requests = [pb.Request(version=version, spec=pb.SpecRequest()),
                pb.Request(version=version, reset=pb.ResetRequest(seed=3))]
    responses = []
    with grpc.insecure_channel(address) as channel:
        call = channel.stream_stream(f"/{gym_server.SERVICE_NAME}/{gym_server.METHOD_NAME}",
                                     request_serializer=pb.Request.SerializeToString,
                                     response_deserializer=pb.Response.FromString)
        # N is known only from the spec: ask for it first, then send the rest on the same stream.
        pending: queue.Queue = queue.Queue()
        pending.put(requests[0])

        def stream():
            while (request := pending.get()) is not None:
                yield request

        for response in call(stream(), timeout=10.0):
            responses.append(response)
            kind = response.WhichOneof("kind")
            if kind == "error":
                pending.put(None)
                print(json.dumps({"error": response.error.message}))
                return 1
            if kind == "spec":
                n = response.spec.num_envs
                for request in requests[1:] + [pb.Request(version=version, step=pb.StepRequest(
                        discrete_actions=[0] * n)) for _ in range(steps)] + [None]:
                    pending.put(request)
    spec = responses[0].spec
    print(json.dumps({
        "env_id": spec.env_id,
        "num_envs": spec.num_envs,
        "rewards": [list(r.batch.rewards) for r in responses[2:]],
        # Bytes of fields this client does not know: the newer server's render info, skipped.
        "unknown_spec_bytes": len(spec.SerializeToString()) - len(known_part(spec).SerializeToString()),
    }))
    return 0 if len(responses) == steps + 2 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5))
