import CLVCore
import CLVData
import Foundation

/// Every behaviour the storage protocols promise, written once against ``ServiceStore``: a backend's test target
/// runs each check on a fresh store of its own, so adding a backend is one `@Test(arguments:)` line.
///
/// Checks throw ``ConformanceFailure`` (with what was expected and what the store did) instead of using a test
/// framework, so this target links nothing but CLVData.
public struct StoreCheck: Sendable, CustomStringConvertible {
    public let name: String
    let body: @Sendable (any ServiceStore) async throws -> Void

    public var description: String { name }

    /// Runs the check on `store`, which must be new and empty.
    public func run(on store: some ServiceStore) async throws { try await body(store) }
}

/// A promise the store broke.
public struct ConformanceFailure: Error, CustomStringConvertible {
    public let description: String
}

public enum StoreConformance {
    /// Every check, in a stable order.
    public static let checks: [StoreCheck] = [
        StoreCheck(name: "batches are atomic and idempotent", body: batchesAreIdempotent),
        StoreCheck(name: "daily aggregates net returns and skip guests", body: aggregatesNetReturns),
        StoreCheck(name: "summaries for a window equal the Swift summariser", body: summariesForAWindow),
        StoreCheck(name: "the purchase timeline counts first and repeat purchase days", body: purchaseTimeline),
        StoreCheck(name: "statistics total what is stored", body: statistics),
        StoreCheck(name: "consent defaults to none and can be set", body: consent),
        StoreCheck(name: "erasure leaves nothing and is audited under a keyed hash", body: erasure),
        StoreCheck(name: "retention purges old days and orphaned customers", body: retention),
        StoreCheck(name: "API keys are stored hashed, listed and revoked", body: keys),
        StoreCheck(name: "audit events come back newest first", body: audit),
        StoreCheck(name: "model runs are saved and found by kind", body: modelRuns),
        StoreCheck(name: "recommender runs are saved and the newest found, of a model or of any", body: recommenderRuns),
        StoreCheck(name: "order history is newest first with product titles", body: orderHistory),
        StoreCheck(name: "interactions are idempotent, create their customer and come back in time order", body: interactions),
        StoreCheck(name: "products upsert keeping stored fields, purchases list sales only", body: products),
        StoreCheck(name: "the embedding cache keys vectors by model and text, bit for bit", body: embeddingCache),
        StoreCheck(name: "erasure and retention delete interactions and the vectors only they held", body: interactionPrivacy),
        StoreCheck(name: "knowledge chunks are replaced per article and stored again unchanged", body: knowledgeBase),
        StoreCheck(name: "assistant turns come back by session and go with their interaction", body: assistTurns),
        StoreCheck(name: "scores are replaced per customer and run, bit for bit, and go with their customer", body: scores),
    ]

    // MARK: - Scores

    static func scores(_ store: any ServiceStore) async throws {
        _ = try await stored(store)
        func score(_ customer: CustomerID, run: Int64, _ purchases: Double, spend: Double?) -> StoredScore {
            StoredScore(
                customer: customer, run: run, horizon: 52, expectedPurchases: purchases, probabilityAlive: 0.1 + purchases / 10, expectedSpend: spend,
                clv: spend.map { $0 * purchases })
        }
        // Two writers (shards) of the same run, and another run: a later write replaces a customer's row of its run.
        try await store.saveScores([score(carol, run: 1, 0.25, spend: 12.5), score(alice, run: 1, 1.0 / 3, spend: nil)])
        try await store.saveScores([score(bob, run: 1, 2, spend: 7), score(alice, run: 2, 9, spend: 1)])
        try await store.saveScores([score(carol, run: 1, 0.75, spend: nil)])
        try await store.saveScores([])
        let first = try await store.scores(run: 1)
        let expected = [score(alice, run: 1, 1.0 / 3, spend: nil), score(bob, run: 1, 2, spend: 7), score(carol, run: 1, 0.75, spend: nil)]
        try expect(first == expected, "run 1 by customer: \(first)")
        try expect(try await store.scores(run: 2) == [score(alice, run: 2, 9, spend: 1)], "run 2")
        try expect(try await store.scores(run: 3).isEmpty, "no scores of another run")
        _ = try await store.erase(alice, actor: "test")
        try expect(try await store.scores(run: 1).map(\.customer) == [bob, carol], "erasure deletes the customer's scores")
        try expect(try await store.scores(run: 2).isEmpty, "of every run")
        _ = try await store.purge(before: start.adding(days: 45), actor: "test")
        try expect(try await store.scores(run: 1).map(\.customer) == [carol], "retention deletes the scores of the customers it removes")
    }

