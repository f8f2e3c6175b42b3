import CLVCore
import CLVData
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// Dashboard sessions: an opaque random token in an HttpOnly, SameSite=Strict cookie, mapped in memory to the API
/// key the user pasted at login (by the key's hash, never the secret). Sessions expire after `lifetime` seconds, and
/// a revoked key ends its sessions at the next request.
final class DashboardSessions: Sendable {
    struct Session: Sendable {
        var secretHash: String
        var expires: Date
    }

    static let cookieName = "clv_session"
    let lifetime: TimeInterval
    private let sessions = Mutex<[String: Session]>([:])

    init(lifetime: TimeInterval = 8 * 3600) { self.lifetime = lifetime }

    /// Opens a session for a key's secret hash; returns the token.
    func open(secretHash: String, now: Date = Date()) -> String {
        var generator = SystemRandomNumberGenerator()
        let token = (0..<4).map { _ in String(format: "%016llx", generator.next() as UInt64) }.joined()
        sessions.withLock { table in
            if table.count > 1_000 { table = table.filter { $0.value.expires > now } }
            table[token] = Session(secretHash: secretHash, expires: now.addingTimeInterval(lifetime))
        }
        return token
    }

    func close(_ token: String) { sessions.withLock { _ = $0.removeValue(forKey: token) } }

    /// The live session of a token, or nil (and forgotten) when unknown or expired.
    func session(_ token: String, now: Date = Date()) -> Session? {
        sessions.withLock { table in
            guard let s = table[token] else { return nil }
            guard s.expires > now else {
                table[token] = nil
                return nil
            }
            return s
        }
    }

    /// The session token in a request's Cookie header.
    static func token(in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if parts.count == 2, parts[0] == cookieName, !parts[1].isEmpty { return parts[1] }
            }
        }
        return nil
    }

    func setCookie(_ token: String) -> String {
        "\(Self.cookieName)=\(token); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(Int(lifetime))"
    }

    static let clearCookie = "\(cookieName)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
}
