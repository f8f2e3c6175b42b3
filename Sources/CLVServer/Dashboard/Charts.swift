import Foundation

/// Inline SVG charts: each a pure function of its data, scaled to a fixed view box and stretched by CSS.
///
/// Every chart is an `<svg class="chart" data-chart="<name>">` so pages and tests can find it; marks carry a
/// `<title>` with their value (a native tooltip).
enum Chart {
    static let width = 640.0, height = 300.0
    static let margin = (left: 56.0, right: 16.0, top: 14.0, bottom: 40.0)
    static let palette = ["#2563eb", "#f97316", "#16a34a", "#9333ea", "#dc2626", "#0891b2"]

    struct Series: Sendable {
        var name: String
        var points: [(x: Double, y: Double)]
        var color: String
        var dashed = false
        var markers = false
    }

    /// A frame: axes with ticks, gridlines and labels, mapping data to the view box.
    struct Frame {
        var xRange: ClosedRange<Double>, yRange: ClosedRange<Double>
        var plotWidth: Double { width - margin.left - margin.right }
        var plotHeight: Double { height - margin.top - margin.bottom }

        func x(_ v: Double) -> Double {
            margin.left + (v - xRange.lowerBound) / max(xRange.upperBound - xRange.lowerBound, 1e-12) * plotWidth
        }
        func y(_ v: Double) -> Double {
            margin.top + plotHeight - (v - yRange.lowerBound) / max(yRange.upperBound - yRange.lowerBound, 1e-12) * plotHeight
        }

        func axes(xTicks: [(Double, String)], yTicks: [(Double, String)], xTitle: String, yTitle: String) -> HTML {
            var parts: [HTML] = []
            for (v, label) in yTicks {
                let yy = f(y(v))
                parts.append(
                    "<line class=\"grid\" x1=\"\(f(margin.left))\" x2=\"\(f(width - margin.right))\" y1=\"\(yy)\" y2=\"\(yy)\"/><text class=\"tick\" x=\"\(f(margin.left - 6))\" y=\"\(yy)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(label)</text>"
                )
            }
            for (v, label) in xTicks {
                parts.append("<text class=\"tick\" x=\"\(f(x(v)))\" y=\"\(f(height - margin.bottom + 16))\" text-anchor=\"middle\">\(label)</text>")
            }
            let base = f(y(yRange.lowerBound))
            parts.append("<line class=\"axis\" x1=\"\(f(margin.left))\" x2=\"\(f(width - margin.right))\" y1=\"\(base)\" y2=\"\(base)\"/>")
            parts.append("<text class=\"axis-title\" x=\"\(f(margin.left + plotWidth / 2))\" y=\"\(f(height - 4))\" text-anchor=\"middle\">\(xTitle)</text>")
            parts.append(
                "<text class=\"axis-title\" transform=\"translate(12 \(f(margin.top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(yTitle)</text>")
            return HTML.join(parts)
        }
    }

    /// Coordinates with at most two decimals.
    static func f(_ v: Double) -> String { String(format: "%.2f", v) }

    /// About `count` round tick values covering `range`.
    static func ticks(_ range: ClosedRange<Double>, count: Int = 5) -> [Double] {
        let span = range.upperBound - range.lowerBound
        guard span > 0, span.isFinite else { return [range.lowerBound] }
        let raw = span / Double(count)
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var values: [Double] = []
        var v = ceil(range.lowerBound / step) * step
        while v <= range.upperBound + step * 1e-9 {
            values.append(v)
            v += step
        }
        return values
    }

    static func niceMax(_ value: Double) -> Double {
        guard value > 0, value.isFinite else { return 1 }
        return ticks(0...value * 1.05).last.map { max($0, value) } ?? value
    }

    static func svg(_ name: String, label: String, _ body: HTML, legend: [(String, String, Bool)] = []) -> ChartFigure {
        ChartFigure(name: name, label: label, width: width, height: height, body: body, legend: legend)
    }

