/// Fake simulators that push, shared by the adapter's tests here and by the Training tests, which
/// compile this file too (linked) to drive the rollout stream and the trainer over the same fakes.
module A2C.Envs.Tests.Simulators.SimulatorFakes

open System
open System.Collections.Concurrent
open System.Threading
open System.Threading.Tasks
open A2C.Envs
open A2C.Envs.Simulators
open A2C.Envs.Spaces
open Expecto

/// Runs `work` on another thread and fails the test if it has not finished within 20 s, so a
/// hang shows up as a failure rather than a stuck suite; its exception, if any, is rethrown as is.
let guarded (work: unit -> 'T) : 'T =
    let task = Task.Run(fun () -> work ())

    if not ((task :> IAsyncResult).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds 20.0)) then
        failtest "did not finish within 20 s: something hangs"

    task.GetAwaiter().GetResult()

/// The exception `work` throws, of type 'E (or a failed test).
let thrown<'E when 'E :> exn> (work: unit -> unit) : 'E =
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

/// A tick stream over the BCL's interfaces, as Rx's Subject behaves (the Envs tests, like A2C.Envs,
/// have no Rx): any thread may subscribe or publish; after an error or completion nothing more is
/// published, and a later subscriber gets the end at once. Never published to, it never ticks.
type Broadcast<'T>() =
    let gate = obj ()
    let mutable observers: IObserver<'T> list = []
    let mutable ending: (IObserver<'T> -> unit) option = None

    let stop (deliver: IObserver<'T> -> unit) =
        let toTell =
            lock gate (fun () ->
                match ending with
                | Some _ -> []
                | None ->
                    ending <- Some deliver
                    let current = observers
                    observers <- []
                    current)

        for o in toTell do
            deliver o

    member _.OnNext(value: 'T) =
        for o in lock gate (fun () -> observers) do
            o.OnNext value

    member _.OnError(error: exn) = stop (fun o -> o.OnError error)
    member _.OnCompleted() = stop (fun o -> o.OnCompleted())

    interface IObservable<'T> with
        member _.Subscribe observer =
            let ended =
                lock gate (fun () ->
                    if ending.IsNone then
                        observers <- observers @ [ observer ]

                    ending)

            ended |> Option.iter (fun deliver -> deliver observer)

            { new IDisposable with
                member _.Dispose() =
                    lock gate (fun () ->
                        observers <- observers |> List.filter (fun o -> not (obj.ReferenceEquals(o, observer))))
            }

/// A simulator with a thread of its own: its loop takes the next input, applies it to its
/// dynamics and publishes the resulting state through a Broadcast, as a game loop in synchronous
/// mode does. After `silentAfter` ticks it stops publishing (but keeps running); at tick `failAt`
/// its tick stream fails; at tick `completeAt` it completes.
type ThreadedSim
    (name: string, dynamics: SimulatorCommand -> SimulatorTick, ?silentAfter: int, ?failAt: int, ?completeAt: int) =
    let ticks = Broadcast<SimulatorTick>()
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

/// Scripted dynamics: episodes of `length` steps; the observation is [t, marker, last action];
/// the reward is the action, plus 10 on the last step, which terminates (or truncates) the episode.
/// Records the seeds of the reset requests it receives.
let scripted (length: int) (marker: float32) (truncates: bool) (seeds: ResizeArray<Nullable<int>>) =
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
let fromEnv (env: IEnv) =
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

let scriptedSpace = Box(-1000f, 1000f, 3)

let options (milliseconds: float) =
    SimulatorVectorEnvOptions(Timeout = TimeSpan.FromMilliseconds milliseconds)

/// Three threaded scripted simulators: lengths 2, 3 (terminating) and 4 (truncating).
let threeSims (seeds: ResizeArray<Nullable<int>>[]) (silentAfter: int option) (failAt: int option) =
    [
        for i, (length, truncates) in List.indexed [ 2, false; 3, false; 4, true ] do
            let dynamics = scripted length (float32 i) truncates seeds.[i]

            match i with
            | 1 -> new ThreadedSim($"sim-{i}", dynamics, ?silentAfter = silentAfter)
            | 2 -> new ThreadedSim($"sim-{i}", dynamics, ?failAt = failAt)
            | _ -> new ThreadedSim($"sim-{i}", dynamics)
    ]

let adapterOver (sims: ThreadedSim list) timeoutMs =
    new SimulatorVectorEnv([ for s in sims -> s.Endpoint ], scriptedSpace, Discrete(2), options timeoutMs)

let newSeeds () =
    Array.init 3 (fun _ -> ResizeArray<Nullable<int>>())

let disposeAll (sims: ThreadedSim list) =
    for s in sims do
        (s :> IDisposable).Dispose()

/// A synchronous endpoint for malformed simulators: `answer` gives the ticks to publish for each
/// command (on the calling thread), given how many commands came before.
let endpoint (name: string) (answer: int -> SimulatorCommand -> SimulatorTick list) =
    let ticks = Broadcast<SimulatorTick>()
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
