/// One of `count` disjoint parts of the customers, chosen by a hash of the customer id, so that `count` processes
/// (or machines) each score their own part and together score every customer exactly once.
///
/// The hash is the same in every process and on every machine: 64-bit FNV-1a (Fowler, Noll & Vo) of the id's
/// UTF-8 bytes, mixed by SplitMix64's finaliser so that the remainder by a small `count` depends on every byte.
/// Swift's `Hasher` would not do: it is seeded afresh in each process.
public struct CustomerShard: Sendable, Hashable, CustomStringConvertible {
    /// Which part, from 1 to ``count`` (the `2` of `2/3`).
    public let index: Int
    /// How many parts.
    public let count: Int

    /// - Throws: ``ShardError`` unless 1 ≤ `index` ≤ `count`.
    public init(index: Int, count: Int) throws(ShardError) {
        guard count >= 1, (1...count).contains(index) else { throw ShardError(text: "\(index)/\(count)") }
        self.index = index
        self.count = count
    }

    /// Parses `i/n`, e.g. `2/3` for the second of three parts.
    /// - Throws: ``ShardError`` for anything else (`0/3`, `4/3`, `a/b`, `3`).
    public init(parsing text: String) throws(ShardError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else { throw ShardError(text: text) }
        do { try self.init(index: index, count: count) } catch { throw ShardError(text: text) }
    }

    public var description: String { "\(index)/\(count)" }

    /// Whether the customer falls in this part.
    public func contains(_ id: CustomerID) -> Bool {
        Self.bucket(of: id, count: count) == index - 1
    }

    /// The part (0-based, below `count`) a customer falls in.
    public static func bucket(of id: CustomerID, count: Int) -> Int {
        Int(stableHash(id) % UInt64(count))
    }

    /// The process-independent hash of a customer id.
    public static func stableHash(_ id: CustomerID) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in id.rawValue.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        h = (h ^ (h >> 30)) &* 0xBF58_476D_1CE4_E5B9
        h = (h ^ (h >> 27)) &* 0x94D0_49BB_1331_11EB
        return h ^ (h >> 31)
    }
}

/// A shard that is not `i/n` with whole numbers 1 ≤ i ≤ n.
public struct ShardError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was given.
    public let text: String

    public var description: String {
        "'\(text)' is not a shard: give i/n with whole numbers 1 ≤ i ≤ n, e.g. 2/3 for the second of three parts"
    }
}
