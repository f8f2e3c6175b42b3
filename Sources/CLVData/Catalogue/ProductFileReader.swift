import CLVCore
import Foundation

/// Reads a product catalogue: a shop's own file (`id,title,description,category,price`), or one derived from an
/// order file that names its products (Online Retail: StockCode, the most frequent Description, the median
/// UnitPrice of its sales).
public enum ProductFileReader {
    /// The products of a catalogue file and the lines rejected from it.
    public struct Catalogue: Sendable {
        public var products: [Product]
        public var rejected: [(line: Int, reason: String)]
        public var linesRead: Int
    }

    /// A catalogue file with a header; `id` is required, the other columns optional.
    /// - Throws: ``IngestError`` when the file cannot be read or has no `id` column.
    public static func read(_ url: URL) throws(IngestError) -> Catalogue {
        do {
            let separator: UInt8 = ["tsv", "tab"].contains(url.pathExtension.lowercased()) ? 9 : UInt8(ascii: ",")
            var reader = try DelimitedReader(url: url, separator: .byte(separator))
            guard try reader.next() else { throw IngestError.empty(path: url.path) }
            let columns = reader.columnPositions(lowercased: true)
            guard let idColumn = columns["id"] ?? columns["product_id"] else {
                throw IngestError.missingColumn(
                    "'id'", available: columns.sorted { $0.value < $1.value }.map(\.key), path: url.path,
                    remedy: "A product file needs an id (or product_id) column")
            }
            var catalogue = Catalogue(products: [], rejected: [], linesRead: 0)
            var seen: [String: Int] = [:]
            while try reader.next() {
                if reader.fields.count == 1 && reader.record.allSatisfy({ $0 == 32 || $0 == 9 }) { continue }
                catalogue.linesRead += 1
                guard FieldParsing.isValidUTF8(reader.record) else {
                    catalogue.rejected.append((reader.lineNumber, "not valid UTF-8 text; re-export the file as UTF-8"))
                    continue
                }
                func field(_ name: String) -> String? {
                    guard let i = columns[name], i < reader.fields.count else { return nil }
                    return reader.withField(i, FieldParsing.string)
                }
                guard let id = idColumn < reader.fields.count ? reader.withField(idColumn, FieldParsing.string) : nil, id.utf8.count <= 256 else {
                    catalogue.rejected.append((reader.lineNumber, "missing or over-long product id"))
                    continue
                }
                var price: Double?
                if let text = field("price") {
                    guard let value = Double(text), value.isFinite, value >= 0 else {
                        catalogue.rejected.append((reader.lineNumber, "price must be a number of at least 0"))
                        continue
                    }
                    price = value
                }
                let product = Product(id: id, title: field("title"), description: field("description"), category: field("category"), price: price)
                // A later line for the same id replaces the earlier one, as a re-import would.
                if let index = seen[id] {
                    catalogue.products[index] = product
                } else {
                    seen[id] = catalogue.products.count
                    catalogue.products.append(product)
                }
            }
            return catalogue
        } catch let error as IngestError {
            throw error
        } catch {
            throw .unreadable(path: url.path, reason: (error as NSError).localizedDescription)
        }
    }

    /// The catalogue an Online Retail order file implies: per StockCode, its most frequent Description (ties to the
    /// alphabetically first) and the median UnitPrice over its sale lines (cancellations, returns and zero prices
    /// left out).
    public static func deriveFromOnlineRetail(_ url: URL) throws(IngestError) -> Catalogue {
        do {
            var reader = try DelimitedReader(url: url, separator: .byte(UInt8(ascii: ",")))
            guard try reader.next() else { throw IngestError.empty(path: url.path) }
            let columns = reader.columnPositions(lowercased: false)
            let names = ["StockCode", "Description", "UnitPrice", "Quantity", "InvoiceNo"]
            for name in names where columns[name] == nil {
                throw IngestError.missingColumn(
                    "'\(name)'", available: columns.sorted { $0.value < $1.value }.map(\.key), path: url.path,
                    remedy: "Give the Online Retail file with its original header")
            }
            let (code, description, price, quantity, invoice) = (
                columns["StockCode"]!, columns["Description"]!, columns["UnitPrice"]!, columns["Quantity"]!, columns["InvoiceNo"]!
            )
            let needed = [code, description, price, quantity, invoice].max()!
            var titles: [String: [String: Int]] = [:]
            var prices: [String: [Double]] = [:]
            var linesRead = 0
            while try reader.next() {
                guard reader.fields.count > needed else { continue }
                linesRead += 1
                guard let id = reader.withField(code, FieldParsing.string) else { continue }
                if let title = reader.withField(description, FieldParsing.string) { titles[id, default: [:]][title, default: 0] += 1 }
                let cancelled = reader.withField(invoice, FieldParsing.string)?.hasPrefix("C") ?? false
                if !cancelled, let q = reader.withField(quantity, FieldParsing.decimal), q > 0, let p = reader.withField(price, FieldParsing.decimal), p > 0 {
                    prices[id, default: []].append(p)
                }
            }
            let products = Set(titles.keys).union(prices.keys).sorted().map { id in
                let title = titles[id]?.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key
                return Product(id: id, title: title, description: nil, category: nil, price: prices[id].map(median))
            }
            return Catalogue(products: products, rejected: [], linesRead: linesRead)
        } catch let error as IngestError {
            throw error
        } catch {
            throw .unreadable(path: url.path, reason: (error as NSError).localizedDescription)
        }
    }

    private static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