    // MARK: - Knowledge base and assistant sessions

    static func knowledgeBase(_ store: any ServiceStore) async throws {
        func chunk(_ article: String, _ n: Int, _ text: String) -> KnowledgeChunk {
            KnowledgeChunk(id: "\(article)#\(n)", articleID: article, title: "T", heading: "H\(n)", text: text, tags: ["a", "b"], language: "en")
        }
        let first = [chunk("a1", 1, "one"), chunk("a1", 2, "two"), chunk("a2", 1, "three")]
        let written = try await store.storeKnowledge(first)
        try expect(written == KnowledgeWriteCounts(articles: 2, written: 3, unchanged: 0, removed: 0), "first write: \(written)")
        let again = try await store.storeKnowledge(first)
        try expect(again == KnowledgeWriteCounts(articles: 2, written: 0, unchanged: 3, removed: 0), "same chunks again: \(again)")
        let changed = try await store.storeKnowledge([chunk("a1", 1, "one, revised")])
        try expect(changed == KnowledgeWriteCounts(articles: 1, written: 1, unchanged: 0, removed: 1), "a1 with one chunk: \(changed)")
        let stored = try await store.knowledgeChunks()
        try expect(stored == [chunk("a1", 1, "one, revised"), chunk("a2", 1, "three")], "stored: \(stored)")
    }

    static func assistTurns(_ store: any ServiceStore) async throws {
        func turn(_ customer: CustomerID, _ session: String, _ second: Double, _ text: String) -> AssistTurn {
            let at = Date(timeIntervalSince1970: 1.7e9 + second)
            let key = Interaction.contentKey(customer: customer, kind: .chat, timestamp: at, product: nil, text: text)
            return AssistTurn(
                session: session, interaction: Interaction(key: key, customer: customer, kind: .chat, text: text, product: nil, rating: nil, timestamp: at),
                reply: "reply to \(text)", action: "answer", route: "auto_answer", intent: "delivery_time", sources: ["shipping", "delivery"],
                suggestedAnswer: second > 5 ? "held back" : nil)
        }
        let turns = [turn(alice, "s", 0, "first"), turn(alice, "s", 10, "second"), turn(alice, "t", 5, "other"), turn(bob, "s", 1, "bob's")]
        for t in turns { try await store.appendAssistTurn(t) }
        try await store.appendAssistTurn(turns[0])
        let session = try await store.assistTurns(session: "s", customer: alice)
        try expect(session == [turns[0], turns[1]], "alice's session s: \(session.map(\.interaction.text))")
        try expect(try await store.interactions(of: alice).filter { $0.kind == .chat }.count == 3, "each turn is one chat interaction")
        let recent = try await store.recentAssistTurns(limit: 3)
        try expect(recent == [turns[1], turns[2], turns[3]], "the newest three turns, newest first: \(recent.map(\.interaction.text))")
        _ = try await store.erase(alice, actor: "conformance")
        try expect(try await store.assistTurns(session: "s", customer: alice).isEmpty, "erasure leaves alice's turns")
        try expect(try await store.assistTurns(session: "s", customer: bob).count == 1, "erasing alice keeps bob's turn")
        try expect(try await store.recentAssistTurns(limit: 10) == [turns[3]], "erasure leaves alice's turns in the recent ones")
    }

    // MARK: - Fixture

    static let alice = CustomerID("alice"), bob = CustomerID("bob"), carol = CustomerID("carol")
    static let start = CalendarDay(iso: "2024-01-01")!

