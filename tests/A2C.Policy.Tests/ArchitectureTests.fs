/// A2C.Policy's place in the house: no package at all (so nothing native, no TorchSharp) in either
/// target framework, nothing of ours referenced, and the dense loops shared with the trainer's .NET
/// engine rather than copied.
module A2C.Policy.Tests.ArchitectureTests

open System
open System.IO
open System.Reflection
open System.Reflection.Metadata
open System.Reflection.PortableExecutable
open System.Runtime.InteropServices
open System.Text.Json
open A2C.Policy.Tests.PolicyChecks
open Expecto

/// Packages A2C.Policy may bring to a game engine's project: none.
let private allowedPackages: Set<string> = Set.empty

let private frameworks = [ "netstandard2.1"; "net10.0" ]

let private projectDirectory = Path.Combine(root, "src", "A2C.Policy")

let private json (path: string) =
    Expect.isTrue (File.Exists path) $"{path} exists (build A2C.Policy first)"
    JsonDocument.Parse(File.ReadAllText path).RootElement

let private members (element: JsonElement) =
    [ for p in element.EnumerateObject() -> p.Name ]

/// The names of the assemblies a built A2C.Policy.dll refers to, read from its metadata.
let private referencedAssemblies (framework: string) =
    let path =
        Path.Combine(projectDirectory, "bin", "Release", framework, "A2C.Policy.dll")

    use stream = File.OpenRead path
    use pe = new PEReader(stream)
    let reader = pe.GetMetadataReader()

    [
        for handle in reader.AssemblyReferences -> reader.GetString(reader.GetAssemblyReference(handle).Name)
    ]

/// A restore target's framework: "net10.0/linux-x64" is net10.0 for one runtime.
let private withoutRuntime (target: string) = target.Split('/')[0]

[<Tests>]
let tests =
    testList
        "A2C.Policy architecture"
        [
            test "project.assets.json: both target frameworks restore no package but the allowlist's" {
                let assets = json (Path.Combine(projectDirectory, "obj", "project.assets.json"))
                let targets = assets.GetProperty "targets"

                // Each framework may also appear for this machine's runtime ("net10.0/linux-x64"), which the
                // ReadyToRun publish of the CLI restores; those targets are checked like the others below.
                Expect.equal
                    (set (members targets |> List.map withoutRuntime))
                    (set frameworks)
                    "netstandard2.1 and net10.0"

                for target in targets.EnumerateObject() do
                    let packages =
                        members target.Value |> List.map (fun p -> p.Split('/')[0]) |> Set.ofList

                    Expect.isEmpty
                        (Set.difference packages allowedPackages)
                        $"{target.Name}: packages outside the allowlist"

                let libraries =
                    members (assets.GetProperty "libraries") |> List.map (fun p -> p.Split('/')[0])

                Expect.isEmpty (Set.difference (set libraries) allowedPackages) "libraries outside the allowlist"
            }

            test "the lock file agrees: no dependency in either framework" {
                let lockFile = json (Path.Combine(projectDirectory, "packages.lock.json"))
                let dependencies = lockFile.GetProperty "dependencies"

                Expect.equal
                    (set (members dependencies |> List.map withoutRuntime))
                    (set [ ".NETStandard,Version=v2.1"; "net10.0" ])
                    "both frameworks (and, for the CLI's ReadyToRun publish, the same for this machine's runtime)"

                for framework in dependencies.EnumerateObject() do
                    Expect.isEmpty (Set.difference (set (members framework.Value)) allowedPackages) $"{framework.Name}"
            }

            test
                "the built .deps.json of both frameworks lists only A2C.Policy itself: no TorchSharp, libtorch or native asset" {
                for framework in frameworks do
                    let path =
                        Path.Combine(projectDirectory, "bin", "Release", framework, "A2C.Policy.deps.json")

                    let text = File.ReadAllText path
                    let deps = json path
                    let libraries = members (deps.GetProperty "libraries")
                    Expect.equal libraries [ "A2C.Policy/0.1.0" ] $"{framework}: libraries"

                    for word in [ "TorchSharp"; "libtorch"; "\"native\""; "runtimeTargets"; "OnnxRuntime" ] do
                        Expect.isFalse (text.Contains word) $"{framework}: the deps name {word}"
            }

            test
                "the built assemblies refer only to the framework: netstandard for netstandard2.1, the shared framework's for net10.0" {
                Expect.equal (referencedAssemblies "netstandard2.1") [ "netstandard" ] "netstandard2.1"
                let runtime = RuntimeEnvironment.GetRuntimeDirectory()

                for name in referencedAssemblies "net10.0" do
                    Expect.isTrue
                        (File.Exists(Path.Combine(runtime, name + ".dll")))
                        $"net10.0 refers to {name}, which is not in the shared framework ({runtime})"

                    Expect.isFalse (name.StartsWith "A2C") $"A2C.Policy depends on nothing of ours ({name})"
            }

            test "the dense loops are one file compiled by both: A2C.Training's .NET engine runs A2C.Policy's kernels" {
                let training = Assembly.Load "A2C.Training"
                let policy = typeof<A2C.Runtime.Policy>.Assembly
                let flags = BindingFlags.NonPublic ||| BindingFlags.Static

                for assembly in [ training; policy ] do
                    let loops = assembly.GetType "A2C.Kernels.DenseLoops"
                    Expect.isNotNull loops $"{assembly.GetName().Name} compiles DenseLoops"

                    for name in [ "Combine"; "Tanh" ] do
                        Expect.isNotNull
                            ((nonNull loops).GetMethod(name, flags))
                            $"{assembly.GetName().Name}: DenseLoops.{name}"

                let kernel = nonNull (training.GetType "A2C.Training.MlpKernel")
                Expect.isNull (kernel.GetMethod("Combine", flags)) "the engine has no copy of its own"

                let csproj =
                    File.ReadAllText(Path.Combine(root, "src", "A2C.Training", "A2C.Training.csproj"))

                Expect.stringContains csproj "../A2C.Policy/Kernels/DenseLoops.cs" "linked from A2C.Policy"
            }
        ]
