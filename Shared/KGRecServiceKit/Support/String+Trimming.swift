/// Small text helpers used by configuration parsing.
extension String {
    var trimmed: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}

extension String {
    func replacingAll(_ a: Character, with b: Character) -> String {
        String(map { $0 == a ? b : $0 })
    }
}
