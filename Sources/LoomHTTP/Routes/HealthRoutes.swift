import Hummingbird
import LoomStore

/// `/healthz`: the process answers. `/readyz`: it can also reach the database (what a load
/// balancer or Kubernetes should route on).
struct HealthRoutes {
    let pool: PostgresPool

    func register(on router: Router<APIRequestContext>) {
        router.get("healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
        }
        router.get("readyz") { _, _ -> Response in
            do {
                _ = try await pool.withConnection { connection in try connection.query("SELECT 1", []).count }
                return Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "ready\n")))
            } catch {
                throw APIError(.serviceUnavailable, "not_ready", "the database does not answer: \(error)")
            }
        }
    }
}
