import CLVAssist
import CLVCore
import CLVData
import CLVSQLite
import CLVTestSupport
import Foundation
import Testing

/// The shipped knowledge base, its reader and chunker, and its storage.
@Suite struct KnowledgeBaseTests {
    static var shippedFolder: URL { TestData.projectRoot.appendingPathComponent("knowledge-base") }

    /// The topics the issue asks the sample knowledge base to cover, each in English and Chinese.
    static let topics = [
        "shipping", "delivery-times", "returns", "refunds", "exchanges", "damaged-items", "payment-methods", "order-tracking", "cancellation",
        "warranty", "coupons-promotions", "loyalty-points", "account-privacy",
    ]

    @Test func shippedKnowledgeBaseCoversEveryTopicInBothLanguages() throws {
        let articles = try KnowledgeBaseFile.read(Self.shippedFolder)
        let ids = Set(articles.map(\.id))
        for topic in Self.topics {
            #expect(ids.contains("en-\(topic)"), "missing en-\(topic)")
            #expect(ids.contains("zh-\(topic)"), "missing zh-\(topic)")
        }
        for article in articles {
            #expect(article.language == String(article.id.prefix(2)))
            #expect(!article.tags.isEmpty)
            #expect(KnowledgeChunker.chunks(of: article).count >= 3, "\(article.id) has fewer than three sections")
        }
        // Privacy says how to ask for erasure, in both languages.
        let privacy = articles.filter { $0.id.hasSuffix("account-privacy") }
        #expect(privacy.contains { $0.body.contains("erased") })
        #expect(privacy.contains { $0.body.contains("删除个人信息") })
    }

    @Test func markdownIsChunkedByHeading() throws {
        let article = try KnowledgeBaseFile.parseMarkdown(
            """
            ---
            id: demo
            title: "Demo article"
            tags: [one, two]
            language: en
            ---
            # Demo article
            Intro text.
            ## First
            Alpha.
            ```
            # not a heading inside a fence
            ```
            ## Empty
            ### Second
            Beta.
            """, path: "demo.md")
        #expect(article.title == "Demo article")
        #expect(article.tags == ["one", "two"])
        let chunks = KnowledgeChunker.chunks(of: article)
        #expect(chunks.map(\.id) == ["demo#1", "demo#2", "demo#3"])
        #expect(chunks.map(\.heading) == ["Demo article", "First", "Second"])
        #expect(chunks[1].text.contains("# not a heading inside a fence"))
        #expect(chunks[2].searchText == "Demo article: Second\nBeta.")
    }

    @Test(arguments: [
        ("no front matter\n# Title", "no front matter"),
        ("---\nid: x\ntitle: T\n---\nbody", "'language'"),
        ("---\nid: bad id\ntitle: T\nlanguage: en\n---\nbody", "may hold only"),
        ("---\nid: x\ntitle: T\nlanguage: en\n---\n", "has no body"),
    ])
    func badArticlesAreRejectedWithTheReason(text: String, reason: String) {
        #expect {
            _ = try KnowledgeBaseFile.parseMarkdown(text, path: "a.md")
        } throws: { error in
            String(describing: error).contains(reason) && String(describing: error).contains("a.md")
        }
    }

    @Test func csvArticlesAreRead() throws {
        let folder = try TemporaryDirectory()
        let url = try folder.write(
            "kb.csv",
            """
            id,title,body,tags,language
            faq-1,Gift wrap,"## Wrapping
            We wrap gifts for 2.
            ## Messages
            Add a card message at checkout.",gift;wrap,en
            faq-2,礼品包装,"礼品包装每件 5 元。",礼品,zh-CN
            """)
        let articles = try KnowledgeBaseFile.read(url)
        #expect(articles.map(\.id) == ["faq-1", "faq-2"])
        #expect(articles[0].tags == ["gift", "wrap"])
        #expect(articles[1].language == "zh-cn")
        #expect(KnowledgeChunker.chunks(of: articles[0]).map(\.heading) == ["Wrapping", "Messages"])
        #expect(KnowledgeChunker.chunks(of: articles[1]).map(\.text) == ["礼品包装每件 5 元。"])
    }

    @Test func duplicateIdsAcrossFilesAreAnError() throws {
        let folder = try TemporaryDirectory()
        let text = "---\nid: same\ntitle: T\nlanguage: en\n---\nbody"
        _ = try folder.write("a.md", text)
        _ = try folder.write("b.md", text)
        #expect(throws: IngestError.self) { try KnowledgeBaseFile.read(folder.url) }
    }

    @Test func storingTheSameArticlesAgainChangesNothingAndLostSectionsDisappear() async throws {
        let store = try SQLiteStore.inMemory()
        let articles = try KnowledgeBaseFile.read(Self.shippedFolder)
        let chunks = articles.flatMap(KnowledgeChunker.chunks(of:))
        let first = try await store.storeKnowledge(chunks)
        #expect(first == KnowledgeWriteCounts(articles: articles.count, written: chunks.count, unchanged: 0, removed: 0))
        let again = try await store.storeKnowledge(chunks)
        #expect(again == KnowledgeWriteCounts(articles: articles.count, written: 0, unchanged: chunks.count, removed: 0))
        #expect(Set(try await store.knowledgeChunks()) == Set(chunks))

        // A new version of one article with one section fewer and one changed.
        var returns = articles.first { $0.id == "en-returns" }!
        returns.body = "## Return window\nYou can return most items within 60 days.\n## How to return\nUse the Orders page."
        let changed = try await store.storeKnowledge(KnowledgeChunker.chunks(of: returns))
        #expect(changed == KnowledgeWriteCounts(articles: 1, written: 2, unchanged: 0, removed: 1))
        let stored = try await store.knowledgeChunks().filter { $0.articleID == "en-returns" }
        #expect(stored.map(\.heading) == ["Return window", "How to return"])
        #expect(stored[0].tags == returns.tags)
    }

    @Test func erasingACustomerKeepsTheKnowledgeBaseVectors() async throws {
        let store = try SQLiteStore.inMemory()
        let article = KnowledgeArticle(id: "a", title: "Refunds", body: "Refunds take 5 days.", tags: [], language: "en")
        let chunk = KnowledgeChunker.chunks(of: article)[0]
        _ = try await store.storeKnowledge([chunk])
        // A customer who wrote exactly the passage's text: their vector and the passage's are one row.
        let customer = CustomerID("c1")
        let interaction = Interaction(
            key: 1, customer: customer, kind: .chat, text: chunk.searchText, product: nil, rating: nil, timestamp: Date(timeIntervalSince1970: 1e9))
        _ = try await store.write([interaction], importID: nil, counts: nil)
        try await store.storeEmbeddings(model: "m", [TextHash(of: chunk.searchText): [1, 0]])
        _ = try await store.erase(customer, actor: "test")
        #expect(try await store.interactions(of: customer).isEmpty)
        #expect(try await store.embeddings(model: "m", hashes: [TextHash(of: chunk.searchText)]).count == 1)
    }
}
