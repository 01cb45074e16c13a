module A2C.Envs.Tests.Remote.RemoteSessionTests

open A2C.Envs
open A2C.Envs.Remote
open A2C.Envs.Remote.Protocol
open A2C.Envs.Vector
open Expecto

let private session (id: string) (n: int) =
    let spec = Registry.Spec id
    new EnvSession(VectorEnv.Make(id, n), id, spec.MaxEpisodeSteps, spec.RewardThreshold)

let private request (configure: Request -> unit) =
    let r = Request(Version = EnvSession.Version)
    configure r
    r

let private specRequest = request (fun r -> r.Spec <- SpecRequest())

let private resetRequest (seed: int64 option) =
    request (fun r ->
        let reset = ResetRequest()
        seed |> Option.iter (fun s -> reset.Seed <- s)
        r.Reset <- reset)

let private stepDiscrete (actions: int list) =
    request (fun r ->
        let step = StepRequest()
        step.DiscreteActions.Add actions
        r.Step <- step)

let private stepContinuous (actions: float32 list) =
    request (fun r ->
        let step = StepRequest()
        step.ContinuousActions.Add actions
        r.Step <- step)

/// The error a response carries, failing the test when it carries none.
let private errorOf (response: Response) =
    Expect.equal response.KindCase Response.KindOneofCase.Error $"expected an error, got {response}"
    response.Error.Code, response.Error.Message

/// A session that has answered its spec and a reset.
let private ready (id: string) (n: int) =
    let s = session id n
    s.Handle specRequest |> ignore
    s.Handle(resetRequest (Some 0L)) |> ignore
    s

[<Tests>]
let tests =
    testList
        "remote session"
        [
            test "spec: id, N, spaces, time limit and threshold" {
                use s = session "CartPole-v1" 3
                let response = s.Handle specRequest
                Expect.equal response.Version EnvSession.Version "version on every response"
                let spec = response.Spec
                Expect.equal spec.EnvId "CartPole-v1" "id"
                Expect.equal spec.NumEnvs 3u "N"
                Expect.equal spec.ObservationSpace.Box.Low.Count 4 "a 4-float observation box"
                Expect.equal spec.ActionSpace.Discrete.N 2u "two actions"
                Expect.equal spec.MaxEpisodeSteps 500u "time limit"
                Expect.equal spec.RewardThreshold 475.0 "threshold"
            }

            test
                "reset and step batches have N x O observations, N rewards and flags, and final observations after a step" {
                use s = ready "CartPole-v1" 3
                let batch = (s.Handle(stepDiscrete [ 0; 1; 0 ])).Batch
                Expect.equal batch.Observations.Count 12 "3 x 4 observations"
                Expect.equal batch.Rewards.Count 3 "rewards"
                Expect.equal batch.Terminated.Count 3 "terminated"
                Expect.equal batch.Truncated.Count 3 "truncated"
                Expect.equal batch.FinalObservations.Count 12 "final observations"
            }

            test "a request in another protocol version is refused, naming both versions" {
                use s = session "CartPole-v1" 1
                let code, message = errorOf (s.Handle(Request(Version = 7u, Spec = SpecRequest())))
                Expect.equal code Error.Types.Code.UnsupportedVersion "code"
                Expect.stringContains message "version 7" "the request's version"
                Expect.stringContains message "version 2" "the server's"
            }

            test "sequence: reset before the spec, a step before the reset, a second spec" {
                use s = session "CartPole-v1" 1
                Expect.equal (fst (errorOf (s.Handle(resetRequest None)))) Error.Types.Code.BadSequence "reset first"
                s.Handle specRequest |> ignore
                let code, message = errorOf (s.Handle(stepDiscrete [ 0 ]))
                Expect.equal code Error.Types.Code.BadSequence "step before reset"
                Expect.stringContains message "send a ResetRequest first" "says what to do"
                Expect.equal (fst (errorOf (s.Handle specRequest))) Error.Types.Code.BadSequence "second spec"
            }

            test "wrong action counts, the wrong field, out-of-range and non-finite actions are named" {
                use s = ready "CartPole-v1" 2
                let code, message = errorOf (s.Handle(stepDiscrete [ 0 ]))
                Expect.equal code Error.Types.Code.InvalidArgument "count"
                Expect.stringContains message "expected 2 discrete_actions" "expected count"
                Expect.stringContains message "got 1" "actual count"
                let _, message = errorOf (s.Handle(stepContinuous [ 0.5f; 0.5f ]))
                Expect.stringContains message "the action space is discrete" "wrong field"
                let _, message = errorOf (s.Handle(stepDiscrete [ 0; 2 ]))
                Expect.stringContains message "discrete_actions[1] is 2; allowed: 0 to 1" "range"
                use p = ready "Pendulum-v1" 2
                let _, message = errorOf (p.Handle(stepContinuous [ 0.5f; nanf ]))
                Expect.stringContains message "continuous_actions[1] (env 1) is NaN" "non-finite"
                let _, message = errorOf (p.Handle(stepContinuous [ 0.5f ]))
                Expect.stringContains message "expected 2 continuous_actions" "box count"
                Expect.equal (s.Handle(stepDiscrete [ 0; 1 ])).KindCase Response.KindOneofCase.Batch "still usable"
            }

            test "a seed out of range and an empty request are invalid arguments" {
                use s = session "CartPole-v1" 1
                s.Handle specRequest |> ignore
                let _, message = errorOf (s.Handle(resetRequest (Some -1L)))
                Expect.stringContains message "seed is -1" "seed"
                let code, _ = errorOf (s.Handle(Request(Version = EnvSession.Version)))
                Expect.equal code Error.Types.Code.InvalidArgument "no kind"
            }
        ]
