/// Limits of the live stream (`GET /api/workflows/{job_id}/stream`). Every queue in memory
/// is bounded: a client that falls `clientBuffer` messages behind is dropped, not waited for.
public struct StreamConfiguration: Sendable {
    /// Messages held for one client that has not taken them yet. A client that falls this far
    /// behind is closed with 1008 and may resume with `?after=SEQ`.
    public var clientBuffer = 1_024
    /// Stream clients of one job in this process; more are refused (503 before the upgrade).
    public var maxClientsPerJob = 2_000
    /// Stream clients in this process, all jobs together.
    public var maxClients = 20_000
    /// Idle streams are pinged this often; a client that does not answer is closed.
    public var pingInterval: Duration = .seconds(20)
    /// How long a closing stream waits for the client's close frame.
    public var closeTimeout: Duration = .seconds(5)

    public init() {}
}
