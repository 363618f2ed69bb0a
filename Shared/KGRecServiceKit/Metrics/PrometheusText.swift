/// Pieces of the Prometheus text exposition format 0.0.4.
public enum PrometheusText {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// A sample value: integers without a fraction, `+Inf`, `-Inf`, `NaN`, else shortest decimal.
    public static func value(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }

    /// HELP text escaping: `\` and newline.
    public static func escapeHelp(_ s: String) -> String {
        if !s.utf8.contains(where: { $0 == 92 || $0 == 10 }) { return s }
        var out = ""
        for c in s {
            switch c {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }

    /// Label value escaping: `\`, `"` and newline.
    public static func escapeLabelValue(_ s: String) -> String {
        if !s.utf8.contains(where: { $0 == 92 || $0 == 34 || $0 == 10 }) { return s }
        var out = ""
        for c in s {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }

    /// `{a="x",b="y"}`, or empty for no labels.
    public static func labels(_ pairs: [(String, String)]) -> String {
        if pairs.isEmpty { return "" }
        var out = "{"
        for (i, (name, value)) in pairs.enumerated() {
            if i > 0 { out += "," }
            out += name
            out += "=\""
            out += escapeLabelValue(value)
            out += "\""
        }
        return out + "}"
    }

    /// Metric and label names: `[a-zA-Z_:][a-zA-Z0-9_:]*` (labels without `:`).
    static func isValidName(_ s: String, allowColon: Bool = true) -> Bool {
        guard let first = s.unicodeScalars.first else { return false }
        func ok(_ c: Unicode.Scalar, digits: Bool) -> Bool {
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_" || (allowColon && c == ":")
                || (digits && c >= "0" && c <= "9")
        }
        return ok(first, digits: false) && s.unicodeScalars.allSatisfy { ok($0, digits: true) }
    }
}
