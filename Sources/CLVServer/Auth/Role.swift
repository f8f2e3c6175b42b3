import CLVData

/// Who may call what: the role sets of the routes (``Role`` itself is stored with the keys, in CLVData).
extension Set where Element == Role {
    static let everyone: Set<Role> = Set(Role.allCases)
    static let readers: Set<Role> = [.admin, .analyst, .agent]
    static let analysts: Set<Role> = [.admin, .analyst]
    static let admins: Set<Role> = [.admin]
    static let writers: Set<Role> = [.admin, .ingest]
}
