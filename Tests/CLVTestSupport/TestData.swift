import Foundation

/// Where the fetched data and models are, following the same rules as `scripts/setup.sh`.
///
/// Tests never download anything: `make test` runs the setup script first. A missing file is reported with the
/// command that fetches it.
public enum TestData {
    public static var cacheDirectory: URL {
        let env = ProcessInfo.processInfo.environment
        if let path = env["CLV_CACHE"], !path.isEmpty { return URL(fileURLWithPath: path) }
        let base = env["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (NSHomeDirectory() + "/.cache")
        return URL(fileURLWithPath: base).appendingPathComponent("clvkit")
    }

    public static var dataDirectory: URL {
        if let path = ProcessInfo.processInfo.environment["CLV_DATA"], !path.isEmpty { return URL(fileURLWithPath: path) }
        return cacheDirectory.appendingPathComponent("data")
    }

    public static var modelsDirectory: URL {
        if let path = ProcessInfo.processInfo.environment["CLV_MODELS"], !path.isEmpty { return URL(fileURLWithPath: path) }
        return cacheDirectory.appendingPathComponent("models")
    }

    /// The project root (the folder holding Package.swift), found from this source file's location.
    public static var projectRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// A file of the CDNOW data set (from the lifetimes 0.11.3 wheel), e.g. `CDNOW_sample.txt`.
    public static func cdnow(_ name: String) throws -> URL {
        try existing(dataDirectory.appendingPathComponent("cdnow").appendingPathComponent(name))
    }

    /// A file of a fetched model, e.g. `model("all-MiniLM-L6-v2", "model.safetensors")`.
    public static func model(_ folder: String, _ name: String) throws -> URL {
        try existing(modelsDirectory.appendingPathComponent(folder).appendingPathComponent(name))
    }

    /// A file of the shared data folder beside the project, e.g. `online-retail/online_retail.csv`.
    public static func shared(_ relativePath: String) throws -> URL {
        try existing(projectRoot.deletingLastPathComponent().appendingPathComponent("shared/data").appendingPathComponent(relativePath))
    }

    private static func existing(_ url: URL) throws -> URL {
        guard FileManager.default.fileExists(atPath: url.path) else { throw MissingTestData(path: url.path) }
        return url
    }
}

/// A data file a test needs is not there.
public struct MissingTestData: Error, CustomStringConvertible {
    public let path: String
    public init(path: String) { self.path = path }
    public var description: String { "Missing test data \(path): run `make setup` (scripts/setup.sh) to fetch it." }
}
