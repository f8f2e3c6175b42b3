/// A type whose JSON the OpenAPI document declares: the schema is written beside the type it describes (in a
/// `+Schema` extension), the document references it by the type's name, and `SchemaTests` checks that what the type
/// encodes or decodes matches it, so the two cannot drift.
protocol APISchema: Sendable {
    static var schema: JSONValue { get }
}

extension APISchema {
    /// The name under `#/components/schemas/`.
    static var schemaName: String { String(describing: Self.self) }
    static var reference: JSONValue { ["$ref": .string("#/components/schemas/\(schemaName)")] }
}

/// Building blocks of schemas.
enum Schema {
    static let string: JSONValue = ["type": "string"]
    static let integer: JSONValue = ["type": "integer"]
    static let number: JSONValue = ["type": "number"]
    static let boolean: JSONValue = ["type": "boolean"]
    static let date: JSONValue = ["type": "string", "format": "date"]
    static let dateTime: JSONValue = ["type": "string", "format": "date-time"]

    static func nullable(_ schema: JSONValue) -> JSONValue {
        guard case var .object(fields) = schema, case let .string(type)? = fields["type"] else { return ["oneOf": [schema, ["type": "null"]]] }
        fields["type"] = [.string(type), "null"]
        return .object(fields)
    }

    static func array(_ items: JSONValue, maxItems: Int? = nil) -> JSONValue {
        var fields: [String: JSONValue] = ["type": "array", "items": items]
        if let maxItems { fields["maxItems"] = .number(Double(maxItems)) }
        return .object(fields)
    }

    static func oneOf<T: RawRepresentable & CaseIterable>(_: T.Type) -> JSONValue where T.RawValue == String {
        ["type": "string", "enum": .array(T.allCases.map { .string($0.rawValue) })]
    }

    /// A map from names to values of one schema.
    static func map(_ values: JSONValue) -> JSONValue { ["type": "object", "additionalProperties": values] }

    /// An object with exactly these properties (others are not allowed), of which `required` are always present.
    static func object(_ properties: [String: JSONValue], required: [String]) -> JSONValue {
        ["type": "object", "properties": .object(properties), "required": .array(required.sorted().map(JSONValue.string)), "additionalProperties": false]
    }

    /// A request body's object: the optional fields may also be null (the decoders read null as absent), and
    /// `open` bodies (OpenAI's, whose clients send fields of their own) allow fields it does not name.
    /// `exactlyOne`: of these optional fields, a body has one (and then not null).
    static func request(_ properties: [String: JSONValue], required: [String], exactlyOne: [String] = [], open: Bool = false) -> JSONValue {
        let fields = Dictionary(
            uniqueKeysWithValues: properties.map { name, schema in
                (name, required.contains(name) ? schema : ["anyOf": [schema, ["type": "null"]]])
            })
        var object: [String: JSONValue] = [
            "type": "object", "properties": .object(fields), "required": .array(required.sorted().map(JSONValue.string)), "additionalProperties": .bool(!open),
        ]
        // Null reads as absent, so "has it" means present and not null.
        if !exactlyOne.isEmpty {
            object["oneOf"] = .array(exactlyOne.map { ["required": [.string($0)], "properties": [$0: ["not": ["type": "null"]]]] })
        }
        return .object(object)
    }
}
