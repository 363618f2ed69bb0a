import Testing
@testable import KGRecServiceKit

@Suite struct FlagScannerTests {
    /// Every token, taking the next argument as a value after each flag named in `valued`.
    func tokens(_ args: [String], valued: Set<String> = []) -> [FlagScanner.Token] {
        var scanner = FlagScanner(args)
        var out: [FlagScanner.Token] = []
        while let t = scanner.next() {
            out.append(t)
            if case .long(let name, nil) = t, valued.contains(name), let v = scanner.value() { out.append(.word("value:" + v)) }
        }
        return out
    }

    @Test func splitsLongShortInlineValuesWordsAndEndOfFlags() {
        #expect(tokens(["--port", "80", "--log=x", "-d", "-H", "-Hk: v", "-", "a", "--", "--b", "-c"], valued: ["port"]) == [
            .long(name: "port", inline: nil), .word("value:80"), .long(name: "log", inline: "x"),
            .short("d", inline: nil), .short("H", inline: nil), .short("H", inline: "k: v"), .word("-"), .word("a"),
            .endOfFlags, .word("--b"), .word("-c"),
        ])
    }

    @Test func aValueOnlyComesFromAnArgumentThatIsLeft() {
        var scanner = FlagScanner(["--port"])
        #expect(scanner.next() == .long(name: "port", inline: nil))
        #expect(scanner.value() == nil)
        #expect(scanner.next() == nil)
    }

    @Test func tokensRecallTheArgumentAsWritten() {
        for arg in ["--a=b=c", "--x", "-k9", "-", "word"] {
            var scanner = FlagScanner([arg])
            #expect(scanner.next()?.argument == arg)
        }
    }
}