    /// Eight lines over three customers and a guest: purchases, a return, two lines on one day.
    static func fixture() -> OrderBatch {
        func line(
            _ key: Int64, _ customer: CustomerID?, day: Int, amount: Double, product: String? = nil, second: Int? = nil, isReturn: Bool = false
        ) -> OrderLine {
            OrderLine(
                key: lineKey(key, day: day), customer: customer, order: "o\(key)", product: product, day: start.adding(days: day), secondOfDay: second,
                quantity: 1, unitPrice: abs(amount), amount: amount, isReturn: isReturn
            )
        }
        var batch = OrderBatch()
        batch.lines = [
            line(1, alice, day: 0, amount: 10, product: "p1", second: 3_600),
            line(2, alice, day: 0, amount: 5, product: "p2", second: 7_200),
            line(3, alice, day: 10, amount: 20, product: "p1"),
            line(4, alice, day: 12, amount: -5, product: "p2", isReturn: true),
            line(5, bob, day: 3, amount: 7),
            line(6, bob, day: 40, amount: 9),
            line(7, carol, day: 50, amount: 30),
            line(8, nil, day: 1, amount: 99),
        ]
        batch.productTitles = ["p1": "Teapot", "p2": "Cup"]
        batch.customerCountries = [alice: "France"]
        return batch
    }

    /// A key as stores expect them (starting with the line's day), from a small number.
    static func lineKey(_ n: Int64, day: Int) -> Int64 {
        OrderLine.eventKey(orderID: "o\(n)", lineIndex: 0, day: start.adding(days: day))
    }

    static func stored(_ store: some ServiceStore) async throws -> OrderBatch {
        let batch = fixture()
        let id = try await store.beginImport(source: "fixture", format: "test")
        _ = try await store.write(batch, importID: id, counts: IngestCounts())
        try await store.finishImport(id, counts: IngestCounts())
        return batch
    }

