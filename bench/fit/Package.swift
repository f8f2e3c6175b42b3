// swift-tools-version: 6.2
// Times the optimiser alone (CLVModels) for bench/fit/run.sh. Its own package and .build.
import PackageDescription

let package = Package(
    name: "fit-bench",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "clvkit", path: "../..")],
    targets: [
        .executableTarget(
            name: "FitBench",
            dependencies: [.product(name: "CLVModels", package: "clvkit"), .product(name: "CLVCore", package: "clvkit")],
            path: "Sources/FitBench"
        ),
    ]
)
