import Foundation

/// Builds a safetensors file of F32 tensors: what ``SafetensorsFile`` reads, and what Hugging Face's
/// `safetensors`, transformers and sentence-transformers load.
///
/// Layout (<https://github.com/huggingface/safetensors>): an 8-byte little-endian header length `N`, `N` bytes of
/// JSON, then the tensors' little-endian bytes back to back with no gaps. The header is padded with spaces so that
/// the data section starts at a multiple of 8 bytes, as the reference writer does, so that a reader that maps the
/// file can use every tensor in place. Tensors are stored in name order, so the same tensors always give the same
/// bytes.
///
/// ```swift
/// var writer = SafetensorsWriter()
/// writer.add("head.weight", shape: [3, 384], values: weights)
/// try writer.write(to: url)
/// ```
public struct SafetensorsWriter: Sendable, Equatable {
    /// One tensor to write.
    public struct Tensor: Sendable, Equatable {
        /// Shape, outermost dimension first (row-major).
        public let shape: [Int]
        /// Row-major elements; `values.count` is the product of `shape`.
        public let values: [Float]
    }

    /// The tensors added so far, by name.
    public private(set) var tensors: [String: Tensor] = [:]
    /// The `__metadata__` string map (`["format": "pt"]` lets transformers load the file as PyTorch weights).
    public var metadata: [String: String]

    /// An empty file with the given metadata.
    public init(metadata: [String: String] = ["format": "pt"]) { self.metadata = metadata }

    /// Adds (or replaces) a tensor.
    ///
    /// A count that does not match the shape is a programmer error inside the package, so it traps.
    /// - Parameters:
    ///   - name: the tensor's name, e.g. `encoder.layer.0.attention.self.query.weight`; not `__metadata__`.
    ///   - shape: its shape; `[]` is a scalar.
    ///   - values: its elements, row-major.
    public mutating func add(_ name: String, shape: [Int], values: [Float]) {
        precondition(name != "__metadata__", "__metadata__ is reserved by the safetensors header")
        precondition(shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) == values.count, "\(name): \(values.count) values do not fill shape \(shape)")
        tensors[name] = Tensor(shape: shape, values: values)
    }

    /// The whole file.
    /// - Complexity: O(total elements + header size).
    public func data() -> Data {
        let names = tensors.keys.sorted()
        var entries: [String] = []
        var offset = 0
        for name in names {
            let tensor = tensors[name]!
            let end = offset + 4 * tensor.values.count
            entries.append(
                "\(Self.quoted(name)):{\"dtype\":\"F32\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(end)]}"
            )
            offset = end
        }
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(Self.quoted($0)):\(Self.quoted(metadata[$0]!))" }
            entries.insert("\"__metadata__\":{\(pairs.joined(separator: ","))}", at: 0)
        }
        var header = Array("{\(entries.joined(separator: ","))}".utf8)
        // Spaces after the JSON (allowed by the format) so that the data starts 8-byte aligned.
        header += Array(repeating: UInt8(ascii: " "), count: (8 - (8 + header.count) % 8) % 8)
        var data = Data(capacity: 8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: header)
        for name in names {
            tensors[name]!.values.withUnsafeBufferPointer { buffer in
                #if _endian(big)
                for value in buffer { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
                #else
                if let base = buffer.baseAddress {  // nil for an empty tensor
                    data.append(UnsafeRawBufferPointer(start: base, count: 4 * buffer.count).assumingMemoryBound(to: UInt8.self))
                }
                #endif
            }
        }
        return data
    }

    /// Writes the file atomically (to a temporary file, then renamed), so a reader never sees half a file.
    /// - Throws: ``WeightsError/unwritable(path:reason:)``.
    public func write(to url: URL) throws(WeightsError) {
        do { try data().write(to: url, options: .atomic) } catch {
            throw .unwritable(path: url.path, reason: (error as NSError).localizedDescription)
        }
    }

    /// A JSON string literal.
    private static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
