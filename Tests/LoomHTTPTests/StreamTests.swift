import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import LoomHTTP
import LoomStore
import NIOWebSocket
import Testing

/// The live stream against a real server on loopback, a real PostgreSQL and real WebSocket
/// clients. Events are written as a worker writes them (a lease, then `appendEvents` with
/// its fencing token); the database's triggers add the job's own messages and NOTIFY.
@Suite("Live stream", .serialized)
struct StreamTests {
    /// Every seq from 1 to the last, once each, in order, ending with the final message.
    func expectComplete(_ received: ReceivedStream, through last: Int64, final: String = "job_completed",
                        sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(received.seqs == Array(1...last), sourceLocation: sourceLocation)
        #expect(received.messages.last?.type == final, sourceLocation: sourceLocation)
        #expect(received.closeCode == .normalClosure, sourceLocation: sourceLocation)
    }

    @Test("a late client gets the history, then live events, then the final message and a normal close")
    func lateJoin() async throws {
        try await withServer { server in
            let (user, token) = try await makeUser(server.services)
            let worker = FakeWorker(queue: server.services.queue)
            let lease = try await worker.startJob(for: user.id)
            try await worker.emit(lease, count: 20)
            // Connects after 21 events (job_started + 20) and reads while more are written.
            async let received = readStream(server.streamURL(job: lease.jobID), token: token)
            for batch in 0..<10 {
                try await worker.emit(lease, count: 5, first: 20 + batch * 5)
            }
            try await worker.complete(lease)
            let stream = try await received
            expectComplete(stream, through: 72)
            #expect(stream.messages[0].type == "job_started")
            #expect(stream.messages[0].status == "running")
            #expect(stream.messages[5].type == "node_progress")
            #expect(stream.messages[5].job_id == lease.jobID.uuidString.lowercased())
            #expect(stream.messages[5].node_id == "node-4")
            #expect(stream.messages.last?.status == "completed")
            #expect(ISO8601DateFormatter().date(from: stream.messages[5].timestamp.replacingOccurrences(
                of: #"\.\d+"#, with: "", options: .regularExpression)) != nil)
        }
    }

