/// Why a GGUF file could not be read, or a tensor or metadata key in it could not be used.
///
/// Every message says what went wrong, where (the file, the key, the tensor) and what to try.
public enum GGUFError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be opened or mapped (`errno` from the system call).
    case cannotOpen(path: String, errno: Int32)
    /// The file does not start with the GGUF magic bytes: it is some other kind of file.
    case notGGUF(path: String)
    /// The file is GGUF, but a version this reader does not know (it reads 2 and 3).
    case unsupportedVersion(path: String, version: UInt32)
    /// The file ends before a structure that its header promises (a download was cut short).
    case truncated(path: String, needed: Int, size: Int)
    /// A header field holds an impossible value (a negative count, an unknown value type...).
    case malformed(path: String, reason: String)
    /// A metadata key the caller needs is absent.
    case metadataMissing(key: String)
    /// A metadata key holds a value of another type than the caller needs.
    case metadataType(key: String, expected: String, found: String)
    /// No tensor has this name.
    case tensorMissing(name: String)
    /// A tensor has another shape than the model architecture needs.
    case shapeMismatch(name: String, expected: [Int], found: [Int])
    /// A tensor is stored in a type this runtime cannot compute with.
    case unsupportedType(name: String, type: String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, code):
            "Cannot open GGUF file \(path) (errno \(code)): check that the file exists and is readable."
        case let .notGGUF(path):
            "\(path) is not a GGUF file (no 'GGUF' magic): pass a llama.cpp GGUF model file."
        case let .unsupportedVersion(path, version):
            "\(path) is GGUF version \(version); this reader supports versions 2 and 3: convert the model with a recent llama.cpp."
        case let .truncated(path, needed, size):
            "\(path) is truncated: it needs at least \(needed) bytes but has \(size); fetch the model again (`make setup`)."
        case let .malformed(path, reason):
            "\(path) is not a valid GGUF file: \(reason); fetch the model again (`make setup`)."
        case let .metadataMissing(key):
            "GGUF metadata key '\(key)' is missing: the file was not made for this architecture."
        case let .metadataType(key, expected, found):
            "GGUF metadata key '\(key)' holds \(found), expected \(expected): the file was not made for this architecture."
        case let .tensorMissing(name):
            "GGUF tensor '\(name)' is missing: the file was not made for this architecture."
        case let .shapeMismatch(name, expected, found):
            "GGUF tensor '\(name)' has shape \(found), expected \(expected): the file does not match its own metadata."
        case let .unsupportedType(name, type):
            "GGUF tensor '\(name)' is stored as \(type), which CLVKit cannot compute with: use an F32, F16, Q8_0, Q4_0 or Q4_1 file."
        }
    }
}