    static func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw ConformanceFailure(description: message()) }
    }

    // MARK: - Orders

    static func batchesAreIdempotent(_ store: any ServiceStore) async throws {
        let batch = fixture()
        let id = try await store.beginImport(source: "fixture", format: "test")
        let first = try await store.write(batch, importID: id, counts: IngestCounts())
        try expect(first == (8, 0), "first write: \(first), expected 8 new lines")
        let again = try await store.write(batch, importID: id, counts: IngestCounts())
        try expect(again == (0, 8), "second write of the same batch: \(again), expected 8 duplicates")
        var mixed = fixture()
        mixed.lines = [
            mixed.lines[0],
            OrderLine(
                key: lineKey(100, day: 41), customer: bob, order: "o100", product: nil, day: start.adding(days: 41), secondOfDay: nil, quantity: nil,
                unitPrice: nil, amount: 1, isReturn: false),
        ]
        let partly = try await store.write(mixed, importID: id, counts: IngestCounts())
        try expect(partly == (1, 1), "a batch with one stored and one new line: \(partly)")
        let days = try await store.customerDays(of: alice)
        try expect(days.first?.purchaseAmount == 15, "an already stored line was counted again: \(days)")
        try expect(try await store.statistics().orderLines == 9, "line count after three writes")
    }

    static func aggregatesNetReturns(_ store: any ServiceStore) async throws {
        _ = try await stored(store)
        let days = try await store.customerDays(of: alice)
        try expect(days.map(\.day) == [0, 10, 12].map { start.adding(days: $0) }, "alice's days: \(days.map(\.day))")
        try expect(days[0].purchaseAmount == 15 && days[0].purchaseLines == 2, "two lines on one day: \(days[0])")
        try expect(days[2].purchaseLines == 0 && days[2].returnAmount == -5, "a return-only day: \(days[2])")
        try expect(try await store.customer(CustomerID("nobody")) == nil, "a guest line made a customer")
        let record = try await store.customer(alice)
        try expect(record?.country == "France" && record?.firstSeen == start, "alice's record: \(String(describing: record))")
        let countries = try await store.countries()
        try expect(countries[alice] == "France" && countries[CustomerID("nobody")] == nil, "countries: \(countries)")
        for (id, country) in countries { try expect(try await store.customer(id)?.country == country, "\(id)'s country") }
        let both = try await store.customerWithDays(bob)
        try expect(both?.0.id == bob && both?.1.count == 2, "customer with days: \(String(describing: both))")
    }

    static func summariesForAWindow(_ store: any ServiceStore) async throws {
        let batch = try await stored(store)
        let window = SummaryWindow(calibrationEnd: start.adding(days: 20), holdoutEnd: start.adding(days: 45), unit: .week)
        let rows = try await store.summaries(for: window)
        var days: [CustomerDay] = []
        for customer in [alice, bob, carol] { days += try await store.customerDays(of: customer).filter { $0.purchaseLines > 0 } }
        let expected = CustomerSummarizer.summarise(days, window: window)
        try expect(rows == expected, "store summaries \(rows) differ from the summariser's \(expected)")
        try expect(rows.map(\.customer) == [alice, bob], "carol first bought after the calibration end; guests never count")
        try expect(rows[0].frequency == 1 && rows[0].monetaryValue == 20, "alice: one repeat day worth 20 (the return is netted out of purchases): \(rows[0])")
        try expect(rows[1].holdout?.frequency == 1, "bob bought again in the holdout: \(rows[1])")
        _ = batch
    }

    static func purchaseTimeline(_ store: any ServiceStore) async throws {
        _ = try await stored(store)
        let timeline = try await store.purchaseTimeline(through: start.adding(days: 45), cohortEnd: start.adding(days: 5))
        let expected = [
            PurchaseTimelineDay(day: start, firstPurchases: 1, repeatPurchases: 0),
            PurchaseTimelineDay(day: start.adding(days: 3), firstPurchases: 1, repeatPurchases: 0),
            PurchaseTimelineDay(day: start.adding(days: 10), firstPurchases: 0, repeatPurchases: 1),
            PurchaseTimelineDay(day: start.adding(days: 40), firstPurchases: 0, repeatPurchases: 1),
        ]
        try expect(timeline == expected, "timeline \(timeline)")
    }

    static func statistics(_ store: any ServiceStore) async throws {
        let empty = try await store.statistics()
        try expect(empty.orderLines == 0 && empty.lastDay == nil, "a new store is empty: \(empty)")
        _ = try await stored(store)
        let s = try await store.statistics()
        try expect(s.orderLines == 8 && s.customers == 3 && s.products == 2, "counts: \(s)")
        try expect(s.firstDay == start && s.lastDay == start.adding(days: 50), "days: \(s)")
        try expect(abs(s.netRevenue - 175) < 1e-9, "net revenue of every line, guests and the return included: \(s.netRevenue)")
    }

    // MARK: - Customers and privacy

    static func consent(_ store: any ServiceStore) async throws {
        _ = try await stored(store)
        try expect(try await store.customer(bob)?.consent == Consent(), "consent defaults to none")
        try expect(try await store.setConsent(Consent(marketing: true), for: bob, actor: "test"), "setting bob's consent")
        try expect(try await store.setConsent(Consent(marketing: true), for: CustomerID("nobody"), actor: "test") == false, "consent of a missing customer")
        let all = try await store.consents()
        try expect(all[bob] == Consent(marketing: true) && all[alice] == Consent(), "consents: \(all)")
    }

    static func erasure(_ store: any ServiceStore) async throws {
        _ = try await stored(store)
        let report = try await store.erase(alice, actor: "test")
        try expect(report == ErasureReport(orderLines: 4, customerDays: 3, customers: 1), "erasure report: \(report)")
        try expect(try await store.customer(alice) == nil, "the customer row is gone")
        try expect(try await store.customerDays(of: alice).isEmpty, "the days are gone")
        try expect(try await store.recentOrderLines(of: alice, limit: 10).isEmpty, "the lines are gone")
        try expect(
            try await store.summaries(for: SummaryWindow(calibrationEnd: start.adding(days: 60))).map(\.customer) == [bob, carol],
            "summaries still list the erased customer")
        let hash = try await store.auditHash(of: alice)
        try expect(hash != alice.rawValue && hash.count >= 32, "the audit pseudonym is a keyed hash")
        let events = try await store.auditEvents(limit: 10)
        try expect(events.first?.action == "erase" && events.first?.customerHash == hash && events.first?.actor == "test", "the erasure is audited: \(events)")
        try expect(!events.contains { ($0.detail ?? "").contains(alice.rawValue) }, "the audit log names the erased customer")
        try expect(try await store.erase(alice, actor: "test").isEmpty, "erasing again deletes nothing")
    }

    static func retention(_ store: any ServiceStore) async throws {
        _ = try await stored(store)
        let report = try await store.purge(before: start.adding(days: 11), actor: "test")
        try expect(report.orderLines == 5 && report.customers == 0, "purge before day 11: \(report)")
        try expect(try await store.customer(alice)?.firstSeen == start.adding(days: 12), "alice's first day moves to her oldest kept day")
        let second = try await store.purge(before: start.adding(days: 45), actor: "test")
        try expect(second.customers == 2, "alice and bob are left without days: \(second)")
        try expect(try await store.consents().keys.sorted() == [carol], "only carol is left")
        try expect(try await store.auditEvents(limit: 5).first?.action == "retention", "purges are audited")
    }

    // MARK: - Keys, audit, model runs

    static func keys(_ store: any ServiceStore) async throws {
        let (key, secret) = try await store.createKey(role: .analyst, label: "crm")
        try expect(key.role == .analyst && key.label == "crm" && secret.hasPrefix(key.prefix), "created key: \(key)")
        let found = try await store.key(secretHash: SHA256.hex(secret))
        try expect(found == key, "found by the secret's hash: \(String(describing: found)) vs \(key)")
        try expect(try await store.key(secretHash: secret) == nil, "the secret itself is not what is stored")
        try expect(try await store.keys().map(\.id) == [key.id], "keys list")
        try expect(try await store.revokeKey(id: key.id), "revoking")
        try expect(try await store.key(secretHash: SHA256.hex(secret)) == nil, "a revoked key no longer authenticates")
        try expect(try await store.keys().first?.revokedAt != nil, "the list shows it revoked")
        try expect(try await store.revokeKey(id: key.id) == false, "revoking twice")
    }

    static func audit(_ store: any ServiceStore) async throws {
        let t = Date(timeIntervalSince1970: 1_700_000_000.25)
        try await store.audit([
            AuditEvent(at: t, actor: "key:1", action: "read customer", customerHash: "h1"),
            AuditEvent(at: t.addingTimeInterval(1), actor: "cli", action: "export audience", detail: "3 customers"),
        ])
        let events = try await store.auditEvents(limit: 10)
        try expect(events.map(\.action) == ["export audience", "read customer"], "newest first: \(events.map(\.action))")
        try expect(abs(events[1].at.timeIntervalSince(t)) < 0.001, "times keep their milliseconds: \(events[1].at) vs \(t)")
        try expect(try await store.auditEvents(limit: 1).count == 1, "limit")
    }

    static func modelRuns(_ store: any ServiceStore) async throws {
        let end = CalendarDay(iso: "1997-09-30")!
        let first = ModelRunRecord(kind: .bgnbd, dataEnd: end, unit: .week, customers: 2357, logLikelihood: -9582.4, converged: true, fitJSON: "{\"a\":1}")
        let id1 = try await store.saveModelRun(first)
        let id2 = try await store.saveModelRun(
            ModelRunRecord(kind: .gg, dataEnd: end, unit: .week, customers: 946, logLikelihood: nil, converged: false, fitJSON: "{}"))
        let id3 = try await store.saveModelRun(
            ModelRunRecord(kind: .bgnbd, dataEnd: end.adding(days: 7), unit: .day, customers: 10, logLikelihood: -1, converged: true, fitJSON: "{\"b\":2}"))
        try expect(Set([id1, id2, id3]).count == 3, "ids are distinct")
        try expect(try await store.modelRuns().map(\.id) == [id3, id2, id1], "newest first")
        let latest = try await store.latestModelRun(kind: .bgnbd)
        try expect(latest?.id == id3 && latest?.unit == .day && latest?.fitJSON == "{\"b\":2}", "latest bgnbd: \(String(describing: latest))")
        let one = try await store.modelRun(id: id1)
        try expect(one?.kind == .bgnbd && one?.customers == 2357 && one?.logLikelihood == -9582.4 && one?.dataEnd == end, "run 1: \(String(describing: one))")
        try expect(abs((one?.createdAt ?? .distantPast).timeIntervalSince(first.createdAt)) < 1, "created at")
        try expect(try await store.modelRun(id: id2)?.logLikelihood == nil, "a missing log-likelihood stays missing")
        try expect(try await store.latestModelRun(kind: .pnbd) == nil, "no run of another kind")
        try expect(try await store.modelRun(id: 999_999) == nil, "no such run")
    }

    static func recommenderRuns(_ store: any ServiceStore) async throws {
        try expect(try await store.latestRecommenderRun(model: nil) == nil, "no run yet")
        let end = CalendarDay(iso: "2011-12-09")!
        let first = RecommenderRunRecord(model: "als", dataEnd: end, customers: 4339, products: 3665, fitJSON: "{\"a\":1}")
        let id1 = try await store.saveRecommenderRun(first)
        let id2 = try await store.saveRecommenderRun(
            RecommenderRunRecord(model: "item-knn", dataEnd: end.adding(days: 1), customers: 5, products: 6, fitJSON: "{}"))
        try expect(id1 != id2, "ids are distinct")
        let als = try await store.latestRecommenderRun(model: "als")
        try expect(
            als?.id == id1 && als?.dataEnd == end && als?.customers == 4339 && als?.products == 3665 && als?.fitJSON == "{\"a\":1}",
            "latest als: \(String(describing: als))")
        try expect(abs((als?.createdAt ?? .distantPast).timeIntervalSince(first.createdAt)) < 1, "created at")
        try expect(try await store.latestRecommenderRun(model: nil)?.id == id2, "the newest of any model")
        try expect(try await store.latestRecommenderRun(model: "bpr") == nil, "no run of another model")
    }

    static func orderHistory(_ store: any ServiceStore) async throws {
        _ = try await stored(store)
        let lines = try await store.recentOrderLines(of: alice, limit: 3)
        try expect(lines.map(\.day) == [12, 10, 0].map { start.adding(days: $0) }, "newest first: \(lines.map(\.day))")
        try expect(lines[0].isReturn && lines[0].amount == -5 && lines[0].productTitle == "Cup", "the return with its product's title: \(lines[0])")
        try expect(lines[2].secondOfDay == 7_200, "the later line of a day first: \(lines[2])")
        try expect(try await store.recentOrderLines(of: alice, limit: 10).count == 4, "all four lines")
        try expect(try await store.recentOrderLines(of: CustomerID("nobody"), limit: 10).isEmpty, "no lines of a stranger")
    }

    // MARK: - Customers' words

    static func interaction(_ customer: CustomerID, day: Int, text: String, kind: InteractionKind = .review, rating: Double? = nil) -> Interaction {
        let timestamp = Date(timeIntervalSince1970: Double(start.adding(days: day).daysSinceEpoch) * 86_400 + 3_600)
        return Interaction(
            key: Interaction.contentKey(customer: customer, kind: kind, timestamp: timestamp, product: "p1", text: text), customer: customer, kind: kind,
            text: text, product: "p1", rating: rating, timestamp: timestamp)
    }

    static func interactions(_ store: any ServiceStore) async throws {
        _ = try await stored(store)
        let dave = CustomerID("dave")
        let batch = [
            interaction(alice, day: 20, text: "Lovely teapot", rating: 5), interaction(alice, day: 5, text: "Where is my cup?", kind: .chat),
            interaction(dave, day: 30, text: "Do you ship to Oslo?", kind: .search),
        ]
        let first = try await store.write(batch, importID: nil, counts: nil)
        try expect(first == (3, 0), "first write: \(first)")
        let again = try await store.write(batch, importID: nil, counts: nil)
        try expect(again == (0, 3), "second write of the same interactions: \(again)")
        let alices = try await store.interactions(of: alice)
        try expect(alices.map(\.text) == ["Where is my cup?", "Lovely teapot"], "alice's interactions oldest first: \(alices.map(\.text))")
        try expect(alices.last == batch[0], "an interaction reads back as written: \(String(describing: alices.last))")
        let daveRecord = try await store.customer(dave)
        try expect(
            daveRecord?.firstSeen == start.adding(days: 30) && daveRecord?.consent == Consent(),
            "dave created without consent: \(String(describing: daveRecord))")
        let reviews = try await store.interactions(kinds: [.review])
        try expect(reviews.map(\.customer) == [alice], "reviews only: \(reviews)")
        let counts = try await store.interactionCounts()
        try expect(counts == [.review: 1, .chat: 1, .search: 1], "counts by kind: \(counts)")
    }

    static func products(_ store: any ServiceStore) async throws {
        _ = try await stored(store)
        let first = try await store.upsertProducts([Product(id: "p1", description: "Bone china", price: 12.5), Product(id: "p9", title: "Tray")])
        try expect(first == (1, 1), "p1 existed (from the orders), p9 is new: \(first)")
        let stored = try await store.products()
        try expect(
            stored.first { $0.id == "p1" } == Product(id: "p1", title: "Teapot", description: "Bone china", price: 12.5),
            "p1 keeps its title from the orders: \(stored)")
        let some = try await store.products(ids: ["p1", "p9", "nope"])
        try expect(some == ["p1": stored.first { $0.id == "p1" }!, "p9": Product(id: "p9", title: "Tray")], "products by id: \(some)")
        let purchases = try await store.productPurchases()
        try expect(purchases.map(\.product) == ["p1", "p2", "p1"] && purchases.allSatisfy { $0.customer == alice }, "alice's sales, no return: \(purchases)")
        let alices = try await store.productPurchases(of: alice)
        try expect(alices == purchases, "one customer's purchases equal the full list's: \(alices)")
        let netting = try await store.productLinesNettingReturns()
        try expect(
            netting.map(\.product) == ["p1", "p2", "p1", "p2"] && netting.map(\.quantity) == [1, 1, 1, -1],
            "alice's lines with the return of p2 negative: \(netting)")
    }

    static func embeddingCache(_ store: any ServiceStore) async throws {
        let a = TextHash(of: "a"), b = TextHash(of: "b")
        let vector: [Float] = [0.1, -0.0, .leastNonzeroMagnitude, 1e30, -3.25]
        try await store.storeEmbeddings(model: "m1", [a: vector])
        try await store.storeEmbeddings(model: "m2", [a: [1, 2, 3, 4, 5], b: [5, 4, 3, 2, 1]])
        let m1 = try await store.embeddings(model: "m1", hashes: [a, b])
        try expect(m1.count == 1 && m1[a]?.map(\.bitPattern) == vector.map(\.bitPattern), "m1 holds a only, bit for bit: \(m1)")
        let counts = try await store.embeddingCounts()
        try expect(counts == ["m1": 1, "m2": 2], "counts by model: \(counts)")
    }

    static func interactionPrivacy(_ store: any ServiceStore) async throws {
        _ = try await stored(store)
        let shared = "Great service"
        let batch = [
            interaction(alice, day: 1, text: shared), interaction(alice, day: 20, text: "Alice's own words"), interaction(bob, day: 2, text: shared),
            interaction(bob, day: 30, text: "Bob's later words"),
        ]
        _ = try await store.write(batch, importID: nil, counts: nil)
        try await store.storeEmbeddings(model: "m", Dictionary(batch.map { ($0.textHash, [Float(1)]) }) { first, _ in first })
        let erased = try await store.erase(alice, actor: "test")
        try expect(erased.interactions == 2 && erased.embeddings == 1, "alice's two texts go, and the vector only she held: \(erased)")
        let left = try await store.embeddings(model: "m", hashes: batch.map(\.textHash))
        try expect(Set(left.keys) == [TextHash(of: shared), TextHash(of: "Bob's later words")], "bob's vectors stay: \(left.keys)")
        let purged = try await store.purge(before: start.adding(days: 10), actor: "test")
        try expect(purged.interactions == 1 && purged.embeddings == 1, "bob's day-2 text and its vector go: \(purged)")
        let bobs = try await store.interactions(of: bob)
        try expect(bobs.map(\.text) == ["Bob's later words"], "bob's later text stays: \(bobs)")
    }
}