    /// Lines over a numeric x axis.
    static func lines(
        _ name: String, label: String, series: [Series], xTitle: String, yTitle: String,
        xFormat: (Double) -> String = { Format.number($0, decimals: 0) }, yFormat: (Double) -> String = { Format.number($0, decimals: 1) },
        xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil, xTickValues: [Double]? = nil,
        marker: (x: Double, label: String)? = nil
    ) -> ChartFigure {
        let xs = series.flatMap { $0.points.map(\.x) }, ys = series.flatMap { $0.points.map(\.y) }
        guard let xMin = xs.min(), let xMax = xs.max() else { return svg(name, label: label, "<text x=\"20\" y=\"40\">No data</text>") }
        let frame = Frame(xRange: xRange ?? xMin...max(xMax, xMin + 1), yRange: yRange ?? 0...niceMax(ys.max() ?? 1))
        let xt = (xTickValues ?? ticks(frame.xRange, count: 6)).map { ($0, xFormat($0)) }
        let yt = ticks(frame.yRange, count: 5).map { ($0, yFormat($0)) }
        var parts: [HTML] = [frame.axes(xTicks: xt, yTicks: yt, xTitle: xTitle, yTitle: yTitle)]
        if let marker {
            let x = f(frame.x(marker.x))
            parts.append(
                "<line class=\"marker\" x1=\"\(x)\" x2=\"\(x)\" y1=\"\(f(margin.top))\" y2=\"\(f(frame.y(frame.yRange.lowerBound)))\" stroke=\"#64748b\" stroke-dasharray=\"3 3\"/><text class=\"tick\" x=\"\(f(frame.x(marker.x) + 4))\" y=\"\(f(margin.top + 10))\">\(marker.label)</text>"
            )
        }
        for s in series {
            let path = s.points.map { "\(f(frame.x($0.x))),\(f(frame.y($0.y)))" }.joined(separator: " ")
            parts.append(
                "<polyline class=\"series\" data-series=\"\(s.name)\" points=\"\(path)\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2.5\"\(s.dashed ? (" stroke-dasharray=\"6 4\"" as HTML) : "")/>"
            )
            if s.markers {
                for p in s.points {
                    parts.append(
                        "<circle cx=\"\(f(frame.x(p.x)))\" cy=\"\(f(frame.y(p.y)))\" r=\"4\" fill=\"\(s.color)\"><title>\(s.name): \(xFormat(p.x)) → \(yFormat(p.y))</title></circle>"
                    )
                }
            }
        }
        return svg(name, label: label, HTML.join(parts), legend: series.map { ($0.name, $0.color, $0.dashed) })
    }

    /// Vertical bars over labelled categories.
    static func bars(
        _ name: String, label: String, bars: [(label: String, value: Double, color: String)], xTitle: String, yTitle: String,
        yFormat: (Double) -> String = { Format.integer(Int($0)) }
    ) -> ChartFigure {
        guard !bars.isEmpty else { return svg(name, label: label, "<text x=\"20\" y=\"40\">No data</text>") }
        let frame = Frame(xRange: 0...Double(bars.count), yRange: 0...niceMax(bars.map(\.value).max() ?? 1))
        let every = max(1, Int((Double(bars.count) / 8).rounded(.up)))
        let xt = bars.indices.filter { $0 % every == 0 }.map { (Double($0) + 0.5, bars[$0].label) }
        var parts: [HTML] = [frame.axes(xTicks: xt, yTicks: ticks(frame.yRange).map { ($0, yFormat($0)) }, xTitle: xTitle, yTitle: yTitle)]
        let w = frame.plotWidth / Double(bars.count)
        for (i, b) in bars.enumerated() {
            let top = frame.y(b.value), bottom = frame.y(0)
            parts.append(
                "<rect class=\"bar\" x=\"\(f(frame.x(Double(i)) + w * 0.1))\" y=\"\(f(top))\" width=\"\(f(w * 0.8))\" height=\"\(f(max(0, bottom - top)))\" fill=\"\(b.color)\"><title>\(b.label): \(yFormat(b.value))</title></rect>"
            )
        }
        return svg(name, label: label, HTML.join(parts))
    }

    /// Horizontal paired bars: for each row, share of customers against share of value (both in 0...1).
    static func pairedShares(_ name: String, label: String, rows: [(label: String, customers: Double, value: Double)]) -> ChartFigure {
        let rowHeight = 26.0, labelWidth = 150.0, top = 8.0
        let h = top + Double(rows.count) * rowHeight + 10
        let maxShare = max(rows.map { max($0.customers, $0.value) }.max() ?? 1, 0.01)
        let plot = width - labelWidth - 90
        var parts: [HTML] = []
        for (i, r) in rows.enumerated() {
            let y = top + Double(i) * rowHeight
            parts.append(
                "<text class=\"tick\" x=\"\(f(labelWidth - 8))\" y=\"\(f(y + rowHeight / 2))\" text-anchor=\"end\" dominant-baseline=\"middle\">\(r.label)</text>"
            )
            let wc = plot * r.customers / maxShare, wv = plot * r.value / maxShare
            parts.append(
                "<rect class=\"bar share-customers\" x=\"\(f(labelWidth))\" y=\"\(f(y + 3))\" width=\"\(f(wc))\" height=\"9\" fill=\"#94a3b8\"><title>\(r.label): \(Format.percent(r.customers, decimals: 1)) of customers</title></rect>"
            )
            parts.append(
                "<rect class=\"bar share-value\" x=\"\(f(labelWidth))\" y=\"\(f(y + 13))\" width=\"\(f(wv))\" height=\"9\" fill=\"#2563eb\"><title>\(r.label): \(Format.percent(r.value, decimals: 1)) of predicted value</title></rect>"
            )
            parts.append(
                "<text class=\"tick\" x=\"\(f(labelWidth + max(wc, wv) + 6))\" y=\"\(f(y + rowHeight / 2))\" dominant-baseline=\"middle\">\(Format.percent(r.customers)) / \(Format.percent(r.value))</text>"
            )
        }
        return ChartFigure(
            name: name, label: label, width: width, height: h, body: HTML.join(parts),
            legend: [("share of customers", "#94a3b8", false), ("share of predicted value", "#2563eb", false)], stretches: false)
    }

    /// The heat maps' colour for a share `t` of the maximum (0: pale, 1: dark blue).
    static func heatColor(_ t: Double) -> String {
        let t = min(1, max(0, t.isFinite ? t : 0))
        return "rgb(\(Int(239 - 202 * t)),\(Int(246 - 147 * t)),\(Int(255 - 20 * t)))"
    }

    /// A grid of cells coloured by value (0...max), with row and column labels.
    static func heatmap(
        _ name: String, label: String, rowLabels: [String], columnLabels: [String], values: [[Double?]],
        rowTitle: String, columnTitle: String, format: (Double) -> String
    ) -> ChartFigure {
        let left = 56.0, top = 10.0, bottom = 40.0
        let cellW = (width - left - 10) / Double(max(columnLabels.count, 1))
        let cellH = (height - top - bottom) / Double(max(rowLabels.count, 1))
        let maxValue = max(values.flatMap { $0.compactMap { $0 } }.max() ?? 1, 1e-12)
        var parts: [HTML] = []
        for (r, row) in values.enumerated() {
            // Row 0 (lowest frequency) at the bottom.
            let y = top + Double(rowLabels.count - 1 - r) * cellH
            for (c, value) in row.enumerated() {
                guard let value else { continue }
                let color = heatColor(value / maxValue)
                parts.append(
                    "<rect class=\"cell\" x=\"\(f(left + Double(c) * cellW))\" y=\"\(f(y))\" width=\"\(f(cellW - 1))\" height=\"\(f(cellH - 1))\" fill=\"\(color)\"><title>\(rowTitle) \(rowLabels[r]), \(columnTitle) \(columnLabels[c]): \(format(value))</title></rect>"
                )
            }
            parts.append(
                "<text class=\"tick\" x=\"\(f(left - 6))\" y=\"\(f(y + cellH / 2))\" text-anchor=\"end\" dominant-baseline=\"middle\">\(rowLabels[r])</text>")
        }
        let every = max(1, columnLabels.count / 6)
        for (c, l) in columnLabels.enumerated() where c % every == 0 {
            parts.append(
                "<text class=\"tick\" x=\"\(f(left + (Double(c) + 0.5) * cellW))\" y=\"\(f(height - bottom + 16))\" text-anchor=\"middle\">\(l)</text>")
        }
        parts.append("<text class=\"axis-title\" x=\"\(f(left + (width - left) / 2))\" y=\"\(f(height - 4))\" text-anchor=\"middle\">\(columnTitle)</text>")
        parts.append(
            "<text class=\"axis-title\" transform=\"translate(12 \(f(top + (height - top - bottom) / 2))) rotate(-90)\" text-anchor=\"middle\">\(rowTitle)</text>"
        )
        return svg(name, label: label, HTML.join(parts))
    }

    /// Dots on a time axis, sized by amount: a purchase timeline.
    static func timeline(
        _ name: String, label: String, events: [(day: Double, amount: Double, title: String)], range: ClosedRange<Double>,
        xFormat: (Double) -> String
    ) -> ChartFigure {
        let h = 90.0
        let frame = Frame(xRange: range, yRange: 0...1)
        let maxAmount = max(events.map(\.amount).max() ?? 1, 1e-9)
        var parts: [HTML] = ["<line class=\"axis\" x1=\"\(f(margin.left))\" x2=\"\(f(width - margin.right))\" y1=\"45\" y2=\"45\"/>"]
        for v in ticks(range, count: 6) where frame.x(v) > 40 && frame.x(v) < width - 40 {
            parts.append("<text class=\"tick\" x=\"\(f(frame.x(v)))\" y=\"80\" text-anchor=\"middle\">\(xFormat(v))</text>")
        }
        for e in events {
            let r = 4 + 12 * sqrt(max(e.amount, 0) / maxAmount)
            parts.append(
                "<circle class=\"purchase\" cx=\"\(f(frame.x(e.day)))\" cy=\"45\" r=\"\(f(r))\" fill=\"#2563eb\" fill-opacity=\"0.6\" stroke=\"#1e3a8a\"><title>\(e.title)</title></circle>"
            )
        }
        return ChartFigure(name: name, label: label, width: width, height: h, body: HTML.join(parts), legend: [], stretches: false)
    }
}

