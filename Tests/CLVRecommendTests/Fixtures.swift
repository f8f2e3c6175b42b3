import CLVCore
import CLVRecommend

/// A planted block matrix: users in `groups` groups, items in the same number of groups, and each user has each
/// item of its own group with probability `density` (seeded) and nothing else: a rank-`groups` preference pattern.
struct PlantedBlocks {
    let groups: Int
    let usersPerGroup: Int
    let itemsPerGroup: Int
    let matrix: SparseMatrix

    init(groups: Int = 4, usersPerGroup: Int = 25, itemsPerGroup: Int = 20, density: Double = 0.7, seed: UInt64 = 7) {
        self.groups = groups
        self.usersPerGroup = usersPerGroup
        self.itemsPerGroup = itemsPerGroup
        var rng = SplitMix64(seed: seed)
        var entries: [Interaction] = []
        for user in 0..<(groups * usersPerGroup) {
            let group = user / usersPerGroup
            for item in (group * itemsPerGroup)..<((group + 1) * itemsPerGroup) where Double.random(in: 0..<1, using: &rng) < density {
                entries.append(Interaction(user: user, item: item, value: Float(1 + Int(rng.next() % 3))))
            }
        }
        matrix = SparseMatrix(rows: groups * usersPerGroup, columns: groups * itemsPerGroup, entries: entries)
    }

    func group(ofUser user: Int) -> Int { user / usersPerGroup }
    func group(ofItem item: Int) -> Int { item / itemsPerGroup }

    /// The items of the user's own group that the user does not have: what a recovered model ranks first.
    func missingItems(of user: Int) -> Set<Int> {
        let group = group(ofUser: user)
        let owned = Set(matrix.columns(ofRow: user).map(Int.init))
        return Set(((group * itemsPerGroup)..<((group + 1) * itemsPerGroup)).filter { !owned.contains($0) })
    }
}

/// A random sparse count matrix with no structure, seeded.
func randomCounts(rows: Int, columns: Int, density: Double, seed: UInt64) -> SparseMatrix {
    var rng = SplitMix64(seed: seed)
    var entries: [Interaction] = []
    for r in 0..<rows {
        for c in 0..<columns where Double.random(in: 0..<1, using: &rng) < density {
            entries.append(Interaction(user: r, item: c, value: Float(1 + Int(rng.next() % 5))))
        }
    }
    return SparseMatrix(rows: rows, columns: columns, entries: entries)
}
