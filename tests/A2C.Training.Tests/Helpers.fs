/// What several of the library's tests build the same way.
module A2C.Training.Tests.Helpers

open A2C.Training
open TorchSharp

/// An actor-critic with seeded initial weights.
let newModel (spec: PolicySpec) = ActorCritic.Seeded(spec, 1L)
