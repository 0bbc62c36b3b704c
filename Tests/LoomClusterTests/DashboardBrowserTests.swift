import Foundation
import LoomStore
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The dashboard in headless Chromium against a real coordinator and real worker processes
/// (the `loom` binary): what a user does, step by step, with screenshots of the main pages.
@Suite("the dashboard in a real browser, against real processes", .serialized)
struct DashboardBrowserTests {
    @Test(
        "sign in, upload and profile, design a comparison, execute it live, resume a dropped stream, cancel, retry, admin",
        .enabled(if: DashboardBrowser.isAvailable, Comment(rawValue: DashboardBrowser.missing)))
    func aUserWorksThroughTheDashboard() async throws {
        let url = try await ClusterDatabase.makeMigrated()
        // Heartbeats every 8 s: a worker held with SIGSTOP stays connected (the coordinator
        // closes a session after three silent intervals) while the test looks at the page.
        let cluster = try Cluster(databaseURL: url, leaseTTL: 30, heartbeat: 8)
        let store = Store(url: url)
        do {
            try cluster.startCoordinator()
            try cluster.startWorker("w1", slots: 2)
            try cluster.startWorker("w2", slots: 2)
            let users = Users(pool: store.pool)
            let alice = try await users.create(name: "alice", credits: 1_000_000).token
            let admin = try await users.create(name: "root", isAdmin: true).token
            let api = DashboardAPI(base: "http://127.0.0.1:\(cluster.httpPort)", token: alice, adminToken: admin)
            try await eventually("the HTTP API answers", cluster: cluster) { (try? await api.status("/api/me")) == 200 }
            try await withBrowser(logDirectory: cluster.directory) { browser in
                var walkthrough = Walkthrough(cluster: cluster, store: store, api: api, browser: browser)
                try await walkthrough.run()
            }
        } catch {
            Issue.record("\(cluster.logs)")
            await cluster.stopAll()
            await store.pool.close()
            throw error
        }
        await cluster.stopAll()
        await store.pool.close()
    }
}

/// Starts chromedriver and a session, runs `body`, and stops both whatever happens.
func withBrowser(logDirectory: String, _ body: (WebSession) async throws -> Void) async throws {
    let driver = try ChromeDriverProcess(logDirectory: logDirectory)
    do {
        try await driver.ready()
        let session = try await driver.session()
        do {
            try await body(session)
        } catch {
            try? await session.screenshot("failure")
            await session.quit()
            throw error
        }
        await session.quit()
    } catch {
        await driver.stop()
        throw error
    }
    await driver.stop()
}

/// The API as the test's own client: to check what the page shows against the server.
struct DashboardAPI {
    let base: String
    let token: String
    let adminToken: String

    func status(_ path: String) async throws -> Int { try await send(path, token: token).0 }

    func json(_ path: String, admin: Bool = false) async throws -> Any {
        let (status, data) = try await send(path, token: admin ? adminToken : token)
        guard status == 200 else { throw WebDriverError("GET \(path): \(status) \(String(decoding: data, as: UTF8.self))") }
        return try JSONSerialization.jsonObject(with: data)
    }

    /// A list answer's items, whether it is an array or a page.
    func items(_ path: String, admin: Bool = false) async throws -> [[String: Any]] {
        let value = try await json(path, admin: admin)
        return (value as? [[String: Any]]) ?? ((value as? [String: Any])?["items"] as? [[String: Any]]) ?? []
    }

    func jobStatus(_ id: String) async throws -> String? { (try await json("/api/jobs/\(id)") as? [String: Any])?["status"] as? String }

    private func send(_ path: String, token: String) async throws -> (Int, Data) {
        var request = URLRequest(url: URL(string: base + path)!)
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as! HTTPURLResponse).statusCode, data)
    }
}

struct Walkthrough {
    let cluster: Cluster
    let store: Store
    let api: DashboardAPI
    let browser: WebSession
    var console: [[String: Any]] = []

    init(cluster: Cluster, store: Store, api: DashboardAPI, browser: WebSession) {
        self.cluster = cluster
        self.store = store
        self.api = api
        self.browser = browser
    }

