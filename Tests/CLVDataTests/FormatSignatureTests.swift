import Testing

@testable import CLVData

/// The format signature seeds every line key: its text must never change for an existing format, or re-imports
/// store every line again. These strings are what CLVKit wrote from 2026-11-29 on (by interpolating the values).
@Suite struct FormatSignatureTests {
    @Test func presetsKeepTheirSignatures() {
        #expect(
            OrderFileFormat.cdnowSample.signature
                == "cdnow-sample|whitespace|false|Columns(customer: column 2, date: column 3, amount: CLVData.OrderFileFormat.Amount.column(column 5), order: nil, product: nil, quantity: Optional(column 4), productTitle: nil, country: nil)|YYYYMMDD||true"
        )
        #expect(
            OrderFileFormat.cdnow.signature
                == "cdnow|whitespace|true|Columns(customer: column 1, date: column 2, amount: CLVData.OrderFileFormat.Amount.column(column 4), order: nil, product: nil, quantity: Optional(column 3), productTitle: nil, country: nil)|YYYYMMDD||true"
        )
        #expect(
            OrderFileFormat.onlineRetail.signature
                == "online-retail|comma|true|Columns(customer: 'CustomerID', date: 'InvoiceDate', amount: CLVData.OrderFileFormat.Amount.quantityTimesPrice(quantity: 'Quantity', price: 'UnitPrice'), order: Optional('InvoiceNo'), product: Optional('StockCode'), quantity: Optional('Quantity'), productTitle: Optional('Description'), country: Optional('Country'))|ISO 8601 (YYYY-MM-DD[ HH:MM:SS])|C|true"
        )
    }

    @Test func customFormatsKeepTheirSignatures() {
        let named = OrderFileFormat.custom(
            separator: .semicolon, hasHeader: true,
            columns: .init(
                customer: .named("client"), date: .named("placed"), amount: .column(.named("total")), order: .named("order"), product: .named("sku")),
            dateFormat: .pattern("%d/%m/%Y %H:%M")
        )
        #expect(
            named.signature
                == "custom|semicolon|true|Columns(customer: 'client', date: 'placed', amount: CLVData.OrderFileFormat.Amount.column('total'), order: Optional('order'), product: Optional('sku'), quantity: nil, productTitle: nil, country: nil)|%d/%m/%Y %H:%M||false"
        )
        let numbered = OrderFileFormat.custom(
            separator: .comma, hasHeader: false,
            columns: .init(customer: .position(1), date: .position(2), amount: .quantityTimesPrice(quantity: .position(3), price: .position(4))),
            dateFormat: .iso8601, keepsGuestOrders: true
        )
        #expect(
            numbered.signature
                == "custom|comma|false|Columns(customer: column 1, date: column 2, amount: CLVData.OrderFileFormat.Amount.quantityTimesPrice(quantity: column 3, price: column 4), order: nil, product: nil, quantity: nil, productTitle: nil, country: nil)|ISO 8601 (YYYY-MM-DD[ HH:MM:SS])||false"
        )
        #expect(OrderFileFormat.custom(separator: .tab, hasHeader: true, columns: named.columns, dateFormat: .compact).signature.hasPrefix("custom|tab|true|"))
    }
}
