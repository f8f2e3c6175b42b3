import CLVCore
import Testing

@Suite struct CustomerShardTests {
    /// The hash is FNV-1a 64 then SplitMix64's finaliser; the values come from an independent Python implementation
    /// (`fnv1a64` over the UTF-8 bytes, then `z ^= z >> 30; z *= 0xBF58476D1CE4E5B9; …`). Pinned, because a change
    /// would move customers between the shards of processes running different versions.
    @Test(
        arguments: [
            ("", 0xf52a_15e9_a9b5_e89b as UInt64), ("00001", 0xbe98_5a88_0aeb_1a01), ("17850", 0x0672_4625_fb10_1842), ("Zoë", 0xfb90_1a3b_6766_3e5e),
            ("alice", 0xc5d1_556d_6677_4a5c),
        ])
    func theHashIsTheSameEverywhere(id: String, expected: UInt64) {
        #expect(CustomerShard.stableHash(CustomerID(id)) == expected)
    }

    @Test func everyCustomerFallsInExactlyOneShardAndTheShardsAreEven() throws {
        let shards = try (1...3).map { try CustomerShard(parsing: "\($0)/3") }
        var sizes = [0, 0, 0]
        for n in 0..<30_000 {
            let id = CustomerID(String(12_346 + n))
            let owners = shards.indices.filter { shards[$0].contains(id) }
            try #require(owners.count == 1, "\(id) is in shards \(owners)")
            sizes[owners[0]] += 1
        }
        #expect(sizes.allSatisfy { abs($0 - 10_000) < 300 }, "shard sizes \(sizes)")
        #expect(try CustomerShard(parsing: "1/1").contains(CustomerID("anyone")))
    }

    @Test(arguments: ["0/3", "4/3", "a/b", "3", "1/0", "-1/3", "1/3/3", "", " 1/3", "2/"])
    func aBadShardIsRefusedSayingWhatToGive(text: String) {
        let error = #expect(throws: ShardError.self) { _ = try CustomerShard(parsing: text) }
        #expect(error?.description.contains("give i/n with whole numbers 1 ≤ i ≤ n") == true)
    }

    @Test func aGoodShardReadsBack() throws {
        let shard = try CustomerShard(parsing: "3/3")
        #expect(shard.index == 3 && shard.count == 3 && shard.description == "3/3")
    }
}
