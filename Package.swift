// swift-tools-version: 6.2
import Foundation
import PackageDescription

// One settings array for every target: Swift 6 language mode (strict concurrency) comes with tools 6.x.
let settings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

// CLVKIT_TARGET_CPU=native (the Makefile and the benchmarks set it) compiles CLVText's decoder kernels (and
// CLVModels' likelihood loops) for the build machine's CPU, as llama.cpp is by default (GGML_NATIVE): the x86-64 baseline (SSE2: 4-lane vectors, no FMA)
// decodes at less than half the speed. Another LLVM CPU name (haswell, …) builds for a family of machines. Unset,
// the package carries no unsafe flags, so that other packages can depend on it by version.
let textCPU = Context.environment["CLVKIT_TARGET_CPU"].flatMap { $0.isEmpty ? nil : $0 }
// Fused multiply-add and half-to-float instructions only where the target surely has them: without them each
// `addingProduct` becomes a libm call and each `Float(Float16)` a compiler-rt call.
let textFeatures: Set<String> = {
    #if arch(arm64)
    return ["fma", "f16c"]
    #else
    guard textCPU == "native", let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
        let flags = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
    else { return [] }
    return Set(flags.split(separator: " ").map(String.init)).intersection(["fma", "f16c"])
    #endif
}()
let cpuSettings =
    settings + (textCPU.map { [.unsafeFlags(["-target-cpu", $0])] } ?? [])
    + (textFeatures.contains("fma") ? [.define("CLVMODELS_FMA")] : [])
let textSettings = cpuSettings + textFeatures.sorted().map { .define("CLVTEXT_" + $0.uppercased()) }

