import Foundation

/// A JSON value as the OpenAPI tests read documents and response bodies: numbers stay
/// apart from booleans, and objects keep every key (unlike JSONSerialization on Linux,
/// whose NSNumber blurs `true` and `1`).
enum JSON: Sendable, Equatable, Decodable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSON].self))
        }
    }

    static func parse(_ data: Data) throws -> JSON { try JSONDecoder().decode(JSON.self, from: data) }

    subscript(key: String) -> JSON? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    var object: [String: JSON]? { if case .object(let value) = self { value } else { nil } }
    var array: [JSON]? { if case .array(let value) = self { value } else { nil } }
    var string: String? { if case .string(let value) = self { value } else { nil } }

    /// The JSON Schema type names this value has ("integer" numbers are "number" too).
    var typeNames: Set<String> {
        switch self {
        case .null: ["null"]
        case .bool: ["boolean"]
        case .number(let value): value.rounded() == value && value.isFinite ? ["number", "integer"] : ["number"]
        case .string: ["string"]
        case .array: ["array"]
        case .object: ["object"]
        }
    }

    var description: String {
        switch self {
        case .null: "null"
        case .bool(let value): "\(value)"
        case .number(let value): value.rounded() == value && abs(value) < 1e15 ? "\(Int64(value))" : "\(value)"
        case .string(let value): "\"\(value)\""
        case .array(let values): "[" + values.map(\.description).joined(separator: ", ") + "]"
        case .object(let object): "{" + object.keys.sorted().map { "\"\($0)\": \(object[$0]!)" }.joined(separator: ", ") + "}"
        }
    }
}

/// The part of JSON Schema 2020-12 that Loom's OpenAPI document uses, checked strictly: a
/// keyword it does not know is reported as a problem, so the document cannot promise a
/// constraint that the tests silently skip. `$ref`s are JSON pointers into `root`.
struct JSONSchemaValidator {
    let root: JSON

    /// Keywords that constrain nothing.
    static let annotations: Set<String> = [
        "description", "title", "summary", "examples", "example", "default", "deprecated", "$schema", "$id", "$comment",
        "contentMediaType", "readOnly", "writeOnly",
    ]
    static let assertions: Set<String> = [
        "type", "enum", "const", "properties", "required", "additionalProperties", "items", "minItems", "maxItems",
        "minLength", "maxLength", "minimum", "maximum", "format", "$ref", "allOf", "anyOf", "oneOf", "if", "then", "else",
    ]

    /// Every problem of `value` against `schema`, each with the path to the value at fault.
    func problems(_ value: JSON, _ schema: JSON, at path: String = "$") -> [String] {
        switch schema {
        case .bool(true): return []
        case .bool(false): return ["\(path): no value is allowed here"]
        case .object(let keywords): return problems(value, keywords, at: path)
        default: return ["\(path): the schema is not an object or a boolean: \(schema)"]
        }
    }

