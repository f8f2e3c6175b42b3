import CLVCore
import CLVData
import CLVModels
import CLVPipeline
import Foundation
import Hummingbird

/// `/ui/login` and `/ui/logout`: a session cookie for an API key of a role that may read the dashboard.
enum LoginPage {
    static func register(_ dashboard: Dashboard) {
        let services = dashboard.services, sessions = dashboard.sessions, router = dashboard.router

        router.get("/ui/login") { request, _ in
            DashboardRoutes.html(
                View.page(title: "Sign in", active: "login", role: nil, render(error: nil, next: DashboardRoutes.safeNext(request.query("next")))))
        }

        router.post("/ui/login") { request, context in
            let form = try await DashboardRoutes.formFields(request, context: context)
            let next = DashboardRoutes.safeNext(form["next"])
            let secret = (form["key"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            let failure: String?
            var opened: (token: String, role: Role)?
            if secret.isEmpty || secret.utf8.count > 256 {
                failure = "Paste an API key."
            } else if let key = try await services.store.key(secretHash: SHA256.hex(secret)) {
                if Set<Role>.readers.contains(key.role) {
                    opened = (sessions.open(secretHash: SHA256.hex(secret)), key.role)
                    failure = nil
                    services.audit.record(AuditEvent(actor: "key:\(key.id)", action: "dashboard sign-in"))
                } else {
                    failure = "This key's role (\(key.role.rawValue)) cannot view the dashboard; use an admin, analyst or agent key."
                }
            } else {
                failure = "Unknown or revoked API key: check it, or create one with `clv keys create --role analyst`."
            }
            guard let opened else {
                return DashboardRoutes.html(View.page(title: "Sign in", active: "login", role: nil, render(error: failure, next: next)), status: .unauthorized)
            }
            let landing = next == "/ui" && !Set<Role>.analysts.contains(opened.role) ? "/ui/search" : next
            return DashboardRoutes.redirect(landing, cookie: sessions.setCookie(opened.token))
        }

        router.post("/ui/logout") { request, _ in
            if let token = DashboardSessions.token(in: request) { sessions.close(token) }
            return DashboardRoutes.redirect("/ui/login", cookie: DashboardSessions.clearCookie)
        }
    }

    static func render(error: String?, next: String) -> HTML {
        """
        <div class="login card"><h2>Sign in</h2><p class="note">Paste an API key (create one with <code>clv keys create --role analyst</code>). It stays on the server; your browser keeps only a session cookie.</p>
        \(error.map { View.message($0, tone: "bad") } ?? "")
        <form method="post" action="/ui/login" id="login-form"><input type="hidden" name="next" value="\(next)"><label>API key<input id="api-key" name="key" type="password" autocomplete="off" required></label>
        <button class="primary" type="submit" id="login-submit">Sign in</button></form></div>
        """
    }
}