    mutating func run() async throws {
        try await signIn()
        // The one expected entry: the browser reports the refused wrong token's 401.
        console += try await browser.consoleEntries().filter { entry in
            let message = entry["message"] as? String ?? ""
            return !(message.contains("/api/me") && message.contains("401"))
        }
        let datasetID = try await uploadAndProfile()
        try await collectConsole()
        try await design(datasetID)
        try await collectConsole()
        try await browser.script(StreamProbe.install)
        let first = try await executeAndWatchLive()
        try await collectConsole()
        let second = try await retryAndResumeADroppedStream(first)
        try await collectConsole()
        try await cancelAndRetryWithoutWorkers(second)
        try await collectConsole()
        try await listsAndAdmin()
        try await collectConsole()
        try checkConsole()
        print("dashboard screenshots: \(DashboardBrowser.screenshots.path)")
    }

    mutating func collectConsole() async throws {
        console += try await browser.consoleEntries()
    }

    // MARK: the steps

    func signIn() async throws {
        try await browser.navigate(api.base + "/")
        try await browser.wait("the sign-in form shows", "return !!document.querySelector('#signin-form')")
        try await browser.screenshot("01-sign-in")
        try await browser.type("#token", "loom_not-a-token")
        try await browser.click("#signin-form button[type=submit]")
        try await browser.wait("a wrong token is refused", "return document.querySelector('#signin-form .form-error').textContent.includes('not valid')")
        try await browser.type("#token", api.token)
        try await browser.click("#signin-form button[type=submit]")
        try await browser.wait(
            "alice is signed in", "return document.getElementById('account-name').textContent === 'alice' && location.hash === '#/jobs'")
        #expect(try await browser.script("return sessionStorage.getItem('loom.token')") as? String == api.token)
    }

    /// Upload a CSV with the progress bar; a worker ingests it; its profile is drawn.
    func uploadAndProfile() async throws -> String {
        let csv = try Self.writeCSV()
        defer { try? FileManager.default.removeItem(at: csv) }
        try await browser.click("#nav a[data-section=datasets]")
        try await browser.wait("the upload form shows", "return !!document.querySelector('#csv-file')")
        try await browser.type("#csv-file", csv.path, clear: false)
        try await browser.type("#csv-name", "flowers")
        try await browser.click("#upload")
        try await browser.wait(
            "the progress bar is full and says the dataset is ready",
            "return document.querySelector('.upload-progress [role=progressbar]').getAttribute('aria-valuenow') === '100' && document.querySelector('#upload-state').textContent.includes('flowers is ready: 150 rows, 4 columns')",
            timeout: .seconds(90))
        try await browser.wait(
            "the list shows it ready", "return [...document.querySelectorAll('#datasets-table tbody tr')].some(r => r.dataset.status === 'ready' && r.textContent.includes('flowers'))")
        try await browser.screenshot("02-datasets")
        let datasets = try await api.items("/api/datasets")
        let datasetID = try #require(datasets.first { $0["name"] as? String == "flowers" }?["id"] as? String)
        try await browser.click("#datasets-table tr[data-dataset-id='\(datasetID)'] a")
        try await browser.wait(
            "the profile shows types, missing counts and histograms",
            """
            const row = (name) => document.querySelector(`#profile-table tr[data-column=${name}]`);
            return !!row('petal') && row('petal').querySelector('td.warn').textContent.startsWith('6')
              && row('sepal').textContent.includes('float') && row('colour').querySelectorAll('.top-value').length === 3
              && document.querySelectorAll('#profile-table svg.histogram rect').length > 0
            """)
        try await browser.screenshot("03-dataset-profile")
        return datasetID
    }

