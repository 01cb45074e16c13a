using System.CommandLine;
using System.Globalization;
using A2C.Envs;
using A2C.Envs.Remote;
using A2C.Envs.Rendering;
using A2C.Training;

namespace A2C.Cli;

/// <summary><c>a2c record</c>: the trained policy's episodes as a GIF or MP4, captioned with the step and the return.</summary>
internal static class RecordCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var model = new Option<string>("--model") { Description = "A run's model.bin (with config.json, and normalization.json if used, beside it), or its checkpoint.zip.", Required = true };
        var episodes = new Option<int>("--episodes") { Description = "Episodes to record, one after another in one video (default 1).", DefaultValueFactory = _ => 1 };
        var seed = new Option<int>("--seed") { Description = "Seed of the env's first reset (default 0).", DefaultValueFactory = _ => 0 };
        var output = new Option<string?>("--out") { Description = "The video: FILE.gif, or FILE.mp4 with ffmpeg installed (default RUN/videos/ENV-seedS.gif)." };
        var env = new Option<string?>("--env") { Description = "Another env id to play in (same spaces), or grpc://HOST:PORT of a server that renders (its env 0 is recorded); default: the run's own." };
        var command = new Command("record", "Record a trained agent's deterministic episodes as a GIF or MP4.") { model, episodes, seed, output, env };
        command.SetAction(parse => CliErrors.Run("a2c record", stderr, () =>
        {
            var path = parse.GetValue(model)!;
            var count = parse.GetValue(episodes);
            if (count < 1)
            {
                throw CliErrors.Usage($"--episodes is {count}; allowed: 1 or more.");
            }

            var s = parse.GetValue(seed);
            var target = parse.GetValue(output);
            if (target is not null)
            {
                Checked(() => VideoFile.Check(target));
            }

            var other = parse.GetValue(env);
            // A served env is asked for frames before the model is loaded, so a server that cannot
            // render is refused before any other work.
            var served = other is not null && RemoteVectorEnv.IsRemote(other) ? ConnectRecordable(other) : null;
            IReadOnlyList<RecordedEpisode> recorded;
            try
            {
                using var trainer = TrainedModel.Load(path, other);
                var id = trainer.Options.Env;
                served ??= RemoteVectorEnv.IsRemote(id) ? ConnectRecordable(id) : null;
                var name = served is null ? id : (served.EnvId.Length > 0 ? served.EnvId : id);
                target ??= Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", "videos", $"{Trainer.FileNameOf(name)}-seed{s}.gif");
                if (served is not null)
                {
                    recorded = Checked(() => trainer.Record(served, target, s, count));
                }
                else
                {
                    using var playing = MakeRenderable(id, trainer.Options.EnvKwargs);
                    recorded = Checked(() => trainer.Record(playing, target, s, count));
                }
            }
            finally
            {
                served?.Dispose();
            }

            stdout.WriteLine($"wrote {target}");
            foreach (var (episode, k) in recorded.Select((e, k) => (e, k + 1)))
            {
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"episode {k}: return {episode.Return:F2}, length {episode.Length}"));
            }

            return 0;
        }));
        return command;
    }

    /// <summary>Records the evaluation episodes for <c>a2c eval --record DIR</c> and prints where they went.</summary>
    public static void RecordEvaluation(Trainer trainer, string directory, int episodes, int seed, bool deterministic, TextWriter stdout)
    {
        var recorded = Checked(() => trainer.RecordEvaluation(directory, episodes, seed, deterministic));
        foreach (var episode in recorded)
        {
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"recorded {episode.Path}: return {episode.Return:F2}, length {episode.Length}"));
        }
    }

    /// <summary>Refuses, with a message that names it, an env that cannot be recorded.</summary>
    public static void RequireRecordable(string id)
    {
        if (RemoteVectorEnv.IsRemote(id))
        {
            ConnectRecordable(id).Dispose();
        }
        else
        {
            MakeRenderable(id, null).Dispose();
        }
    }

    /// <summary>A single env of the registered <paramref name="id"/> (made with the run's env kwargs) that can draw itself, or a message that names it.</summary>
    private static IEnv MakeRenderable(string id, string? kwargs)
    {
        var made = EnvFactory.CreateOne(id, kwargs);
        if (made.Renderable() is null)
        {
            made.Dispose();
            throw CliErrors.Usage(new NotRenderableException(id).Message);
        }

        return made;
    }

    /// <summary>A session with the server at <paramref name="address"/>, which sends frames; a server that cannot render is bad input (exit 2), one that cannot be reached a failure (exit 1).</summary>
    private static RemoteVectorEnv ConnectRecordable(string address)
    {
        RemoteVectorEnv remote;
        try
        {
            remote = RemoteVectorEnv.Connect(address);
        }
        catch (ArgumentException e)
        {
            throw CliErrors.Usage(e.Message, e);
        }

        try
        {
            remote.RequireRendering();
        }
        catch (NotRenderableException e)
        {
            remote.Dispose();
            throw CliErrors.Usage($"{e.Message.TrimEnd('.')}, so there is nothing to record. Serve it with rendering, or record a registered env with --env.", e);
        }

        return remote;
    }

    private static T Checked<T>(Func<T> work)
    {
        try
        {
            return work();
        }
        catch (Exception e) when (e is VideoFormatException or NotRenderableException)
        {
            throw CliErrors.Usage(e.Message, e);
        }
    }
}
