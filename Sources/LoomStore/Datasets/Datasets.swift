import Foundation

public enum DatasetStatus: String, Sendable, Codable, CaseIterable, PostgresTextEnum {
    case uploading, ingesting, ready, failed
}

public struct DatasetRecord: Sendable, Equatable {
    public var id: UUID
    /// nil for the bundled samples, which every user sees.
    public var userID: UUID?
    public var name: String
    public var status: DatasetStatus
    public var profile: JSONB?
    public var rowCount: Int64?
    public var columnCount: Int32?
    public var byteCount: Int64
    public var contentHash: Data?
    public var errorMessage: String?
    public var createdAt: Date
}

/// One columnar chunk of a dataset (proto/CHUNKS.md) as stored.
public struct StoredChunk: Sendable, Equatable {
    public var index: Int32
    public var rowCount: Int32
    public var contentHash: Data
    public var bytes: Data

    public init(index: Int32, rowCount: Int32, contentHash: Data, bytes: Data) {
        self.index = index
        self.rowCount = rowCount
        self.contentHash = contentHash
        self.bytes = bytes
    }
}

public enum DatasetError: Error, Equatable, CustomStringConvertible {
    case unknownDataset(UUID)
    /// The dataset is not in the state the operation needs (an upload after ingestion began).
    case wrongStatus(UUID, DatasetStatus)

    public var description: String {
        switch self {
        case .unknownDataset(let id): "unknown dataset \(id)"
        case .wrongStatus(let id, let status): "dataset \(id) is \(status.rawValue)"
        }
    }
}

/// Datasets: the uploaded CSV (stored in parts as it streams in), the columnar chunks that
/// ingestion makes of it, and its profile. A user sees their own datasets and the samples.
public struct Datasets: Sendable {
    enum SQL {
        static let create = "INSERT INTO datasets (id, user_id, name) VALUES ($1, $2, $3)"
        /// Appends part $2 of $1's upload ($3 bytes); only while uploading.
        static let appendUpload = """
            WITH target AS (
                UPDATE datasets SET byte_count = byte_count + length($3) WHERE id = $1 AND status = 'uploading'
                RETURNING id
            )
            INSERT INTO dataset_uploads (dataset_id, part, bytes) SELECT id, $2, $3 FROM target
            RETURNING part
            """
        static let uploadParts = "SELECT part FROM dataset_uploads WHERE dataset_id = $1 ORDER BY part"
        static let uploadPart = "SELECT bytes FROM dataset_uploads WHERE dataset_id = $1 AND part = $2"
        static let setStatus = """
            UPDATE datasets SET status = $3, error_message = $4 WHERE id = $1 AND status = $2 RETURNING id
            """
        static let status = "SELECT status FROM datasets WHERE id = $1"
        static let markReady = """
            UPDATE datasets SET status = 'ready', profile = $2, row_count = $3, column_count = $4, content_hash = $5
            WHERE id = $1 AND status = 'ingesting'
            RETURNING id
            """
        static let chunkList = """
            SELECT chunk_index, row_count, content_hash FROM dataset_chunks WHERE dataset_id = $1 ORDER BY chunk_index
            """
        static let chunkByHash = "SELECT bytes FROM dataset_chunks WHERE content_hash = $1 LIMIT 1"
        static let columns = """
            id, user_id, name, status, profile, row_count, column_count, byte_count, content_hash, error_message, created_at
            """
        static let get = "SELECT \(columns) FROM datasets WHERE id = $1 AND (user_id = $2 OR user_id IS NULL)"
        static let list = """
            SELECT \(columns) FROM datasets WHERE user_id = $1 OR user_id IS NULL ORDER BY created_at DESC, id
            """
        static let delete = "DELETE FROM datasets WHERE id = $1 AND user_id = $2 RETURNING id"
    }

    public let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    /// A new dataset, waiting for its upload. `owner` nil makes it a sample everyone sees.
    public func create(owner: UUID?, name: String) async throws -> UUID {
        let id = UUID()
        try await pool.withConnection { connection in
            _ = try connection.query(SQL.create, [id, owner, name])
        }
        return id
    }

    /// Stores one part of the upload as it arrives (parts are numbered from 0).
    public func appendUpload(_ dataset: UUID, part: Int32, bytes: Data) async throws {
        let stored = try await pool.withConnection { connection in
            try !connection.query(SQL.appendUpload, [dataset, part, bytes]).isEmpty
        }
        if !stored { throw try await statusError(dataset) }
    }

    public func uploadParts(_ dataset: UUID) async throws -> [Int32] {
        try await pool.withConnection { connection in
            try connection.query(SQL.uploadParts, [dataset]).map { try $0.decode(0, as: Int32.self) }
        }
    }