/// One chart: its marks in a view box and its legend, shown inline on a dashboard page (``html``) or written as a
/// file of its own (``standaloneSVG(title:)``, what `clv plot` writes): the same drawing either way.
struct ChartFigure: Sendable {
    var name: String
    var label: String
    var width: Double
    var height: Double
    var body: HTML
    var legend: [(name: String, color: String, dashed: Bool)]
    /// Whether the page may stretch it to its box (timelines keep their aspect).
    var stretches = true

    var html: HTML {
        let items = legend.map { name, color, dashed -> HTML in
            "<span class=\"key\"><i style=\"background:\(color)\(dashed ? ";opacity:.6" : "")\"></i>\(name)</span>"
        }
        let aspect: HTML = stretches ? " preserveAspectRatio=\"xMidYMid meet\"" : ""
        return """
            <figure class="chart-figure"><svg class="chart" data-chart="\(name)" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" aria-label="\(label)"\(aspect)>\(body)</svg>\(legend.isEmpty ? "" : ("<figcaption class=\"legend\">\(items)</figcaption>" as HTML))</figure>
            """
    }

    /// A self-contained SVG document: a title above, the chart, and its legend drawn below as SVG (no HTML, no
    /// external style), so that any viewer or editor shows what the dashboard shows.
    func standaloneSVG(title: String) -> String {
        let top = 28.0, legendHeight = legend.isEmpty ? 0.0 : 24.0
        var keys: [HTML] = []
        var x = 56.0
        for key in legend {
            let dash: HTML = key.dashed ? " stroke-dasharray=\"6 4\"" : ""
            keys.append(
                "<line x1=\"\(Chart.f(x))\" x2=\"\(Chart.f(x + 22))\" y1=\"\(Chart.f(height + 12))\" y2=\"\(Chart.f(height + 12))\" stroke=\"\(key.color)\" stroke-width=\"3\"\(dash)/><text class=\"key\" x=\"\(Chart.f(x + 28))\" y=\"\(Chart.f(height + 12))\" dominant-baseline=\"middle\">\(key.name)</text>"
            )
            x += 40 + Double(key.name.count) * 6.5
        }
        let document: HTML = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" data-chart="\(name)" width="\(Int(width))" height="\(Int(height + top + legendHeight))" viewBox="0 \(Int(-top)) \(Int(width)) \(Int(height + top + legendHeight))" role="img" aria-label="\(label)">
            <style>\(HTML(unsafe: Self.css))</style><rect x="0" y="\(Int(-top))" width="100%" height="100%" fill="#ffffff"/>
            <text class="title" x="\(Chart.f(width / 2))" y="-10" text-anchor="middle">\(title)</text>
            \(body)\(keys)
            </svg>
            """
        return document.description + "\n"
    }

    /// The dashboard's chart styles, for a chart outside the page.
    static let css =
        "text{font-family:system-ui,-apple-system,'Segoe UI',sans-serif}.grid{stroke:#eef2f7}.axis{stroke:#94a3b8}.tick{font-size:11px;fill:#475569}.axis-title{font-size:12px;fill:#334155}.key{font-size:12px;fill:#334155}.title{font-size:14px;font-weight:600;fill:#0f172a}"
}
