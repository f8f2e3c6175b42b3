import Foundation

/// Runs the built `clv` executable, which `swift test` builds next to the test bundle.
public struct CLIRunner: Sendable {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    public let executable: URL

    public init() throws {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = testBinary.deletingLastPathComponent()
        // The test bundle may be a folder (`…PackageTests.xctest/…`) on some platforms.
        while folder.pathExtension == "xctest" || folder.lastPathComponent == "Contents" || folder.lastPathComponent == "MacOS" {
            folder.deleteLastPathComponent()
        }
        let candidate = folder.appendingPathComponent("clv")
        guard FileManager.default.isExecutableFile(atPath: candidate.path) else {
            throw MissingTestData(path: candidate.path + " (build it with `swift build`)")
        }
        executable = candidate
    }

    /// Runs `clv arguments…` to completion with a fixed terminal width and no inherited CLV_DB.
    public func run(_ arguments: [String], environment extra: [String: String] = [:], in directory: URL? = nil) throws -> Result {
        // Output goes through files, not pipes, so a large result cannot fill a pipe and stall the child.
        let folder = try TemporaryDirectory("clv-run")
        let outURL = folder.url.appendingPathComponent("stdout"), errURL = folder.url.appendingPathComponent("stderr")
        try Data().write(to: outURL)
        try Data().write(to: errURL)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        let process = try start(arguments, environment: extra, in: directory, stdout: out, stderr: err)
        process.waitUntilExit()
        try out.close()
        try err.close()
        return Result(
            status: process.terminationStatus,
            stdout: try String(contentsOf: outURL, encoding: .utf8),
            stderr: try String(contentsOf: errURL, encoding: .utf8)
        )
    }

    /// Starts `clv` without waiting; output goes to the given handles (the null device by default).
    public func start(
        _ arguments: [String], environment extra: [String: String] = [:], in directory: URL? = nil,
        stdout: FileHandle = .nullDevice, stderr: FileHandle = .nullDevice
    ) throws -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["CLV_DB"] = nil
        environment["COLUMNS"] = "100"
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        if let directory { process.currentDirectoryURL = directory }
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        return process
    }
}
