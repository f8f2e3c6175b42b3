/// One observed (user, item, value) cell before it goes into a ``SparseMatrix``: `value` is a count (quantity
/// bought, purchase days, a rating read as "interacted"); negative values are returns, netted on building.
public struct Interaction: Sendable, Hashable {
    /// Row index (a user).
    public var user: Int
    /// Column index (an item).
    public var item: Int
    /// The amount; cells that net to zero or less are dropped when the matrix is built.
    public var value: Float
    /// When it happened (seconds, days or an order number: only its order matters, for time-based splits).
    public var timestamp: Int64

    public init(user: Int, item: Int, value: Float = 1, timestamp: Int64 = 0) {
        self.user = user
        self.item = item
        self.value = value
        self.timestamp = timestamp
    }
}

/// A compressed sparse row (CSR) matrix of `Float`: the user × item matrix every recommender here reads.
///
/// Row `r` holds the columns `columnIndices[rowStart[r]..<rowStart[r + 1]]` (ascending) with their `values`.
/// The compressed sparse column (CSC) form of a matrix is the CSR form of its transpose, ``transposed()``: the
/// item × user matrix that ALS's item half-step and item-kNN read.
public struct SparseMatrix: Sendable, Equatable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// `rows + 1` offsets into ``columnIndices`` and ``values``.
    public let rowStart: [Int]
    /// Column of each stored entry, ascending within a row.
    public let columnIndices: [Int32]
    /// Value of each stored entry.
    public let values: [Float]

    /// Number of stored entries.
    public var nonZeroCount: Int { values.count }

    /// A matrix from its CSR arrays.
    ///
    /// - Precondition: the arrays are consistent (a programmer error otherwise).
    public init(rows: Int, columns: Int, rowStart: [Int], columnIndices: [Int32], values: [Float]) {
        precondition(rowStart.count == rows + 1 && rowStart.first == 0 && rowStart.last == values.count, "SparseMatrix: bad row offsets")
        precondition(columnIndices.count == values.count, "SparseMatrix: \(columnIndices.count) columns for \(values.count) values")
        self.rows = rows
        self.columns = columns
        self.rowStart = rowStart
        self.columnIndices = columnIndices
        self.values = values
    }

    /// Builds the matrix from triples, summing repeated cells (so a return nets against its purchase) and
    /// dropping cells whose sum is zero or negative.
    ///
    /// - Parameters:
    ///   - rows: the number of users (at least one more than the largest user index).
    ///   - columns: the number of items.
    ///   - entries: the triples, in any order.
    /// - Precondition: every index lies inside the shape.
    /// - Complexity: O(n + rows + columns) for n triples, plus sorting within rows.
    public init(rows: Int, columns: Int, entries: some Collection<Interaction>) {
        var counts = [Int](repeating: 0, count: rows + 1)
        for entry in entries {
            precondition(entry.user >= 0 && entry.user < rows && entry.item >= 0 && entry.item < columns, "SparseMatrix: cell outside \(rows)x\(columns)")
            counts[entry.user + 1] += 1
        }
        for r in 0..<rows { counts[r + 1] += counts[r] }
        var cursor = counts
        var cols = [Int32](repeating: 0, count: entries.count)
        var vals = [Float](repeating: 0, count: entries.count)
        for entry in entries {
            cols[cursor[entry.user]] = Int32(entry.item)
            vals[cursor[entry.user]] = entry.value
            cursor[entry.user] += 1
        }
        // Sort each row by column and merge duplicates, compacting in place.
        var start = [Int](repeating: 0, count: rows + 1)
        var write = 0
        var pairs: [(Int32, Float)] = []
        for r in 0..<rows {
            pairs.removeAll(keepingCapacity: true)
            for p in counts[r]..<counts[r + 1] { pairs.append((cols[p], vals[p])) }
            pairs.sort { $0.0 < $1.0 }
            var p = 0
            while p < pairs.count {
                let column = pairs[p].0
                var sum: Float = 0
                while p < pairs.count, pairs[p].0 == column {
                    sum += pairs[p].1
                    p += 1
                }
                if sum > 0 {
                    cols[write] = column
                    vals[write] = sum
                    write += 1
                }
            }
            start[r + 1] = write
        }
        self.init(rows: rows, columns: columns, rowStart: start, columnIndices: Array(cols[0..<write]), values: Array(vals[0..<write]))
    }

    /// The stored columns of row `r`.
    public func columns(ofRow r: Int) -> ArraySlice<Int32> { columnIndices[rowStart[r]..<rowStart[r + 1]] }

    /// The stored values of row `r`.
    public func values(ofRow r: Int) -> ArraySlice<Float> { values[rowStart[r]..<rowStart[r + 1]] }

    /// Number of stored entries in row `r`.
    public func count(ofRow r: Int) -> Int { rowStart[r + 1] - rowStart[r] }

    /// The value at `(r, c)`, zero when not stored.
    ///
    /// - Complexity: O(log n) for n entries in the row.
    public func value(row r: Int, column c: Int) -> Float {
        var low = rowStart[r]
        var high = rowStart[r + 1]
        while low < high {
            let mid = (low + high) / 2
            let column = Int(columnIndices[mid])
            if column == c { return values[mid] }
            if column < c { low = mid + 1 } else { high = mid }
        }
        return 0
    }

    /// The transpose, in CSR form (equivalently this matrix in CSC form).
    ///
    /// - Complexity: O(nnz + rows + columns).
    public func transposed() -> SparseMatrix {
        var start = [Int](repeating: 0, count: columns + 1)
        for c in columnIndices { start[Int(c) + 1] += 1 }
        for c in 0..<columns { start[c + 1] += start[c] }
        var cursor = start
        var cols = [Int32](repeating: 0, count: values.count)
        var vals = [Float](repeating: 0, count: values.count)
        for r in 0..<rows {
            for p in rowStart[r]..<rowStart[r + 1] {
                let c = Int(columnIndices[p])
                cols[cursor[c]] = Int32(r)
                vals[cursor[c]] = values[p]
                cursor[c] += 1
            }
        }
        return SparseMatrix(rows: columns, columns: rows, rowStart: start, columnIndices: cols, values: vals)
    }

    /// The same pattern with every value replaced by `transform(value)`.
    public func mapValues(_ transform: (Float) -> Float) -> SparseMatrix {
        SparseMatrix(rows: rows, columns: columns, rowStart: rowStart, columnIndices: columnIndices, values: values.map(transform))
    }

    /// The same pattern with each entry's value replaced by `transform(row, column, value)`.
    public func mapEntries(_ transform: (Int, Int, Float) -> Float) -> SparseMatrix {
        var out = values
        for r in 0..<rows {
            for p in rowStart[r]..<rowStart[r + 1] { out[p] = transform(r, Int(columnIndices[p]), values[p]) }
        }
        return SparseMatrix(rows: rows, columns: columns, rowStart: rowStart, columnIndices: columnIndices, values: out)
    }

    /// The matrix with rows `0..<rows` and the same columns, padding with empty rows or dropping trailing ones.
    public func resized(rows newRows: Int) -> SparseMatrix {
        if newRows <= rows {
            let end = rowStart[newRows]
            return SparseMatrix(
                rows: newRows, columns: columns, rowStart: Array(rowStart[0...newRows]), columnIndices: Array(columnIndices[0..<end]),
                values: Array(values[0..<end]))
        }
        return SparseMatrix(
            rows: newRows, columns: columns, rowStart: rowStart + [Int](repeating: values.count, count: newRows - rows),
            columnIndices: columnIndices, values: values)
    }
}

/// Maps external identifiers (customer ids, product ids) to the dense indices the matrices use, in order of
/// first appearance.
public struct IndexMap<ID: Hashable & Sendable>: Sendable {
    /// The identifiers, by index.
    public private(set) var ids: [ID] = []
    private var indices: [ID: Int] = [:]

    public init() {}

    public init(_ ids: some Sequence<ID>) {
        for id in ids { _ = index(inserting: id) }
    }

    /// Number of identifiers.
    public var count: Int { ids.count }

    /// The index of `id`, or nil when it was never inserted.
    public func index(of id: ID) -> Int? { indices[id] }

    /// The index of `id`, inserting it when new.
    public mutating func index(inserting id: ID) -> Int {
        if let index = indices[id] { return index }
        indices[id] = ids.count
        ids.append(id)
        return ids.count - 1
    }
}
