// A long CartPole-v1 run that prints memory every million steps: is anything growing?
//   dotnet run -c Release bench/long-run.cs [-- TOTAL_STEPS]      (default 10,000,000)
// On Debian 12, with LD_LIBRARY_PATH as ./a2c sets it (see the README's platform note).
#:project ../src/A2C.Training/A2C.Training.csproj
#:property TieredCompilationQuickJit=false
using System.Diagnostics;
using A2C.Training;

var total = args.Length > 0 ? long.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 10_000_000L;
var options = A2COptions.Defaults with { Seed = 1, TotalTimesteps = total };
using var trainer = new Trainer(options);
var clock = Stopwatch.StartNew();
Console.WriteLine("steps,seconds,managed_mb,heap_after_gc_mb,working_set_mb,private_mb,gen0,gen1,gen2,episodes,fps");
using var progress = trainer.Reports.Subscribe(report =>
{
    if (report.TotalTimesteps % 1_000_000 != 0)
    {
        return;
    }

    using var process = Process.GetCurrentProcess();
    Console.WriteLine(string.Join(",",
        report.TotalTimesteps,
        clock.Elapsed.TotalSeconds.ToString("F1", System.Globalization.CultureInfo.InvariantCulture),
        (GC.GetTotalMemory(false) / 1e6).ToString("F2", System.Globalization.CultureInfo.InvariantCulture),
        (GC.GetGCMemoryInfo().HeapSizeBytes / 1e6).ToString("F2", System.Globalization.CultureInfo.InvariantCulture),
        (process.WorkingSet64 / 1e6).ToString("F1", System.Globalization.CultureInfo.InvariantCulture),
        (process.PrivateMemorySize64 / 1e6).ToString("F1", System.Globalization.CultureInfo.InvariantCulture),
        GC.CollectionCount(0),
        GC.CollectionCount(1),
        GC.CollectionCount(2),
        trainer.Episodes.Count,
        report.Fps.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)));
});
trainer.Run();
