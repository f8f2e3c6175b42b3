import CLVCore
import CLVData
import CLVModels
import Foundation

/// Small reusable views: every page is a composition of these, so later capabilities add panels, not pages.
enum View {
    struct NavItem: Sendable {
        var id: String, title: String, path: String, roles: Set<Role>
    }

    static let nav: [NavItem] = [
        .init(id: "overview", title: "Overview", path: "/ui", roles: .analysts),
        .init(id: "segments", title: "Segments", path: "/ui/segments", roles: .analysts),
        .init(id: "model", title: "Model", path: "/ui/model", roles: .analysts),
        .init(id: "audiences", title: "Audiences", path: "/ui/audiences", roles: .analysts),
        .init(id: "cohorts", title: "Cohorts", path: "/ui/cohorts", roles: .analysts),
        .init(id: "topics", title: "Topics", path: "/ui/topics", roles: .analysts),
        .init(id: "search", title: "Customers", path: "/ui/search", roles: .readers),
        .init(id: "agent", title: "Agent console", path: "/ui/agent", roles: .agents),
    ]

    /// The whole document: head, navigation, the page's panels.
    /// - Parameter refresh: seconds after which the browser reloads the page (for a page waiting on a background job).
    static func page(title: String, active: String, role: Role?, refresh: Int? = nil, _ body: HTML) -> HTML {
        let links = nav.filter { role.map($0.roles.contains) ?? false }.map { item -> HTML in
            "<a href=\"\(item.path)\"\(item.id == active ? (" aria-current=\"page\"" as HTML) : "")>\(item.title)</a>"
        }
        let session: HTML =
            role == nil
            ? ""
            : """
            <form class="logout" method="post" action="/ui/logout"><span class="role">\(role?.rawValue ?? "")</span><button type="submit">Log out</button></form>
            """
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">\(refresh.map { ("<meta http-equiv=\"refresh\" content=\"\($0)\">" as HTML) } ?? "")
            <title>\(title) · CLVKit</title><link rel="icon" href="data:,"><style>\(HTML(unsafe: css))</style></head>
            <body><header class="top"><a class="brand" href="/ui">CLVKit</a><nav>\(links)</nav>\(session)</header>
            <main id="main" data-page="\(active)"><h1>\(title)</h1>\(body)</main></body></html>
            """
    }

    static func card(_ title: String, id: String? = nil, note: String? = nil, wide: Bool = false, _ chart: ChartFigure) -> HTML {
        card(title, id: id, note: note, wide: wide, chart.html)
    }

    static func card(_ title: String, id: String? = nil, note: String? = nil, wide: Bool = false, _ body: HTML) -> HTML {
        """
        <section class="card\(wide ? " wide" : "")"\(id.map { (" id=\"\($0)\"" as HTML) } ?? "")><h2>\(title)</h2>\(note.map { ("<p class=\"note\">\($0)</p>" as HTML) } ?? "")\(body)</section>
        """
    }

    static func grid(_ panels: [HTML]) -> HTML { "<div class=\"grid\">\(panels)</div>" }

    /// A headline number; `data-stat` names it for tests and scripts.
    static func stat(_ id: String, _ label: String, _ value: String, note: String? = nil, tone: String = "") -> HTML {
        """
        <div class="stat \(tone)" data-stat="\(id)"><div class="label">\(label)</div><div class="value">\(value)</div>\(note.map { ("<div class=\"note\">\($0)</div>" as HTML) } ?? "")</div>
        """
    }

    static func stats(_ items: [HTML]) -> HTML { "<div class=\"stats\">\(items)</div>" }

    /// A table; `numeric` columns align right, `phoneHidden` columns are dropped at phone width.
    static func table(_ id: String, headers: [String], numeric: Set<Int> = [], phoneHidden: Set<Int> = [], rows: [[HTML]]) -> HTML {
        func classes(_ i: Int) -> HTML {
            let names = (numeric.contains(i) ? ["num"] : []) + (phoneHidden.contains(i) ? ["hide-phone"] : [])
            return names.isEmpty ? "" : " class=\"\(names.joined(separator: " "))\""
        }
        let head = headers.enumerated().map { i, h -> HTML in "<th\(classes(i))>\(h)</th>" }
        let body = rows.map { row -> HTML in
            "<tr>\(row.enumerated().map { i, cell -> HTML in "<td\(classes(i))>\(cell)</td>" })</tr>"
        }
        return "<div class=\"table-wrap\"><table data-table=\"\(id)\"><thead><tr>\(head)</tr></thead><tbody>\(body)</tbody></table></div>"
    }

    static func text(_ value: String) -> HTML { "\(value)" }

    static func customerLink(_ id: CustomerID) -> HTML {
        "<a class=\"customer\" href=\"/ui/customer?id=\(urlComponent(id.rawValue))\">\(id.rawValue)</a>"
    }

    static func badge(_ text: String, tone: String) -> HTML { "<span class=\"badge \(tone)\">\(text)</span>" }

    static func risk(_ band: ChurnRisk) -> HTML {
        badge("\(band.rawValue) risk", tone: band == .high ? "bad" : band == .medium ? "warn" : "good")
    }

    static func tier(_ name: String) -> HTML { badge(name, tone: "tier-\(name)") }

    static func message(_ text: String, tone: String = "info") -> HTML { "<p class=\"message \(tone)\">\(text)</p>" }

    static let css = """
        :root{--fg:#0f172a;--muted:#64748b;--line:#e2e8f0;--bg:#f8fafc;--card:#fff;--accent:#2563eb;--good:#15803d;--warn:#b45309;--bad:#b91c1c}
        *{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
        a{color:var(--accent)}header.top{max-width:100vw;display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.25rem;padding:.6rem 1.25rem;background:#0f172a;color:#fff}
        header.top a{color:#cbd5e1;text-decoration:none}header.top a[aria-current]{color:#fff;border-bottom:2px solid #60a5fa}.brand{font-weight:700;color:#fff!important}
        header nav{display:flex;flex-wrap:wrap;gap:.25rem 1rem}.logout{margin-left:auto;display:flex;gap:.5rem;align-items:center}.role{font-size:.8rem;color:#94a3b8}
        .logout button{background:none;border:1px solid #475569;color:#e2e8f0;border-radius:4px;padding:.15rem .6rem;cursor:pointer}
        main{max-width:1280px;margin:0 auto;padding:1rem 1.25rem 3rem}h1{font-size:1.4rem;margin:.4rem 0 1rem}h2{font-size:1.05rem;margin:0 0 .5rem}h2.sub{margin-top:1rem}
        .grid{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:1rem}.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:1rem;min-width:0}
        .card.wide{grid-column:1/-1}.note{color:var(--muted);font-size:.85rem;margin:.1rem 0 .6rem}
        .stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:.75rem;margin-bottom:1rem}
        .stat{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.7rem .9rem}.stat .label{color:var(--muted);font-size:.8rem;text-transform:uppercase;letter-spacing:.03em}
        .stat .value{font-size:1.5rem;font-weight:650;font-variant-numeric:tabular-nums}.stat.bad .value{color:var(--bad)}.stat.good .value{color:var(--good)}.stat.warn .value{color:var(--warn)}
        .table-wrap{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid var(--line);white-space:nowrap}
        th{color:var(--muted);font-weight:600;font-size:.8rem}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}td a.customer{font-weight:600;word-break:break-all;white-space:normal}
        .badge{display:inline-block;padding:.05rem .45rem;border-radius:999px;font-size:.78rem;background:#e2e8f0}.badge.good{background:#dcfce7;color:var(--good)}
        .badge.warn{background:#fef3c7;color:var(--warn)}.badge.bad{background:#fee2e2;color:var(--bad)}.tier-platinum{background:#1e293b;color:#fff}.tier-gold{background:#fde68a}
        .tier-silver{background:#e5e7eb}.tier-bronze{background:#fed7aa}
        .chart-figure{margin:0}svg.chart{width:100%;height:auto;display:block}svg .grid{stroke:#eef2f7}svg .axis{stroke:#94a3b8}svg .tick{font-size:11px;fill:#475569}
        svg .axis-title{font-size:12px;fill:#334155}.legend{display:flex;flex-wrap:wrap;gap:.3rem 1rem;font-size:.82rem;color:#334155;margin-top:.3rem}
        .legend i{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;margin-right:.35rem;vertical-align:-1px}
        form.filters{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:.6rem;align-items:end}label{display:flex;flex-direction:column;font-size:.82rem;color:var(--muted);gap:.2rem}
        input,select,button{font:inherit;padding:.35rem .5rem;border:1px solid #cbd5e1;border-radius:5px;background:#fff;color:var(--fg)}button.primary{background:var(--accent);color:#fff;border-color:var(--accent);cursor:pointer}
        .message{padding:.6rem .8rem;border-radius:6px;background:#eff6ff}.message.bad{background:#fee2e2;color:var(--bad)}.explain{margin:.2rem 0 0;padding-left:1.2rem}.explain li{margin:.2rem 0}
        .login{max-width:420px;margin:3rem auto}.login form{display:flex;flex-direction:column;gap:.7rem}.kv{display:grid;grid-template-columns:auto 1fr;gap:.2rem 1rem;font-size:.9rem}.kv dt{color:var(--muted)}.kv dd{margin:0}
        .actions{display:flex;flex-wrap:wrap;gap:.6rem;margin-top:.6rem}.headline{font-size:1.05rem;margin:.2rem 0 .8rem}
        table.heat td.cell{text-align:center;font-variant-numeric:tabular-nums;font-size:.8rem;padding:.3rem .35rem;min-width:2.6rem}table.heat td.cell.dark{color:#fff}
        table.heat td.cell.partial{font-style:italic}table.heat tbody.summary th,table.heat tbody.summary td{border-top:2px solid var(--line)}.wrap{white-space:normal;min-width:12rem}
        ul.texts{list-style:none;margin:.3rem 0 0;padding:0}ul.texts li{padding:.35rem 0;border-bottom:1px solid var(--line);overflow-wrap:anywhere}ul.texts .meta{color:var(--muted);font-size:.8rem;margin-right:.4rem}
        @media (max-width:760px){.grid{grid-template-columns:minmax(0,1fr)}main{padding:.75rem .6rem 2rem}h1{font-size:1.2rem}.stat .value{font-size:1.25rem}
        .stats{grid-template-columns:repeat(2,minmax(0,1fr))}header.top{padding:.5rem .75rem}th,td{padding:.3rem .35rem}.hide-phone{display:none}}
        """
}