    /// Two models compared on the canvas: nodes from the palette, one connection and one move
    /// by dragging, the rest from the side panel; a cycle shown on its nodes; validated, saved.
    func design(_ datasetID: String) async throws {
        try await browser.click("#nav a[data-section=canvas]")
        try await browser.wait("the canvas shows", "return !!document.querySelector('#add-dataset') && !!document.querySelector('#panel h2')")
        try await browser.type("#wf-name", "Flowers: two models")
        try await browser.click("#add-dataset")
        try await browser.wait("the dataset settings show", "return !!document.querySelector('#f-datasetId option[value=\"\(datasetID)\"]')")
        try await browser.choose("#f-datasetId", value: datasetID)
        try await browser.wait("the columns are offered", "return !!document.querySelector('#f-targetColumn option[value=label]')")
        try await browser.choose("#f-targetColumn", value: "label")

        try await browser.click("#add-preprocessing")
        try await browser.drag(from: "[data-node-id='dataset-1'] .port.out", to: "[data-node-id='preprocessing-1'] .node-title")
        try await browser.wait("the drag connected the dataset", "return document.querySelectorAll('.edges g.edge').length === 1")
        let before = try await browser.script("return document.querySelector(\"[data-node-id='preprocessing-1']\").style.top") as? String
        try await browser.drag("[data-node-id='preprocessing-1'] .node-type", by: 0, 90)
        let after = try await browser.script("return document.querySelector(\"[data-node-id='preprocessing-1']\").style.top") as? String
        #expect(before != after, "dragging a node moves it")
        try await browser.click("#auto-layout")
        try await browser.click("[data-node-id='preprocessing-1'] .node-title")
        try await browser.wait("the methods are offered", "return !!document.querySelector('#f-method option[value=simple_imputer]')")
        try await browser.choose("#f-method", value: "simple_imputer")
        try await browser.wait(
            "the imputer's parameters show",
            "return !!document.querySelector('#p-strategy option[value=median]') && !!document.querySelector('#panel input[type=checkbox][value=petal]')")
        try await browser.choose("#p-strategy", value: "median")
        try await browser.click("#panel input[type=checkbox][value=petal]")
        try await browser.click("#add-preprocessing")
        try await connect("preprocessing-1", "preprocessing-2")
        try await browser.click("[data-node-id='preprocessing-2'] .node-title")
        try await browser.wait("the methods are offered again", "return !!document.querySelector('#f-method option[value=one_hot_encoder]')")
        try await browser.choose("#f-method", value: "one_hot_encoder")
        try await browser.wait("the encoder's parameters show", "return !!document.querySelector('#panel input[type=checkbox][value=colour]')")
        try await browser.click("#panel input[type=checkbox][value=colour]")
        try await browser.click("#add-split")
        try await connect("preprocessing-2", "split-1")

        try await addModel("model-1", algorithm: "logistic_regression", hyperparameter: ("C", "1", "0.5"))
        try await addModel("model-2", algorithm: "random_forest", hyperparameter: ("n_estimators", "100", "25"))
        for (evaluate, model) in [("evaluate-1", "model-1"), ("evaluate-2", "model-2")] {
            try await browser.click("#add-evaluate")
            try await connect(model, evaluate)
            try await browser.click("[data-node-id='\(evaluate)'] .node-title")
            try await browser.wait(
                "the classification metrics are offered", "return !!document.querySelector('#metric-accuracy') && !document.querySelector('#metric-rmse')")
            try await browser.click("#metric-accuracy")
            try await browser.click("#metric-f1_macro")
        }
        try await browser.click("#add-visualize")
        try await connect("model-1", "visualize-1")
        try await browser.click("[data-node-id='visualize-1'] .node-title")
        try await browser.wait("the plots are offered", "return !!document.querySelector('#plot-confusion_matrix')")
        try await browser.click("#plot-confusion_matrix")
        try await browser.click("#plot-roc_curve")
        try await browser.click("#add-visualize")
        try await connect("model-2", "visualize-2")
        try await browser.click("[data-node-id='visualize-2'] .node-title")
        try await browser.wait("the forest's plots are offered", "return !!document.querySelector('#plot-feature_importance:not([disabled])')")
        try await browser.click("#plot-feature_importance")

        // A cyclic connection: validation shows the problem on every node of the loop.
        try await connect("evaluate-1", "split-1")
        try await browser.click("#validate")
        try await browser.wait(
            "the cycle is shown on its nodes",
            "return ['split-1', 'model-1', 'evaluate-1'].every(id => document.querySelector(`[data-node-id='${id}'] .node-issues .issue-line[data-code=cycle]`)) && !document.querySelector(`[data-node-id='dataset-1']`).classList.contains('has-issues') && document.querySelectorAll('.edges g.edge-problem').length === 3")
        try await browser.screenshot("04-canvas-cycle")
        try await browser.click("[data-node-id='evaluate-1'] .node-title")
        try await browser.click("button[aria-label='Disconnect evaluate-1 from split-1']")
        try await browser.click("#validate")
        try await browser.wait("the workflow is valid", "return !!document.querySelector('#valid-notice') && !document.querySelector('.node.has-issues')")
        try await browser.click("#save")
        try await browser.wait("it is saved", "return document.querySelector('#save-state').textContent.startsWith('saved')")
        try await browser.click("[data-node-id='model-2'] .node-title")
        try await browser.screenshot("05-canvas")

        let saved = try await api.items("/api/workflows")
        let workflow = try #require(saved.first)
        #expect(workflow["name"] as? String == "Flowers: two models")
        let nodes = try #require(workflow["nodes"] as? [[String: Any]])
        #expect(nodes.count == 10)
        let forest = try #require(nodes.first { $0["id"] as? String == "model-2" }?["data"] as? [String: Any])
        #expect((forest["hyperparameters"] as? [String: Any])?["n_estimators"] as? Int == 25)
    }

