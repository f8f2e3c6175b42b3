import CLVCore
import CLVData
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// `POST /v1/events`: an order updates the customer's summary and is re-scored within the request.
enum EventRoutes {
    struct OrderEvent: Decodable, Sendable {
        struct Line: Decodable, Sendable {
            var product_id: String?
            var title: String?
            var quantity: Double
            var unit_price: Double
        }

        var type: String?
        var order_id: String
        var customer_id: String
        /// ISO 8601 date or date-time; the written local date counts.
        var timestamp: String
        /// The order total, when no lines are given (negative for a return).
        var amount: Double?
        var lines: [Line]?
        var country: String?
    }

    struct Accepted: Encodable, Sendable {
        var order_id: String
        var lines: Int
        var duplicate: Bool
        /// The customer's new scores; absent while there is nothing to score: no purchase yet (their first event a
        /// return), or no fitted model.
        var customer: CustomerView?
    }

    /// Running totals of the API's ingest run.
    final class Ledger: Sendable {
        let counts = Mutex(IngestCounts())
    }

    static func register(_ routes: RouteTable, _ services: Services) {
        routes.add(
            RouteSpec(
                method: .post, path: "/v1/events", roles: .writers,
                summary: "Record an order (lines or an amount; negative for a return) and return the customer's new scores. Idempotent by order_id and date.",
                tag: "events", requestBody: OrderEvent.self,
                responses: [
                    201: "Recorded; the customer's new scores", 200: "Already recorded (same order_id)", 400: "Not JSON", 413: "Body too large",
                    422: "Invalid event",
                ],
                response: Accepted.self,
                links: [
                    .init(name: "GetCustomer", status: 201, method: .get, path: "/v1/customers/{id}", parameters: ["id": "$request.body#/customer_id"])
                ],
                location: "The customer the order belongs to"
            )
        ) { request, context in
            let event = try await JSON.decode(OrderEvent.self, from: request, context: context)
            let (batch, day) = try validate(event)
            let running = services.eventLedger.counts.withLock { c in
                c.read += batch.lines.count
                c.returns += batch.lines.filter(\.isReturn).count
                return c
            }
            let id = CustomerID(event.customer_id)
            let audit = AuditEvent(
                actor: context.actor, action: "post order", customerHash: try await services.store.auditHash(of: id), detail: "order \(event.order_id)")
            let outcome = try await services.store.write(batch, importID: services.eventImportID, counts: running, audit: [audit])
            services.eventLedger.counts.withLock { c in
                c.imported += outcome.inserted
                c.duplicates += outcome.duplicates
            }
            services.metrics.increment("clv_events_ingested_total", by: outcome.inserted)
            services.scores.invalidate(seenDay: day)
            let view: CustomerView?
            do {
                view = try await CustomerRoutes.customerView(id, services: services, level: nil)
            } catch let error as HTTPError where error.status == .notFound || error.status == .serviceUnavailable {
                // Stored and acknowledged, but nothing to score yet: a return before any purchase, or no fitted model.
                view = nil
            }
            let duplicate = outcome.inserted == 0
            var response = try JSON.response(
                Accepted(order_id: event.order_id, lines: batch.lines.count, duplicate: duplicate, customer: view),
                status: duplicate ? .ok : .created
            )
            response.headers[.location] = "/v1/customers/\(urlComponent(id.rawValue))"
            return response
        }
    }

    /// The timestamps an event may carry, as the OpenAPI document declares them (the calendar check is in code).
    static let timestampPattern =
        #"^(19[0-9]{2}|2[01][0-9]{2}|2200)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([T ]([01][0-9]|2[0-3]):[0-5][0-9](:([0-5][0-9]|60)([.,][0-9]*)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?)?$"#
    nonisolated(unsafe) private static let timestampRegex = try! Regex(timestampPattern)

    /// An order or customer id: 1 to 256 characters, no surrounding spaces, no line breaks.
    static let identifierSchema: JSONValue = ["type": "string", "minLength": 1, "maxLength": 256, "pattern": #"^[^\s](.*[^\s])?$"#]

    /// The event as order lines, or a 422 that says which field is wrong.
    static func validate(_ event: OrderEvent) throws -> (OrderBatch, CalendarDay) {
        if let type = event.type, type != "order" { throw APIError.unprocessable("Field 'type' must be \"order\" (the only event type so far).") }
        for (name, value) in [("order_id", event.order_id), ("customer_id", event.customer_id)] {
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty, trimmed == value, value.unicodeScalars.count <= 256, !value.contains(where: \.isNewline) else {
                throw APIError.unprocessable("Field '\(name)' must be 1 to 256 characters without surrounding spaces or line breaks.")
            }
        }
        guard (try? timestampRegex.wholeMatch(in: event.timestamp)) != nil, let date = DateFormat.iso8601.parse(event.timestamp) else {
            throw APIError.unprocessable("Field 'timestamp' must be an ISO 8601 date or date-time, e.g. 2011-12-09T12:50:00Z.")
        }
        guard (1900...2200).contains(date.day.components.year) else {
            throw APIError.unprocessable("Field 'timestamp' must be a year between 1900 and 2200.")
        }
        var items: [(product: String?, title: String?, quantity: Double?, price: Double?, amount: Double)] = []
        switch (event.lines, event.amount) {
        case let (lines?, nil):
            guard !lines.isEmpty, lines.count <= 1_000 else { throw APIError.unprocessable("Field 'lines' must hold 1 to 1000 lines.") }
            for (i, line) in lines.enumerated() {
                guard line.quantity.isFinite, line.unit_price.isFinite, abs(line.quantity) <= 1e9, line.unit_price >= 0, line.unit_price <= 1e9 else {
                    throw APIError.unprocessable("lines[\(i)]: quantity must be a finite number and unit_price a number from 0 to 1e9.")
                }
                items.append((line.product_id, line.title, line.quantity, line.unit_price, line.quantity * line.unit_price))
            }
        case let (nil, amount?):
            guard amount.isFinite, abs(amount) <= 1e12 else { throw APIError.unprocessable("Field 'amount' must be a finite number within ±1e12.") }
            items.append((nil, nil, nil, nil, amount))
        default:
            throw APIError.unprocessable("Give either 'lines' (product_id, quantity, unit_price) or 'amount', not both.")
        }
        var batch = OrderBatch()
        let customer = CustomerID(event.customer_id)
        for (i, item) in items.enumerated() {
            batch.lines.append(
                OrderLine(
                    key: OrderLine.eventKey(orderID: event.order_id, lineIndex: i, day: date.day), customer: customer, order: event.order_id,
                    product: item.product, day: date.day, secondOfDay: date.second, quantity: item.quantity, unitPrice: item.price,
                    sourceAmount: item.amount
                ))
            if let product = item.product, let title = item.title { batch.productTitles[product] = title }
        }
        if let country = event.country { batch.customerCountries[customer] = country }
        return (batch, date.day)
    }
}