    private func problems(_ value: JSON, _ schema: [String: JSON], at path: String) -> [String] {
        var found: [String] = []
        for keyword in schema.keys where !Self.annotations.contains(keyword) && !Self.assertions.contains(keyword) {
            found.append("\(path): the schema uses '\(keyword)', which the test validator does not check")
        }
        if let reference = schema["$ref"]?.string {
            guard let target = resolve(reference) else { return found + ["\(path): $ref \(reference) does not resolve"] }
            found += problems(value, target, at: path)
        }
        if let type = schema["type"] {
            let allowed = Set(type.array?.compactMap(\.string) ?? type.string.map { [$0] } ?? [])
            if allowed.isDisjoint(with: value.typeNames) {
                // A wrong type makes every other keyword's complaint noise.
                return found + ["\(path): \(value) is not of type \(allowed.sorted().joined(separator: " or "))"]
            }
        }
        if let options = schema["enum"]?.array, !options.contains(value) {
            found.append("\(path): \(value) is not one of \(JSON.array(options))")
        }
        if let constant = schema["const"], constant != value {
            found.append("\(path): \(value) is not \(constant)")
        }
        switch value {
        case .object(let object): found += objectProblems(object, schema, at: path)
        case .array(let items):
            if let minimum = schema["minItems"], case .number(let count) = minimum, Double(items.count) < count {
                found.append("\(path): \(items.count) items, fewer than \(Int(count))")
            }
            if let maximum = schema["maxItems"], case .number(let count) = maximum, Double(items.count) > count {
                found.append("\(path): \(items.count) items, more than \(Int(count))")
            }
            if let itemSchema = schema["items"] {
                for (index, item) in items.enumerated() { found += problems(item, itemSchema, at: "\(path)[\(index)]") }
            }
        case .string(let text):
            if case .number(let minimum)? = schema["minLength"], Double(text.count) < minimum { found.append("\(path): \(value) is shorter than \(Int(minimum))") }
            if case .number(let maximum)? = schema["maxLength"], Double(text.count) > maximum { found.append("\(path): \(value) is longer than \(Int(maximum))") }
            if let format = schema["format"]?.string, !Self.matches(text, format: format) {
                found.append("\(path): \(value) is not a \(format)")
            }
        case .number(let number):
            if case .number(let minimum)? = schema["minimum"], number < minimum { found.append("\(path): \(value) is below \(minimum)") }
            if case .number(let maximum)? = schema["maximum"], number > maximum { found.append("\(path): \(value) is above \(maximum)") }
        case .null, .bool: break
        }
        for subschema in schema["allOf"]?.array ?? [] { found += problems(value, subschema, at: path) }
        if let options = schema["anyOf"]?.array, !options.contains(where: { problems(value, $0, at: path).isEmpty }) {
            found.append("\(path): \(value) matches none of anyOf: " + options.map { problems(value, $0, at: path).joined(separator: "; ") }.joined(separator: " | "))
        }
        if let options = schema["oneOf"]?.array {
            let matching = options.filter { problems(value, $0, at: path).isEmpty }.count
            if matching != 1 { found.append("\(path): \(value) matches \(matching) of oneOf, not exactly 1") }
        }
        if let condition = schema["if"] {
            if problems(value, condition, at: path).isEmpty {
                if let then = schema["then"] { found += problems(value, then, at: path) }
            } else if let otherwise = schema["else"] {
                found += problems(value, otherwise, at: path)
            }
        }
        return found
    }

    private func objectProblems(_ object: [String: JSON], _ schema: [String: JSON], at path: String) -> [String] {
        var found: [String] = []
        for key in schema["required"]?.array?.compactMap(\.string) ?? [] where object[key] == nil {
            found.append("\(path): '\(key)' is required and absent")
        }
        let properties = schema["properties"]?.object ?? [:]
        for (key, member) in object.sorted(by: { $0.key < $1.key }) {
            if let propertySchema = properties[key] {
                found += problems(member, propertySchema, at: "\(path).\(key)")
            } else if let additional = schema["additionalProperties"] {
                if additional == .bool(false) {
                    found.append("\(path): '\(key)' is not a documented property")
                } else {
                    found += problems(member, additional, at: "\(path).\(key)")
                }
            }
        }
        return found
    }

    /// The value a local `$ref` (`#/components/schemas/Job`) points at.
    func resolve(_ reference: String) -> JSON? {
        guard reference.hasPrefix("#") else { return nil }
        var node = root
        for token in reference.dropFirst().split(separator: "/", omittingEmptySubsequences: true) {
            let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            guard let next = node[key] else { return nil }
            node = next
        }
        return node
    }

    static func matches(_ text: String, format: String) -> Bool {
        let pattern: String
        switch format {
        case "uuid": pattern = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
        case "date-time": pattern = "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})"
        case "int32", "int64": return true  // numeric formats; strings never carry them
        default: return false  // an unknown format is a problem, not a pass
        }
        return (try? Regex(pattern).wholeMatch(in: text)) != nil
    }

    /// The keywords of `schema` and of every schema inside it that the validator does not know.
    func unknownKeywords(in schema: JSON, at path: String) -> [String] {
        guard let keywords = schema.object else { return [] }
        var found = keywords.keys.filter { !Self.annotations.contains($0) && !Self.assertions.contains($0) }.map { "\(path): \($0)" }
        for key in ["items", "additionalProperties", "if", "then", "else"] {
            if let subschema = keywords[key] { found += unknownKeywords(in: subschema, at: "\(path)/\(key)") }
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            for (index, subschema) in (keywords[key]?.array ?? []).enumerated() { found += unknownKeywords(in: subschema, at: "\(path)/\(key)/\(index)") }
        }
        for (name, subschema) in keywords["properties"]?.object ?? [:] { found += unknownKeywords(in: subschema, at: "\(path)/properties/\(name)") }
        return found
    }
}