    func addModel(_ id: String, algorithm: String, hyperparameter: (name: String, default: String, value: String)) async throws {
        try await browser.click("#add-model")
        try await connect("split-1", id)
        try await browser.click("[data-node-id='\(id)'] .node-title")
        try await browser.wait(
            "the classification algorithms are offered",
            "return !!document.querySelector('#f-algorithm option[value=\(algorithm)]') && !document.querySelector('#f-algorithm option[value=kmeans]')")
        try await browser.choose("#f-algorithm", value: algorithm)
        try await browser.wait(
            "\(algorithm)'s hyperparameters show their defaults", "return document.querySelector('#hp-\(hyperparameter.name)')?.placeholder === '\(hyperparameter.default)'")
        try await browser.type("#hp-\(hyperparameter.name)", hyperparameter.value)
    }

    /// Execute with the workers held (SIGSTOP) until the page is live, then let them go and
    /// watch every node turn green over the WebSocket; the metrics side by side, the plots.
    func executeAndWatchLive() async throws -> String {
        hold(true)
        defer { hold(false) }
        try await browser.click("#execute")
        let job = try await openedJob()
        try await browser.wait(
            "the page is live and the job is running on a held worker",
            "return document.querySelector('#live-state').textContent === '● live' && document.querySelector('#job-status .badge').textContent.includes('running') && [...document.querySelectorAll('.graph .node')].every(n => n.dataset.status === 'pending')")
        try await browser.screenshot("06-job-running")
        hold(false)
        try await browser.wait(
            "every node is green and the job completed",
            "return [...document.querySelectorAll('.graph .node')].every(n => n.dataset.status === 'completed') && document.querySelector('#job-status .badge').textContent.includes('completed')",
            timeout: .seconds(120))
        try await expectResults()
        let stream = try await probe(job)
        let total = try await eventCount(job)
        #expect(stream.urls.count == 1, "one connection, never dropped: \(stream.urls)")
        #expect(stream.seqs == Array(1...total), "every event once, in order: \(stream.seqs)")
        #expect(stream.completedNodes == 10, "each node's completion came over the socket")
        let color = try await browser.script("return getComputedStyle(document.querySelector(\"[data-node-id='model-1']\")).borderTopColor") as? String
        #expect(color == "rgb(0, 122, 90)", "a completed node is drawn in the completed colour")
        try await browser.screenshot("07-job-completed")
        try await browser.script("document.querySelector('#metrics').scrollIntoView()")
        try await browser.screenshot("08-job-metrics-and-plots")
        return job
    }

    /// Retry the finished job; drop the page's socket while it runs and hold the reconnection
    /// until the job is done: the page shows the end (polling), then catches up every event
    /// it missed from where it left off (?after=SEQ), none twice, none skipped.
    func retryAndResumeADroppedStream(_ previous: String) async throws -> String {
        hold(true)
        defer { hold(false) }
        try await browser.script("window.scrollTo(0, 0)")
        try await browser.click("#retry")
        let job = try await openedJob(other: previous)
        try await browser.wait(
            "the retried job is live and its start came over the socket",
            "return document.querySelector('#live-state').textContent === '● live' && document.querySelector('#job-status .badge').textContent.includes('running') && window.__loomProbe.messages.some(m => m.job === arguments[0] && m.seq === 1)",
            [job])
        let seen = try #require(try await browser.script(StreamProbe.drop, [job]) as? [Int])
        #expect(seen == [1], "job_started only, before the drop: \(seen)")
        try await browser.wait("the page says it is reconnecting", "return document.querySelector('#live-state').textContent === 'reconnecting…'")
        hold(false)
        try await eventually("the retried job completes", timeout: .seconds(120), cluster: cluster) { try await api.jobStatus(job) == "completed" }
        try await browser.wait(
            "the page shows the end without its socket",
            "return [...document.querySelectorAll('.graph .node')].every(n => n.dataset.status === 'completed') && document.querySelector('#job-status .badge').textContent.includes('completed') && window.__loomProbe.held.length > 0")
        let released = try await browser.script(StreamProbe.release) as? Int
        #expect(released == 1, "one reconnection was waiting")
        let total = try await eventCount(job)
        try await browser.wait("the page caught up", "return window.__loomProbe.messages.some(m => m.job === arguments[0] && m.seq === arguments[1]) && document.querySelector('#live-state').textContent === ''", [job, total])
        let stream = try await probe(job)
        #expect(stream.urls.count == 2 && stream.urls.last?.contains("after=1") == true, "resumed after the last event seen: \(stream.urls)")
        #expect(stream.seqs == Array(1...total), "no gap, nothing twice: \(stream.seqs)")
        try await expectResults()
        return job
    }

