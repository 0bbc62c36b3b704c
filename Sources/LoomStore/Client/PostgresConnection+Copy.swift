import CPostgres

extension PostgresConnection {
    /// Writes rows into `table` with `COPY ... FROM STDIN (FORMAT binary)`: one statement
    /// and one stream for any number of rows, the way bulk bytes (dataset chunks, uploads)
    /// go in. `columns` names the table's columns in the order each row gives its values;
    /// every row must have one value per column.
    ///
    /// Table and column names are identifiers, not values: they are quoted by libpq, never
    /// taken from users. Returns the number of rows written.
    @discardableResult
    public func copyIn(
        table: String, columns: [String], rows: [[any PostgresEncodable]]
    ) throws(PostgresError) -> Int {
        for (index, row) in rows.enumerated() where row.count != columns.count {
            throw PostgresError(kind: .usage, message: "COPY row \(index) has \(row.count) values for \(columns.count) columns")
        }
        let statement = "COPY \(try quoteIdentifier(table)) ("
            + (try columns.map { (name) throws(PostgresError) in try quoteIdentifier(name) }).joined(separator: ", ")
            + ") FROM STDIN (FORMAT binary)"
        guard let start = PQexec(handle, statement) else {
            throw PostgresError(connection: handle, context: "COPY failed to start")
        }
        let status = PQresultStatus(start)
        if status != PGRES_COPY_IN {
            defer { PQclear(start) }
            var error = PostgresError(result: start)
            if !isHealthy { error.kind = .connection }
            throw error
        }
        PQclear(start)

        // The binary COPY stream: a signature, flags and header extension, then per row a
        // field count and each field as (length, bytes) or length -1 for NULL, then -1.
        var buffer: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00]
        buffer.appendBigEndian(Int32(0))
        buffer.appendBigEndian(Int32(0))
        var streamError: PostgresError?
        for row in rows {
            buffer.appendBigEndian(Int16(columns.count))
            for value in row {
                if value.isPostgresNull {
                    buffer.appendBigEndian(Int32(-1))
                    continue
                }
                let lengthAt = buffer.count
                buffer.appendBigEndian(Int32(0))
                value.encode(into: &buffer)
                let length = Int32(buffer.count - lengthAt - 4)
                withUnsafeBytes(of: length.bigEndian) { bytes in
                    for offset in 0..<4 { buffer[lengthAt + offset] = bytes[offset] }
                }
            }
            // Send in pieces of about 1 MiB so the buffer stays bounded however many rows.
            if buffer.count >= 1 << 20 {
                if let error = send(buffer) {
                    streamError = error
                    break
                }
                buffer.removeAll(keepingCapacity: true)
            }
        }
        if streamError == nil {
            buffer.appendBigEndian(Int16(-1))
            streamError = send(buffer)
        }
        // A message makes the server abort the COPY, so nothing of a broken stream lands.
        let ended = streamError == nil ? PQputCopyEnd(handle, nil) : PQputCopyEnd(handle, "the client could not send every row")
        guard ended == 1 else {
            throw PostgresError(connection: handle, context: "COPY could not end")
        }
        // Drain every result of the COPY; the first error wins.
        var result: PostgresError? = streamError
        var written = 0
        while let next = PQgetResult(handle) {
            defer { PQclear(next) }
            if PQresultStatus(next) == PGRES_COMMAND_OK {
                written = Int(String(cString: PQcmdTuples(next))) ?? 0
            } else if result == nil {
                var error = PostgresError(result: next)
                if !isHealthy { error.kind = .connection }
                result = error
            }
        }
        if let result { throw result }
        return written
    }

    private func send(_ bytes: [UInt8]) -> PostgresError? {
        let sent = bytes.withUnsafeBytes { raw in
            PQputCopyData(handle, raw.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(raw.count))
        }
        return sent == 1 ? nil : PostgresError(connection: handle, context: "COPY data could not be sent")
    }

    func quoteIdentifier(_ name: String) throws(PostgresError) -> String {
        guard let quoted = PQescapeIdentifier(handle, name, name.utf8.count) else {
            throw PostgresError(connection: handle, context: "could not quote identifier")
        }
        defer { PQfreemem(quoted) }
        return String(cString: quoted)
    }
}
