import Foundation
import Hummingbird
import LoomStore

/// Datasets: upload a CSV (streamed into storage in parts, refused above the size limit
/// before anything is stored when the size is declared, and the moment it is passed when
/// it is not), list a page (the bundled samples too), get with the profile, delete.
struct DatasetRoutes {
    let configuration: APIConfiguration
    let services: APIServices

    /// Parts of an upload are stored as they arrive, this large at most.
    static let partSize = 1 << 20

    func register(on group: RouterGroup<APIRequestContext>) {
        group.post("datasets") { request, context in try await upload(request, context) }
        group.get("datasets") { request, context in
            let page = try Page(request, maximum: configuration.maxPageSize)
            // A user's datasets are few (each is an upload): the page is cut here, not in SQL.
            let records = try await services.datasets.list(for: try context.caller().id)
            let items = records.dropFirst(page.offset).prefix(page.limit).map { DatasetView($0, withProfile: false) }
            return try JSONBody.response(PageView(items: Array(items), total: records.count, limit: page.limit, offset: page.offset))
        }
        group.get("datasets/:id") { _, context in
            try JSONBody.response(DatasetView(try await dataset(context), withProfile: true))
        }
        group.delete("datasets/:id") { _, context -> Response in
            let record = try await dataset(context)
            guard record.userID != nil else { throw APIError.forbidden("the bundled samples cannot be deleted") }
            try await services.datasets.delete(record.id, for: try context.caller().id)
            return Response(status: .noContent)
        }
    }

    private func dataset(_ context: APIRequestContext) async throws -> DatasetRecord {
        let id = try context.parameters.id("id", "the dataset")
        guard let record = try await services.datasets.get(id, for: try context.caller().id) else { throw APIError.notFound("the dataset") }
        return record
    }

    private func upload(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let user = try context.caller()
        let limit = configuration.maxUpload
        if let type = request.headers[.contentType]?.lowercased(),
            !["text/csv", "text/plain", "application/octet-stream"].contains(where: { type.hasPrefix($0) })
        {
            throw APIError(.unsupportedMediaType, "unsupported_media_type", "send the CSV file itself as the body (Content-Type text/csv), not \(type)")
        }
        if let length = request.headers[.contentLength].flatMap(Int64.init), length > limit {
            throw uploadTooLarge(limit)
        }
        let name = (request.uri.queryParameters["name"].map(String.init) ?? "upload.csv").trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(name.count), !name.hasPrefix("sample:") else {
            throw APIError.badRequest("invalid_parameter", "name must have 1 to 200 characters and not start with 'sample:'", field: "name")
        }

        let id = try await services.datasets.create(owner: user.id, name: name)
        do {
            var part: Int32 = 0
            var received: Int64 = 0
            var pending = ByteBuffer()
            for try await chunk in request.body {
                received += Int64(chunk.readableBytes)
                if received > limit { throw uploadTooLarge(limit) }
                pending.writeImmutableBuffer(chunk)
                while pending.readableBytes >= Self.partSize {
                    let slice = pending.readSlice(length: Self.partSize)!
                    try await services.datasets.appendUpload(id, part: part, bytes: Data(slice.readableBytesView))
                    part += 1
                }
            }
            guard received > 0 else { throw APIError.badRequest("empty_upload", "the upload is empty; send the CSV file as the body") }
            if pending.readableBytes > 0 {
                try await services.datasets.appendUpload(id, part: part, bytes: Data(pending.readableBytesView))
            }
            try await services.datasets.beginIngestion(id)
            let submission = JobSubmission(userID: user.id, kind: .ingestion, datasetID: id)
            _ = try await services.queue.submit(submission)
            guard let job = try await services.queue.job(submission.id), let record = try await services.datasets.get(id, for: user.id) else {
                throw APIError.notFound("the dataset")
            }
            struct Uploaded: Encodable {
                var dataset: DatasetView
                var job: JobView
            }
            return try JSONBody.response(Uploaded(dataset: DatasetView(record, withProfile: false), job: JobView(job)), status: .accepted)
        } catch {
            // Nothing half-stored: the dataset and its parts go.
            try? await services.datasets.delete(id, for: user.id)
            throw error
        }
    }

    private func uploadTooLarge(_ limit: Int64) -> APIError {
        APIError(.contentTooLarge, "upload_too_large", "the file is larger than the \(limit / (1 << 20)) MiB an upload may be")
    }
}
