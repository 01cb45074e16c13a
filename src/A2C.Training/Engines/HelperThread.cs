using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace A2C.Training;

/// <summary>
/// A second thread for the .NET engine's fork-join: <see cref="Run"/> gives it one piece of work,
/// does another on the calling thread, and returns when both are done. The pieces it is given are
/// 3-100 µs long and come every few microseconds during a rollout, so the thread spins between
/// them (a wake-up from a blocked wait costs a system call and a reschedule) and blocks only after
/// <see cref="IdleSpin"/> without work: while the trainer logs or writes a checkpoint, it sleeps.
/// </summary>
internal sealed class HelperThread : IDisposable
{
    // Roughly 10 µs of polling before the caller's wait starts yielding.
    private const int PollsBeforeYielding = 10_000;
    private static readonly long _idleSpinTicks = (long)(Stopwatch.Frequency * IdleSpin.TotalSeconds);
    private readonly Thread _thread;
    private readonly SemaphoreSlim _wake = new(0);
    private Action? _work;
    private ExceptionDispatchInfo? _failure;

    // 1 while a piece of work is posted and not finished; the helper clears it when done.
    private int _posted;

    // 1 while the helper is (about to be) blocked on _wake; both sides use full fences on it and on
    // _posted, so a post never goes unseen by a helper that decided to sleep.
    private int _sleeping;
    private volatile bool _stopping;

    public HelperThread()
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = "a2c engine helper" };
        _thread.Start();
    }

    /// <summary>How long the helper spins without work before it blocks.</summary>
    public static TimeSpan IdleSpin { get; } = TimeSpan.FromMilliseconds(0.2);

    /// <summary>
    /// Runs <paramref name="there"/> on the helper and <paramref name="here"/> on this thread, and
    /// returns when both have finished, even when one throws (the two share buffers); then rethrows
    /// this thread's exception, or else the helper's. One caller at a time.
    /// </summary>
    public void Run(Action there, Action here)
    {
        ObjectDisposedException.ThrowIf(_stopping, this);
        _work = there;
        Interlocked.Exchange(ref _posted, 1);
        if (Interlocked.CompareExchange(ref _sleeping, 0, 1) == 1)
        {
            _wake.Release();
        }

        ExceptionDispatchInfo? failure;
        try
        {
            here();
        }
        finally
        {
            var spin = default(SpinWait);
            var polls = 0;
            while (Volatile.Read(ref _posted) != 0)
            {
                // Plain polls first (see Loop on PAUSE); then yields now and then, so an oversubscribed machine lets the helper run.
                if (++polls > PollsBeforeYielding)
                {
                    spin.SpinOnce(sleep1Threshold: -1);
                }
            }

            // After here() threw, its exception goes on and the helper's, if any, is dropped.
            failure = _failure;
            _failure = null;
        }

        failure?.Throw();
    }

    /// <summary>Stops the helper and waits for it to end.</summary>
    public void Dispose()
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        Interlocked.Exchange(ref _sleeping, 0);
        _wake.Release();
        _thread.Join();
        _wake.Dispose();
    }

    private void Loop()
    {
        var idleSince = Stopwatch.GetTimestamp();
        var spins = 0;
        while (!_stopping)
        {
            if (Volatile.Read(ref _posted) == 1)
            {
                try
                {
                    _work!();
                }
                catch (Exception e)
                {
                    _failure = ExceptionDispatchInfo.Capture(e);
                }

                _work = null;
                Volatile.Write(ref _posted, 0);
                idleSince = Stopwatch.GetTimestamp();
                spins = 0;
                continue;
            }

            // Plain polls, no PAUSE: on this project's KVM machine a PAUSE loop gave 64 envs a lower
            // median (1.14M against 1.27M steps/s, interleaved runs); a hypervisor's pause-loop
            // exiting, which deschedules a vCPU that spins on PAUSE, is the likely cause.
            if (++spins % 1024 != 0 || Stopwatch.GetTimestamp() - idleSince < _idleSpinTicks)
            {
                continue;
            }

            // Announce the sleep, then look once more: a post made before the announcement is seen
            // here; one made after it finds _sleeping set and releases the semaphore.
            Interlocked.Exchange(ref _sleeping, 1);
            if (Volatile.Read(ref _posted) == 1 || _stopping)
            {
                if (Interlocked.CompareExchange(ref _sleeping, 0, 1) == 0)
                {
                    // The poster saw the announcement first and released: take that release.
                    _wake.Wait();
                }

                continue;
            }

            _wake.Wait();
            idleSince = Stopwatch.GetTimestamp();
            spins = 0;
        }
    }
}
