/// TensorBoard event files read back independently of the code under test: TFRecord framing
/// (uint64 length, uint32 masked CRC, data, uint32 masked CRC) around Event protocol buffers
/// (step: field 2, int64; summary: field 5, whose values (field 1) carry their tag in field 1).
module A2C.Training.Tests.RunDirectory.EventFiles

open System
open System.IO
open System.Text

/// The fields of a protocol buffer: number and either a varint or the bytes of a length-delimited field.
let private fields (data: byte array) =
    let at = ref 0

    let varint () =
        let mutable value = 0UL
        let mutable shift = 0
        let mutable more = true

        while more do
            let b = data.[at.Value]
            at.Value <- at.Value + 1
            value <- value ||| (uint64 (b &&& 0x7fuy) <<< shift)
            shift <- shift + 7
            more <- b &&& 0x80uy <> 0uy

        value

    [
        while at.Value < data.Length do
            let key = varint ()
            let number = int (key >>> 3)

            match int (key &&& 7UL) with
            | 0 -> yield number, Choice1Of2(int64 (varint ()))
            | 1 -> at.Value <- at.Value + 8
            | 2 ->
                let length = int (varint ())
                yield number, Choice2Of2 data.[at.Value .. at.Value + length - 1]
                at.Value <- at.Value + length
            | 5 -> at.Value <- at.Value + 4
            | wire -> failwith $"wire type {wire} in an Event"
    ]

/// One event: its step (0 when it has none) and the tags of its summary's values.
type Event = { Step: int64; Tags: string list }

let private event (data: byte array) =
    let all = fields data

    let step =
        all
        |> List.tryPick (function
            | 2, Choice1Of2 step -> Some step
            | _ -> None)
        |> Option.defaultValue 0L

    let tags =
        [
            for number, value in all do
                match number, value with
                | 5, Choice2Of2 summary ->
                    for n, v in fields summary do
                        match n, v with
                        | 1, Choice2Of2 entry ->
                            for m, t in fields entry do
                                match m, t with
                                | 1, Choice2Of2 tag -> yield Encoding.UTF8.GetString tag
                                | _ -> ()
                        | _ -> ()
                | _ -> ()
        ]

    { Step = step; Tags = tags }

/// The events of a file, in order; fails on a record cut short.
let read (path: string) =
    let bytes = File.ReadAllBytes path
    let mutable offset = 0

    [
        while offset < bytes.Length do
            if bytes.Length - offset < 16 then
                failwith $"{path}: a record cut short at byte {offset}"

            let length = int (BitConverter.ToUInt64(bytes, offset))

            if offset + 12 + length + 4 > bytes.Length then
                failwith $"{path}: a record of {length} bytes cut short at byte {offset}"

            yield event bytes.[offset + 12 .. offset + 12 + length - 1]
            offset <- offset + 12 + length + 4
    ]

/// Every (tag, step) of the scalar events in a directory's event files.
let scalars (directory: string) =
    [
        for path in Directory.GetFiles(directory, "events.out.tfevents.*") do
            for e in read path do
                for tag in e.Tags -> tag, e.Step
    ]