    @Test("events that fit in their notification go out without a read, as the stored history has them; a batch too large for one is read")
    func eventsInNotifications() async throws {
        try await withServer { server in
            let (user, token) = try await makeUser(server.services)
            let worker = FakeWorker(queue: server.services.queue)
            let lease = try await worker.startJob(for: user.id)
            async let live = readStream(server.streamURL(job: lease.jobID), token: token)
            // Events stored before the hub knew the job's baseline, or announced before it,
            // are read: wait until it knows it and reads nothing. From then on it follows the job.
            #expect(await eventually {
                server.hub.progress(of: lease.jobID).map { $0.lastSeq != nil && !$0.reading } ?? false
            })
            try await worker.emit(lease, count: 1)
            #expect(await eventually { server.hub.metrics.fannedOut == 1 })
            let fetches = server.hub.metrics.fetches
            for index in 1..<10 {
                try await worker.emit(lease, count: 1, first: index)
                #expect(await eventually { server.hub.metrics.fannedOut == index + 1 })
            }
            #expect(server.hub.metrics.fetches == fetches, "small events came with their notifications")
            // 5 events of 3 KB: more than a notification holds.
            try await worker.emit(lease, count: 5, first: 10, padding: 3_000)
            #expect(await eventually { server.hub.metrics.fannedOut == 15 })
            #expect(server.hub.metrics.fetches > fetches, "a batch too large for its notification is read")
            try await worker.complete(lease)
            let stream = try await live
            expectComplete(stream, through: 17)
            // The same messages, read from the store by a client that comes after the end.
            let history = try await readStream(server.streamURL(job: lease.jobID), token: token)
            #expect(history.messages == stream.messages)
        }
    }

    @Test("events of a job no stream follows are not announced; a job's first client follows it, and later events reach it live")
    func onlyFollowedJobsAnnounce() async throws {
        try await withServer { server in
            let (user, token) = try await makeUser(server.services)
            let worker = FakeWorker(queue: server.services.queue)
            let watched = try await worker.startJob(for: user.id)
            let unwatched = try await worker.startJob(for: user.id)
            async let watchedStream = readStream(server.streamURL(job: watched.jobID), token: token)
            #expect(await eventually {
                server.hub.progress(of: watched.jobID).map { $0.lastSeq != nil && !$0.reading } ?? false
            })
            let notified = server.hub.metrics.notifications
            // Notifications arrive in commit order: had the first been announced, it would
            // have arrived before the second's.
            try await worker.emit(unwatched, count: 1)
            try await worker.emit(watched, count: 1)
            #expect(await eventually { server.hub.metrics.fannedOut == 1 })
            #expect(server.hub.metrics.notifications == notified + 1, "only the followed job's event was announced")

            async let unwatchedStream = readStream(server.streamURL(job: unwatched.jobID), token: token)
            #expect(await eventually {
                server.hub.progress(of: unwatched.jobID).map { $0.lastSeq != nil && !$0.reading } ?? false
            })
            let fetches = server.hub.metrics.fetches
            try await worker.emit(unwatched, count: 1, first: 1)
            #expect(await eventually { server.hub.metrics.fannedOut == 2 })
            #expect(server.hub.metrics.fetches == fetches, "the newly followed job's event came with its notification")
            try await worker.complete(watched)
            try await worker.complete(unwatched)
            expectComplete(try await watchedStream, through: 3)
            expectComplete(try await unwatchedStream, through: 4)
        }
    }

    @Test("?after=SEQ resumes after SEQ; a finished job's stream is its history, then a close")
    func resumeAfter() async throws {
        try await withServer { server in
            let (user, token) = try await makeUser(server.services)
            let worker = FakeWorker(queue: server.services.queue)
            let lease = try await worker.startJob(for: user.id)
            try await worker.emit(lease, count: 30)
            try await worker.complete(lease)
            let all = try await readStream(server.streamURL(job: lease.jobID), token: token)
            expectComplete(all, through: 32)
            let rest = try await readStream(server.streamURL(job: lease.jobID, after: 17, token: token))
            #expect(rest.seqs == Array(18...32))
            #expect(rest.messages == Array(all.messages[17...]))
            #expect(rest.closeCode == .normalClosure)
        }
    }

    @Test("a connection dropped mid-stream resumes with ?after and misses nothing")
    func droppedAndResumed() async throws {
        try await withServer { server in
            let (user, token) = try await makeUser(server.services)
            let worker = FakeWorker(queue: server.services.queue)
            let lease = try await worker.startJob(for: user.id)
            let writer = Task {
                for batch in 0..<40 {
                    try await worker.emit(lease, count: 3, first: batch * 3)
                }
                try await worker.complete(lease)
            }
            // Leaves after 25 messages, whatever was written by then, and comes back.
            let first = try await readStream(server.streamURL(job: lease.jobID), token: token, leaveAfter: 25)
            #expect(first.seqs == Array(1...25))
            let second = try await readStream(server.streamURL(job: lease.jobID, after: 25), token: token)
            try await writer.value
            expectComplete(ReceivedStream(messages: first.messages + second.messages, closeCode: second.closeCode), through: 122)
        }
    }

    @Test("200 clients of one job each receive every event once, in order")
    func twoHundredClients() async throws {
        try await withServer { server in
            let (user, token) = try await makeUser(server.services)
            let worker = FakeWorker(queue: server.services.queue)
            let lease = try await worker.startJob(for: user.id)
            let url = server.streamURL(job: lease.jobID, token: token)
            // Clients connect while events are being written: some read most from the
            // history, some get most live, all must see the same sequence.
            let streams = try await withThrowingTaskGroup(of: ReceivedStream.self) { group in
                for _ in 0..<200 {
                    group.addTask { try await readStream(url) }
                }
                for batch in 0..<20 {
                    try await worker.emit(lease, count: 5, first: batch * 5)
                }
                try await worker.complete(lease)
                return try await group.reduce(into: [ReceivedStream]()) { $0.append($1) }
            }
            #expect(streams.count == 200)
            for stream in streams { expectComplete(stream, through: 102) }
            #expect(Set(streams.map(\.messages)).count == 1)
            #expect(server.hub.metrics.fetches < 200, "one read per job per notification, not per client")
            #expect(await eventually { server.hub.metrics.clients == 0 })
        }
    }

    @Test("the route answers 404 for another user's or an unknown job and 401 without a valid token, to a GET and to a refused handshake alike")
    func authorisation() async throws {
        try await withServer { server in
            let (owner, ownerToken) = try await makeUser(server.services)
            let (_, otherToken) = try await makeUser(server.services)
            let lease = try await FakeWorker(queue: server.services.queue).startJob(for: owner.id)
            let path = "/api/workflows/\(lease.jobID.uuidString.lowercased())/stream"
            // The route's answers, as JSON errors, to a GET without the handshake headers
            // (or with them: `handshake`).
            func get(_ path: String, token: String?, handshake: Bool = false) async throws -> (HTTPResponse.Status, String, HTTPFields) {
                var headers: HTTPFields = handshake ? [
                    .connection: "Upgrade", .upgrade: "websocket", .secWebSocketVersion: "13",
                    .secWebSocketKey: "dGhlIHNhbXBsZSBub25jZQ==",
                ] : [:]
                if let token { headers[.authorization] = "Bearer \(token)" }
                let request = headers
                let response = try await server.withHTTP { client in try await client.get(path, headers: request) }
                return (response.head.status, String(buffer: response.body ?? ByteBuffer()), response.head.headerFields)
            }
            func expectError(_ answer: (HTTPResponse.Status, String, HTTPFields), _ status: HTTPResponse.Status, _ code: String,
                             sourceLocation: SourceLocation = #_sourceLocation) {
                #expect(answer.0 == status, "\(answer.0) \(answer.1)", sourceLocation: sourceLocation)
                #expect(answer.1.contains("\"code\":\"\(code)\""), "\(answer.1)", sourceLocation: sourceLocation)
            }
            expectError(try await get(path, token: otherToken), .notFound, "not_found")
            expectError(try await get("/api/workflows/\(UUID())/stream", token: ownerToken), .notFound, "not_found")
            expectError(try await get("/api/workflows/not-a-job/stream", token: ownerToken), .notFound, "not_found")
            let anonymous = try await get(path, token: nil)
            expectError(anonymous, .unauthorized, "unauthorized")
            #expect(anonymous.2[.wwwAuthenticate] == "Bearer")
            expectError(try await get(path + "?token=nonsense", token: nil), .unauthorized, "unauthorized")
            expectError(try await get(path + "?after=-2", token: ownerToken), .badRequest, "invalid_after")
            // A WebSocket handshake that the route refuses is never upgraded, and gets the
            // same answer as the plain GET (not hummingbird-websocket's bare 400).
            expectError(try await get(path, token: otherToken, handshake: true), .notFound, "not_found")
            expectError(try await get("/api/workflows/\(UUID())/stream", token: ownerToken, handshake: true), .notFound, "not_found")
            let anonymousHandshake = try await get(path, token: nil, handshake: true)
            expectError(anonymousHandshake, .unauthorized, "unauthorized")
            #expect(anonymousHandshake.2[.wwwAuthenticate] == "Bearer")
            #expect(anonymousHandshake.2[.contentType] == "application/json; charset=utf-8")
            expectError(try await get(path + "?token=nonsense", token: nil, handshake: true), .unauthorized, "unauthorized")
            expectError(try await get(path + "?after=-2", token: ownerToken, handshake: true), .badRequest, "invalid_after")
            // The same route without the handshake, by its owner: allowed, but no stream.
            let plain = try await server.withHTTP { client in try await client.get(path, headers: [.authorization: "Bearer \(ownerToken)"]) }
            #expect(plain.head.status == .upgradeRequired)
            #expect(String(buffer: plain.body ?? ByteBuffer()).contains("\"websocket_required\""))
            // A real WebSocket client is refused the upgrade in each case, and the owner's
            // handshake in either case of the id still opens the stream.
            let refusedToOther = await #expect(throws: StreamClient.Refused.self) {
                try await readStream(server.streamURL(job: lease.jobID), token: otherToken)
            }
            #expect(refusedToOther?.status == 404)
            let refusedWithoutToken = await #expect(throws: StreamClient.Refused.self) {
                try await readStream(server.streamURL(job: lease.jobID))
            }
            #expect(refusedWithoutToken?.status == 401)
            #expect(refusedWithoutToken?.body.contains(#""code":"unauthorized""#) == true)
            #expect(server.hub.metrics.clientsAccepted == 0)
            let upper = "ws://127.0.0.1:\(server.port)/api/workflows/\(lease.jobID.uuidString)/stream"
            async let opened = readStream(upper, token: ownerToken)
            try await FakeWorker(queue: server.services.queue).complete(lease)
            let stream = try await opened
            #expect(stream.messages.last?.type == "job_completed")
            #expect(stream.messages.allSatisfy { $0.job_id == lease.jobID.uuidString.lowercased() })
            #expect(server.hub.metrics.clientsAccepted == 1)
        }
    }

    @Test("the token may come as ?token=, and a bad ?after= is a 400")
    func queryToken() async throws {
        try await withServer { server in
            let (user, token) = try await makeUser(server.services)
            let worker = FakeWorker(queue: server.services.queue)
            let lease = try await worker.startJob(for: user.id)
            try await worker.emit(lease, count: 3)
            try await worker.complete(lease)
            let stream = try await readStream(server.streamURL(job: lease.jobID, token: token))
            expectComplete(stream, through: 5)
            try await server.withHTTP { client in
                let response = try await client.get(
                    "/api/workflows/\(lease.jobID.uuidString.lowercased())/stream?after=-3&token=\(token)")
                #expect(response.head.status == .badRequest)
            }
        }
    }

    @Test("a failed job's stream ends with job_failed and a normal close")
    func failedJob() async throws {
        try await withServer { server in
            let (user, token) = try await makeUser(server.services)
            let worker = FakeWorker(queue: server.services.queue)
            let lease = try await worker.startJob(for: user.id)
            async let received = readStream(server.streamURL(job: lease.jobID), token: token)
            try await worker.emit(lease, count: 4)
            _ = try await server.services.queue.fail(jobID: lease.jobID, token: lease.token, error: "boom", retryable: false)
            let stream = try await received
            expectComplete(stream, through: 6, final: "job_failed")
            #expect(stream.messages.last?.status == "failed")
        }
    }

    @Test("a client that stops reading is dropped; a fast one on the same job gets everything")
    func slowClientDropped() async throws {
        var stream = StreamConfiguration()
        stream.clientBuffer = 64
        try await withServer(stream: stream) { server in
            let (user, token) = try await makeUser(server.services)
            let worker = FakeWorker(queue: server.services.queue)
            let lease = try await worker.startJob(for: user.id)
            let url = server.streamURL(job: lease.jobID, token: token)
            let resume = Gate()
            let slow = Task { try await readStream(url, beforeReading: { await resume.wait() }) }
            let fast = Task { try await readStream(url) }
            #expect(await eventually { server.hub.subscriberCount(of: lease.jobID) == 2 })
            // About 19 MB: more than the kernel's socket buffers hold for the slow client.
            for batch in 0..<40 {
                try await worker.emit(lease, count: 10, first: batch * 10, padding: 48_000)
            }
            try await worker.complete(lease)
            expectComplete(try await fast.value, through: 402)
            #expect(await eventually { server.hub.metrics.clientsDropped == 1 })
            resume.open()
            let dropped = try? await slow.value
            // It got a prefix at most, never the final message; if its close frame got
            // through, it says why.
            #expect((dropped?.messages.count ?? 0) < 402)
            #expect(dropped?.messages.last?.type != "job_completed")
            if let code = dropped?.closeCode { #expect(code == .policyViolation) }
        }
    }

    @Test("two servers on one database: a client of either sees events written through the store")
    func twoServers() async throws {
        let pool = try await TestDatabase.makeMigrated()
        let secondPool = PostgresPool(.init(url: pool.configuration.url, size: 4))
        let first = try await LiveServer.start(pool: pool)
        let second = try await LiveServer.start(pool: secondPool)
        do {
            let (user, token) = try await makeUser(first.services)
            // The worker writes through the first server's store; a client of the second
            // learns of it only through NOTIFY.
            let worker = FakeWorker(queue: first.services.queue)
            let lease = try await worker.startJob(for: user.id)
            async let onFirst = readStream(first.streamURL(job: lease.jobID), token: token)
            async let onSecond = readStream(second.streamURL(job: lease.jobID), token: token)
            #expect(await eventually { first.hub.subscriberCount(of: lease.jobID) == 1 && second.hub.subscriberCount(of: lease.jobID) == 1 })
            for batch in 0..<10 {
                try await worker.emit(lease, count: 4, first: batch * 4)
            }
            try await worker.complete(lease)
            let (a, b) = try await (onFirst, onSecond)
            expectComplete(a, through: 42)
            expectComplete(b, through: 42)
            #expect(a.messages == b.messages)
            #expect(second.hub.metrics.notifications > 0)
        } catch {
            Issue.record(error)
        }
        await first.stop()
        await second.stop()
        await secondPool.close()
        await pool.close()
    }

    @Test("after the listener's connection is lost, the hub reads every followed job again")
    func listenerLost() async throws {
        try await withServer { server in
            let (user, token) = try await makeUser(server.services)
            let worker = FakeWorker(queue: server.services.queue)
            let lease = try await worker.startJob(for: user.id)
            async let received = readStream(server.streamURL(job: lease.jobID), token: token)
            #expect(await eventually { server.hub.subscriberCount(of: lease.jobID) == 1 })
            try await worker.emit(lease, count: 5)
            // Ends the hub's LISTEN connection; events written while it is away send
            // notifications nobody hears.
            let resyncs = server.hub.metrics.resyncs
            _ = try await server.services.pool.withConnection { connection in
                try connection.query(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND datname = current_database()", []
                ).count
            }
            try await worker.emit(lease, count: 5, first: 5)
            try await worker.complete(lease)
            let stream = try await received
            expectComplete(stream, through: 12)
            #expect(await eventually { server.hub.metrics.resyncs > resyncs })
        }
    }
}
