/// gSDE learns: RL Zoo's MountainCarContinuous-v0 entry (use_sde, sde_sample_freq 16), from the
/// shipped hyperparams/a2c.yml, through the whole trainer.
module A2C.Training.Tests.Running.SdeTrainingTests

open System
open System.IO
open A2C.Training
open Expecto
open TorchSharp

let private shippedHyperparams () =
    let rec up (dir: DirectoryInfo) =
        if File.Exists(Path.Combine(dir.FullName, "A2C.sln")) then
            Path.Combine(dir.FullName, "hyperparams", "a2c.yml")
        else
            up (nonNull dir.Parent)

    up (DirectoryInfo AppContext.BaseDirectory)

[<Tests>]
let tests =
    testSequenced
    <| testList
        "gSDE training"
        [
            test "MountainCarContinuous-v0 with RL Zoo's gSDE entry goes from not reaching the flag to reaching it" {
                let errors = ResizeArray()

                let options =
                    ZooHyperparams.Apply(
                        A2COptions(Env = "MountainCarContinuous-v0", Seed = 0),
                        shippedHyperparams (),
                        "MountainCarContinuous-v0",
                        errors
                    )

                Expect.isEmpty errors "the shipped entry applies"
                Expect.isTrue (options.UseSde && options.SdeSampleFreq = 16) "gSDE every 16 steps"
                // With Gymnasium's seeding, seeds 0, 1, 3, 4 and 5 reach the flag (91.0-91.8 over 10 episodes) and seed 2
                // does not (33 ± 87): a seed is one draw of a stochastic run, and this one is fixed.
                // The trainer keeps libtorch to one intra-op thread itself; setting it here as well would
                // change it under other tests' trainers, whose exact-resume checks depend on it.
                use trainer = new Trainer(options)
                let before = trainer.Evaluate(5, 123)
                let result = trainer.Run()
                let after = trainer.Evaluate(10, 123)
                Expect.equal result.TotalTimesteps 100_000L "RL Zoo's budget"
                // Every episode that reaches the flag earns 100 minus its energy cost.
                Expect.isLessThan before.Mean 50.0 $"untrained: {before.Mean}"
                Expect.isGreaterThan after.Mean 80.0 $"trained: {after.Mean} (RL Zoo: 91.17 ± 0.26)"
            }
        ]
