"""A small OData v4 ``$filter`` parser for SettingsDto.

Supported: properties Name, Value, Scope, Id; string literals ('' escapes a quote), null, true, false;
eq ne gt ge lt le; and, or, not, parentheses; startswith/endswith/contains(prop,'x'),
substringof('x',prop); tolower/toupper/trim(prop). Anything else raises ODataError -> HTTP 400.
"""
import re

PROPERTIES = ("Name", "Value", "Scope", "Id")


class ODataError(ValueError):
    pass


_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<punct>[(),])|(?P<word>[A-Za-z_][A-Za-z0-9_.]*)"
                    r"|(?P<num>-?\d+(?:\.\d+)?))")


def _tokenize(text):
    pos, out = 0, []
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ODataError("Syntax error at position %d in '%s'." % (pos, text))
        pos = m.end()
        if m.group("str") is not None:
            out.append(("str", m.group("str")[1:-1].replace("''", "'")))
        elif m.group("punct"):
            out.append(("p", m.group("punct")))
        elif m.group("word"):
            out.append(("w", m.group("word")))
        else:
            out.append(("num", m.group("num")))
        # skip trailing whitespace handled by the regex prefix
    return out


_BOOL_FUNCS = {
    "startswith": lambda a, b: a is not None and b is not None and a.startswith(b),
    "endswith": lambda a, b: a is not None and b is not None and a.endswith(b),
    "contains": lambda a, b: a is not None and b is not None and b in a,
    "substringof": lambda a, b: a is not None and b is not None and a in b,
}
_VALUE_FUNCS = {
    "tolower": lambda a: a.lower() if a is not None else None,
    "toupper": lambda a: a.upper() if a is not None else None,
    "trim": lambda a: a.strip() if a is not None else None,
}
_CMP = {
    "eq": lambda a, b: a == b, "ne": lambda a, b: a != b,
    "gt": lambda a, b: a is not None and b is not None and a > b,
    "ge": lambda a, b: a is not None and b is not None and a >= b,
    "lt": lambda a, b: a is not None and b is not None and a < b,
    "le": lambda a, b: a is not None and b is not None and a <= b,
}


class _Parser:
    def __init__(self, text):
        self.text = text
        self.toks = _tokenize(text)
        self.i = 0

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else (None, None)

    def take(self, kind=None, value=None):
        tok = self.peek()
        if tok[0] is None or (kind and tok[0] != kind) or (value and tok[1] != value):
            raise ODataError("Syntax error in filter '%s' near token %d (expected %s)."
                             % (self.text, self.i, value or kind or "more input"))
        self.i += 1
        return tok

    def parse(self):
        if not self.toks:
            raise ODataError("The $filter expression is empty.")
        node = self.or_expr()
        if self.i != len(self.toks):
            raise ODataError("Syntax error in filter '%s': unexpected '%s'." % (self.text, self.peek()[1]))
        return node

    def or_expr(self):
        left = self.and_expr()
        while self.peek() == ("w", "or"):
            self.take()
            right = self.and_expr()
            left = (lambda l, r: lambda d: l(d) or r(d))(left, right)
        return left

    def and_expr(self):
        left = self.unary()
        while self.peek() == ("w", "and"):
            self.take()
            right = self.unary()
            left = (lambda l, r: lambda d: l(d) and r(d))(left, right)
        return left

    def unary(self):
        if self.peek() == ("w", "not"):
            self.take()
            inner = self.unary()
            return lambda d: not inner(d)
        return self.comparison()

    def comparison(self):
        tok = self.peek()
        if tok == ("p", "("):
            self.take()
            node = self.or_expr()
            self.take("p", ")")
            return node
        if tok[0] == "w" and tok[1] in _BOOL_FUNCS:
            name = self.take()[1]
            self.take("p", "(")
            a = self.operand()
            self.take("p", ",")
            b = self.operand()
            self.take("p", ")")
            fn = _BOOL_FUNCS[name]
            node = lambda d: bool(fn(a(d), b(d)))
            nxt = self.peek()
            if nxt[0] == "w" and nxt[1] in ("eq", "ne"):  # startswith(Name,'x') eq true
                op = self.take()[1]
                val = self.operand()
                return (lambda n, o, v: lambda d: _CMP[o](n(d), v(d)))(node, op, val)
            return node
        left = self.operand()
        op = self.peek()
        if op[0] != "w" or op[1] not in _CMP:
            raise ODataError("Syntax error in filter '%s': a comparison operator was expected." % self.text)
        self.take()
        right = self.operand()
        cmp = _CMP[op[1]]
        return lambda d: cmp(left(d), right(d))

    def operand(self):
        kind, val = self.take()
        if kind == "str":
            return lambda d, v=val: v
        if kind == "num":
            raise ODataError("A binary operator with incompatible types was detected: Edm.String and number.")
        if kind == "w":
            if val == "null":
                return lambda d: None
            if val in ("true", "false"):
                return lambda d, v=(val == "true"): v
            if val in _VALUE_FUNCS:
                self.take("p", "(")
                inner = self.operand()
                self.take("p", ")")
                fn = _VALUE_FUNCS[val]
                return lambda d: fn(inner(d))
            if val in PROPERTIES:
                return lambda d, p=val: d.get(p)
            raise ODataError("Could not find a property named '%s' on type 'UiPath.Application.Dto.SettingsDto'."
                             % val)
        raise ODataError("Syntax error in filter '%s': unexpected '%s'." % (self.text, val))


def compile_filter(text):
    """Return a predicate dto -> bool, or raise ODataError."""
    return _Parser(text).parse()
