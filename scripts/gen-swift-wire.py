#!/usr/bin/env python3
"""Generates the Swift message types of KGRecWire from Protos/**/*.proto (stdlib only).

    scripts/gen-swift-wire.py          regenerate Shared/KGRecWire/Generated in place
    scripts/gen-swift-wire.py --check  exit 1 if the committed Swift differs from what this makes

For every message: a public `Hashable, Sendable` struct with a memberwise init (every field
defaulted), `GRPCMessage` conformance that decodes with protoc-c's `*__unpack` into a per-call
arena (WireArena) and encodes by filling the C struct from the arena and calling `*__pack`.
For every enum: an open `RawRepresentable` struct (proto3 enums are open). For every service:
a namespace enum with the method paths. Names follow swift-protobuf (`Kgrec_V1_ScoreRequest`).

Understands the proto3 subset this repo uses: syntax, package, import, option, message (fields,
repeated, nested enums, reserved, oneof), enum, service/rpc (incl. stream). A oneof becomes an
optional Swift enum with one case per member (swift-protobuf's `OneOf_Name`). Anything else (map,
optional, nested messages, groups, extensions) is an error naming the file and line.
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROTOS = ROOT / "Protos"
OUT = ROOT / "Shared" / "KGRecWire" / "Generated"

SCALARS = {  # proto type -> (Swift type, default literal, C element type is a plain number?)
    "double": ("Double", "0"), "float": ("Float", "0"),
    "int32": ("Int32", "0"), "int64": ("Int64", "0"), "uint32": ("UInt32", "0"),
    "uint64": ("UInt64", "0"), "sint32": ("Int32", "0"), "sint64": ("Int64", "0"),
    "fixed32": ("UInt32", "0"), "fixed64": ("UInt64", "0"), "sfixed32": ("Int32", "0"),
    "sfixed64": ("Int64", "0"), "bool": ("Bool", "false"), "string": ("String", '""'),
    "bytes": ("[UInt8]", "[]"),
}
SWIFT_KEYWORDS = {
    "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import",
    "init", "inout", "internal", "let", "open", "operator", "private", "protocol", "public",
    "rethrows", "static", "struct", "subscript", "typealias", "var", "break", "case", "continue",
    "default", "defer", "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat",
    "return", "switch", "where", "while", "as", "catch", "false", "is", "nil", "self", "Self",
    "super", "throw", "throws", "true", "try", "Type", "Protocol", "any", "some",
}


class ProtoError(Exception):
    pass


# ---- parsing ------------------------------------------------------------------------------------

TOKEN = re.compile(r'\s+|//[^\n]*|/\*.*?\*/|"(?:[^"\\]|\\.)*"|[A-Za-z_][A-Za-z0-9_.]*|\.[A-Za-z_][A-Za-z0-9_.]*|-?\d+|[{}()\[\];=<>,]', re.S)


def tokenize(text, path):
    """Tokens as (value, line, leading comment lines, trailing same-line comment)."""
    tokens, pending, pos, line = [], [], 0, 1
    last_line_of_token = -1
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m:
            raise ProtoError(f"{path}:{line}: unexpected character {text[pos]!r}")
        value = m.group(0)
        if value.startswith("//"):
            comment = value[2:].strip()
            if line == last_line_of_token and tokens:
                tokens[-1][3].append(comment)
            else:
                pending.append(comment)
        elif value.startswith("/*"):
            pass
        elif value.isspace():
            if value.count("\n") > 1:
                pending = []  # a blank line detaches a comment from what follows
        else:
            tokens.append((value, line, pending, []))
            pending = []
            last_line_of_token = line
        line += value.count("\n")
        pos = m.end()
    return tokens


class Parser:
    def __init__(self, path, text):
        self.path, self.tokens, self.i = path, tokenize(text, path), 0

    def error(self, msg, tok=None):
        tok = tok or (self.tokens[self.i] if self.i < len(self.tokens) else ("<eof>", "end", [], []))
        return ProtoError(f"{self.path}:{tok[1]}: {msg}")

    def peek(self):
        return self.tokens[self.i][0] if self.i < len(self.tokens) else None

    def next(self):
        if self.i >= len(self.tokens):
            raise self.error("unexpected end of file")
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, value):
        tok = self.next()
        if tok[0] != value:
            raise self.error(f"expected {value!r}, found {tok[0]!r}", tok)
        return tok

    def skip_statement(self):
        while self.next()[0] != ";":
            pass

    def parse_file(self):
        f = {"package": "", "messages": [], "enums": [], "services": [], "path": self.path}
        while self.peek() is not None:
            tok = self.next()
            kw = tok[0]
            if kw == "syntax":
                self.expect("=")
                v = self.next()[0]
                if v != '"proto3"':
                    raise self.error(f"only proto3 is supported, found {v}", tok)
                self.expect(";")
            elif kw == "package":
                f["package"] = self.next()[0]
                self.expect(";")
            elif kw in ("import", "option"):
                self.skip_statement()
            elif kw == "message":
                f["messages"].append(self.parse_message(tok))
            elif kw == "enum":
                f["enums"].append(self.parse_enum(tok))
            elif kw == "service":
                f["services"].append(self.parse_service(tok))
            else:
                raise self.error(f"unsupported top-level statement {kw!r}", tok)
        return f

    def parse_message(self, start):
        msg = {"name": self.next()[0], "fields": [], "enums": [], "oneofs": [], "doc": start[2],
               "line": start[1]}
        self.expect("{")
        while self.peek() != "}":
            tok = self.tokens[self.i]
            kw = tok[0]
            if kw == "enum":
                self.next()
                msg["enums"].append(self.parse_enum(tok))
            elif kw in ("reserved", "option"):
                self.next()
                self.skip_statement()
            elif kw == "oneof":
                self.next()
                oneof = {"name": self.next()[0], "fields": [], "doc": tok[2], "line": tok[1]}
                self.expect("{")
                while self.peek() != "}":
                    member = self.tokens[self.i]
                    if member[0] in ("repeated", "map", "optional", "oneof", "message", "enum", "group"):
                        raise self.error(f"{member[0]!r} inside a oneof is not supported by gen-swift-wire.py", member)
                    oneof["fields"].append(self.parse_field(repeated=False))
                self.expect("}")
                msg["oneofs"].append(oneof)
            elif kw in ("message", "map", "optional", "group", "extensions", "extend", "required"):
                raise self.error(f"{kw!r} is not supported by gen-swift-wire.py", tok)
            else:
                repeated = kw == "repeated"
                if repeated:
                    self.next()
                msg["fields"].append(self.parse_field(repeated, tok))
        self.expect("}")
        return msg

    def parse_field(self, repeated, start=None):
        """`type name = number [options];` (after any `repeated`, which `start` then is)."""
        type_tok = self.next()
        start = start or type_tok
        name = self.next()[0]
        number, end = self.parse_number()
        return {"type": type_tok[0], "name": name, "number": number, "repeated": repeated,
                "doc": start[2] + end[3] + type_tok[3],
                "line": start[1]}

    def parse_number(self):
        """`= number [options];` after a field or enum value name: (number, the `;` token)."""
        self.expect("=")
        number = int(self.next()[0])
        if self.peek() == "[":
            while self.next()[0] != "]":
                pass
        return number, self.expect(";")

    def parse_enum(self, start):
        enum = {"name": self.next()[0], "values": [], "doc": start[2]}
        self.expect("{")
        while self.peek() != "}":
            tok = self.next()
            if tok[0] in ("option", "reserved"):
                self.skip_statement()
                continue
            number, end = self.parse_number()
            enum["values"].append({"name": tok[0], "number": number, "doc": tok[2] + end[3]})
        self.expect("}")
        return enum

    def parse_service(self, start):
        svc = {"name": self.next()[0], "rpcs": [], "doc": start[2]}
        self.expect("{")
        while self.peek() != "}":
            tok = self.next()
            if tok[0] == "option":
                self.skip_statement()
                continue
            if tok[0] != "rpc":
                raise self.error(f"expected 'rpc', found {tok[0]!r}", tok)
            name = self.next()[0]
            self.expect("(")
            cs = self.peek() == "stream"
            if cs:
                self.next()
            req = self.next()[0]
            self.expect(")")
            self.expect("returns")
            self.expect("(")
            ss = self.peek() == "stream"
            if ss:
                self.next()
            resp = self.next()[0]
            self.expect(")")
            end = self.next()
            if end[0] == "{":
                while self.next()[0] != "}":
                    pass
            elif end[0] != ";":
                raise self.error(f"expected ';' after rpc {name}", end)
            svc["rpcs"].append({"name": name, "request": req, "response": resp,
                                "client_streaming": cs, "server_streaming": ss,
                                "doc": tok[2] + end[3]})
        self.expect("}")
        return svc


# ---- naming -------------------------------------------------------------------------------------

def upper_camel(s):
    return "".join(p[:1].upper() + p[1:] for p in s.split("_") if p)


def lower_camel(s):
    u = upper_camel(s)
    return u[:1].lower() + u[1:]


def swift_ident(s):
    return f"`{s}`" if s in SWIFT_KEYWORDS else s


def camel_to_lower(name):  # protoc-c's CamelToLower: "HealthCheckRequest" -> "health_check_request"
    out = ""
    for i, ch in enumerate(name):
        if ch.isupper():
            if i > 0 and not name[i - 1].isupper():
                out += "_"
            out += ch.lower()
        else:
            out += ch
    return out


def swift_prefix(package):
    return "".join(upper_camel(p) + "_" for p in package.split(".")) if package else ""


def c_prefix(package):
    return "".join(upper_camel(p) + "__" for p in package.split(".")) if package else ""


def c_func_prefix(package):
    return "".join(p.lower() + "__" for p in package.split(".")) if package else ""


def enum_case_name(enum_name, value_name):
    prefix = camel_to_lower(enum_name).upper() + "_"
    stripped = value_name[len(prefix):] if value_name.startswith(prefix) and len(value_name) > len(prefix) else value_name
    name = lower_camel(stripped.lower())
    if name[:1].isdigit():
        name = "_" + name
    return swift_ident(name)


# ---- model --------------------------------------------------------------------------------------

class Symbols:
    """Every message and enum of every file, by full proto name."""

    def __init__(self, files):
        self.table = {}
        for f in files:
            pkg = f["package"]
            for m in f["messages"]:
                full = f"{pkg}.{m['name']}" if pkg else m["name"]
                self.table[full] = ("message", swift_prefix(pkg) + m["name"], c_prefix(pkg) + m["name"],
                                    c_func_prefix(pkg) + camel_to_lower(m["name"]), m, full)
                for e in m["enums"]:
                    self.table[f"{full}.{e['name']}"] = ("enum", f"{swift_prefix(pkg)}{m['name']}.{e['name']}",
                                                         f"{c_prefix(pkg)}{m['name']}__{e['name']}", None, e, None)
            for e in f["enums"]:
                full = f"{pkg}.{e['name']}" if pkg else e["name"]
                self.table[full] = ("enum", swift_prefix(pkg) + e["name"], c_prefix(pkg) + e["name"], None, e, None)

    def resolve(self, ref, scope, where):
        """protobuf scoping: innermost scope first; a leading dot means fully qualified."""
        if ref.startswith("."):
            if ref[1:] in self.table:
                return self.table[ref[1:]]
        else:
            parts = scope.split(".") if scope else []
            while True:
                candidate = ".".join(parts + [ref])
                if candidate in self.table:
                    return self.table[candidate]
                if not parts:
                    break
                parts.pop()
        raise ProtoError(f"{where}: unknown type {ref!r}")


# ---- Swift emission -----------------------------------------------------------------------------

def doc_lines(doc, indent):
    return [f"{indent}/// {line}".rstrip() for line in doc]


def emit_enum(e, swift_name, indent):
    short = swift_name.split(".")[-1]
    out = doc_lines(e["doc"], indent)
    out.append(f"{indent}public struct {short}: RawRepresentable, Hashable, Sendable, CustomStringConvertible {{")
    i2 = indent + "    "
    out.append(f"{i2}public var rawValue: Int32")
    out.append(f"{i2}public init(rawValue: Int32) {{ self.rawValue = rawValue }}")
    out.append(f"{i2}/// The proto3 default (the value numbered 0).")
    out.append(f"{i2}public init() {{ self.rawValue = 0 }}")
    out.append("")
    for v in e["values"]:
        out += doc_lines(v["doc"], i2)
        out.append(f"{i2}public static let {enum_case_name(e['name'], v['name'])} = {short}(rawValue: {v['number']})")
    out.append("")
    out.append(f"{i2}/// The proto name of the value, or its number when this build does not know it.")
    out.append(f"{i2}public var description: String {{")
    out.append(f"{i2}    switch rawValue {{")
    seen = set()
    for v in e["values"]:
        if v["number"] in seen:
            continue
        seen.add(v["number"])
        out.append(f"{i2}    case {v['number']}: return \"{v['name']}\"")
    out.append(f"{i2}    default: return String(rawValue)")
    out.append(f"{i2}    }}")
    out.append(f"{i2}}}")
    out.append(f"{indent}}}")
    return out


def field_info(field, symbols, scope, where):
    t = field["type"]
    if t in SCALARS:
        swift, default = SCALARS[t]
        kind = t
        target = None
    else:
        target = symbols.resolve(t, scope, where)
        kind = target[0]
        swift = target[1]
        default = f"{swift}()" if kind == "enum" else "nil"
    if field["repeated"]:
        return kind, f"[{swift}]", "[]", target, swift
    if kind == "message":
        return kind, f"{swift}?", "nil", target, swift
    return kind, swift, default, target, swift


def decode_expr(kind, c, target, proto_name):
    """Swift expression turning C value `c` into the Swift field value (may `try`)."""
    if kind == "string":
        return f'try WireDecoding.string({c}, "{proto_name}")'
    if kind == "bytes":
        return f"WireDecoding.bytes({c})"
    if kind == "bool":
        return f"{c} != 0"
    if kind == "enum":
        return f"{target[1]}(rawValue: Int32(truncatingIfNeeded: {c}.rawValue))"
    if kind == "message":
        return f"try {target[1]}(wire: {c})"
    return c


def encode_expr(kind, v, target):
    """C value for Swift value `v` (arena available as `arena`)."""
    if kind == "string":
        return f"arena.cString({v})"
    if kind == "bytes":
        return f"arena.binary({v})"
    if kind == "bool":
        return f"{v} ? 1 : 0"
    if kind == "enum":
        return f".init(rawValue: .init(truncatingIfNeeded: {v}.rawValue))"
    if kind == "message":
        return f"{v}.wireStruct(arena)"
    return v


def emit_message(f, m, symbols):
    pkg = f["package"]
    full = f"{pkg}.{m['name']}" if pkg else m["name"]
    _, swift_name, c_name, c_func, _, _ = symbols.table[full]
    where = f"{f['path']}:{m['line']}"
    fields = []
    for fd in m["fields"]:
        kind, swift_type, default, target, elem = field_info(fd, symbols, full, f"{f['path']}:{fd['line']}")
        fields.append(dict(fd, kind=kind, swift_type=swift_type, default=default, target=target,
                           elem=elem, prop=swift_ident(lower_camel(fd["name"])),
                           arg=lower_camel(fd["name"])))
    oneofs = []
    for o in m["oneofs"]:
        cases = []
        for fd in o["fields"]:
            kind, _, _, target, elem = field_info(fd, symbols, full, f"{f['path']}:{fd['line']}")
            cases.append(dict(fd, kind=kind, target=target, elem=elem,
                              case=swift_ident(lower_camel(fd["name"]))))
        enum_name = "OneOf_" + upper_camel(o["name"])
        oneofs.append(dict(o, cases=cases, enum=enum_name, prop=swift_ident(lower_camel(o["name"])),
                           arg=lower_camel(o["name"]), swift_type=f"{enum_name}?", default="nil"))
    out = [f"// MARK: - {full}", ""]
    out += doc_lines(m["doc"], "")
    out.append(f"public struct {swift_name}: Hashable, Sendable {{")
    for fd in fields + oneofs:
        out += doc_lines(fd["doc"], "    ")
        out.append(f"    public var {fd['prop']}: {fd['swift_type']}")
    if fields or oneofs:
        out.append("")
    for o in oneofs:
        out.append(f"    /// The members of oneof `{o['name']}`: at most one is set.")
        out.append(f"    public enum {o['enum']}: Hashable, Sendable {{")
        for c in o["cases"]:
            out += doc_lines(c["doc"], "        ")
            out.append(f"        case {c['case']}({c['elem']})")
        out.append("    }")
        out.append("")
    for e in m["enums"]:
        out += emit_enum(e, f"{swift_name}.{e['name']}", "    ")
        out.append("")
    fields_and_oneofs = fields + oneofs
    params = [f"{fd['arg']}: {fd['swift_type']} = {fd['default']}" for fd in fields_and_oneofs]
    one_line = f"    public init({', '.join(params)}) {{"
    if len(one_line) <= 100:
        out.append(one_line)
    else:
        out.append("    public init(")
        out += [f"        {p}," for p in params[:-1]] + [f"        {params[-1]}"]
        out.append("    ) {")
    for fd in fields_and_oneofs:
        out.append(f"        self.{fd['arg']} = {swift_ident(fd['arg'])}")
    out.append("    }")
    out.append("}")
    out.append("")

    # Codec.
    out.append(f"extension {swift_name}: GRPCMessage {{")
    out.append("    public init(serializedBytes bytes: UnsafeRawBufferPointer) throws {")
    out.append(f"        self = try WireArena.decode(bytes, \"{full}\") {{ allocator, count, data in")
    out.append(f"            {c_func}__unpack(allocator, count, data).map {{ UnsafePointer($0) }}")
    out.append("        } convert: { try Self(wire: $0) }")
    out.append("    }")
    out.append("")
    if not fields_and_oneofs:
        out.append("    /// Has no fields, so it always encodes to zero bytes.")
        out.append("    public func serializedBytes() -> [UInt8] { [] }")
    else:
        out.append("    public func serializedBytes() -> [UInt8] {")
        out.append("        WireArena.encode(")
        out.append("            build: { wireStruct($0) },")
        out.append(f"            size: {{ {c_func}__get_packed_size($0) }},")
        out.append(f"            pack: {{ {c_func}__pack($0, $1) }})")
        out.append("    }")
    out.append("")
    out.append("    /// Copies a protobuf-c struct (owned by the decode arena) into Swift values.")
    out.append(f"    init(wire _p: UnsafePointer<{c_name}>) throws {{")
    if fields_and_oneofs:
        out.append("        let _c = _p.pointee")
    for fd in fields:
        cf = f"_c.{fd['name']}"
        pname = f"{full}.{fd['name']}"
        if fd["repeated"]:
            n = f"_c.n_{fd['name']}"
            if fd["kind"] in ("message",):
                expr = f"try WireDecoding.array({cf}, {n}) {{ try {fd['elem']}(wire: $0!) }}"
            elif fd["kind"] == "string":
                expr = f"try WireDecoding.array({cf}, {n}) {{ try WireDecoding.string($0, \"{pname}\") }}"
            elif fd["kind"] == "bytes":
                expr = f"WireDecoding.array({cf}, {n}) {{ WireDecoding.bytes($0) }}"
            elif fd["kind"] == "bool":
                expr = f"WireDecoding.array({cf}, {n}) {{ $0 != 0 }}"
            elif fd["kind"] == "enum":
                expr = f"WireDecoding.array({cf}, {n}) {{ {fd['elem']}(rawValue: Int32(truncatingIfNeeded: $0.rawValue)) }}"
            else:
                expr = f"WireDecoding.numbers({cf}, {n})"
        elif fd["kind"] == "message":
            expr = f"try {cf}.map {{ try {fd['elem']}(wire: $0) }}"
        else:
            expr = decode_expr(fd["kind"], cf, fd["target"], pname)
        out.append(f"        self.{fd['arg']} = {expr}")
    for o in oneofs:
        out.append(f"        switch _c.{o['name']}_case.rawValue {{")
        for c in o["cases"]:
            cf = f"_c.{c['name']}"
            if c["kind"] == "message":
                expr = f"try {cf}.map {{ .{c['case']}(try {c['elem']}(wire: $0)) }}"
            else:
                expr = f".{c['case']}({decode_expr(c['kind'], cf, c['target'], full + '.' + c['name'])})"
            out.append(f"        case {c['number']}: self.{o['arg']} = {expr}")
        out.append(f"        default: self.{o['arg']} = nil")
        out.append("        }")
    if not fields_and_oneofs:
        out.append("        _ = _p")
    out.append("    }")
    out.append("")
    if fields_and_oneofs:
        out.append("    /// A protobuf-c struct for this value; it and everything it points to live in `arena`.")
        out.append(f"    func wireStruct(_ arena: UnsafeMutablePointer<WireArena>) -> UnsafeMutablePointer<{c_name}> {{")
        out.append(f"        let c = arena.allocate({c_name}.self)")
        out.append(f"        {c_func}__init(c)")
        for fd in fields:
            v = f"self.{fd['arg']}"
            cf = f"c.pointee.{fd['name']}"
            if fd["repeated"]:
                out.append(f"        c.pointee.n_{fd['name']} = {v}.count")
                if fd["kind"] == "message":
                    expr = f"arena.array({v}) {{ Optional($0.wireStruct(arena)) }}"
                elif fd["kind"] == "string":
                    expr = f"arena.array({v}) {{ Optional(arena.cString($0)) }}"
                elif fd["kind"] == "bytes":
                    expr = f"arena.array({v}) {{ arena.binary($0) }}"
                elif fd["kind"] == "bool":
                    expr = f"arena.array({v}) {{ $0 ? 1 : 0 }}"
                elif fd["kind"] == "enum":
                    expr = f"arena.array({v}) {{ .init(rawValue: .init(truncatingIfNeeded: $0.rawValue)) }}"
                else:
                    expr = f"arena.numbers({v})"
            elif fd["kind"] == "message":
                expr = f"{v}.map {{ $0.wireStruct(arena) }}"
            else:
                expr = encode_expr(fd["kind"], v, fd["target"])
            out.append(f"        {cf} = {expr}")
        for o in oneofs:
            out.append(f"        switch self.{o['arg']} {{")
            for c in o["cases"]:
                out.append(f"        case .{c['case']}(let v)?:")
                out.append(f"            c.pointee.{o['name']}_case = .init(rawValue: {c['number']})")
                out.append(f"            c.pointee.{c['name']} = {encode_expr(c['kind'], 'v', c['target'])}")
            out.append("        case nil: break")
            out.append("        }")
        out.append("        return c")
        out.append("    }")
    else:
        out.append(f"    func wireStruct(_ arena: UnsafeMutablePointer<WireArena>) -> UnsafeMutablePointer<{c_name}> {{")
        out.append(f"        let c = arena.allocate({c_name}.self)")
        out.append(f"        {c_func}__init(c)")
        out.append("        return c")
        out.append("    }")
    out.append("}")
    out.append("")
    return out


def emit_service(f, s, symbols):
    pkg = f["package"]
    full = f"{pkg}.{s['name']}" if pkg else s["name"]
    swift_name = swift_prefix(pkg) + s["name"]
    out = [f"// MARK: - {full}", ""]
    out += doc_lines(s["doc"], "")
    out.append(f"public enum {swift_name} {{")
    out.append(f"    /// The fully qualified service name, as it appears in request paths.")
    out.append(f"    public static let name = \"{full}\"")
    out.append("")
    out.append("    /// One descriptor per rpc (`/package.Service/Method` on the wire).")
    out.append("    public enum Method {")
    for r in s["rpcs"]:
        req = symbols.resolve(r["request"], full, f["path"])[1]
        resp = symbols.resolve(r["response"], full, f["path"])[1]
        shape = ("stream " if r["client_streaming"] else "") + req + " -> " + ("stream " if r["server_streaming"] else "") + resp
        out += doc_lines(r["doc"], "        ")
        out.append(f"        /// `{shape}`")
        out.append(f"        public static let {swift_ident(lower_camel(camel_to_lower(r['name'])))} =")
        out.append(f"            MethodDescriptor(service: \"{full}\", method: \"{r['name']}\")")
    out.append("    }")
    out.append("}")
    out.append("")
    return out


def emit_file(f, symbols):
    rel = f["path"]
    out = [f"// Generated by scripts/gen-swift-wire.py from Protos/{rel}. DO NOT EDIT.",
           "// Regenerate with `scripts/gen-swift-wire.py`; `make test` fails when this file drifts.",
           ""] + (["public import GRPCCore", "internal import CProtobufC", "internal import KGRecProtoC"]
                if f["messages"] else ["public import GRPCCore"]) + [""]
    for e in f["enums"]:
        out.append(f"// MARK: - {f['package']}.{e['name']}")
        out.append("")
        out += emit_enum(e, swift_prefix(f["package"]) + e["name"], "")
        out.append("")
    for m in f["messages"]:
        out += emit_message(f, m, symbols)
    for s in f["services"]:
        out += emit_service(f, s, symbols)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


def generate():
    files = []
    for path in sorted(PROTOS.rglob("*.proto")):
        rel = path.relative_to(PROTOS).as_posix()
        files.append(Parser(rel, path.read_text()).parse_file())
    symbols = Symbols(files)
    result = {}
    for f in files:
        name = f["path"][:-len(".proto")].replace("/", "_") + ".wire.swift"
        result[name] = emit_file(f, symbols)
    return result


def main(argv):
    check = "--check" in argv[1:]
    try:
        generated = generate()
    except ProtoError as e:
        print(f"gen-swift-wire: {e}", file=sys.stderr)
        return 2
    existing = {p.name: p.read_text() for p in OUT.glob("*.swift")} if OUT.is_dir() else {}
    if check:
        stale = sorted(set(existing) ^ set(generated)) + sorted(
            n for n in generated if n in existing and existing[n] != generated[n])
        if not stale:
            print("gen-swift-wire: generated Swift matches Protos/")
            return 0
        print("gen-swift-wire: Shared/KGRecWire/Generated differs from Protos/ (run scripts/gen-swift-wire.py): "
              + ", ".join(stale), file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    for name in existing:
        if name not in generated:
            (OUT / name).unlink()
    for name, text in generated.items():
        (OUT / name).write_text(text)
    print(f"gen-swift-wire: wrote {len(generated)} files to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
