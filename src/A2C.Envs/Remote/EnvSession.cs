using A2C.Envs.Remote.Protocol;
using A2C.Envs.Rendering;
using A2C.Envs.Spaces;
using A2C.Envs.Vector;
using RenderedFrame = A2C.Envs.Rendering.Frame;

namespace A2C.Envs.Remote;

/// <summary>
/// One protocol session on the server side: answers each request of a client against its own
/// vector env, with the protocol's sequence rules and validation. Every request gets exactly one
/// response; bad requests and env failures get an <see cref="Error"/> that names what was wrong,
/// and the session stays usable (after an env failure the client must reset first). Given a
/// rasterizer, a session over renderable envs also answers render requests with their pixels.
/// </summary>
public sealed class EnvSession : IDisposable
{
    /// <summary>The protocol version this side speaks.</summary>
    public const uint Version = 2;

    private readonly IVectorEnv _env;
    private readonly string _envId;
    private readonly int? _maxEpisodeSteps;
    private readonly double? _rewardThreshold;
    private readonly int _actionSize;
    private readonly SessionFrames? _frames;
    private bool _specSent;
    private bool _ready;
    private bool _stepped;
    private long _steps;

    /// <summary>Serves <paramref name="env"/> (owned by the session) as <paramref name="envId"/>.</summary>
    /// <param name="env">The envs this session steps.</param>
    /// <param name="envId">The id reported in the spec.</param>
    /// <param name="maxEpisodeSteps">The time limit reported in the spec, if any.</param>
    /// <param name="rewardThreshold">The reward threshold reported in the spec, if any.</param>
    /// <param name="rasterizer">
    /// Turns a scene into pixels (A2C.Training's <c>SceneRasterizer.Rasterize</c>, which <c>a2c serve</c>
    /// passes). With it, when <paramref name="env"/> is a <see cref="VectorEnv"/> whose envs all draw
    /// themselves, the spec says the session renders and render requests get frames; final frames
    /// need envs made by <see cref="ForRegistered"/>. Without it, render requests get NOT_RENDERABLE.
    /// </param>
    public EnvSession(IVectorEnv env, string envId, int? maxEpisodeSteps, double? rewardThreshold, Func<Scene, RenderedFrame>? rasterizer = null)
    {
        ArgumentNullException.ThrowIfNull(env);
        _env = env;
        _envId = envId;
        _maxEpisodeSteps = maxEpisodeSteps;
        _rewardThreshold = rewardThreshold;
        _actionSize = env.SingleActionSpace.FlatSize;
        _frames = rasterizer is null ? null : SessionFrames.For(env, rasterizer);
    }

    /// <summary>Whether render requests get frames (the spec carries their size).</summary>
    public bool CanRender => _frames is not null;

    /// <summary>
    /// A session over <paramref name="numEnvs"/> fresh envs of <paramref name="spec"/> (each with
    /// its time limit), as <c>a2c serve</c> serves them. With a rasterizer and an env that draws
    /// itself it renders, final frames included: each env keeps the scene its episode ended in,
    /// which the same-step reset would otherwise replace.
    /// </summary>
    /// <param name="spec">A registered env.</param>
    /// <param name="numEnvs">N, at least 1.</param>
    /// <param name="rasterizer">Scenes to pixels, or null for a session that does not render.</param>
    /// <param name="kwargs">The envs' keyword arguments, as <c>gym.make</c> takes them, or null.</param>
    /// <returns>The session; it owns its envs.</returns>
    public static EnvSession ForRegistered(EnvSpec spec, int numEnvs, Func<Scene, RenderedFrame>? rasterizer = null, System.Text.Json.Nodes.JsonObject? kwargs = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentOutOfRangeException.ThrowIfLessThan(numEnvs, 1);
        var envs = new IEnv[numEnvs];
        for (var i = 0; i < numEnvs; i++)
        {
            var env = Registry.Make(spec.Id, kwargs);
            envs[i] = rasterizer is not null && env.Renderable() is not null ? new FinalSceneKeeper(env) : env;
        }

        return new EnvSession(new VectorEnv(envs), spec.Id, spec.MaxEpisodeSteps, spec.RewardThreshold, rasterizer);
    }

    /// <summary>The response to <paramref name="request"/>.</summary>
    /// <param name="request">The client's request.</param>
    /// <returns>A spec, a batch or an error.</returns>
    public Response Handle(Request request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Version != Version)
        {
            return Fail(Error.Types.Code.UnsupportedVersion, $"the request speaks protocol version {request.Version}; this server speaks version {Version}: use a client of version {Version}.");
        }

