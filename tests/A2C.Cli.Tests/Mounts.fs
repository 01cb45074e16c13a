/// Scratch file systems for the disk-fault tests: a tmpfs of a given size or read-only, and a
/// way to fill one. Mounting needs root on Linux; elsewhere the tests say why they skip.
module A2C.Cli.Tests.Mounts

open System
open System.Diagnostics
open System.IO

/// Runs a program and returns (exit code, stderr).
let exec (file: string) (args: string list) =
    let info =
        ProcessStartInfo(file, RedirectStandardOutput = true, RedirectStandardError = true)

    args |> List.iter info.ArgumentList.Add
    use proc = nonNull (Process.Start info)
    let err = proc.StandardError.ReadToEndAsync()
    proc.StandardOutput.ReadToEnd() |> ignore
    proc.WaitForExit()
    proc.ExitCode, err.Result

/// Mounts a tmpfs with `options` on a new directory, or says why it cannot (not root, no mount).
let tmpfs (options: string) =
    let dir =
        Path.Combine(Path.GetTempPath(), "a2c-tmpfs-" + Guid.NewGuid().ToString("N"))

    Directory.CreateDirectory dir |> ignore

    let why =
        if not (OperatingSystem.IsLinux()) then
            Some "tmpfs mounts need Linux"
        elif not Environment.IsPrivilegedProcess then
            Some "mounting a tmpfs needs root"
        else
            try
                match exec "mount" [ "-t"; "tmpfs"; "-o"; options; "tmpfs"; dir ] with
                | 0, _ -> None
                | code, err -> Some $"mount -t tmpfs failed ({code}): {err.Trim()}"
            with e ->
                Some $"mount could not run: {e.Message}"

    match why with
    | None -> Ok dir
    | Some reason ->
        Directory.Delete dir
        Error reason

/// Unmounts a tmpfs made by `tmpfs` and removes its directory.
let unmount (dir: string) =
    exec "umount" [ dir ] |> ignore
    Directory.Delete(dir, true)

/// Writes a filler file until the file system is full; returns its path.
let fill (dir: string) =
    let path = Path.Combine(dir, "filler")
    use filler = new FileStream(path, FileMode.Create)
    let block = Array.zeroCreate<byte> 4096

    try
        while true do
            filler.Write(block, 0, block.Length)
            filler.Flush()
    with :? IOException ->
        ()

    path
