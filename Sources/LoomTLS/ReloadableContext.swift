import NIOSSL
import Synchronization

/// The NIOSSLContext that new connections take, swapped whole on reload: connections
/// already up keep the context they started with, so a rotation drops none of them.
final class ReloadableContext<Files: Sendable>: Sendable {
    private let current: Mutex<(files: Files, context: NIOSSLContext)>
    private let make: @Sendable (Files) throws -> NIOSSLContext

    init(files: Files, make: @escaping @Sendable (Files) throws -> NIOSSLContext) throws {
        self.make = make
        current = Mutex((files, try make(files)))
    }

    var context: NIOSSLContext { current.withLock { $0.context } }
    var files: Files { current.withLock { $0.files } }

    /// Reads the files again. When one is missing or broken it throws and the old context
    /// stays in use: a half-copied rotation never takes the port down.
    func reload() throws {
        let files = self.files
        let context = try make(files)
        current.withLock { $0 = (files, context) }
    }
}