let package = Package(
    name: "clvkit",
    // Linux is the target; the macOS floor only lets Darwin builds use Synchronization.Mutex.
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "clv", targets: ["CLVCommand"]),
        .library(name: "CLVCore", targets: ["CLVCore"]),
        .library(name: "CLVNumerics", targets: ["CLVNumerics"]),
        .library(name: "CLVData", targets: ["CLVData"]),
        .library(name: "CLVSQLite", targets: ["CLVSQLite"]),
        .library(name: "CLVPostgres", targets: ["CLVPostgres"]),
        .library(name: "CLVModels", targets: ["CLVModels"]),
        .library(name: "CLVPipeline", targets: ["CLVPipeline"]),
        .library(name: "CLVText", targets: ["CLVText"]),
        .library(name: "CLVInsight", targets: ["CLVInsight"]),
        .library(name: "CLVLearn", targets: ["CLVLearn"]),
        .library(name: "CLVRecommend", targets: ["CLVRecommend"]),
        .executable(name: "clv-recommend-bench", targets: ["CLVRecommendBench"]),
        .library(name: "CLVAssist", targets: ["CLVAssist"]),
        .library(name: "CLVServer", targets: ["CLVServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics.git", from: "1.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.0.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        // Only the core traits: swift-configuration support is not needed and costs build time.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.0.0", traits: ["FullFoundation"]),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.5.0"),
        // Tests only: a real HTTP client for the integration tests.
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.20.0"),
    ],
    targets: [
        // OpenBLAS through pkg-config; `make setup` installs libopenblas-dev.
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        // Value types and errors shared by every module; no dependencies.
        .target(name: "CLVCore", swiftSettings: settings),
        // Special functions, optimisers, BLAS-backed linear algebra.
        .target(
            name: "CLVNumerics",
            dependencies: ["CBLAS", .product(name: "RealModule", package: "swift-numerics")],
            swiftSettings: settings
        ),
        // Ingestion, per-customer summaries, and the storage protocols with their value types (no database library);
        // CLVNumerics for its ParallelFor.
        .target(name: "CLVData", dependencies: ["CLVCore", "CLVNumerics"], swiftSettings: settings),
        // The embedded store: every CLVData storage protocol on one SQLite file, through GRDB.
        .target(
            name: "CLVSQLite",
            dependencies: [
                "CLVCore", "CLVData", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: settings
        ),
        // The server store: every CLVData storage protocol on PostgreSQL (Citus-ready keys), through PostgresNIO.
        .target(
            name: "CLVPostgres",
            dependencies: ["CLVCore", "CLVData", .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log")],
            swiftSettings: settings
        ),
        // Probabilistic CLV models: pure, synchronous, no storage. Built for the same CPU as CLVText: the per-row
        // likelihood loops of a fit run four rows per vector instruction there (two on the x86-64 baseline).
        .target(
            name: "CLVModels",
            dependencies: ["CLVCore", "CLVNumerics", .product(name: "RealModule", package: "swift-numerics")],
            swiftSettings: cpuSettings
        ),
        // The workflow both surfaces call: summaries -> fit -> save -> score -> segment -> analyse, over any store.
        .target(
            name: "CLVPipeline", dependencies: ["CLVCore", "CLVData", "CLVModels", "CLVText", "CLVInsight", "CLVLearn", "CLVRecommend", "CLVAssist"],
            swiftSettings: settings
        ),
        // Language models: tokenizers, BERT encoder, Llama decoder, on OpenBLAS.
        .target(name: "CLVText", dependencies: ["CLVCore", "CLVNumerics", "CBLAS"], swiftSettings: textSettings),
        // Fine-tuning the BERT encoder: backward pass, heads (softmax, regression, ZILN), AdamW; on OpenBLAS.
        .target(name: "CLVFineTune", dependencies: ["CLVCore", "CLVNumerics", "CLVText", "CLVLearn"], swiftSettings: cpuSettings),
        // What customers' own words say: classifiers on sentence embeddings, k-means, topics, profiles, cohorts. Pure.
        .target(
            name: "CLVInsight",
            dependencies: ["CLVCore", "CLVNumerics", "CLVModels", "CLVText", "CBLAS"],
            swiftSettings: cpuSettings
        ),
        // Learned CLV (ZILN linear and MLP, boosted trees), its metrics and explanations. Pure; reuses CLVInsight's
        // feature matrix and standardiser.
        .target(
            name: "CLVLearn",
            dependencies: ["CLVCore", "CLVNumerics", "CLVModels", "CLVInsight", .product(name: "RealModule", package: "swift-numerics")],
            swiftSettings: settings
        ),
        // Recommendations: sparse matrices in, ALS / BPR / item-kNN / popularity models and ranking metrics out. Pure;
        // built for the same CPU as CLVText, since the ALS and BPR inner loops are short vector kernels.
        .target(name: "CLVRecommend", dependencies: ["CLVCore", "CLVNumerics"], swiftSettings: cpuSettings),
        // Reads an interaction CSV, fits and evaluates one recommender: what bench/als and the README tables time.
        .executableTarget(name: "CLVRecommendBench", dependencies: ["CLVRecommend", "CLVCore", "CLVNumerics"], swiftSettings: cpuSettings),
        // The customer-service assistant: knowledge retrieval, intent, routing, grounded answers. Pure: scores come in.
        .target(name: "CLVAssist", dependencies: ["CLVCore", "CLVText", "CLVInsight"], swiftSettings: settings),
        // HTTP API, auth, metrics (and later the dashboard) on Hummingbird.
        .target(
            name: "CLVServer",
            dependencies: [
                "CLVCore", "CLVData", "CLVModels", "CLVPipeline", "CLVText", "CLVInsight", "CLVLearn", "CLVAssist",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: settings
        ),
        // The `clv` command-line tool.
        .executableTarget(
            name: "CLVCommand",
            dependencies: [
                "CLVCore", "CLVData", "CLVSQLite", "CLVPostgres", "CLVModels", "CLVNumerics", "CLVPipeline", "CLVText", "CLVServer", "CLVLearn", "CLVRecommend",
                "CLVAssist", "CLVFineTune",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: settings
        ),

        // MARK: - Tests
        .target(
            name: "CLVTestSupport",
            dependencies: ["CLVCore", .product(name: "RealModule", package: "swift-numerics")],
            path: "Tests/CLVTestSupport",
            swiftSettings: settings
        ),
        .testTarget(name: "CLVCoreTests", dependencies: ["CLVCore", "CLVTestSupport"], swiftSettings: settings),
        .testTarget(name: "CLVNumericsTests", dependencies: ["CLVNumerics", "CLVTestSupport"], swiftSettings: settings),
        // The storage protocols' promises, written once; each store's test target runs them on its own stores.
        .target(name: "CLVStoreConformance", dependencies: ["CLVCore", "CLVData"], path: "Tests/CLVStoreConformance", swiftSettings: settings),
        .testTarget(
            name: "CLVDataTests",
            dependencies: ["CLVData", "CLVSQLite", "CLVCore", "CLVTestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            resources: [.copy("Resources")],
            swiftSettings: settings
        ),
        .testTarget(
            name: "CLVSQLiteTests",
            dependencies: [
                "CLVSQLite", "CLVData", "CLVCore", "CLVStoreConformance", "CLVTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            resources: [.copy("Resources")],
            swiftSettings: settings
        ),
        // Starts a throwaway PostgreSQL cluster (initdb, pg_ctl) and runs the conformance suite and the cross-backend
        // checks on it.
        .testTarget(
            name: "CLVPostgresTests",
            dependencies: ["CLVPostgres", "CLVSQLite", "CLVData", "CLVCore", "CLVStoreConformance", "CLVTestSupport"],
            swiftSettings: settings
        ),
        .testTarget(
            name: "CLVPipelineTests",
            dependencies: [
                "CLVPipeline", "CLVSQLite", "CLVData", "CLVModels", "CLVCore", "CLVText", "CLVInsight", "CLVLearn", "CLVRecommend", "CLVTestSupport",
            ],
            swiftSettings: settings
        ),
        .testTarget(
            name: "CLVModelsTests",
            dependencies: ["CLVModels", "CLVCore", "CLVNumerics", "CLVTestSupport"],
            resources: [.copy("Resources")],
            swiftSettings: settings
        ),
        .testTarget(
            name: "CLVLearnTests",
            dependencies: ["CLVLearn", "CLVInsight", "CLVModels", "CLVCore", "CLVTestSupport"],
            swiftSettings: settings
        ),
        .testTarget(
            name: "CLVRecommendTests",
            dependencies: ["CLVRecommend", "CLVCore", "CLVNumerics", "CLVTestSupport", .product(name: "RealModule", package: "swift-numerics")],
            swiftSettings: settings),
        .testTarget(
            name: "CLVTextTests",
            dependencies: ["CLVText", "CLVNumerics", "CLVTestSupport"],
            resources: [.copy("Resources")],
            swiftSettings: settings
        ),
        .testTarget(
            name: "CLVFineTuneTests",
            dependencies: ["CLVFineTune", "CLVText", "CLVCore", "CLVNumerics", "CLVTestSupport"],
            swiftSettings: settings
        ),
        .testTarget(
            name: "CLVInsightTests",
            dependencies: ["CLVInsight", "CLVCore", "CLVNumerics", "CLVTestSupport"],
            resources: [.copy("Resources")],
            swiftSettings: settings
        ),
        .testTarget(
            name: "CLVAssistTests",
            dependencies: ["CLVAssist", "CLVPipeline", "CLVSQLite", "CLVData", "CLVCore", "CLVText", "CLVInsight", "CLVTestSupport"],
            resources: [.copy("Resources")],
            swiftSettings: settings
        ),
        // Starts the real server on a loopback port and speaks HTTP to it.
        .testTarget(
            name: "CLVServerTests",
            dependencies: [
                "CLVServer", "CLVData", "CLVSQLite", "CLVModels", "CLVPipeline", "CLVInsight", "CLVLearn", "CLVCore", "CLVText", "CLVTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            // Read by path (#filePath) and handed to the Python clients, not bundled.
            exclude: ["Contract"],
            swiftSettings: settings
        ),
        // Runs the built `clv` executable as a subprocess.
        .testTarget(
            name: "CLVCommandTests",
            // CLVText only to write encoder folders for `--encoder` (SentenceTransformersDirectory).
            dependencies: ["CLVTestSupport", "CLVText", .product(name: "GRDB", package: "GRDB.swift")],
            resources: [.copy("Golden")],
            swiftSettings: settings
        ),
    ]
)
