// The fuzz target for the wire protocol and the chunk format (scripts/fuzz).
//
// Built by scripts/fuzz with `-sanitize=fuzzer,address -DLOOM_LIBFUZZER`, libFuzzer
// calls LLVMFuzzerTestOneInput with each input. In a normal build the same code is an
// executable that replays the files named on its command line (a crash reproducer).
import Foundation
import LoomColumnar
import LoomWire
import NIOCore

enum FuzzWire {
    /// The first byte chooses the target; the rest is the input.
    static func run(_ data: UnsafeRawBufferPointer) {
        guard let selector = data.first else { return }
        let input = UnsafeRawBufferPointer(rebasing: data.dropFirst())
        switch selector % 3 {
        case 0: frames(input, split: 0)
        case 1: frames(input, split: Int(selector) % 7 + 1)
        default: chunk(input)
        }
    }

    /// Decodes frames until the input runs out or an error is thrown. Every message that
    /// decodes must re-encode to a frame that decodes to the same message.
    static func frames(_ input: UnsafeRawBufferPointer, split: Int) {
        var decoder = FrameDecoder(maxFrameSize: 1 << 20)
        var buffer = ByteBuffer()
        var offset = 0
        do {
            while offset < input.count || buffer.readableBytes > 0 {
                if offset < input.count {
                    let step = split == 0 ? input.count : split
                    let end = min(input.count, offset + step)
                    buffer.writeBytes(UnsafeRawBufferPointer(rebasing: input[offset..<end]))
                    offset = end
                }
                while let message = try decoder.next(&buffer) { checkRoundTrip(message) }
                if offset >= input.count { break }
            }
        } catch {
            _ = error.description
        }
    }

    static func checkRoundTrip(_ message: WireMessage) {
        do {
            var encoded = try FrameEncoder(maxFrameSize: 1 << 21).encode(message)
            var decoder = FrameDecoder(maxFrameSize: 1 << 21)
            guard let again = try decoder.next(&encoded), again == message, encoded.readableBytes == 0 else {
                fatalError("message does not round-trip: \(message)")
            }
        } catch {
            fatalError("re-encoding a decoded message failed: \(error)")
        }
    }

    static func chunk(_ input: UnsafeRawBufferPointer) {
        let decoder = ChunkDecoder(maxRows: 1 << 16, maxDecodedBytes: 8 << 20)
        do {
            // Most random inputs fail the checksum; also try the input with a correct one so
            // that the parser behind it gets fuzzed too.
            _ = try decoder.decode(input)
        } catch {
            _ = error.description
        }
        guard input.count >= 8 else { return }
        var patched = [UInt8](input)
        let body = patched.count - 8
        let checksum = patched.withUnsafeBytes { XXHash64.hash(UnsafeRawBufferPointer(rebasing: $0[0..<body])) }
        for index in 0..<8 { patched[body + index] = UInt8(truncatingIfNeeded: checksum >> UInt64(8 * index)) }
        do {
            let table = try decoder.decode(patched)
            // A table that decodes must encode and decode to itself.
            let again = try ChunkDecoder().decode(try ChunkEncoder().encode(table))
            guard again == table else { fatalError("chunk does not round-trip") }
        } catch {
            _ = error.description
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    FuzzWire.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

#if LOOM_LIBFUZZER
/// libFuzzer's driver, for programs that keep their own main (SwiftPM gives every
/// executable one, so libFuzzer's own main cannot be used).
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
#endif

@main
struct FuzzMain {
    static func main() {
        #if LOOM_LIBFUZZER
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv) { data, size in fuzzTestOneInput(data, size) })
        #else
        let paths = CommandLine.arguments.dropFirst()
        if paths.isEmpty {
            print("usage: loom-fuzz-wire FILE... (replays fuzz inputs; scripts/fuzz runs the fuzzer)")
        }
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                print("cannot read \(path)")
                exit(2)
            }
            data.withUnsafeBytes { FuzzWire.run($0) }
            print("ok \(path) (\(data.count) bytes)")
        }
        #endif
    }
}
