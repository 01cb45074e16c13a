using System.CommandLine;
using System.Globalization;
using A2C.Training;

namespace A2C.Cli;

/// <summary><c>a2c export</c>: a trained model as one ONNX file (docs/export.md).</summary>
internal static class ExportCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var model = new Option<string>("--model") { Description = "A run's model.bin (with config.json, and normalization.json if used, beside it), or its checkpoint.zip.", Required = true };
        var onnx = new Option<string>("--onnx") { Description = "The .onnx file to write (replaced atomically): the policy and value networks, normalization folded in.", Required = true };
        var command = new Command("export", "Export a trained model's policy and value networks as an ONNX graph, for ONNX Runtime and A2C.Policy.") { model, onnx };
        command.SetAction(parse => CliErrors.Run("a2c export", stderr, () =>
        {
            var (source, target) = (parse.GetValue(model)!, parse.GetValue(onnx)!);
            if (!target.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            {
                throw CliErrors.Usage($"--onnx is '{target}'; the file to write must end in .onnx.");
            }

            if (Directory.Exists(target))
            {
                throw CliErrors.Usage($"--onnx is '{target}', a directory; give the file to write.");
            }

            var directory = Path.GetDirectoryName(Path.GetFullPath(target));
            if (directory is not null && !Directory.Exists(directory))
            {
                throw CliErrors.Failure($"cannot write '{target}': the directory '{directory}' does not exist.");
            }

            using var trainer = TrainedModel.Load(source);
            ExportedPolicy exported;
            try
            {
                exported = OnnxExport.Write(trainer, target);
            }
            catch (NotSupportedException e)
            {
                throw CliErrors.Usage($"'{source}' cannot be exported: {e.Message}", e);
            }

            var normalized = trainer.Normalizer is null ? string.Empty : ", observation normalization folded in";
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {target} ({exported.Bytes.Length:N0} bytes): {trainer.Options.Env}, ONNX IR {OnnxExport.IrVersion}, opset {OnnxExport.Opset}{normalized}"));
            foreach (var input in exported.Inputs)
            {
                stdout.WriteLine($"  input  {input}");
            }

            foreach (var output in exported.Outputs)
            {
                stdout.WriteLine($"  output {output}");
            }

            return 0;
        }));
        return command;
    }
}
