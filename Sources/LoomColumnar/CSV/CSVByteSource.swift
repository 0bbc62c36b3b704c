#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the bytes of a CSV file come from. An ingestion may read them twice (when the
/// types of the file's first rows do not hold for the rest, see `CSVIngestor`), so a
/// source opens a fresh stream from the start each time it is asked.
public protocol CSVByteSource: Sendable {
    /// A new stream positioned at the first byte.
    func open() throws(CSVError) -> any CSVByteStream
    /// The size in bytes when known without reading (lets a too-large file be refused at once).
    var knownByteCount: Int? { get }
}

/// Sequential reads from one opening of a source.
public protocol CSVByteStream: AnyObject {
    /// Fills a prefix of `buffer` and returns its length; 0 only at the end of the bytes.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(CSVError) -> Int
}

/// A file on disk, read with `read(2)` in large blocks (never mapped, never held whole).
public struct CSVFileSource: CSVByteSource {
    public let path: String

    public init(path: String) { self.path = path }

    public func open() throws(CSVError) -> any CSVByteStream {
        try FileStream(path: path)
    }

    public var knownByteCount: Int? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int(info.st_size)
    }

    final class FileStream: CSVByteStream {
        private let descriptor: Int32
        private let path: String

        init(path: String) throws(CSVError) {
            let descriptor = systemOpen(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                throw CSVError(.ioError, "cannot open \(path): \(String(cString: strerror(errno)))")
            }
            self.descriptor = descriptor
            self.path = path
        }

        deinit { close(descriptor) }

        func read(into buffer: UnsafeMutableRawBufferPointer) throws(CSVError) -> Int {
            guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
            while true {
                let count = systemRead(descriptor, base, buffer.count)
                if count >= 0 { return count }
                if errno == EINTR { continue }
                throw CSVError(.ioError, "cannot read \(path): \(String(cString: strerror(errno)))")
            }
        }
    }
}

/// Bytes already in memory (small uploads, tests).
public struct CSVMemorySource: CSVByteSource {
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public init(_ text: String) { self.bytes = Array(text.utf8) }

    public func open() throws(CSVError) -> any CSVByteStream { MemoryStream(bytes) }
    public var knownByteCount: Int? { bytes.count }

    final class MemoryStream: CSVByteStream {
        private let bytes: [UInt8]
        private var position = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        func read(into buffer: UnsafeMutableRawBufferPointer) throws(CSVError) -> Int {
            let count = min(buffer.count, bytes.count - position)
            guard count > 0, let target = buffer.baseAddress else { return 0 }
            bytes.withUnsafeBytes { source in
                target.copyMemory(from: source.baseAddress! + position, byteCount: count)
            }
            position += count
            return count
        }
    }
}

// The module-qualified names differ between Glibc and Darwin; these keep the calls
// above from resolving to the protocol's own `open()` and `read(into:)`.
private func systemOpen(_ path: String, _ flags: Int32) -> Int32 { open(path, flags) }
private func systemRead(_ descriptor: Int32, _ base: UnsafeMutableRawPointer, _ count: Int) -> Int { read(descriptor, base, count) }
