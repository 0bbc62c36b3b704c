// swift-tools-version: 6.1
// Loom: machine-learning workflows on a cluster. The module split follows DESIGN.md:
// pure logic at the bottom (wire, columnar, ML, workflow), I/O above it (store,
// coordinator, HTTP, worker), and one executable that wires them together.
import PackageDescription

/// Every target compiles the same way: Swift 6 language mode, which brings complete
/// strict concurrency checking, plus the upcoming features we want everywhere.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Loom",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "loom", targets: ["loom"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
    ],
    targets: [
        // System libraries (Debian: liblz4-dev, libpq-dev, zlib1g-dev; see scripts/setup).
        .systemLibrary(
            name: "CLZ4",
            pkgConfig: "liblz4",
            providers: [.apt(["liblz4-dev"])]
        ),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(
            name: "CPostgres",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),

        // Pure logic.
        .target(
            name: "LoomWire",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "LoomColumnar", dependencies: ["CLZ4"], exclude: ["README.md"], resources: [.copy("Samples")], swiftSettings: swiftSettings),
        .target(name: "LoomML", dependencies: ["LoomColumnar", "CZlib"], exclude: ["README.md"], swiftSettings: swiftSettings),
        .target(
            name: "LoomWorkflow",
            dependencies: ["LoomML"],
            exclude: ["README.md"],
            resources: [.copy("Examples")],
            swiftSettings: swiftSettings
        ),

        // TLS for the worker link and the HTTP API (issue 12): PEM files, contexts, refusals.
        .target(
            name: "LoomTLS",
            dependencies: [
                "LoomWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),

        // I/O.
        .target(
            name: "LoomStore",
            dependencies: ["CPostgres"],
            exclude: ["README.md"],
            resources: [.copy("Migrations")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LoomCoordinator",
            dependencies: [
                "LoomStore", "LoomWire", "LoomTLS", "LoomWorkflow", "LoomColumnar",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LoomHTTP",
            dependencies: [
                "LoomCoordinator", "LoomStore", "LoomWire", "LoomWorkflow", "LoomML", "LoomColumnar", "LoomTLS",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["Dashboard/README.md"],
            resources: [.copy("OpenAPI/openapi.json"), .copy("Dashboard/Assets")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LoomWorker",
            dependencies: [
                "LoomWire", "LoomTLS", "LoomColumnar", "LoomWorkflow",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        .executableTarget(
            name: "loom",
            dependencies: [
                "LoomColumnar", "LoomML", "LoomWorkflow", "LoomStore", "LoomWire", "LoomTLS", "LoomCoordinator", "LoomHTTP", "LoomWorker",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // Benchmarks (scripts/bench NAME) and fuzz targets (scripts/fuzz).
        .executableTarget(name: "loom-bench-cluster", dependencies: ["LoomStore"], path: "Sources/loom-bench-cluster", swiftSettings: swiftSettings),
        .executableTarget(name: "loom-bench-store", dependencies: ["LoomStore"], path: "Sources/loom-bench-store", swiftSettings: swiftSettings),
        .executableTarget(name: "loom-bench-csv", dependencies: ["LoomColumnar"], path: "Sources/loom-bench-csv", swiftSettings: swiftSettings),
        .executableTarget(name: "loom-bench-ml", dependencies: ["LoomML", "LoomColumnar"], path: "Sources/loom-bench-ml", swiftSettings: swiftSettings),
        .executableTarget(name: "loom-bench-wire", dependencies: ["LoomWire", "LoomTLS", "LoomColumnar", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")], path: "Sources/loom-bench-wire", swiftSettings: swiftSettings),
        .executableTarget(name: "loom-bench-stream", dependencies: ["LoomHTTP", "LoomStore", .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"), .product(name: "NIOCore", package: "swift-nio")], path: "Sources/loom-bench-stream", swiftSettings: swiftSettings),
        .executableTarget(
            name: "loom-fuzz-wire",
            dependencies: ["LoomWire", "LoomColumnar", .product(name: "NIOCore", package: "swift-nio")],
            path: "Sources/loom-fuzz-wire",
            swiftSettings: swiftSettings
        ),

        // Tests: one target per module, swift-testing.
        .testTarget(name: "LoomColumnarTests", dependencies: ["LoomColumnar", "CLZ4"], resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(
            name: "LoomWireTests",
            dependencies: [
                "LoomWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "LoomStoreTests", dependencies: ["LoomStore", "CPostgres"], swiftSettings: swiftSettings),
        .testTarget(
            name: "LoomHTTPTests",
            dependencies: [
                "LoomHTTP", "LoomStore", "LoomWorkflow", "LoomTLS",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "LoomWorkflowTests", dependencies: ["LoomWorkflow", "LoomML", "LoomColumnar"], swiftSettings: swiftSettings),
        .testTarget(
            name: "LoomClusterTests",
            dependencies: [
                "LoomCoordinator", "LoomWorker", "LoomStore", "LoomWire", "LoomTLS", "LoomColumnar", "LoomWorkflow", "LoomML",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "LoomMLTests", dependencies: ["LoomML", "LoomColumnar", "CZlib"], resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
    ]
)
