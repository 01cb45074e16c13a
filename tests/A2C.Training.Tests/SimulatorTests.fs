module A2C.Training.Tests.SimulatorTests

open System
open System.Collections.Concurrent
open System.Reactive.Concurrency
open System.Reactive.Linq
open System.Reactive.Subjects
open System.Threading
open System.Threading.Tasks
open A2C.Envs
open A2C.Envs.Simulators
open A2C.Envs.Spaces
open A2C.Envs.Vector
open A2C.Training
open A2C.Training
open Expecto
open TorchSharp

/// Runs `work` on another thread and fails the test if it has not finished within 20 s, so a
/// hang shows up as a failure rather than a stuck suite; its exception, if any, is rethrown as is.
let private guarded (work: unit -> 'T) : 'T =
    let task = Task.Run(fun () -> work ())

    if not ((task :> IAsyncResult).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds 20.0)) then
        failtest "did not finish within 20 s: something hangs"

    task.GetAwaiter().GetResult()

/// The exception `work` throws, of type 'E (or a failed test).
let private thrown<'E when 'E :> exn> (work: unit -> unit) : 'E =
    let caught =
        try
            guarded work
            None
        with
        | :? 'E as e -> Some e
        | e -> failtestf "expected %s; got %O" typeof<'E>.Name e

    match caught with
    | Some e -> e
    | None -> failtestf "expected %s; nothing was thrown" typeof<'E>.Name

/// A simulator with a thread of its own: its loop takes the next input, applies it to its
/// dynamics and publishes the resulting state through a Subject, as a game loop in synchronous
/// mode does. After `silentAfter` ticks it stops publishing (but keeps running); at tick `failAt`
/// its tick stream fails; at tick `completeAt` it completes.
type private ThreadedSim
    (name: string, dynamics: SimulatorCommand -> SimulatorTick, ?silentAfter: int, ?failAt: int, ?completeAt: int) =
    let ticks = new Subject<SimulatorTick>()
    let inputs = new BlockingCollection<SimulatorCommand>()
    let mutable published = 0

    let loop () =
        for command in inputs.GetConsumingEnumerable() do
            published <- published + 1

            match failAt, completeAt, silentAfter with
            | Some k, _, _ when published = k -> ticks.OnError(InvalidOperationException "physics exploded")
            | _, Some k, _ when published = k -> ticks.OnCompleted()
            | _, _, Some k when published > k -> ()
            | _ -> ticks.OnNext(dynamics command)

    let thread = Thread(loop, IsBackground = true, Name = name)
    do thread.Start()

    /// Whether its loop has ended (after the adapter completed its inputs).
    member _.Finished(timeout: TimeSpan) = thread.Join timeout

    member _.Endpoint =
        let commands =
            { new IObserver<SimulatorCommand> with
                member _.OnNext command = inputs.Add command
                member _.OnError _ = inputs.CompleteAdding()
                member _.OnCompleted() = inputs.CompleteAdding()
            }

        SimulatorEndpoint(name, ticks, commands)

    interface IDisposable with
        member _.Dispose() =
            inputs.CompleteAdding()
            thread.Join() |> ignore
            ticks.Dispose()

/// Scripted dynamics: episodes of `length` steps; the observation is [t, marker, last action];
/// the reward is the action, plus 10 on the last step, which terminates (or truncates) the episode.
/// Records the seeds of the reset requests it receives.
let private scripted (length: int) (marker: float32) (truncates: bool) (seeds: ResizeArray<Nullable<int>>) =
    let mutable t = 0

    fun (command: SimulatorCommand) ->
        match command with
        | :? ResetCommand as reset ->
            lock seeds (fun () -> seeds.Add reset.Seed)
            t <- 0
            SimulatorTick([| 0f; marker; 0f |])
        | :? DiscreteActionCommand as a ->
            t <- t + 1
            let last = t = length
            let reward = float a.Action + (if last then 10.0 else 0.0)
            SimulatorTick([| float32 t; marker; float32 a.Action |], reward, last && not truncates, last && truncates)
        | other -> failwithf "unexpected %O" other

