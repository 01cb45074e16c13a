using A2C.Envs.Rendering;

namespace A2C.Training;

/// <summary>A video being written, frame by frame: <see cref="Add"/> each frame, then <see cref="Complete"/>.</summary>
internal interface IFrameWriter : IDisposable
{
    /// <summary>Appends a frame of the video's size.</summary>
    void Add(Frame frame);

    /// <summary>Ends the video: everything is in the stream it was given.</summary>
    void Complete();
}
