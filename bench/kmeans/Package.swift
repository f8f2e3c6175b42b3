// swift-tools-version: 6.2
// Times CLVInsight's k-means alone for bench/kmeans/run.sh until `clv kmeans-bench` exists. Its own package and .build.
import PackageDescription

let package = Package(
    name: "kmeans-bench",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "clvkit", path: "../..")],
    targets: [
        .executableTarget(
            name: "KMeansBench",
            dependencies: [.product(name: "CLVInsight", package: "clvkit"), .product(name: "CLVNumerics", package: "clvkit")],
            path: "Sources/KMeansBench"
        ),
    ]
)