/// Dynamics taken from one of our environments, stepped on the simulator's thread.
let private fromEnv (env: IEnv) =
    fun (command: SimulatorCommand) ->
        let observation = Array.zeroCreate env.ObservationSpace.FlatSize

        match command with
        | :? ResetCommand as reset ->
            env.Reset(Span observation, reset.Seed)
            SimulatorTick(observation)
        | :? DiscreteActionCommand as a ->
            let r = env.Step(a.Action, Span observation)
            SimulatorTick(observation, r.Reward, r.Terminated, r.Truncated)
        | other -> failwithf "unexpected %O" other

let private scriptedSpace = Box(-1000f, 1000f, 3)

let private options (milliseconds: float) =
    SimulatorVectorEnvOptions(Timeout = TimeSpan.FromMilliseconds milliseconds)

/// Action i mod 2 for env i; V(s) = 0.5 everywhere.
type private ParityPolicy() =
    interface IPolicy with
        member _.Act(_, count, discrete, _, values) =
            for i in 0 .. count - 1 do
                discrete.[i] <- i % 2
                values.[i] <- 0.5f

        member _.Values(_, count, values) =
            for i in 0 .. count - 1 do
                values.[i] <- 0.5f

/// Three threaded scripted simulators: lengths 2, 3 (terminating) and 4 (truncating).
let private threeSims (seeds: ResizeArray<Nullable<int>>[]) (silentAfter: int option) (failAt: int option) =
    [
        for i, (length, truncates) in List.indexed [ 2, false; 3, false; 4, true ] do
            let dynamics = scripted length (float32 i) truncates seeds.[i]

            match i with
            | 1 -> new ThreadedSim($"sim-{i}", dynamics, ?silentAfter = silentAfter)
            | 2 -> new ThreadedSim($"sim-{i}", dynamics, ?failAt = failAt)
            | _ -> new ThreadedSim($"sim-{i}", dynamics)
    ]

let private adapterOver (sims: ThreadedSim list) timeoutMs =
    new SimulatorVectorEnv([ for s in sims -> s.Endpoint ], scriptedSpace, Discrete(2), options timeoutMs)

let private newSeeds () =
    Array.init 3 (fun _ -> ResizeArray<Nullable<int>>())

let private disposeAll (sims: ThreadedSim list) =
    for s in sims do
        (s :> IDisposable).Dispose()

/// A synchronous endpoint for malformed simulators: `answer` gives the ticks to publish for each
/// command (on the calling thread), given how many commands came before.
let private endpoint (name: string) (answer: int -> SimulatorCommand -> SimulatorTick list) =
    let ticks = new Subject<SimulatorTick>()
    let mutable count = 0

    let commands =
        { new IObserver<SimulatorCommand> with
            member _.OnNext command =
                let ticksToPublish = answer count command
                count <- count + 1

                for tick in ticksToPublish do
                    ticks.OnNext tick

            member _.OnError _ = ()
            member _.OnCompleted() = ()
        }

    SimulatorEndpoint(name, ticks, commands)

let private newModel (spec: PolicySpec) =
    torch.manual_seed 1L |> ignore
    new ActorCritic(spec)

/// What the rollout stream over `env` fails with (within 100 rollouts of the parity policy).
let private rolloutFailure (env: IVectorEnv) =
    thrown<RolloutException>(fun () ->
        RolloutStream.Create(env, ParityPolicy(), Nullable 0, Scheduler.CurrentThread).Take(100).ToList().Wait()
        |> ignore)