    /// With no worker connected a job waits in the queue: cancel it, retry it, and a new
    /// worker runs the retry.
    func cancelAndRetryWithoutWorkers(_ previous: String) async throws {
        for worker in cluster.workers.values { worker.signal(SIGTERM) }
        for worker in cluster.workers.values {
            #expect(await worker.wait(timeout: .seconds(30)) == 0, "\(worker.name) drains and exits")
        }
        // The workers table keeps no trace of a worker leaving; the coordinator's log does
        // (a draining worker may connect once more before it exits: count every session).
        try await eventually("the coordinator has let both workers go", cluster: cluster) {
            let log = cluster.coordinator?.log ?? ""
            return log.components(separatedBy: "worker left").count == log.components(separatedBy: "worker joined").count
        }
        try await browser.script("window.scrollTo(0, 0)")
        try await browser.click("#retry")
        let queued = try await openedJob(other: previous)
        try await browser.wait(
            "the job waits in the queue", "return document.querySelector('#job-status .badge').textContent.includes('queued') && !document.querySelector('#cancel').hidden")
        try await browser.click("#cancel")
        try await browser.wait(
            "the job is cancelled and can be retried",
            "return document.querySelector('#job-status .badge').textContent.includes('cancelled') && document.querySelector('#cancel').hidden && !document.querySelector('#retry').hidden")
        #expect(try await api.jobStatus(queued) == "cancelled")
        try await browser.click("#retry")
        let retried = try await openedJob(other: queued)
        try await browser.wait("the retry waits in the queue", "return document.querySelector('#job-status .badge').textContent.includes('queued')")
        try cluster.startWorker("w3", slots: 2)
        try await browser.wait(
            "a new worker runs the retry to the end",
            "return [...document.querySelectorAll('.graph .node')].every(n => n.dataset.status === 'completed') && document.querySelector('#job-status .badge').textContent.includes('completed')",
            timeout: .seconds(120))
        #expect(try await api.jobStatus(retried) == "completed")
    }

    /// The jobs and workflows lists; the admin page shows the workers, drains and undrains one.
    func listsAndAdmin() async throws {
        try await browser.click("#nav a[data-section=jobs]")
        try await browser.wait(
            "the jobs are listed with their statuses",
            "const rows = [...document.querySelectorAll('#jobs-table tbody tr')]; return rows.filter(r => r.dataset.status === 'completed').length === 4 && rows.filter(r => r.dataset.status === 'cancelled').length === 1 && document.querySelector('#jobs-table').textContent.includes('Flowers: two models')")
        try await browser.screenshot("09-jobs")
        try await browser.click("#nav a[data-section=workflows]")
        try await browser.wait("the workflow is listed", "return document.querySelector('#workflows-table tbody').textContent.includes('Flowers: two models')")
        try await browser.screenshot("10-workflows")

        try await browser.click("#sign-out")
        try await browser.wait("signed out", "return !!document.querySelector('#signin-form') && document.querySelector('#nav').hidden")
        #expect(try await browser.script("return sessionStorage.getItem('loom.token') === null") as? Bool == true, "signing out forgets the token")
        try await browser.type("#token", api.adminToken)
        try await browser.click("#signin-form button[type=submit]")
        try await browser.wait("the admin link shows", "return !document.querySelector('#nav-admin').hidden")
        try await browser.click("#nav-admin")
        try await browser.wait(
            "the workers, the queue and the users show",
            """
            const rows = [...document.querySelectorAll('#workers-table tbody tr')];
            const row = (name) => rows.find(r => r.cells[0].textContent.startsWith(name));
            return rows.length === 3 && !!row('w1') && !!row('w2') && !!row('w3') && row('w3').textContent.includes('active')
              && row('w3').cells[2].textContent === '2' && row('w3').cells[4].textContent.endsWith('ago')
              && document.querySelector('#queue .tile[data-status=completed] .tile-value').textContent === '4'
              && document.querySelector('#queue .tile[data-status=cancelled] .tile-value').textContent === '1'
              && document.querySelector('#users-table').textContent.includes('alice')
            """)
        try await browser.screenshot("11-admin")
        let drain = "[...document.querySelectorAll('#workers-table tbody tr')].find(r => r.cells[0].textContent.startsWith('w3')).querySelector('button')"
        try await browser.script("\(drain).click()")
        try await browser.wait("w3 is draining", "return \(drain).textContent === 'Undrain' && \(drain).closest('tr').textContent.includes('draining')")
        try await browser.script("\(drain).click()")
        try await browser.wait("w3 is active again", "return \(drain).textContent === 'Drain' && \(drain).closest('tr').textContent.includes('active')")
    }

