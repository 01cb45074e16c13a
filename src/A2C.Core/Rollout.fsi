namespace A2C.Core

/// A rollout of `Steps` x `Envs` transitions collected by a synchronous vector environment, stored
/// time-major: the transition of env `e` at step `t` is at index `t * Envs + e`.
///
/// The arrays are borrowed, not copied (rollouts are built once per update on the hot path):
/// do not mutate them while the rollout is in use.
[<Sealed>]
type Rollout =
    /// Number of time steps (n_steps).
    member Steps: int
    /// Number of parallel environments.
    member Envs: int
    /// r_t, time-major, length Steps * Envs.
    member Rewards: float32[]
    /// V(s_t) as estimated when the step was collected, time-major.
    member Values: float32[]
    /// The episode ended in a terminal state at this step: nothing is bootstrapped from after it.
    member Terminated: bool[]
    /// The episode was cut short (time limit) at this step: bootstrap from its final observation.
    member Truncated: bool[]
    /// V(final observation) where `Truncated` is set; read only there (any finite value elsewhere).
    member FinalValues: float32[]
    /// V(s_T) of each env's state after the last step, length Envs.
    member LastValues: float32[]

    /// For C# callers: the same as `Rollout.create` (validates lengths and finiteness, raising
    /// `ArgumentException` that names the offending argument).
    ///
    /// Example (C#): `var r = Rollout.Create(2, 1, rewards, values, terminated, truncated, finalValues, lastValues);`
    static member Create:
        steps: int *
        envs: int *
        rewards: float32[] *
        values: float32[] *
        terminated: bool[] *
        truncated: bool[] *
        finalValues: float32[] *
        lastValues: float32[] ->
            Rollout

/// Building and validating rollouts.
[<RequireQualifiedAccess>]
[<CompilationRepresentation(CompilationRepresentationFlags.ModuleSuffix)>]
module Rollout =

    /// Builds a rollout, checking that every array has the right length (`steps * envs`, or `envs`
    /// for `lastValues`) and every number is finite.
    ///
    /// Raises `ArgumentException` whose message (and `ParamName`) names the offending argument.
    ///
    /// Example: two steps of one env whose episode terminates at the second step:
    /// ```fsharp
    /// Rollout.create 2 1 [| 0f; 1f |] [| 0.5f; 0.7f |] [| false; true |] [| false; false |] [| 0f; 0f |] [| 0.3f |]
    /// ```
    [<CompiledName("Create")>]
    val create:
        steps: int ->
        envs: int ->
        rewards: float32[] ->
        values: float32[] ->
        terminated: bool[] ->
        truncated: bool[] ->
        finalValues: float32[] ->
        lastValues: float32[] ->
            Rollout

    /// Index of env `env`'s transition at step `step` in the time-major arrays: `step * envs + env`.
    ///
    /// Example: `Rollout.index 4 2 1 = 9` (4 envs, step 2, env 1).
    [<CompiledName("Index")>]
    val index: envs: int -> step: int -> env: int -> int
