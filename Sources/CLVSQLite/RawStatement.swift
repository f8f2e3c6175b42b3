import GRDB
import GRDBSQLite

/// Binds and steps a GRDB-prepared statement through SQLite's C API, for the import's hot loop.
///
/// Only valid inside the database access that prepared the statement. Text is bound with `SQLITE_TRANSIENT` so
/// SQLite copies it before the Swift string goes away.
struct RawStatement {
    let handle: OpaquePointer

    init(_ handle: OpaquePointer) { self.handle = handle }

    func reset() {
        sqlite3_reset(handle)
    }

    func bind(_ index: Int32, _ value: Int64) {
        sqlite3_bind_int64(handle, index, value)
    }

    func bind(_ index: Int32, _ value: Int64?) {
        if let value { sqlite3_bind_int64(handle, index, value) } else { sqlite3_bind_null(handle, index) }
    }

    func bind(_ index: Int32, _ value: Double?) {
        if let value { sqlite3_bind_double(handle, index, value) } else { sqlite3_bind_null(handle, index) }
    }

    func bind(_ index: Int32, _ value: String?) {
        guard var text = value else {
            sqlite3_bind_null(handle, index)
            return
        }
        text.withUTF8 { bytes in
            _ = sqlite3_bind_text(
                handle, index, bytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, Int32(bytes.count), sqliteTransient)
        }
    }

    /// Runs the statement to completion and returns how many rows it changed (SQLite's `sqlite3_changes`, without
    /// GRDB's per-call checks).
    /// - Throws: GRDB's `DatabaseError` with SQLite's message, as GRDB would.
    func step(_ db: Database) throws -> Int {
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
        }
        return Int(sqlite3_changes(db.sqliteConnection))
    }
}

/// SQLite's `SQLITE_TRANSIENT` destructor: copy the bytes now.
private let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
