import CLVTestSupport
import Foundation
import FoundationXML
import Testing

/// `clv plot`: each of lifetimes' plots written from a fitted CDNOW database, checked for the marks it must draw.
@Suite(.serialized) struct PlotCommandTests {
    /// A CDNOW sample database with BG/NBD fitted on the 39-week calibration period.
    static func fittedDatabase() throws -> (CLIRunner, TemporaryDirectory, String) {
        let clv = try CLIRunner()
        let folder = try TemporaryDirectory()
        let db = folder.path("clv.sqlite")
        #expect(try clv.run(["ingest", "orders", try TestData.cdnow("CDNOW_sample.txt").path, "--preset", "cdnow-sample", "--db", db]).status == 0)
        let fit = try clv.run(["fit", "--model", "bgnbd", "--db", db, "--end", "1997-09-30", "--unit", "week"])
        #expect(fit.status == 0, "\(fit.stderr)")
        return (clv, folder, db)
    }

    /// The elements of an SVG file by name, after checking that it parses as XML.
    static func elements(of url: URL) throws -> (counts: [String: Int], texts: [String], root: [String: String]) {
        final class Collector: NSObject, XMLParserDelegate {
            var counts: [String: Int] = [:], texts: [String] = [], root: [String: String]?, text = ""
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String]) {
                counts[name, default: 0] += 1
                if root == nil { root = attributes }
                text = ""
            }
            func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
            func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
                if name == "text" { texts.append(text) }
            }
        }
        let parser = XMLParser(contentsOf: url)!
        let collector = Collector()
        parser.delegate = collector
        #expect(parser.parse(), "\(url.lastPathComponent) is not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "")")
        return (collector.counts, collector.texts, collector.root ?? [:])
    }

    @Test func everyPlotIsWrittenWithItsMarks() throws {
        let (clv, folder, db) = try Self.fittedDatabase()
        var files: [String: URL] = [:]
        for (kind, extra) in [
            ("frequency-recency", []), ("p-alive", []), ("period-transactions", []), ("calibration-holdout", []), ("cumulative", []),
            ("alive-history", ["1"]),
        ] as [(String, [String])] {
            let out = folder.url.appendingPathComponent("\(kind).svg")
            let run = try clv.run(["plot", kind] + extra + ["--out", out.path, "--db", db])
            #expect(run.status == 0, "\(kind): \(run.stderr)")
            files[kind] = out
        }
        for kind in ["frequency-recency", "p-alive"] {
            let svg = try Self.elements(of: files[kind]!)
            #expect(svg.root["xmlns"] == "http://www.w3.org/2000/svg")
            // One cell per (frequency, recency) pair of the grid, each with its value as a tooltip.
            #expect((svg.counts["rect"] ?? 0) > 50, "\(kind): \(svg.counts)")
            #expect(svg.texts.contains("repeat purchases") && svg.texts.contains("recency (weeks)"))
        }
        let period = try Self.elements(of: files["period-transactions"]!)
        #expect(period.counts["rect"] ?? 0 >= 14, "7 groups, actual and model: \(period.counts)")
        #expect(period.texts.contains("actual") && period.texts.contains("model"))
        let holdout = try Self.elements(of: files["calibration-holdout"]!)
        #expect(holdout.counts["polyline"] == 2 && holdout.counts["circle"] == 16, "two series of 8 groups: \(holdout.counts)")
        let cumulative = try Self.elements(of: files["cumulative"]!)
        #expect(cumulative.counts["polyline"] == 2)
        #expect(cumulative.texts.contains("end of calibration"))
        let alive = try Self.elements(of: files["alive-history"]!)
        #expect(alive.counts["polyline"] == 1)
        #expect(alive.texts.contains { $0.contains("Customer 1") })
    }

    @Test func pngIsDrawnAndMistakesAreOneLine() throws {
        let (clv, folder, db) = try Self.fittedDatabase()
        let png = folder.url.appendingPathComponent("cumulative.png")
        let run = try clv.run(["plot", "cumulative", "--out", png.path, "--db", db])
        #expect(run.status == 0, "\(run.stderr)")
        let bytes = try Data(contentsOf: png)
        #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), "a PNG signature")
        let width = bytes[16..<20].reduce(0) { $0 << 8 | Int($1) }
        #expect(width == 1_280, "640 px at device scale 2")

        let noCustomer = try clv.run(["plot", "alive-history", "--out", folder.path("x.svg"), "--db", db])
        #expect(noCustomer.status != 0 && noCustomer.stderr.contains("give their id"))
        let badFile = try clv.run(["plot", "p-alive", "--out", folder.path("x.pdf"), "--db", db])
        #expect(badFile.status != 0 && badFile.stderr.contains(".svg or .png"))
        let unknown = try clv.run(["plot", "alive-history", "nobody", "--out", folder.path("x.svg"), "--db", db])
        #expect(unknown.status != 0 && unknown.stderr.contains("No customer nobody"))
        let unfitted = try clv.run(["plot", "cumulative", "--model", "pnbd", "--out", folder.path("x.svg"), "--db", db])
        #expect(unfitted.status != 0 && unfitted.stderr.contains("clv fit --model pnbd"))
    }
}