    public func uploadPart(_ dataset: UUID, part: Int32) async throws -> Data {
        let bytes = try await pool.withConnection { connection in
            try connection.query(SQL.uploadPart, [dataset, part]).first { row throws(PostgresError) in
                try row.decode(0, as: Data.self)
            }
        }
        guard let bytes else { throw DatasetError.unknownDataset(dataset) }
        return bytes
    }

    /// uploading → ingesting: the upload is complete and an ingestion job may read it.
    public func beginIngestion(_ dataset: UUID) async throws {
        try await transition(dataset, from: .uploading, to: .ingesting, error: nil)
    }

    /// Stores every chunk (one COPY) and the profile, and marks the dataset ready, in one
    /// transaction: a failure anywhere leaves no chunk behind and the dataset ingesting.
    public func finishIngestion(
        _ dataset: UUID, chunks: [StoredChunk], profile: JSONB, rowCount: Int64, columnCount: Int32, contentHash: Data
    ) async throws {
        try await pool.transaction { connection in
            try connection.copyIn(
                table: "dataset_chunks",
                columns: ["dataset_id", "chunk_index", "row_count", "content_hash", "bytes"],
                rows: chunks.map { [dataset, $0.index, $0.rowCount, $0.contentHash, $0.bytes] }
            )
            if try connection.query(SQL.markReady, [dataset, profile, rowCount, columnCount, contentHash]).isEmpty {
                // Throwing rolls the chunks back: the dataset was not ingesting.
                throw try Self.statusError(dataset, connection)
            }
        }
    }

    /// ingesting → failed, with the reason users will read.
    public func failIngestion(_ dataset: UUID, error message: String) async throws {
        try await transition(dataset, from: .ingesting, to: .failed, error: message)
    }

    public func chunkList(_ dataset: UUID) async throws -> [(index: Int32, rowCount: Int32, contentHash: Data)] {
        try await pool.withConnection { connection in
            try connection.query(SQL.chunkList, [dataset]).map { row throws(PostgresError) in
                (try row.decode(0, as: Int32.self), try row.decode(1, as: Int32.self), try row.decode(2, as: Data.self))
            }
        }
    }

    /// A chunk's bytes by content hash: what a worker asks for when its cache lacks it.
    public func chunk(hash: Data) async throws -> Data? {
        try await pool.withConnection { connection in
            try connection.query(SQL.chunkByHash, [hash]).first { row throws(PostgresError) in try row.decode(0, as: Data.self) }
        }
    }

    /// The dataset if `user` may see it (theirs or a sample).
    public func get(_ dataset: UUID, for user: UUID) async throws -> DatasetRecord? {
        try await pool.withConnection { connection in
            try connection.query(SQL.get, [dataset, user]).first(Self.decode)
        }
    }

    public func list(for user: UUID) async throws -> [DatasetRecord] {
        try await pool.withConnection { connection in
            try connection.query(SQL.list, [user]).map(Self.decode)
        }
    }

    /// Deletes one of the user's datasets with its upload and chunks; samples cannot be deleted.
    public func delete(_ dataset: UUID, for user: UUID) async throws {
        let deleted = try await pool.withConnection { connection in
            try !connection.query(SQL.delete, [dataset, user]).isEmpty
        }
        if !deleted { throw DatasetError.unknownDataset(dataset) }
    }

    private func transition(_ dataset: UUID, from: DatasetStatus, to: DatasetStatus, error: String?) async throws {
        let moved = try await pool.withConnection { connection in
            try !connection.query(SQL.setStatus, [dataset, from.rawValue, to.rawValue, error]).isEmpty
        }
        if !moved { throw try await statusError(dataset) }
    }

    private func statusError(_ dataset: UUID) async throws -> DatasetError {
        try await pool.withConnection { connection in try Self.statusError(dataset, connection) }
    }

    private static func statusError(_ dataset: UUID, _ connection: PostgresConnection) throws -> DatasetError {
        let status = try connection.query(SQL.status, [dataset]).first { row throws(PostgresError) in
            try row.decode(0, as: DatasetStatus.self)
        }
        guard let status else { return .unknownDataset(dataset) }
        return .wrongStatus(dataset, status)
    }

    private static func decode(_ row: PostgresRow) throws(PostgresError) -> DatasetRecord {
        DatasetRecord(
            id: try row.decode(0), userID: try row.decode(1), name: try row.decode(2), status: try row.decode(3),
            profile: try row.decode(4), rowCount: try row.decode(5), columnCount: try row.decode(6),
            byteCount: try row.decode(7), contentHash: try row.decode(8), errorMessage: try row.decode(9),
            createdAt: try row.decode(10)
        )
    }
}