        return request.KindCase switch
        {
            Request.KindOneofCase.Spec => HandleSpec(),
            Request.KindOneofCase.Reset => HandleReset(request.Reset),
            Request.KindOneofCase.Step => HandleStep(request.Step),
            Request.KindOneofCase.Render => HandleRender(request.Render),
            _ => Fail(Error.Types.Code.InvalidArgument, "the request has no kind: send spec, reset, step or render."),
        };
    }

    /// <summary>Closes the envs.</summary>
    public void Dispose() => _env.Dispose();

    private static Response Fail(Error.Types.Code code, string message) =>
        new() { Version = Version, Error = new Error { Code = code, Message = message } };

    private Response HandleSpec()
    {
        if (_specSent)
        {
            return Fail(Error.Types.Code.BadSequence, "the spec was already sent in this session; send reset or step.");
        }

        _specSent = true;
        var spec = new Spec
        {
            EnvId = _envId,
            NumEnvs = (uint)_env.NumEnvs,
            ObservationSpace = SpaceMessages.ToMessage(_env.SingleObservationSpace),
            ActionSpace = SpaceMessages.ToMessage(_env.SingleActionSpace),
            MaxEpisodeSteps = (uint)(_maxEpisodeSteps ?? 0),
            Render = _frames?.Info,
        };
        if (_rewardThreshold is { } threshold)
        {
            spec.RewardThreshold = threshold;
        }

        return new Response { Version = Version, Spec = spec };
    }

    private Response HandleReset(ResetRequest reset)
    {
        if (!_specSent)
        {
            return Fail(Error.Types.Code.BadSequence, "a reset before the spec: send a SpecRequest first.");
        }

        if (reset.HasSeed && reset.Seed is < 0 or > int.MaxValue)
        {
            return Fail(Error.Types.Code.InvalidArgument, $"seed is {reset.Seed}; allowed: 0 to {int.MaxValue}.");
        }

        try
        {
            _env.Reset(reset.HasSeed ? (int)reset.Seed : null);
        }
        catch (Exception e)
        {
            _ready = false;
            return Fail(Error.Types.Code.EnvironmentFailed, $"reset failed: {e.Message}");
        }

        _ready = true;
        _stepped = false;
        _steps = 0;
        return NonFinite("reset") ?? Batch(afterStep: false);
    }

    private Response HandleStep(StepRequest step)
    {
        if (!_ready)
        {
            return Fail(Error.Types.Code.BadSequence, _specSent ? "a step before the first reset (or after an environment failure): send a ResetRequest first." : "a step before the spec: send a SpecRequest first.");
        }

        try
        {
            var refused = _env.SingleActionSpace is Box ? StepContinuous(step) : StepIntegers(step);
            if (refused is not null)
            {
                return refused;
            }
        }
        catch (Exception e)
        {
            _ready = false;
            return Fail(Error.Types.Code.EnvironmentFailed, $"step {_steps} failed: {e.Message}");
        }

        _steps++;
        _stepped = true;
        return NonFinite($"step {_steps - 1}") ?? Batch(afterStep: true);
    }

    private Response HandleRender(RenderRequest render)
    {
        if (!_specSent)
        {
            return Fail(Error.Types.Code.BadSequence, "a render before the spec: send a SpecRequest first.");
        }

        if (_frames is null)
        {
            return Fail(Error.Types.Code.NotRenderable, $"this server cannot render {_envId}: {(_env is VectorEnv ? "it has no rasterizer or its envs do not draw themselves" : "its envs are not in-process envs it can draw")}; its spec has no render info.");
        }

        if (!_ready)
        {
            return Fail(Error.Types.Code.BadSequence, "a render before the first reset (or after an environment failure): send a ResetRequest first.");
        }

        if (render.Env >= _env.NumEnvs)
        {
            return Fail(Error.Types.Code.InvalidArgument, $"env is {render.Env}; allowed: 0 to {_env.NumEnvs - 1}.");
        }

        var i = (int)render.Env;
        if (render.Final && !(_stepped && (_env.Terminated[i] || _env.Truncated[i])))
        {
            return Fail(Error.Types.Code.BadSequence, $"env {i}'s episode did not end in the last step, so it has no final frame: ask with final = false for its current state.");
        }

        RenderedFrame? frame;
        try
        {
            frame = render.Final ? _frames.Final(i) : _frames.Current(i);
        }
        catch (Exception e)
        {
            // A failed drawing leaves the env's state as it was: the session goes on.
            return Fail(Error.Types.Code.EnvironmentFailed, $"rendering env {i} failed: {e.Message}");
        }

        if (frame is null)
        {
            return Fail(Error.Types.Code.NotRenderable, $"this server keeps no final frames of {_envId} (its envs were not made by EnvSession.ForRegistered).");
        }

        var message = new Protocol.Frame { Width = (uint)frame.Width, Height = (uint)frame.Height, Rgb = Google.Protobuf.ByteString.CopyFrom(frame.Pixels) };
        return new Response { Version = Version, Frame = message };
    }

    /// <summary>Checks and applies integer actions (N for Discrete, N x K for MultiDiscrete and MultiBinary); an error response when they are wrong.</summary>
    private Response? StepIntegers(StepRequest step)
    {
        var n = _env.NumEnvs;
        var space = _env.SingleActionSpace;
        var expected = n * _actionSize;
        if (step.ContinuousActions.Count > 0 || step.DiscreteActions.Count != expected)
        {
            var what = space is Discrete ? "discrete" : $"{space}";
            var count = space is Discrete ? $"{n} discrete_actions" : $"{expected} discrete_actions ({n} envs x {_actionSize})";
            return Fail(Error.Types.Code.InvalidArgument, $"the action space is {what}: expected {count} and no continuous_actions; got {step.DiscreteActions.Count} and {step.ContinuousActions.Count}.");
        }

        var actions = new int[expected];
        step.DiscreteActions.CopyTo(actions, 0);
        for (var i = 0; i < n; i++)
        {
            var action = actions.AsSpan(i * _actionSize, _actionSize);
            if (space is Discrete discrete && !discrete.Contains(action[0]))
            {
                return Fail(Error.Types.Code.InvalidArgument, $"discrete_actions[{i}] is {action[0]}; allowed: {discrete.Start} to {discrete.Start + discrete.N - 1}.");
            }

            if (space.IntegerActionViolation(action) is { } why)
            {
                return Fail(Error.Types.Code.InvalidArgument, $"env {i}: action {why}.");
            }
        }

        _env.Step((ReadOnlySpan<int>)actions);
        return null;
    }

    /// <summary>Checks and applies box actions (N x D floats); an error response when they are wrong.</summary>
    private Response? StepContinuous(StepRequest step)
    {
        var n = _env.NumEnvs;
        if (step.DiscreteActions.Count > 0 || step.ContinuousActions.Count != n * _actionSize)
        {
            return Fail(Error.Types.Code.InvalidArgument, $"the action space is a box of {_actionSize}: expected {n * _actionSize} continuous_actions ({n} envs x {_actionSize}) and no discrete_actions; got {step.ContinuousActions.Count} and {step.DiscreteActions.Count}.");
        }

        var actions = new float[n * _actionSize];
        step.ContinuousActions.CopyTo(actions, 0);
        for (var i = 0; i < actions.Length; i++)
        {
            if (!float.IsFinite(actions[i]))
            {
                return Fail(Error.Types.Code.InvalidArgument, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"continuous_actions[{i}] (env {i / _actionSize}) is {actions[i]}; actions must be finite."));
            }
        }

        _env.Step((ReadOnlySpan<float>)actions);
        return null;
    }

    /// <summary>An error naming the first env whose observation or reward is NaN or infinite, or whose observation is outside an integer observation space (naming the key), if any.</summary>
    private Response? NonFinite(string when)
    {
        var size = _env.ObservationSize;
        for (var i = 0; i < _env.Observations.Length; i++)
        {
            if (!float.IsFinite(_env.Observations[i]))
            {
                _ready = false;
                return Fail(Error.Types.Code.EnvironmentFailed, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{when}: environment {i / size} returned observation[{i % size}] = {_env.Observations[i]}."));
            }
        }

        if (_env.SingleObservationSpace.HasIntegerParts())
        {
            for (var i = 0; i < _env.NumEnvs; i++)
            {
                if (_env.SingleObservationSpace.ObservationViolation(_env.Observations.AsSpan(i * size, size)) is { } why)
                {
                    _ready = false;
                    return Fail(Error.Types.Code.EnvironmentFailed, $"{when}: environment {i} returned an observation outside its space: {why}.");
                }
            }
        }

        for (var i = 0; i < _env.NumEnvs; i++)
        {
            if (!float.IsFinite(_env.Rewards[i]))
            {
                _ready = false;
                return Fail(Error.Types.Code.EnvironmentFailed, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{when}: environment {i} returned reward {_env.Rewards[i]}."));
            }
        }

        return null;
    }

    private Response Batch(bool afterStep)
    {
        var batch = new Batch();
        batch.Observations.Add(_env.Observations);
        var n = _env.NumEnvs;
        if (afterStep)
        {
            batch.Rewards.Add(_env.Rewards);
            batch.Terminated.Add(_env.Terminated);
            batch.Truncated.Add(_env.Truncated);
            var size = _env.ObservationSize;
            var finals = new float[n * size];
            for (var i = 0; i < n; i++)
            {
                if (_env.Terminated[i] || _env.Truncated[i])
                {
                    Array.Copy(_env.FinalObservations, i * size, finals, i * size, size);
                }
            }

            batch.FinalObservations.Add(finals);
        }
        else
        {
            batch.Rewards.Add(new float[n]);
            batch.Terminated.Add(new bool[n]);
            batch.Truncated.Add(new bool[n]);
        }

        return new Response { Version = Version, Batch = batch };
    }
}
