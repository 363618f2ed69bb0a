/// What an option's value must be beyond its type: a sign, a range, or one of a set of words.
/// Declared with the option (`ConfigOption.rule`), checked when the value is parsed, for the
/// services' flags and env vars and `kgrec`'s flags alike (`ConfigValueParser.parse(_:for:)`), and
/// shown in `--help` as the same phrase the error uses (`expected an integer in 1...64`).
public struct ConfigRule: Hashable, Sendable {
    private enum Kind: Hashable {
        case positive
        case nonNegative
        case integers(ClosedRange<Int>)
        case numbers(ClosedRange<Double>)
        case choices([String])
    }
    private let kind: Kind
    private init(_ kind: Kind) { self.kind = kind }

    /// More than zero: an integer, size, number or duration (each element of an integer list).
    public static let positive = ConfigRule(.positive)
    /// Zero or more: an integer, size, number or duration (each element of an integer list).
    public static let nonNegative = ConfigRule(.nonNegative)
    /// An integer or size in `range` (each element of an integer list).
    public static func range(_ range: ClosedRange<Int>) -> ConfigRule { ConfigRule(.integers(range)) }
    /// A number in `range`.
    public static func range(_ range: ClosedRange<Double>) -> ConfigRule { ConfigRule(.numbers(range)) }
    /// A number in [0, 1].
    public static let fraction = range(0.0...1.0)
    /// A string that is one of `names`.
    public static func choices(_ names: [String]) -> ConfigRule {
        precondition(!names.isEmpty, "a choice needs at least one name")
        return ConfigRule(.choices(names))
    }
    /// A string that is the raw value of one of `E`'s cases.
    public static func choices<E: CaseIterable & RawRepresentable>(_: E.Type) -> ConfigRule where E.RawValue == String {
        choices(E.allCases.map(\.rawValue))
    }

    /// The names of a `choices` rule, nil for the others.
    public var choices: [String]? {
        if case .choices(let names) = kind { names } else { nil }
    }

    /// Whether a value of `kind` can be checked by this rule (a declaration error otherwise).
    func applies(to valueKind: ConfigValueKind) -> Bool {
        switch (kind, valueKind) {
        case (.positive, .int), (.positive, .size), (.positive, .double), (.positive, .duration), (.positive, .intList),
             (.nonNegative, .int), (.nonNegative, .size), (.nonNegative, .double), (.nonNegative, .duration),
             (.nonNegative, .intList),
             (.integers, .int), (.integers, .size), (.integers, .intList), (.numbers, .double), (.choices, .string):
            true
        default:
            false
        }
    }

    /// Whether `value` keeps the rule.
    public func accepts(_ value: ConfigValue) -> Bool {
        switch (kind, value) {
        case (_, .intList(let l)): l.allSatisfy { accepts(.int($0)) }
        case (.positive, .int(let v)), (.positive, .size(let v)): v > 0
        case (.positive, .double(let v)): v > 0
        case (.positive, .duration(let d)): d > .zero
        case (.nonNegative, .int(let v)), (.nonNegative, .size(let v)): v >= 0
        case (.nonNegative, .double(let v)): v >= 0
        case (.nonNegative, .duration(let d)): d >= .zero
        case (.integers(let r), .int(let v)), (.integers(let r), .size(let v)): r.contains(v)
        case (.numbers(let r), .double(let v)): r.contains(v)
        case (.choices(let names), .string(let s)): names.contains(s)
        default: false
        }
    }

    /// What a value of `valueKind` must be, as errors and `--help` say it: `a positive integer`,
    /// `a non-negative duration`, `an integer in -1...65535`, `a number in [0, 1]`,
    /// `one of fp32, fp16, int8`.
    public func expected(for valueKind: ConfigValueKind) -> String {
        let noun = switch valueKind {
        case .int: "integer"
        case .size: "size"
        case .double: "number"
        case .duration: "duration"
        case .intList: "list of integers"
        default: "value"
        }
        switch kind {
        case .positive: return valueKind == .intList ? "positive integers" : "a positive \(noun)"
        case .nonNegative: return valueKind == .intList ? "non-negative integers" : "a non-negative \(noun)"
        case .integers(let r): return (valueKind == .intList ? "integers" : "an integer") + " in \(r.lowerBound)...\(r.upperBound)"
        case .numbers(let r): return "a number in [\(ConfigValue.double(r.lowerBound)), \(ConfigValue.double(r.upperBound))]"
        case .choices(let names): return "one of \(names.joined(separator: ", "))"
        }
    }
}
