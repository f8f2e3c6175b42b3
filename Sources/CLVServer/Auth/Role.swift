/// What an API key may do.
///
/// - `admin`: everything, including keys, erasure and model fits.
/// - `analyst`: read customers, scores, segments, model runs, audiences; fit models.
/// - `agent`: customer service: read one customer at a time, use the language models.
/// - `ingest`: post events only.
public enum Role: String, Sendable, CaseIterable, Codable {
    case admin, analyst, agent, ingest
}

extension Set where Element == Role {
    static let everyone: Set<Role> = Set(Role.allCases)
    static let readers: Set<Role> = [.admin, .analyst, .agent]
    static let analysts: Set<Role> = [.admin, .analyst]
    static let admins: Set<Role> = [.admin]
    static let writers: Set<Role> = [.admin, .ingest]
}
