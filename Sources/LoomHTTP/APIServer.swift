import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
import Logging
import LoomStore
import NIOCore
import Prometheus

/// The API's limits and address.
public struct APIConfiguration: Sendable {
    /// No request body is read beyond this, whatever the route.
    public static let absoluteUploadLimit: Int64 = 4 << 30

    public var host = "127.0.0.1"
    /// 0 picks a free port (tests); `APIServer.run` reports the one bound.
    public var port = 8080
    /// JSON bodies (workflows, settings) larger than this are refused with 413.
    public var maxJSONBody = 1 << 20
    /// CSV uploads larger than this are refused with 413 before anything is stored.
    public var maxUpload: Int64 = 256 << 20
    /// The most items a page of a listing holds.
    public var maxPageSize = 200
    /// Credits a new user starts with (`loom admin create-user` may give others).
    public var initialCredits: Int64 = 1_000
    /// With a certificate: HTTPS, and WSS for the live stream. Nil: plain HTTP.
    public var tls: TLSConfiguration?

    public init() {}
}

/// The store's services the API works with.
public struct APIServices: Sendable {
    public let pool: PostgresPool
    public let users: Users
    public let workflows: Workflows
    public let queue: JobQueue
    public let datasets: Datasets

    public init(pool: PostgresPool, queue: JobQueue.Configuration = JobQueue.Configuration()) {
        self.pool = pool
        users = Users(pool: pool)
        workflows = Workflows(pool: pool)
        self.queue = JobQueue(pool: pool, configuration: queue)
        datasets = Datasets(pool: pool)
    }
}

/// Loom's HTTP API: REST under /api, the live stream at /api/workflows/{job_id}/stream,
/// the admin API under /api/admin, health at /healthz and /readyz.
public struct APIServer: Sendable {
    public let configuration: APIConfiguration
    public let services: APIServices
    /// Where the process's metrics live; the coordinator's parts record into the same one.
    public let metrics: PrometheusCollectorRegistry
    /// The live stream's fan-out (one per process); `application` runs it as a service.
    public let events: JobEventHub
    private let webSocketRefusals = WebSocketRefusals()

    public init(
        configuration: APIConfiguration, services: APIServices, stream: StreamConfiguration = StreamConfiguration(),
        metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry()
    ) {
        self.configuration = configuration
        self.services = services
        self.metrics = metrics
        events = JobEventHub(queue: services.queue, databaseURL: services.pool.configuration.url, configuration: stream)
    }

    public func router() -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        router.add(middleware: RequestMetricsMiddleware(registry: metrics))
        router.add(middleware: ErrorMiddleware())
        HealthRoutes(pool: services.pool).register(on: router)
        DashboardRoutes().register(on: router)
        let api = router.group("api")
        OpenAPIRoute().register(on: api)
        StreamRoutes(hub: events, users: services.users, refusals: webSocketRefusals).register(on: api)
        let authenticated = api.group().add(middleware: Authentication(users: services.users))
        WorkflowRoutes(configuration: configuration, services: services).register(on: authenticated)
        JobRoutes(configuration: configuration, services: services).register(on: authenticated)
        DatasetRoutes(configuration: configuration, services: services).register(on: authenticated)
        AccountRoutes(configuration: configuration, services: services).register(on: authenticated)
        let admin = api.group("admin").add(middleware: Authentication(users: services.users, adminOnly: true))
        AdminRoutes(configuration: configuration, services: services).register(on: admin)
        MetricsRoute(registry: metrics, services: services)
            .register(on: router.group().add(middleware: Authentication(users: services.users, adminOnly: true)))
        return router
    }

    /// The application, ready to run as a service. `onStarted` is told the bound port.
    public func application(
        logger: Logger = Logger(label: "loom.http"), onStarted: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = router()
        let http = HTTPServerBuilder.http1WebSocketUpgrade(
            webSocketRouter: router,
            configuration: .init(http1: .init(additionalChannelHandlers: webSocketRefusals.channelHandlers()), ws: events.webSocketConfiguration))
        return Application(
            router: router,
            // `.tls` only wraps the builder (it throws nothing in Hummingbird 2.28); its context is
            // made when the server starts, and `run()` reports a failure there.
            server: configuration.tls.map { tls in try! HTTPServerBuilder.tls(http, tlsConfiguration: tls) } ?? http,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "loom"),
            services: [events],
            onServerRunning: { channel in await onStarted(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }
}
