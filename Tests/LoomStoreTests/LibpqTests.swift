#if canImport(Glibc)
import Glibc
#endif
import CPostgres
import Testing

@testable import LoomStore

@Suite("libpq (through CPostgres) against the throwaway server")
struct LibpqTests {
    @Test("libpq links: a raw connection runs a parameterized query")
    func rawParameterizedQuery() throws {
        let connection = PQconnectdb(try TestDatabase.url)
        defer { PQfinish(connection) }
        #expect(PQstatus(connection) == CONNECTION_OK)

        let sql = "SELECT $1::int * 2, upper($2::text)"
        let values: [String] = ["21", "loom"]
        let cStrings = values.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        let pointers = cStrings.map { UnsafePointer($0) }
        let result = PQexecParams(connection, sql, 2, nil, pointers, nil, nil, 0)
        defer { PQclear(result) }

        #expect(PQresultStatus(result) == PGRES_TUPLES_OK)
        #expect(PQntuples(result) == 1)
        #expect(String(cString: PQgetvalue(result, 0, 0)) == "42")
        #expect(String(cString: PQgetvalue(result, 0, 1)) == "LOOM")
    }

    @Test("a value with quotes travels as a parameter, never as SQL")
    func parameterIsNotSQL() throws {
        let connection = try PostgresConnection(try TestDatabase.url)
        let hostile = "x'); DROP TABLE pg_class; --"
        let row = try connection.query("SELECT $1::text, length($1::text)", [hostile])[0]
        #expect(try row.decode(0, as: String.self) == hostile)
        #expect(try row.decode(1, as: Int32.self) == Int32(hostile.count))
        #expect(try connection.query("SELECT $1::text IS NULL", [String?.none])[0].decode(0, as: Bool.self))
    }

    @Test("a server error carries its SQLSTATE and message")
    func serverError() throws {
        let connection = try PostgresConnection(try TestDatabase.url)
        let error = try #require(throws: PostgresError.self) {
            try connection.query("SELECT 1 / $1::int", [Int32(0)])
        }
        #expect(error.kind == .server)
        #expect(error.sqlState == "22012")
        #expect(error.message == "division by zero")
    }

    @Test("an unreachable server is a connection error")
    func connectionRefused() {
        let error = #expect(throws: PostgresError.self) {
            try PostgresConnection("postgresql://postgres@127.0.0.1:1/postgres?connect_timeout=2")
        }
        #expect(error?.kind == .connection)
    }
}
