/// Parses option text into typed values. Pure functions; every failure says what was expected.
public enum ConfigValueParser {
    /// Parses `text` as a value of `option`'s kind and checks it against the option's rule; the one
    /// parse of option text (services' flags and env vars, `kgrec` flags). Throws a reason without
    /// the option's name, which the caller adds.
    public static func parse(_ text: String, for option: ConfigOption) throws(ConfigValueParseFailure) -> ConfigValue {
        try checked(parse(text, as: option.kind), for: option)
    }

    /// `value` if it keeps `option`'s rule, else a `breaksRule` failure saying what was expected.
    public static func checked(_ value: ConfigValue, for option: ConfigOption) throws(ConfigValueParseFailure) -> ConfigValue {
        guard let rule = option.rule, !rule.accepts(value) else { return value }
        throw .init(.breaksRule, "expected \(rule.expected(for: option.kind))")
    }

    /// Parses `text` as a value of `kind`; a `stringList` from text is a comma-separated list.
    /// Throws a message (without the option's name, which the caller adds).
    public static func parse(_ text: String, as kind: ConfigValueKind) throws(ConfigValueParseFailure)
        -> ConfigValue
    {
        switch kind {
        case .int:
            guard let v = Int(text.trimmed) else { throw .init(.wrongType, "expected an integer") }
            return .int(v)
        case .double:
            guard let v = Double(text.trimmed), v.isFinite else { throw .init(.wrongType, "expected a number") }
            return .double(v)
        case .string:
            return .string(text)
        case .bool:
            switch text.trimmed.lowercased() {
            case "1", "true", "yes", "on": return .bool(true)
            case "0", "false", "no", "off": return .bool(false)
            default: throw .init(.wrongType, "expected true or false")
            }
        case .duration:
            return .duration(try duration(text.trimmed))
        case .size:
            return .size(try size(text.trimmed))
        case .stringList:
            let items = text.split(separator: ",", omittingEmptySubsequences: true).map { String($0).trimmed }
            return .stringList(items.filter { !$0.isEmpty })
        case .intList:
            let items = text.split(separator: ",").map { Int(String($0).trimmed) }
            guard !items.isEmpty, items.allSatisfy({ $0 != nil }) else { throw .init(.wrongType, "expected integers like 64,32,16") }
            return .intList(items.map { $0! })
        }
    }

    private static let durationUnits: [(String, Double)] = [
        ("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600),
    ]

    /// `1.5s`, `500ms`, `2m`, `1h`, `250us`, `10ns`; a bare `0` means zero. Negative is an error.
    static func duration(_ text: String) throws(ConfigValueParseFailure) -> Duration {
        let expected = "expected a duration like 30s, 500ms, 2m or 1h"
        if text == "0" { return .zero }
        // Longest unit suffix first so `ms` wins over `s` and `m`.
        for (unit, seconds) in durationUnits.sorted(by: { $0.0.count > $1.0.count })
        where text.hasSuffix(unit) {
            let number = String(text.dropLast(unit.count))
            guard let v = Double(number), v.isFinite, v >= 0 else { throw .init(.wrongType, expected) }
            let nanos = v * seconds * 1e9
            guard nanos < 9.2e18 else { throw .init(.wrongType, "duration too large") }
            return .nanoseconds(Int64(nanos.rounded()))
        }
        throw .init(.wrongType, expected)
    }

    private static let sizeUnits: [(String, Double)] = [
        ("KiB", 1024), ("MiB", 1_048_576), ("GiB", 1_073_741_824), ("TiB", 1_099_511_627_776),
        ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12), ("B", 1),
    ]

    /// `256MiB`, `1.5GiB`, `10MB`, `512B`, `4096` (bytes). Negative or fractional bytes are errors.
    static func size(_ text: String) throws(ConfigValueParseFailure) -> Int {
        let expected = "expected a size like 256MiB, 1GiB, 64KiB or a byte count"
        var number = text
        var scale = 1.0
        for (unit, s) in sizeUnits where text.hasSuffix(unit) {
            number = String(text.dropLast(unit.count)).trimmed
            scale = s
            break
        }
        guard let v = Double(number), v.isFinite, v >= 0 else { throw .init(.wrongType, expected) }
        let bytes = v * scale
        guard bytes < 9.2e18, bytes == bytes.rounded() else {
            throw .init(.wrongType, bytes >= 9.2e18 ? "size too large" : "size is not a whole number of bytes")
        }
        return Int(bytes)
    }

    /// The shortest exact form among `h`, `m`, `s`, `ms`, `us`, `ns`.
    static func format(duration d: Duration) -> String {
        let (seconds, attos) = d.components
        let nanos = Int64(seconds) * 1_000_000_000 + attos / 1_000_000_000
        if nanos == 0 { return "0" }
        for (unit, n) in [("h", Int64(3_600_000_000_000)), ("m", 60_000_000_000),
                          ("s", 1_000_000_000), ("ms", 1_000_000), ("us", 1000)]
        where nanos % n == 0 {
            return "\(nanos / n)\(unit)"
        }
        return "\(nanos)ns"
    }

    /// The largest binary unit that divides the size exactly.
    static func format(size bytes: Int) -> String {
        for (unit, n) in [("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        where bytes != 0 && bytes % n == 0 {
            return "\(bytes / n)\(unit)"
        }
        return "\(bytes)B"
    }
}
