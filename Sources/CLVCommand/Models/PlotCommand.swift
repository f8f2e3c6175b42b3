import ArgumentParser
import CLVCore
import CLVServer
import Foundation

extension PlotKind: ExpressibleByArgument {}

extension CLV {
    /// `clv plot`: the dashboard's model charts as SVG or PNG files, named as lifetimes' plotting module names them.
    struct Plot: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a model plot (the dashboard's chart) to an SVG or PNG file.",
            discussion: """
                Plots: \(PlotKind.allCases.map(\.rawValue).joined(separator: ", ")). They use the newest saved runs
                (`clv fit`), scored as of the last stored day; alive-history needs a customer id. PNG is drawn by
                headless Chromium (`scripts/setup.sh --browser` installs it).
                """)

        @Argument(help: "The plot.")
        var kind: PlotKind

        @Argument(help: "The customer (alive-history only).")
        var customer: String?

        @Option(help: ArgumentHelp("Output file: .svg or .png.", valueName: "FILE"))
        var out: String

        @Option(help: "Purchase model whose saved run to plot: bgnbd, pnbd, mbgnbd or bgbb.")
        var model: ModelKind = .bgnbd

        @OptionGroup var database: DatabaseOptions

        enum FileKind { case svg, png }

        var fileKind: FileKind? {
            switch URL(fileURLWithPath: out).pathExtension.lowercased() {
            case "svg": .svg
            case "png": .png
            default: nil
            }
        }

        func validate() throws {
            guard fileKind != nil else { throw ValidationError("--out must end in .svg or .png (got \(out)).") }
            guard model.isPurchaseModel else { throw ValidationError("--model must be a purchase model (bgnbd, pnbd, mbgnbd, bgbb).") }
            if kind.needsCustomer, customer == nil { throw ValidationError("\(kind.rawValue) plots one customer: give their id after the plot name.") }
            if !kind.needsCustomer, customer != nil { throw ValidationError("\(kind.rawValue) plots the whole customer base: leave out the customer id.") }
        }

        func run() async throws {
            let store = try await database.openExisting()
            let svg: String
            do {
                svg = try await Plots.svg(kind, store: store, model: model, customer: customer.map { CustomerID($0) }, settings: ServerConfiguration())
            } catch let error as PlotError {
                throw UserError(error.description)
            }
            let destination = URL(fileURLWithPath: out)
            switch fileKind {
            case .png: try Self.rasterize(svg, to: destination)
            case .svg, nil: try Data(svg.utf8).write(to: destination, options: .atomic)
            }
            Output.log("Wrote \(kind.rawValue) to \(out).")
        }

        static let browsers = ["/usr/bin/chromium", "/usr/lib/chromium/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]

        /// PNG through headless Chromium: it draws the SVG exactly as the dashboard's browser would.
        static func rasterize(_ svg: String, to destination: URL) throws {
            guard let browser = browsers.first(where: FileManager.default.isExecutableFile(atPath:)) else {
                throw UserError("Writing PNG needs Chromium, which is not installed: run `scripts/setup.sh --browser`, or write .svg instead.")
            }
            let size = try Self.size(of: svg)
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("clv-plot-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let page = folder.appendingPathComponent("plot.svg"), shot = folder.appendingPathComponent("plot.png")
            try Data(svg.utf8).write(to: page)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: browser)
            process.arguments = [
                "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--force-device-scale-factor=2",
                "--user-data-dir=\(folder.appendingPathComponent("profile").path)", "--window-size=\(size.width),\(size.height)",
                "--screenshot=\(shot.path)", page.absoluteString,
            ]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0, let png = FileManager.default.contents(atPath: shot.path), !png.isEmpty else {
                throw UserError("Chromium (\(browser)) could not draw the PNG (exit \(process.terminationStatus)); write .svg instead.")
            }
            try png.write(to: destination, options: .atomic)
        }

        /// The pixel size the SVG document declares.
        static func size(of svg: String) throws -> (width: Int, height: Int) {
            func attribute(_ name: String) -> Int? {
                guard let range = svg.range(of: "\(name)=\"") else { return nil }
                return Int(svg[range.upperBound...].prefix { $0.isNumber })
            }
            guard let width = attribute(" width"), let height = attribute(" height") else { throw UserError("The plot has no size; report this.") }
            return (width, height)
        }
    }
}
