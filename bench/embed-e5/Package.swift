// swift-tools-version: 6.2
// Throughput of CLVText's multilingual-e5-small encoder; run through ./run.sh (release only, never part of `swift test`).
import Foundation
import PackageDescription

// A path dependency's identity is its folder name (the checkout may be called clvkit, main, a worktree...).
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let clvkit = root.lastPathComponent.lowercased()

let package = Package(
    name: "embed-e5-bench",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(name: "EmbedE5Bench", dependencies: [.product(name: "CLVText", package: clvkit)]),
    ]
)
