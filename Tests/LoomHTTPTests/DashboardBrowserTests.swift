import Foundation
import LoomHTTP
import LoomWorkflow
import Testing

@testable import LoomStore

/// The dashboard in a real browser (headless Chromium) against a real server and database:
/// what a user does, step by step, with screenshots of the main pages.
@Suite(.serialized) struct DashboardBrowserTests {
    @Test(.enabled(if: DashboardBrowser.isAvailable, Comment(rawValue: DashboardBrowser.missing)))
    func aUserUploadsDesignsExecutesAndWatchesAWorkflow() async throws {
        try await withAPIServer { server in
            try await SampleInstaller.install(into: server.services.datasets)
            try await withBrowser { browser in
                var walkthrough = Walkthrough(server: server, browser: browser)
                try await walkthrough.run()
            }
        }
    }
}

/// Starts chromedriver and a session, runs `body`, and stops both whatever happens.
func withBrowser(_ body: (WebSession) async throws -> Void) async throws {
    let driver = try ChromeDriverProcess()
    do {
        DashboardBrowser.trace("starting chromedriver at \(driver.base)")
        try await driver.ready()
        DashboardBrowser.trace("starting chromium")
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

struct Walkthrough {
    let server: APITestServer
    let browser: WebSession
    var console: [[String: Any]] = []

    init(server: APITestServer, browser: WebSession) {
        self.server = server
        self.browser = browser
    }

    mutating func collectConsole() async throws {
        console += try await browser.consoleEntries()
    }

    mutating func run() async throws {
        let worker = DashboardFakeWorker(services: server.services)
        let csv = try Self.writeCSV()
        defer { try? FileManager.default.removeItem(at: csv) }

        // Sign in.
        try await browser.navigate(server.baseURL + "/")
        try await browser.wait("the sign-in form shows", "return !!document.querySelector('#signin-form')")
        try await browser.screenshot("01-sign-in")
        try await browser.type("#token", server.alice.token)
        try await browser.click("#signin-form button[type=submit]")
        try await browser.wait(
            "alice is signed in", "return document.getElementById('account-name').textContent === 'alice' && location.hash === '#/jobs'")
        try await collectConsole()

        // Upload a CSV; a worker ingests it; its profile is drawn.
        try await browser.click("#nav a[data-section=datasets]")
        try await browser.wait("the upload form shows", "return !!document.querySelector('#csv-file')")
        try await browser.type("#csv-file", csv.path, clear: false)
        try await browser.type("#csv-name", "flowers")
        try await browser.click("#upload")
        try await browser.wait(
            "the upload is stored and waits for ingestion",
            "return [...document.querySelectorAll('#datasets-table tbody tr')].some(r => r.dataset.status === 'ingesting') && document.querySelector('#upload-state').textContent.includes('ingesting')")
        try await browser.screenshot("02-datasets-ingesting")
        let ingestion = try await worker.lease()
        #expect(ingestion.kind == .ingestion)
        try await worker.ingest(ingestion)
        try await browser.wait(
            "the dataset is ready", "return [...document.querySelectorAll('#datasets-table tbody tr')].some(r => r.dataset.status === 'ready' && r.textContent.includes('flowers'))")
        try await browser.wait("the upload says so", "return document.querySelector('#upload-state').textContent.includes('is ready: 150 rows')")
        try await browser.screenshot("03-datasets")
        let datasets = try await server.send("GET", "/api/datasets", token: server.alice.token).list
        let datasetID = try #require(datasets.first { $0["name"] as? String == "flowers" }?["id"] as? String)
        try await browser.click("#datasets-table tr[data-dataset-id='\(datasetID)'] a")
        try await browser.wait(
            "the profile shows histograms and missing counts",
            "return document.querySelectorAll('#profile-table svg.histogram rect').length > 0 && document.querySelector('#profile-table tr[data-column=petal] td.warn') !== null")
        try await browser.screenshot("04-dataset-profile")
        try await collectConsole()

        // Design the workflow on the canvas.
        try await browser.click("#nav a[data-section=canvas]")
        try await browser.wait("the canvas shows", "return !!document.querySelector('#add-dataset') && !!document.querySelector('#panel h2')")
        try await browser.type("#wf-name", "Flowers: logistic regression")
        try await browser.click("#add-dataset")
        try await browser.wait("the dataset settings show", "return !!document.querySelector('#f-datasetId option[value=\"\(datasetID)\"]')")
        try await browser.choose("#f-datasetId", value: datasetID)
        try await browser.wait("the columns are offered", "return !!document.querySelector('#f-targetColumn option[value=label]')")
        try await browser.choose("#f-targetColumn", value: "label")
        // Fill in the missing petals, then encode the colours.
        try await browser.click("#add-preprocessing")
        // Connect by dragging from the dataset's output port onto the new node.
        try await browser.drag(from: "[data-node-id='dataset-1'] .port.out", to: "[data-node-id='preprocessing-1'] .node-title")
        try await browser.wait("the drag connected the dataset", "return document.querySelectorAll('.edges g.edge').length === 1")
        try await browser.click("[data-node-id='preprocessing-1'] .node-title")
        try await browser.wait("the methods are offered", "return !!document.querySelector('#f-method option[value=simple_imputer]')")
        try await browser.choose("#f-method", value: "simple_imputer")
        try await browser.wait("the imputer's parameters show", "return !!document.querySelector('#p-strategy option[value=median]') && !!document.querySelector('#panel input[type=checkbox][value=petal]')")
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
        try await browser.click("#add-model")
        try await connect("split-1", "model-1")
        try await browser.click("[data-node-id='model-1'] .node-title")
        try await browser.wait("the classification algorithms are offered", "return !!document.querySelector('#f-algorithm option[value=logistic_regression]') && !document.querySelector('#f-algorithm option[value=kmeans]')")
        try await browser.choose("#f-algorithm", value: "logistic_regression")
        try await browser.wait("the hyperparameters show their defaults", "return document.querySelector('#hp-C')?.placeholder === '1'")
        try await browser.type("#hp-C", "0.5")
        try await browser.click("#add-evaluate")
        try await connect("model-1", "evaluate-1")
        try await browser.click("[data-node-id='evaluate-1'] .node-title")
        try await browser.wait("the classification metrics are offered", "return !!document.querySelector('#metric-accuracy') && !document.querySelector('#metric-rmse')")
        try await browser.click("#metric-accuracy")
        try await browser.click("#metric-f1_macro")
        try await browser.click("#add-visualize")
        try await connect("model-1", "visualize-1")
        try await browser.click("[data-node-id='visualize-1'] .node-title")
        try await browser.wait("the plots are offered", "return !!document.querySelector('#plot-confusion_matrix')")
        try await browser.click("#plot-confusion_matrix")
        try await browser.click("#plot-roc_curve")

        // A cyclic connection: validation shows the problem on every node of the loop.
        try await connect("evaluate-1", "split-1")
        try await browser.click("#validate")
        try await browser.wait(
            "the cycle is shown on its nodes",
            "return ['split-1', 'model-1', 'evaluate-1'].every(id => document.querySelector(`[data-node-id='${id}'] .node-issues .issue-line[data-code=cycle]`)) && !document.querySelector(`[data-node-id='dataset-1']`).classList.contains('has-issues') && document.querySelectorAll('.edges g.edge-problem').length === 3")
        try await browser.screenshot("05-canvas-cycle")
        try await browser.click("[data-node-id='evaluate-1'] .node-title")
        try await browser.click("button[aria-label='Disconnect evaluate-1 from split-1']")
        try await browser.click("#validate")
        try await browser.wait("the workflow is valid", "return !!document.querySelector('#valid-notice') && !document.querySelector('.node.has-issues')")
        try await browser.screenshot("06-canvas-valid")
        try await browser.click("#save")
        try await browser.wait("it is saved", "return document.querySelector('#save-state').textContent.startsWith('saved')")
        try await collectConsole()
        let saved = try await server.send("GET", "/api/workflows", token: server.alice.token).json
        let workflow = try #require((saved["items"] as? [[String: Any]])?.first)
        #expect(workflow["name"] as? String == "Flowers: logistic regression")
        let model = try #require((workflow["nodes"] as? [[String: Any]])?.first { $0["id"] as? String == "model-1" })
        #expect(((model["data"] as? [String: Any])?["hyperparameters"] as? [String: Any])?["C"] as? Double == 0.5)

        // Execute, and watch the nodes turn green as the worker reports them.
        try await browser.click("#execute")
        try await browser.wait("the job page opens", "return location.hash.startsWith('#/jobs/') && !!document.querySelector(\"[data-node-id='dataset-1']\")")
        let lease = try await worker.lease()
        #expect(lease.kind == .workflow)
        let (reached, reachedSink) = AsyncStream<Void>.makeStream()
        let (gate, gateSink) = AsyncStream<Void>.makeStream()
        let files = [datasetID: csv.path]
        let run = Task {
            try await worker.run(lease, files: files) { event in
                if case .nodeStatus("model-1", .running, _, _) = event {
                    reachedSink.yield()
                    var waiting = gate.makeAsyncIterator()
                    _ = await waiting.next()
                }
            }
        }
        var reachedIterator = reached.makeAsyncIterator()
        _ = await reachedIterator.next()
        try await browser.wait(
            "the page shows the model running after the split completed",
            "const s = id => document.querySelector(`[data-node-id='${id}']`).dataset.status; return s('split-1') === 'completed' && s('model-1') === 'running' && s('evaluate-1') === 'pending'")
        try await browser.screenshot("07-job-running")
        gateSink.yield()
        try await run.value
        try await browser.wait(
            "every node is green and the job completed",
            "return [...document.querySelectorAll('.graph .node')].every(n => n.dataset.status === 'completed') && document.querySelector('#job-status .badge').textContent.includes('completed')")
        try await browser.wait("the metrics show", "return !!document.querySelector('#metrics-table tr[data-metric=accuracy] td') && !!document.querySelector('#metrics-table tr[data-metric=f1_macro]')")
        try await browser.wait("the plots are drawn", "return document.querySelectorAll('#plots figure img').length === 2 && [...document.querySelectorAll('#plots figure img')].every(i => i.complete && i.naturalWidth > 0)")
        let color = try await browser.script("return getComputedStyle(document.querySelector(\"[data-node-id='model-1']\")).borderTopColor") as? String
        #expect(color == "rgb(0, 122, 90)", "a completed node is drawn in the completed colour")
        try await browser.screenshot("08-job-completed")
        try await browser.script("document.querySelector('#metrics').scrollIntoView()")
        try await browser.screenshot("08b-job-metrics-and-plots")
        try await collectConsole()

        // The jobs list, the workflows, and the admin pages.
        try await browser.click("#nav a[data-section=jobs]")
        try await browser.wait("both jobs are listed as completed", "return document.querySelectorAll('#jobs-table tbody tr[data-status=completed]').length === 2 && document.querySelector('#jobs-table').textContent.includes('Flowers: logistic regression')")
        try await browser.screenshot("09-jobs")
        try await browser.click("#nav a[data-section=workflows]")
        try await browser.wait("the workflow is listed", "return document.querySelector('#workflows-table tbody').textContent.includes('Flowers')")
        try await browser.screenshot("10-workflows")
        try await collectConsole()

        try await browser.click("#sign-out")
        try await browser.wait("signed out", "return !!document.querySelector('#signin-form') && document.querySelector('#nav').hidden")
        try await browser.type("#token", server.adminToken)
        try await browser.click("#signin-form button[type=submit]")
        try await browser.wait("the admin link shows", "return !document.querySelector('#nav-admin').hidden")
        try await browser.click("#nav-admin")
        try await browser.wait(
            "the queue, workers and users show",
            "return document.querySelectorAll('#queue .tile').length === 6 && document.querySelector('#queue .tile[data-status=completed] .tile-value').textContent === '2' && (!!document.querySelector('#workers-unavailable') || !!document.querySelector('#workers-table, #workers p')) && document.querySelector('#users-table').textContent.includes('alice')")
        try await browser.screenshot("11-admin")
        if try await server.send("GET", "/api/admin/workers", token: server.adminToken).status == 200 {
            // A registered worker is listed with its slots and drained from the page.
            try await Workers(pool: server.services.pool).register(.init(instanceID: UUID(), name: "worker-a", host: "gpu-01", capacity: 4))
            try await browser.click("#nav a[data-section=jobs]")
            try await browser.click("#nav-admin")
            try await browser.wait("the worker is listed", "return !!document.querySelector('#workers-table') && document.querySelector('#workers-table').textContent.includes('worker-a')")
            try await browser.click("#workers-table tbody button")
            try await browser.wait("the worker is draining", "return document.querySelector('#workers-table tbody tr .badge')?.textContent.includes('draining') && document.querySelector('#workers-table tbody button').textContent === 'Undrain'")
            try await browser.screenshot("12-admin-workers")
        }
        try await collectConsole()

        try await checkConsole()
        print("dashboard screenshots: \(DashboardBrowser.screenshots.path)")
    }

    /// Connects two nodes from the source's settings panel (the keyboard's way).
    func connect(_ source: String, _ target: String) async throws {
        try await browser.click("[data-node-id='\(source)'] .node-title")
        try await browser.wait("\(source)'s panel offers \(target)", "return !!document.querySelector('#connect-target option[value=\"\(target)\"]')")
        let before = try await browser.script("return document.querySelectorAll('.edges g.edge').length") as? Int ?? 0
        try await browser.choose("#connect-target", value: target)
        try await browser.wait("\(source) is connected to \(target)", "return document.querySelectorAll('.edges g.edge').length === \(before + 1)")
    }

    /// No errors in the console. Two failures are expected while other parts are being
    /// built, and only while the server lacks them: the workers list (404) and the live
    /// stream (the page then polls).
    func checkConsole() async throws {
        let workersMissing = try await server.send("GET", "/api/admin/workers", token: server.adminToken).status == 404
        let streamMissing = try await server.send("GET", "/api/workflows/\(UUID().uuidString.lowercased())/stream?token=x").status == 404
        let errors = console.filter { entry in
            guard entry["level"] as? String == "SEVERE" else { return false }
            let message = entry["message"] as? String ?? ""
            if workersMissing, message.contains("/api/admin/workers"), message.contains("404") { return false }
            if streamMissing, message.contains("/stream?"), message.contains("WebSocket") { return false }
            return true
        }
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