    // MARK: helpers

    /// Holds (SIGSTOP) or lets go (SIGCONT) every worker that still runs.
    func hold(_ on: Bool) {
        for worker in cluster.workers.values where worker.poll() == nil { worker.signal(on ? SIGSTOP : SIGCONT) }
    }

    /// The job page that opened (other than `other`), and its id.
    func openedJob(other: String? = nil) async throws -> String {
        try await browser.wait(
            "a job page opens",
            "return location.hash.startsWith('#/jobs/') && location.hash.toLowerCase() !== '#/jobs/' + arguments[0] && !!document.querySelector('#job-status .badge')",
            [other ?? ""])
        let hash = try #require(try await browser.script("return location.hash") as? String)
        return String(hash.dropFirst("#/jobs/".count)).lowercased()
    }

    /// Both models' metrics side by side, the best marked, and the three plots drawn.
    func expectResults() async throws {
        try await browser.wait(
            "the metrics of both models show side by side",
            "return document.querySelectorAll('#metrics-table thead th').length === 3 && document.querySelectorAll('#metrics-table tr[data-metric=accuracy] td').length === 2 && !!document.querySelector('#metrics-table tr[data-metric=f1_macro]')")
        try await browser.wait(
            "the plots are drawn",
            "const images = [...document.querySelectorAll('#plots figure img')]; return images.length === 3 && images.every(i => i.complete && i.naturalWidth > 0)")
    }

    /// Connects two nodes from the source's settings panel (the keyboard's way).
    func connect(_ source: String, _ target: String) async throws {
        try await browser.click("[data-node-id='\(source)'] .node-title")
        try await browser.wait("\(source)'s panel offers \(target)", "return !!document.querySelector('#connect-target option[value=\"\(target)\"]')")
        let before = try await browser.script("return document.querySelectorAll('.edges g.edge').length") as? Int ?? 0
        try await browser.choose("#connect-target", value: target)
        try await browser.wait("\(source) is connected to \(target)", "return document.querySelectorAll('.edges g.edge').length === \(before + 1)")
    }

    func eventCount(_ job: String) async throws -> Int {
        try await store.count("SELECT count(*) FROM job_events WHERE job_id = $1", [try #require(UUID(uuidString: job))])
    }

    /// What the page's sockets for `job` carried.
    func probe(_ job: String) async throws -> (urls: [String], seqs: [Int], completedNodes: Int) {
        let value = try #require(try await browser.script(StreamProbe.report, [job]) as? [String: Any])
        return (value["urls"] as? [String] ?? [], value["seqs"] as? [Int] ?? [], value["completedNodes"] as? Int ?? -1)
    }

    /// No errors in the console, from the first page to the last.
    func checkConsole() throws {
        let errors = console.filter { $0["level"] as? String == "SEVERE" }
        #expect(errors.isEmpty, "console errors: \(errors.map { $0["message"] as? String ?? "" })")
    }

    /// 150 flowers of two kinds that overlap a little, with a few petals missing.
    static func writeCSV() throws -> URL {
        var state: UInt64 = 42
        func noise() -> Double {  // a small linear congruential generator: the same file every run
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53) - 0.5
        }
        var text = "sepal,petal,colour,label\n"
        for row in 0..<150 {
            let broad = row % 2 == 0
            let sepal = (broad ? 5.6 : 5.0) + noise() * 1.6
            let petal = row % 25 == 3 ? "" : String(format: "%.2f", (broad ? 2.0 : 1.5) + noise() * 1.2)
            let colour = ["red", "blue", "white"][(row / 2 + (noise() > 0.3 ? 1 : 0)) % 3]
            text += "\(String(format: "%.2f", sepal)),\(petal),\(colour),\(broad ? "broad" : "narrow")\n"
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("loom-flowers-\(UUID().uuidString).csv")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }
}
