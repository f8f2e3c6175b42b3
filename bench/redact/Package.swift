// swift-tools-version: 6.2
// Times CLVData's Redactor on review-like texts for bench/redact/run.sh. Its own package and .build.
import PackageDescription

let package = Package(
    name: "redact-bench",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "clvkit", path: "../..")],
    targets: [
        .executableTarget(
            name: "RedactBench",
            dependencies: [.product(name: "CLVData", package: "clvkit")],
            path: "Sources/RedactBench"
        )
    ]
)
