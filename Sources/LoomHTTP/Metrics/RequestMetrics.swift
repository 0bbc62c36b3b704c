import Hummingbird
import LoomStore
import Prometheus

/// Records every request's duration by method, route (the pattern, never the raw path,
/// so ids do not multiply the series) and status.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let registry: PrometheusCollectorRegistry
    static var buckets: [Duration] {
        [.milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
         .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10)]
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var status = 500
        defer {
            registry.makeDurationHistogram(
                name: "loom_http_request_duration_seconds",
                labels: [("method", request.method.rawValue), ("route", context.endpointPath ?? "unmatched"), ("status", "\(status)")],
                buckets: Self.buckets
            ).record(ContinuousClock.now - start)
        }
        do {
            let response = try await next(request, context)
            status = response.status.code
            return response
        } catch let error as any HTTPResponseError {
            status = error.status.code
            throw error
        }
    }
}

/// `/metrics` (admin token): the process's Prometheus registry, with the number of jobs
/// in each status read from the database at scrape time.
struct MetricsRoute {
    let registry: PrometheusCollectorRegistry
    let services: APIServices

    func register(on group: RouterGroup<APIRequestContext>) {
        group.get("metrics") { _, _ -> Response in
            let statistics = try await services.queue.statistics()
            for (status, count) in statistics.counts {
                registry.makeGauge(name: "loom_jobs", labels: [("status", status.rawValue)], help: "Jobs in each status").set(Double(count))
            }
            registry.makeGauge(name: "loom_oldest_queued_job_seconds", help: "How long the oldest due queued job has waited")
                .set(statistics.oldestQueuedSeconds ?? 0)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
    }
}
