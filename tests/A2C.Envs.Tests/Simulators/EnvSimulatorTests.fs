module A2C.Envs.Tests.Simulators.EnvSimulatorTests

open System
open A2C.Envs
open A2C.Envs.Simulators
open Expecto

[<Tests>]
let tests =
    testList
        "simulators that push: EnvSimulator"
        [
            test
                "EnvSimulator publishes the env's transitions, and ends its ticks with an error naming a rejected command" {
                use expected = Registry.Make "CartPole-v1"
                use env = Registry.Make "CartPole-v1"
                let simulator = EnvSimulator(env, "cart")
                let ticks = ResizeArray<SimulatorTick>()
                let mutable error: exn | null = null

                use _ =
                    simulator.Subscribe
                        { new IObserver<SimulatorTick> with
                            member _.OnNext t = ticks.Add t
                            member _.OnError e = error <- e
                            member _.OnCompleted() = ()
                        }

                simulator.OnNext(ResetCommand(Nullable 8))
                Expect.equal ticks.[0].Observation (EnvExtensions.Reset(expected, Nullable 8)) "reset"

                for action in [ 1; 0; 0; 1 ] do
                    simulator.OnNext(DiscreteActionCommand action)
                    let transition = EnvExtensions.Step(expected, action)
                    let tick = ticks.[ticks.Count - 1]

                    Expect.equal
                        (tick.Observation, tick.Reward, tick.Terminated, tick.Truncated)
                        (transition.Observation, transition.Reward, transition.Terminated, transition.Truncated)
                        $"action {action}"

                simulator.OnNext(DiscreteActionCommand 7)

                match error with
                | null -> failtest "the stream should have ended with an error"
                | e ->
                    Expect.stringContains
                        e.Message
                        "cart could not apply DiscreteActionCommand { Action = 7 }"
                        e.Message

                let count = ticks.Count
                simulator.OnNext(DiscreteActionCommand 0)
                Expect.equal ticks.Count count "nothing after the error"
            }
        ]
