/// A dense, row-major matrix of `Float`: the value type the BLAS wrappers take and return.
///
/// Element `(i, j)` is `elements[i * columns + j]`. The storage is a plain `[Float]`, so a `Matrix` is a value
/// (copy-on-write), `Sendable`, and can be handed to `cblas_sgemm` without copying.
public struct Matrix: Sendable, Equatable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns (the leading dimension of the row-major storage).
    public let columns: Int
    /// The elements, row after row; `count == rows * columns`.
    public private(set) var elements: [Float]

    /// A matrix over the given row-major elements.
    ///
    /// - Precondition: `rows >= 0`, `columns >= 0` and `elements.count == rows * columns` (a programmer error
    ///   inside the package, never user data).
    public init(rows: Int, columns: Int, elements: [Float]) {
        precondition(rows >= 0 && columns >= 0, "Matrix: negative shape \(rows)x\(columns)")
        precondition(elements.count == rows * columns, "Matrix: \(elements.count) elements for a \(rows)x\(columns) shape")
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// A matrix with every element equal to `value` (zero by default).
    public init(rows: Int, columns: Int, repeating value: Float = 0) {
        self.init(rows: rows, columns: columns, elements: [Float](repeating: value, count: rows * columns))
    }

    /// The element at row `i`, column `j`.
    public subscript(i: Int, j: Int) -> Float {
        get {
            precondition(i >= 0 && i < rows && j >= 0 && j < columns, "Matrix: index (\(i), \(j)) outside \(rows)x\(columns)")
            return elements[i * columns + j]
        }
        set {
            precondition(i >= 0 && i < rows && j >= 0 && j < columns, "Matrix: index (\(i), \(j)) outside \(rows)x\(columns)")
            elements[i * columns + j] = newValue
        }
    }

    /// One row as an array.
    public func row(_ i: Int) -> [Float] {
        precondition(i >= 0 && i < rows, "Matrix: row \(i) outside 0..<\(rows)")
        return Array(elements[(i * columns)..<((i + 1) * columns)])
    }

    /// The transpose, `Aᵀ`.
    public var transposed: Matrix {
        var out = [Float](repeating: 0, count: elements.count)
        for i in 0..<rows {
            for j in 0..<columns { out[j * rows + i] = elements[i * columns + j] }
        }
        return Matrix(rows: columns, columns: rows, elements: out)
    }

    /// Calls `body` with read access to the storage.
    public func withUnsafeBufferPointer<R, E: Error>(_ body: (UnsafeBufferPointer<Float>) throws(E) -> R) throws(E) -> R {
        var result: Result<R, E>?
        elements.withUnsafeBufferPointer { buffer in
            do throws(E) { result = .success(try body(buffer)) } catch { result = .failure(error) }
        }
        return try result!.get()
    }

    /// Calls `body` with write access to the storage (the shape cannot change).
    public mutating func withUnsafeMutableBufferPointer<R, E: Error>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws(E) -> R
    ) throws(E) -> R {
        var result: Result<R, E>?
        elements.withUnsafeMutableBufferPointer { buffer in
            do throws(E) { result = .success(try body(buffer)) } catch { result = .failure(error) }
        }
        return try result!.get()
    }
}