[<Tests>]
let adapter =
    testSequenced
    <| testList
        "simulators that push"
        [
            test
                "the adapter steps threaded simulators in lockstep, with rewards, same-step resets and final observations" {
                let seeds = newSeeds ()
                let sims = threeSims seeds None None

                try
                    use env = adapterOver sims 5000.0

                    guarded (fun () ->
                        env.Reset(Nullable 5)

                        Expect.equal
                            [ for s in seeds -> List.ofSeq s ]
                            [ [ Nullable 5 ]; [ Nullable 6 ]; [ Nullable 7 ] ]
                            "simulator i is reset with seed + i"

                        Expect.equal env.Observations [| 0f; 0f; 0f; 0f; 1f; 0f; 0f; 2f; 0f |] "first ticks, in order"
                        env.Step(ReadOnlySpan [| 1; 0; 1 |])
                        Expect.equal env.Rewards [| 1f; 0f; 1f |] "each simulator applied its own action"
                        Expect.equal env.Observations [| 1f; 0f; 1f; 1f; 1f; 0f; 1f; 2f; 1f |] "second ticks"
                        env.Step(ReadOnlySpan [| 1; 1; 0 |])
                        Expect.equal env.Rewards [| 11f; 1f; 0f |] "sim-0's episode ends with its bonus"
                        Expect.equal env.Terminated [| true; false; false |] "sim-0 terminated"
                        Expect.equal env.FinalObservations.[0..2] [| 2f; 0f; 1f |] "its last tick is kept"

                        Expect.equal
                            env.Observations.[0..2]
                            [| 0f; 0f; 0f |]
                            "and its next episode's first tick is the observation"

                        Expect.equal
                            (env.FinishedEpisodes.ToArray())
                            [| EpisodeStats(0, 12.0, 2, true) |]
                            "return and length"

                        Expect.equal
                            (List.ofSeq seeds.[0])
                            [ Nullable 5; Nullable() ]
                            "the auto-reset continues the seed"

                        env.Step(ReadOnlySpan [| 0; 0; 0 |])
                        Expect.equal env.Terminated [| false; true; false |] "sim-1 terminated at its 3rd step"
                        env.Step(ReadOnlySpan [| 0; 0; 1 |])
                        Expect.equal env.Terminated [| true; false; false |] "sim-0 ended its second episode"
                        Expect.equal env.Truncated [| false; false; true |] "sim-2 truncated at its 4th step"
                        Expect.equal env.FinalObservations.[0..2] [| 2f; 0f; 0f |] "sim-0's last tick"
                        Expect.equal env.FinalObservations.[6..8] [| 4f; 2f; 1f |] "sim-2's last tick"

                        Expect.equal
                            (env.FinishedEpisodes.ToArray())
                            [| EpisodeStats(0, 10.0, 2, true); EpisodeStats(2, 12.0, 4, false) |]
                            "both episodes, by index")
                finally
                    disposeAll sims
            }

            test "the rollout stream collects batches from threaded simulators unchanged" {
                let sims = threeSims (newSeeds ()) None None

                try
                    use env = adapterOver sims 5000.0

                    let batches =
                        guarded (fun () ->
                            RolloutStream
                                .Create(env, ParityPolicy(), Nullable 0, Scheduler.CurrentThread)
                                .Take(8)
                                .ToList()
                                .Wait())

                    for b in batches do
                        Expect.equal b.Observations.Length 9 "N x obs"
                        Expect.equal b.Rewards.Length 3 "one reward per simulator"

                    let column (field: StepBatch -> 'a[]) i = [ for b in batches -> (field b).[i] ]

                    Expect.equal
                        (column (fun b -> b.Terminated.ToArray()) 0)
                        [ false; true; false; true; false; true; false; true ]
                        "sim-0 ends every 2 steps"

                    Expect.equal
                        (column (fun b -> b.Terminated.ToArray()) 1)
                        [ false; false; true; false; false; true; false; false ]
                        "sim-1 every 3"

                    Expect.equal
                        (column (fun b -> b.Truncated.ToArray()) 2)
                        [ false; false; false; true; false; false; false; true ]
                        "sim-2 truncated every 4"

                    Expect.equal
                        (column (fun b -> b.FinalValues.ToArray()) 2)
                        [ 0f; 0f; 0f; 0.5f; 0f; 0f; 0f; 0.5f ]
                        "bootstrapped from the final observation's value"

                    Expect.equal
                        (column (fun b -> b.Rewards.ToArray()) 1)
                        [ 1f; 1f; 11f; 1f; 1f; 11f; 1f; 1f ]
                        "sim-1 got action 1"

                    Expect.equal
                        (batches.[1].NextObservations.ToArray().[0..2])
                        [| 0f; 0f; 0f |]
                        "auto-reset in the same step"

                    Expect.equal
                        [
                            for b in batches do
                                for e in b.FinishedEpisodes.ToArray() -> e.Env, e.Length
                        ]
                        [ 0, 2; 1, 3; 0, 2; 2, 4; 0, 2; 1, 3; 0, 2; 2, 4 ]
                        "finished episodes, in order"

                    env.Dispose()

                    for s in sims do
                        Expect.isTrue
                            (s.Finished(TimeSpan.FromSeconds 10.0))
                            "disposing the adapter completes each simulator's inputs"
                finally
                    disposeAll sims
            }

            test "Trainer trains on the adapter like on any env: whole loop, episodes and reports" {
                let envs = [ for _ in 1..4 -> Registry.Make "CartPole-v1" ]

                let adapter =
                    new SimulatorVectorEnv(
                        [ for e in envs -> EnvSimulator(e).Endpoint ],
                        Box(Single.NegativeInfinity, Single.PositiveInfinity, 4),
                        Discrete(2)
                    )

                use trainer =
                    new Trainer(A2COptions(Env = "pushed-cartpole", TotalTimesteps = 4000L), adapter)

                let result = guarded (fun () -> trainer.Run())
                Expect.equal trainer.Options.NEnvs 4 "n_envs is the adapter's"
                Expect.isGreaterThanOrEqual result.TotalTimesteps 4000L "trained the whole budget"
                Expect.isGreaterThan result.Episodes 50 "episodes were counted from the adapter"
                Expect.equal trainer.Spec.Id "pushed-cartpole" "an unregistered name gets a spec of its own"
            }

            test "over EnvSimulator endpoints, the adapter takes exactly VectorEnv's steps, discrete or box" {
                for id in [ "LineWalk-v0"; "CartPole-v1"; "Pendulum-v1" ] do
                    use expected = VectorEnv.Make(id, 3)
                    let envs = [ for _ in 1..3 -> Registry.Make id ]

                    use actual =
                        new SimulatorVectorEnv(
                            [ for e in envs -> EnvSimulator(e).Endpoint ],
                            expected.SingleObservationSpace,
                            expected.SingleActionSpace
                        )

                    let rng = Rng 11L
                    expected.Reset(Nullable 3)
                    actual.Reset(Nullable 3)
                    Expect.equal actual.Observations expected.Observations $"{id}: reset"
                    let mutable episodes = 0

                    for t in 1..400 do
                        if id = "Pendulum-v1" then
                            let actions = Array.init 3 (fun _ -> float32 (rng.Uniform(-2.0, 2.0)))
                            expected.Step(ReadOnlySpan actions)
                            actual.Step(ReadOnlySpan actions)
                        else
                            let actions = Array.init 3 (fun _ -> rng.NextInt 2)
                            expected.Step(ReadOnlySpan actions)
                            actual.Step(ReadOnlySpan actions)

                        Expect.equal actual.Observations expected.Observations $"{id} step {t}: observations"
                        Expect.equal actual.Rewards expected.Rewards $"{id} step {t}: rewards"
                        Expect.equal actual.Terminated expected.Terminated $"{id} step {t}: terminated"
                        Expect.equal actual.Truncated expected.Truncated $"{id} step {t}: truncated"

                        Expect.equal
                            (actual.FinishedEpisodes.ToArray())
                            (expected.FinishedEpisodes.ToArray())
                            $"{id} step {t}: episodes"

                        for e in expected.FinishedEpisodes.ToArray() do
                            let o = expected.ObservationSize

                            let final (v: IVectorEnv) =
                                v.FinalObservations.[e.Env * o .. e.Env * o + o - 1]

                            Expect.equal (final actual) (final expected) $"{id} step {t}: final observation"

                        episodes <- episodes + expected.FinishedEpisodes.Length

                    Expect.isGreaterThan episodes 5 $"{id}: episodes ended along the way"

                    for e in envs do
                        e.Dispose()
            }

            test "a simulator that stops ticking fails Step with a timeout naming it; the env then refuses to go on" {
                let sims = threeSims (newSeeds ()) (Some 3) None

                try
                    use env = adapterOver sims 200.0
                    // sim-1 answers the reset and two actions, then falls silent.
                    guarded (fun () ->
                        env.Reset(Nullable 0)

                        for _ in 1..2 do
                            env.Step(ReadOnlySpan [| 0; 0; 0 |]))

                    let e =
                        thrown<SimulatorTimeoutException>(fun () -> env.Step(ReadOnlySpan [| 0; 0; 0 |]))

                    Expect.equal (e.Index, e.SimulatorName) (1, "sim-1") "names the silent simulator"
                    Expect.stringContains e.Message "simulator 'sim-1' (index 1)" e.Message
                    Expect.stringContains e.Message "200 ms" "states the timeout"
                    Expect.stringContains e.Message "it owes the answer to its action at step 2" "and what it owes"

                    let after =
                        thrown<InvalidOperationException>(fun () -> env.Step(ReadOnlySpan [| 0; 0; 0 |]))

                    Expect.stringContains after.Message "sim-1" "later calls carry the first failure"
                finally
                    disposeAll sims
            }

            test "the rollout stream over a silent simulator ends with a RolloutException wrapping the timeout" {
                // sim-1 (episodes of 3) answers the reset and three actions, the third ending its
                // episode, then leaves the auto-reset request unanswered.
                let sims = threeSims (newSeeds ()) (Some 4) None

                try
                    use env = adapterOver sims 200.0

                    let e = rolloutFailure env

                    Expect.equal (e.Env, e.Step) (1, 2L) "sim-1 at step 2"
                    Expect.isTrue (e.InnerException :? SimulatorTimeoutException) "wraps the timeout"

                    for part in
                        [
                            "simulator 'sim-1' (index 1) sent no tick within the timeout of 200 ms"
                            "its reset request (auto-reset at step 2)"
                        ] do
                        Expect.stringContains e.Message part e.Message
                finally
                    disposeAll sims
            }

            test "a simulator whose tick stream errors or completes is reported by name" {
                let sims = threeSims (newSeeds ()) None (Some 4)

                try
                    use env = adapterOver sims 5000.0

                    let e = rolloutFailure env

                    Expect.equal e.Env 2 "sim-2"
                    Expect.stringContains e.Message "simulator 'sim-2' (index 2) failed: physics exploded" e.Message
                finally
                    disposeAll sims

                use completing =
                    new ThreadedSim("short-lived", scripted 5 0f false (ResizeArray()), completeAt = 3)

                use env =
                    new SimulatorVectorEnv([ completing.Endpoint ], scriptedSpace, Discrete(2), options 5000.0)

                guarded (fun () ->
                    env.Reset(Nullable 0)
                    env.Step(ReadOnlySpan [| 0 |]))

                let e = thrown<SimulatorException>(fun () -> env.Step(ReadOnlySpan [| 0 |]))

                Expect.stringContains
                    e.Message
                    "simulator 'short-lived' (index 0) stopped: its tick stream completed"
                    e.Message
            }

            test "invalid ticks are refused with messages that name the simulator, the step and the field" {
                let ok = SimulatorTick([| 0f; 0f; 0f |])

                /// The message of the failure when simulator 'bad' (index 1, beside a good one) resets
                /// and answers its first two actions well, then answers the third (step 2) with `bad`.
                let failure (bad: SimulatorTick list) =
                    let answer n (_: SimulatorCommand) = if n <= 2 then [ ok ] else bad

                    use env =
                        new SimulatorVectorEnv(
                            [ endpoint "good" (fun _ _ -> [ ok ]); endpoint "bad" answer ],
                            scriptedSpace,
                            Discrete(2),
                            options 5000.0
                        )

                    let e =
                        thrown<SimulatorException>(fun () ->
                            env.Reset(Nullable 0)

                            for _ in 0..2 do
                                env.Step(ReadOnlySpan [| 0; 0 |]))

                    Expect.equal (e.Index, e.SimulatorName) (1, "bad") "index and name"
                    e.Message

                let expectParts (message: string) (parts: string list) =
                    for part in "simulator 'bad' (index 1)" :: parts do
                        Expect.stringContains message part message

                expectParts
                    (failure [ SimulatorTick([| 0f; 0f |]) ])
                    [ "action at step 2"; "observation has 2 values"; "has 3" ]

                expectParts
                    (failure [ SimulatorTick([| 0f; nanf; 0f |]) ])
                    [ "action at step 2"; "observation[1] is NaN" ]

                expectParts
                    (failure [ SimulatorTick([| 0f; 0f; 0f |], infinity) ])
                    [ "action at step 2"; "reward is Infinity" ]

                expectParts
                    (failure [ SimulatorTick(Unchecked.defaultof<float32[]>) ])
                    [ "action at step 2"; "observation is null" ]
                // A second tick for one action breaks the one-tick-per-command contract.
                expectParts (failure [ ok; ok ]) [ "after step 2"; "no command asked for" ]

                // A reset must start an episode, not end one: at Reset, and at a step's auto-reset.
                let endedStart = SimulatorTick([| 0f; 0f; 0f |], 0.0, true, false)

                let answer n (command: SimulatorCommand) =
                    match command with
                    | :? ResetCommand when n > 0 -> [ endedStart ]
                    | :? ResetCommand -> [ ok ]
                    | _ -> [ SimulatorTick([| 1f; 0f; 0f |], 1.0, true, false) ]

                use env =
                    new SimulatorVectorEnv([ endpoint "bad" answer ], scriptedSpace, Discrete(2), options 5000.0)

                env.Reset(Nullable 0)
                let e = thrown<SimulatorException>(fun () -> env.Step(ReadOnlySpan [| 0 |]))
                Expect.stringContains e.Message "its reset request (auto-reset at step 0)" e.Message

                Expect.stringContains
                    e.Message
                    "it says terminated; the first tick of an episode cannot end it"
                    e.Message

                use env =
                    new SimulatorVectorEnv(
                        [ endpoint "bad" (fun _ _ -> [ endedStart ]) ],
                        scriptedSpace,
                        Discrete(2),
                        options 5000.0
                    )

                let e = thrown<SimulatorException>(fun () -> env.Reset(Nullable 0))
                Expect.stringContains e.Message "the answer to its reset request: it says terminated" e.Message

                let refusing =
                    SimulatorEndpoint(
                        "refusing",
                        Observable.Never<SimulatorTick>(),
                        { new IObserver<SimulatorCommand> with
                            member _.OnNext _ =
                                raise (IO.IOException "the socket is closed")

                            member _.OnError _ = ()
                            member _.OnCompleted() = ()
                        }
                    )

                use env =
                    new SimulatorVectorEnv([ refusing ], scriptedSpace, Discrete(2), options 5000.0)

                let e = thrown<SimulatorException>(fun () -> env.Reset(Nullable 0))

                Expect.stringContains
                    e.Message
                    "simulator 'refusing' (index 0) refused its reset request: the socket is closed"
                    e.Message
            }
        ]

[<Tests>]
let agentSide =
    testSequenced
    <| testList
        "simulators that push: training and the policy operator"
        [
            test "Agent, Learner and the rollout stream train end to end over threaded simulators" {
                // Identity-v0: name the one-hot state for a reward of 1; episodes are truncated at
                // 100 steps, so bootstrapping from final observations is exercised too.
                let envs = [ for _ in 1..4 -> Registry.Make "Identity-v0" ]

                let sims =
                    [ for i, e in List.indexed envs -> new ThreadedSim($"walker-{i}", fromEnv e) ]

                try
                    use env =
                        new SimulatorVectorEnv(
                            [ for s in sims -> s.Endpoint ],
                            envs.[0].ObservationSpace,
                            envs.[0].ActionSpace
                        )

                    let options = A2COptions(Env = "Identity-v0", NEnvs = 4, NSteps = 5, Seed = 1)

                    use model =
                        newModel (PolicySpec(4, 4, false, NetKind.Separate, [| 64; 64 |], Activation.Tanh, true, 0f))

                    use agent = new Agent(model, 2L, torch.CPU)
                    use learner = new Learner(agent, options, torch.CPU)
                    use thread = new EventLoopScheduler()

                    // 200 updates of 4 x 5 steps: 4,000 steps. The buffer is reused: copy what is kept.
                    let updates =
                        guarded (fun () ->
                            RolloutStream
                                .CreateRollouts(env, agent, options.NSteps, Nullable options.Seed, thread)
                                .Select(fun rollout -> learner.Update(rollout, 1.0), List.ofSeq rollout.Episodes)
                                .Take(200)
                                .ToList()
                                .Wait())

                    Expect.equal updates.Count 200 "one update per rollout"

                    for stats, _ in updates do
                        Expect.isTrue (Double.IsFinite stats.TotalLoss) "finite losses"

                    let returns =
                        [
                            for _, episodes in updates do
                                for e in episodes -> e.Return
                        ]

                    Expect.equal returns.Length 40 "each of the 4 sims ends an episode every 100 of its 1,000 steps"
                    let first, last = List.take 8 returns, List.skip (returns.Length - 8) returns

                    // With these seeds: 37.5 at first, 87.75 at the end; chance is 25.
                    Expect.isGreaterThan
                        (List.average last)
                        (List.average first + 30.0)
                        $"it learns: the first 8 episodes return {List.average first}, the last 8 {List.average last}"
                finally
                    disposeAll sims

                for e in envs do
                    e.Dispose()
            }

            test
                "the policy operator gives the agent's own actions: sampled or not, on a scheduler or not, with a normalizer" {
                use model =
                    newModel (PolicySpec(4, 3, false, NetKind.Separate, [| 16 |], Activation.Tanh, true, 0f))

                let rng = Rng 3L

                let observations =
                    [ for _ in 1..50 -> Array.init 4 (fun _ -> float32 (rng.Normal())) ]

                use loop = new EventLoopScheduler()

                for deterministic, scheduler in [ true, None; false, None; false, Some(loop :> IScheduler) ] do
                    use viaOperator = new Agent(model, 5L, torch.CPU)
                    use direct = new Agent(model, 5L, torch.CPU)

                    let actual =
                        guarded (fun () ->
                            observations
                                .ToObservable()
                                .Act(viaOperator, deterministic, Option.toObj scheduler)
                                .ToList()
                                .Wait())

                    let expected =
                        [
                            for o in observations do
                                let action = [| 0 |]
                                direct.Act(o, 1, deterministic, action, [||], [| 0f |])
                                action.[0]
                        ]

                    Expect.equal
                        (List.ofSeq actual)
                        expected
                        $"deterministic {deterministic}, scheduler {scheduler.IsSome}"

                // With the run's normalizer, the agent sees normalized observations.
                let normalizer = Normalizer(1, 4, 0.99f)

                normalizer.Reset(Array.map (fun x -> 3f * x + 1f) (Array.concat observations))
                |> ignore

                use viaOperator = new Agent(model, 5L, torch.CPU)

                let actual =
                    guarded (fun () ->
                        observations.ToObservable().Act(viaOperator, true, normalizer = normalizer).ToList().Wait())

                let greedy (o: float32[]) =
                    let action = [| 0 |]
                    viaOperator.Act(o, 1, true, action, [||], [| 0f |])
                    action.[0]

                let expected = [ for o in observations -> greedy (normalizer.Observations o) ]
                Expect.notEqual expected [ for o in observations -> greedy o ] "normalizing changes some actions here"
                Expect.equal (List.ofSeq actual) expected "with a normalizer"

                let error =
                    thrown<ArgumentException>(fun () ->
                        [ [| 0f; 0f; 0f; 0f |]; [| 0f; 0f; 0f |] ].ToObservable().Act(viaOperator).ToList().Wait()
                        |> ignore)

                Expect.stringContains error.Message "observation 1 has 3 values; the policy takes 4" error.Message
            }

            test "the policy operator gives the Gaussian policy's actions, clipped to the box when asked" {
                use model =
                    newModel (PolicySpec(3, 2, true, NetKind.Separate, [| 16 |], Activation.Tanh, true, 0f))

                let rng = Rng 4L

                let observations =
                    [ for _ in 1..50 -> Array.init 3 (fun _ -> float32 (rng.Normal())) ]

                let box = Box(-0.5f, 0.5f, 2)
                use viaOperator = new Agent(model, 6L, torch.CPU)
                use direct = new Agent(model, 6L, torch.CPU)

                let actual =
                    guarded (fun () ->
                        observations.ToObservable().ActContinuous(viaOperator, false, box).ToList().Wait())

                let expected =
                    [
                        for o in observations do
                            let action = [| 0f; 0f |]
                            direct.Act(o, 1, false, [||], action, [| 0f |])
                            box.Clip(Span action)
                            action
                    ]

                Expect.equal (List.ofSeq actual) expected "the same clipped samples"
                Expect.exists expected (fun a -> abs a.[0] = 0.5f || abs a.[1] = 0.5f) "some were clipped"
            }

            test
                "a simulator's own loop drives an env through EnvSimulator and the agent through Act: the episodes of a direct loop" {
                use model =
                    newModel (PolicySpec(4, 2, false, NetKind.Separate, [| 16 |], Activation.Tanh, true, 0f))

                let directReturns =
                    use agent = new Agent(model, 9L, torch.CPU)
                    use env = Registry.Make "CartPole-v1"
                    let returns = ResizeArray()
                    let mutable observation = EnvExtensions.Reset(env, Nullable 4)
                    let mutable episodeReturn = 0.0
                    let action = [| 0 |]

                    while returns.Count < 5 do
                        agent.Act(observation, 1, false, action, [||], [| 0f |])
                        let transition = EnvExtensions.Step(env, action.[0])
                        episodeReturn <- episodeReturn + transition.Reward

                        if transition.Terminated || transition.Truncated then
                            returns.Add episodeReturn
                            episodeReturn <- 0.0
                            observation <- EnvExtensions.Reset(env)
                        else
                            observation <- transition.Observation

                    List.ofSeq returns

                use agent = new Agent(model, 9L, torch.CPU)
                use env = Registry.Make "CartPole-v1"
                let simulator = EnvSimulator(env)
                use observations = new Subject<float32[]>()
                // The scheduler keeps the agent on one thread and breaks the loop's recursion.
                use loop = new EventLoopScheduler()
                use finished = new ManualResetEventSlim()
                let returns = ResizeArray()
                let mutable episodeReturn = 0.0

                use _ =
                    observations
                        .Act(agent, false, loop)
                        .Subscribe(fun action -> simulator.OnNext(DiscreteActionCommand action))

                use _ =
                    simulator.Subscribe(fun tick ->
                        episodeReturn <- episodeReturn + tick.Reward

                        if not tick.Done then
                            observations.OnNext tick.Observation
                        else
                            returns.Add episodeReturn
                            episodeReturn <- 0.0

                            if returns.Count < 5 then
                                simulator.OnNext(ResetCommand(Nullable()))
                            else
                                finished.Set())

                simulator.OnNext(ResetCommand(Nullable 4))
                Expect.isTrue (finished.Wait(TimeSpan.FromSeconds 20.0)) "five episodes within 20 s"
                Expect.equal (List.ofSeq returns) directReturns "the same episodes"
            }

            test
                "EnvSimulator publishes the env's transitions, and ends its ticks with an error naming a rejected command" {
                use expected = Registry.Make "CartPole-v1"
                use env = Registry.Make "CartPole-v1"
                let simulator = EnvSimulator(env, "cart")
                let ticks = ResizeArray<SimulatorTick>()
                let mutable error: exn | null = null
                use _ = simulator.Subscribe((fun t -> ticks.Add t), (fun e -> error <- e))
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
