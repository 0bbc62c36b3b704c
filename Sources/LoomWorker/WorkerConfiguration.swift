import LoomTLS
import LoomWire

public struct WorkerConfiguration: Sendable {
    public var coordinatorHost: String
    public var coordinatorPort: Int
    /// TLS 1.3 to the coordinator (with a client certificate for mutual TLS); nil: plain TCP.
    public var tls: CoordinatorLinkTLS?
    public var secret: ClusterSecret
    public var name: String
    /// Jobs run at once (the seed's max_jobs).
    public var slots: Int = 10
    public var labels: [String: String] = [:]
    /// A worker that has not had a heartbeat answered for this long stops its jobs itself:
    /// the coordinator has reclaimed them by then. The coordinator's lease TTL.
    public var leaseTTL: Duration = .seconds(10)
    /// How long running jobs may take to finish once a drain began (SIGTERM or operator).
    public var drainGrace: Duration = .seconds(30)
    public var reconnectDelay: Duration = .milliseconds(100)
    public var maxReconnectDelay: Duration = .seconds(5)
    public var connectTimeout: Duration = .seconds(5)
    /// Bytes of dataset chunks kept by content hash.
    public var chunkCacheBytes: Int = 512 << 20
    /// Threads for CPU-heavy job work (parsing, training); 0: one per core.
    public var cpuThreads: Int = 0
    /// Messages held while disconnected (oldest progress dropped first beyond it).
    public var maxBufferedMessages: Int = 10_000
    public var buildVersion: String = "loom-worker"

    public init(coordinatorHost: String, coordinatorPort: Int, secret: ClusterSecret, name: String) {
        self.coordinatorHost = coordinatorHost
        self.coordinatorPort = coordinatorPort
        self.secret = secret
        self.name = name
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
