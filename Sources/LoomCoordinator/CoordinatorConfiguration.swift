import LoomStore
import LoomTLS
import LoomWire

/// Everything a coordinator is told at start-up. Defaults follow the seed's settings and
/// issue 8: heartbeat 2 s, lease TTL 10 s (independent of the 1800 s job timeout).
public struct CoordinatorConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    /// 0 picks a free port (tests); `Coordinator.boundPort` says which.
    public var port: Int = 7420
    /// TLS 1.3 on the worker port (mutual with a client CA); nil: plain TCP.
    public var tls: WorkerPortTLS?
    public var secret: ClusterSecret
    public var databaseURL: String
    public var poolSize: Int = 8
    public var heartbeatInterval: Duration = .seconds(2)
    /// How long a lease lasts without a heartbeat.
    public var leaseTTL: Duration = .seconds(10)
    /// Delay before a job whose lease expired (or that failed retryably) runs again: the base
    /// of the full-jitter backoff. Small, so that a dead worker's job moves on quickly.
    public var retryBackoffBase: Duration = .milliseconds(200)
    public var retryBackoffCap: Duration = .seconds(60)
    /// How often the reaper looks for expired leases, timeouts and due jobs.
    public var reapInterval: Duration = .milliseconds(250)
    /// The dispatcher's safety net besides NOTIFY: a sweep this often while slots are free.
    public var sweepInterval: Duration = .milliseconds(250)
    /// Most leases pushed to one worker in one statement.
    public var leaseBatchSize: Int = 64
    /// Jobs one user may have running at once; 0: no cap.
    public var perUserConcurrency: Int = 0
    /// A session silent for this many heartbeat intervals is closed.
    public var silentIntervals: Int = 3
    public var handshakeTimeout: Duration = .seconds(10)
    public var maxFrameSize: Int = Frame.defaultMaxFrameSize
    public var chunkWindow: UInt16 = 8
    public var maxSlotsPerWorker: UInt16 = 1024
    /// The largest artifact assembled in memory from its parts.
    public var maxArtifactBytes: Int = 64 << 20
    /// Writes flushed to PostgreSQL in one go (events, completions): the group commit size.
    public var maxWriteBatch: Int = 2_000
    /// Ordered write queues flushed side by side (a job's writes stay in one): each holds
    /// a connection while it flushes, as does the completion group all lanes share, so
    /// keep this below `poolSize` - 1. With 2, one slow statement (a large chunk, an
    /// ingestion's completion moving its chunks) holds up only half of the writes; more
    /// lanes make smaller groups of events, and each statement has a cost of its own.
    public var writeLanes: Int = 2

    public init(secret: ClusterSecret, databaseURL: String) {
        self.secret = secret
        self.databaseURL = databaseURL
    }

    var queueConfiguration: JobQueue.Configuration {
        var configuration = JobQueue.Configuration()
        configuration.leaseTTL = leaseTTL
        configuration.backoffBase = retryBackoffBase
        configuration.backoffCap = retryBackoffCap
        return configuration
    }
}
