import Foundation
import Hummingbird

/// The web dashboard: `/` and `/dashboard` answer the page, `/dashboard/...` its files
/// (plain HTML, CSS and ES modules shipped as package resources, no build step), and
/// `/api/catalog` what the canvas may offer on each node. All of it is public: the page
/// asks for a token itself, and the catalog holds nothing of any user's.
struct DashboardRoutes {
    func register(on router: Router<APIRequestContext>) {
        let assets = DashboardAssets.shared
        router.get("/") { request, _ in assets.response(for: "index.html", request: request) }
        router.get("dashboard") { request, _ in assets.response(for: "index.html", request: request) }
        router.get("dashboard/**") { request, context in
            assets.response(for: context.parameters.getCatchAll().joined(separator: "/"), request: request)
        }
        router.get("api/catalog") { _, _ in try JSONBody.response(DashboardCatalog.shared) }
    }
}

/// The dashboard's files, read once from the bundle. A request names a file by its path
/// relative to the folder; only files found when loading are ever answered, so no request
/// path reaches the file system.
struct DashboardAssets: Sendable {
    struct Asset: Sendable {
        var bytes: ByteBuffer
        var contentType: String
        var etag: String
    }

    static let shared = DashboardAssets(folder: Bundle.module.resourceURL?.appendingPathComponent("Assets"))

    let files: [String: Asset]

    init(folder: URL?) {
        var files: [String: Asset] = [:]
        if let folder, let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey]) {
            let root = folder.standardizedFileURL.path + "/"
            for case let url as URL in walker {
                guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true,
                    let data = try? Data(contentsOf: url)
                else { continue }
                let path = String(url.standardizedFileURL.path.dropFirst(root.count))
                files[path] = Asset(
                    bytes: ByteBuffer(bytes: data), contentType: Self.contentType(of: path), etag: "\"\(Self.digest(data))\"")
            }
        }
        self.files = files
    }

    /// The file with its type; `no-cache` so that a browser revalidates (files have no
    /// hashed names) and a matching `If-None-Match` gets 304 without the body.
    func response(for path: String, request: Request) -> Response {
        guard let asset = files[path] else {
            return Response(
                status: .notFound, headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: "no such file\n")))
        }
        var headers: HTTPFields = [
            .contentType: asset.contentType,
            .cacheControl: "no-cache",
            .eTag: asset.etag,
            .xContentTypeOptions: "nosniff",
            .init("Referrer-Policy")!: "no-referrer",
        ]
        if asset.contentType.hasPrefix("text/html") {
            headers[.contentSecurityPolicy] =
                "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
        }
        if request.headers[.ifNoneMatch] == asset.etag {
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: asset.bytes))
    }

    static func contentType(of path: String) -> String {
        switch path.split(separator: ".").last.map({ $0.lowercased() }) {
        case "html": "text/html; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "json": "application/json; charset=utf-8"
        default: "application/octet-stream"
        }
    }

    /// FNV-1a, 64 bits: enough to tell two versions of a file apart.
    static func digest(_ data: Data) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}
