/// A weights file could not be read, or does not hold what the model needs.
///
/// Shared by the weight readers of `CLVText` (safetensors, GGUF). Every message names the file or tensor and
/// says what to try.
public enum WeightsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be opened or mapped.
    case unreadable(path: String, reason: String)
    /// The file ends before the bytes its header promises.
    case truncated(path: String, expectedBytes: Int, foundBytes: Int)
    /// The file is not in the expected format (wrong magic, malformed header).
    case invalidFormat(path: String, reason: String)
    /// A tensor the model needs is not in the file.
    case tensorMissing(name: String)
    /// A tensor has a different shape from the one the model configuration implies.
    case shapeMismatch(name: String, expected: [Int], found: [Int])
    /// A tensor's element type cannot be converted to `Float`.
    case unsupportedDType(String)
    /// A weights file could not be written.
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            "Cannot read weights file \(path): \(reason). Check the path and permissions, or re-run `make setup`."
        case let .truncated(path, expected, found):
            "Weights file \(path) is truncated (\(found) of \(expected) bytes): delete it and re-run `make setup`."
        case let .invalidFormat(path, reason):
            "\(path) is not a valid weights file (\(reason)): check that it is the right file, or re-run `make setup`."
        case let .tensorMissing(name):
            "Tensor '\(name)' is missing from the weights file: the file does not belong to this model architecture."
        case let .shapeMismatch(name, expected, found):
            "Tensor '\(name)' has shape \(found), expected \(expected): the weights do not match the model configuration."
        case let .unsupportedDType(dtype):
            "Tensor element type \(dtype) is not supported (supported: F32, F16, BF16): convert the weights first."
        case let .unwritable(path, reason):
            "Cannot write weights file \(path): \(reason). Check that the folder exists, is writable and has space."
        }
    }
}
