using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace A2C.Training;

/// <summary>
/// TorchSharp's RMSprop step (no momentum, not centered), operation for operation, on the state
/// tensors of the TorchSharp optimizer it belongs to, so results and checkpoints are the same.
/// It exists because TorchSharp 0.107 turns each double into a temporary <see cref="Scalar"/>
/// whose finalizer may free it while libtorch still reads it (nothing keeps it alive across the
/// native call, and dispose scopes do not hold scalars): one fresh-clone CI run failed with
/// Scalar::toFloat's check inside add_(Scalar). Here every scalar lives in a field or a using.
/// </summary>
internal sealed class KeptScalarRmsProp : IDisposable
{
    private readonly Parameter _parameter;
    private readonly Tensor _gradients;
    private readonly RMSProp.State _state;
    private readonly Scalar _alpha;
    private readonly Scalar _oneMinusAlpha;
    private readonly Scalar _epsilon;
    private readonly Scalar _one = 1.ToScalar();

    /// <summary>Steps <paramref name="parameter"/>, the one parameter of <paramref name="optimizer"/>, along <paramref name="gradients"/> (its gradient).</summary>
    public KeptScalarRmsProp(RMSProp optimizer, Parameter parameter, Tensor gradients, double alpha, double epsilon)
    {
        _parameter = parameter;
        _gradients = gradients;
        _state = (RMSProp.State)optimizer.state_dict().State.Single();
        _alpha = alpha.ToScalar();
        _oneMinusAlpha = (1 - alpha).ToScalar();
        _epsilon = epsilon.ToScalar();
    }

    /// <summary>One step with learning rate <paramref name="learningRate"/>.</summary>
    public void Step(double learningRate)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var rate = (-learningRate).ToScalar();
        _state.step += 1;
        _state.square_avg.mul_(_alpha).addcmul_(_gradients, _gradients, _oneMinusAlpha);
        var average = _state.square_avg.sqrt().add_(_epsilon, _one);
        _parameter.addcdiv_(_gradients, average, rate);
    }

    public void Dispose()
    {
        _alpha.Dispose();
        _oneMinusAlpha.Dispose();
        _epsilon.Dispose();
        _one.Dispose();
    }
}
