/**
 * Rules that do not fit their field, or leave no valid value: each case is a
 * field (or oneof) declaration, and the one line generation must fail with.
 * Used by bad-rules.test.ts; every case becomes its own .proto file.
 */
export interface BadRule {
  /** What is wrong, for the test's name. */
  readonly what: string;
  /** The members of `message M` (fields, oneofs), and anything else the file declares after it. */
  readonly body: string;
  /**
   * The error, after `invalid validation rule in <file>: message <package>.M, `;
   * `{pkg}` stands for the case's package.
   */
  readonly error: string;
  /** Declarations after the message (types the field refers to). */
  readonly extra?: string;
  /** The file's syntax line, when not proto3 (predefined rules extend buf.validate's messages, which proto3 cannot). */
  readonly syntax?: string;
}

export const badRules: readonly BadRule[] = [
  {
    what: "string rules (min_len) on an int32",
    body: "int32 n = 1 [(buf.validate.field).string.min_len = 1];",
    error: "field n: string.min_len does not apply to a field of type int32 (use int32 rules)",
  },
  {
    what: "string min_len greater than max_len",
    body: "string s = 1 [(buf.validate.field).string = {min_len: 5, max_len: 3}];",
    error: "field s: string.min_len (5) is greater than string.max_len (3): no value is valid",
  },
  {
    what: "string len below min_len",
    body: "string s = 1 [(buf.validate.field).string = {len: 2, min_len: 3}];",
    error: "field s: string.len (2) is less than string.min_len (3): no value is valid",
  },
  {
    what: "string min_bytes greater than max_bytes",
    body: "string s = 1 [(buf.validate.field).string = {min_bytes: 9, max_bytes: 8}];",
    error: "field s: string.min_bytes (9) is greater than string.max_bytes (8): no value is valid",
  },
  {
    what: "string min_len more than max_bytes can hold",
    body: "string s = 1 [(buf.validate.field).string = {min_len: 9, max_bytes: 8}];",
    error: "field s: string.min_len (9) asks for more characters than string.max_bytes (8) can hold: no value is valid",
  },
  {
    what: "a pattern that does not compile",
    body: 'string s = 1 [(buf.validate.field).string.pattern = "[a-z"];',
    error:
      'field s: string.pattern "[a-z" is not an RE2 regular expression: error parsing regexp: missing closing ]: `[a-z`',
  },
  {
    what: "a pattern with a backreference (JavaScript has them, RE2 does not)",
    body: 'string s = 1 [(buf.validate.field).string.pattern = "^(a)\\\\1$"];',
    error:
      'field s: string.pattern "^(a)\\\\1$" is not an RE2 regular expression: error parsing regexp: invalid escape sequence: `\\1`',
  },
  {
    what: "a pattern with a lookahead (JavaScript has them, RE2 does not)",
    body: 'string s = 1 [(buf.validate.field).string.pattern = "^(?=a)"];',
    error:
      'field s: string.pattern "^(?=a)" is not an RE2 regular expression: error parsing regexp: invalid or unsupported Perl syntax: `(?=`',
  },
  {
    what: "a pattern with an unknown Unicode class",
    body: 'string s = 1 [(buf.validate.field).string.pattern = "\\\\p{Klingon}"];',
    error:
      'field s: string.pattern "\\\\p{Klingon}" is not an RE2 regular expression: error parsing regexp: invalid character class range: `\\p{Klingon}`',
  },
  {
    what: "string in and not_in listing one value",
    body: 'string s = 1 [(buf.validate.field).string = {in: ["a", "b"], not_in: ["b"]}];',
    error: 'field s: string.in and string.not_in both list "b"',
  },
  {
    what: "string const outside in",
    body: 'string s = 1 [(buf.validate.field).string = {const: "c", in: ["a", "b"]}];',
    error: 'field s: string.const ("c") is not in string.in: no value is valid',
  },
  {
    what: "string const in not_in",
    body: 'string s = 1 [(buf.validate.field).string = {const: "c", not_in: ["c"]}];',
    error: 'field s: string.const ("c") is in string.not_in: no value is valid',
  },
  {
    what: "a prefix longer than max_len",
    body: 'string s = 1 [(buf.validate.field).string = {prefix: "abcd", max_len: 2}];',
    error: 'field s: string.prefix "abcd" has 4 characters, more than the 2 a value may have: no value is valid',
  },
  {
    what: "not_contains part of contains",
    body: 'string s = 1 [(buf.validate.field).string = {contains: "abc", not_contains: "b"}];',
    error: 'field s: string.not_contains "b" is part of string.contains "abc": no value is valid',
  },
  {
    what: "an empty not_contains",
    body: 'string s = 1 [(buf.validate.field).string.not_contains = ""];',
    error: "field s: string.not_contains is empty, which every value contains: no value is valid",
  },
  {
    what: "int32 bounds outside a range that leave nothing outside it",
    body: "int32 n = 1 [(buf.validate.field).int32 = {gt: 2147483647, lt: -2147483648}];",
    error: "field n: int32.gt (2147483647) with int32.lt (-2147483648) leaves no valid int32 value",
  },
  {
    what: "uint64 bounds outside a range that leave nothing outside it",
    body: "uint64 n = 1 [(buf.validate.field).uint64 = {gt: 18446744073709551615, lt: 0}];",
    error: "field n: uint64.gt (18446744073709551615) with uint64.lt (0) leaves no valid uint64 value",
  },
  {
    what: "int32 in listing only values inside an exclusive range",
    body: "int32 n = 1 [(buf.validate.field).int32 = {gt: 10, lt: 5, in: [6, 7]}];",
    error:
      "field n: int32.in lists no value the other rules allow (6 breaks int32.gt (10) with int32.lt (5)): no value is valid",
  },
  {
    what: "int32 gt and lt with no integer between",
    body: "int32 n = 1 [(buf.validate.field).int32 = {gt: 5, lt: 6}];",
    error: "field n: int32.gt (5) with int32.lt (6) leaves no valid int32 value",
  },
  {
    what: "uint32 lt 0",
    body: "uint32 n = 1 [(buf.validate.field).uint32.lt = 0];",
    error: "field n: uint32.lt (0) leaves no valid uint32 value",
  },
  {
    what: "int64 gt and lt with no integer between, beyond 2^53",
    body: "int64 n = 1 [(buf.validate.field).int64 = {gt: 9007199254740992, lt: 9007199254740993}];",
    error: "field n: int64.gt (9007199254740992) with int64.lt (9007199254740993) leaves no valid int64 value",
  },
  {
    what: "uint64 gt its maximum",
    body: "uint64 n = 1 [(buf.validate.field).uint64.gt = 18446744073709551615];",
    error: "field n: uint64.gt (18446744073709551615) leaves no valid uint64 value",
  },
  {
    what: "double gt equal to lt",
    body: "double d = 1 [(buf.validate.field).double = {gt: 1.5, lt: 1.5}];",
    error: "field d: double.gt (1.5) with double.lt (1.5) leaves no valid double value",
  },
  {
    what: "float gt NaN",
    body: "float f = 1 [(buf.validate.field).float.gt = nan];",
    error: "field f: float.gt is NaN, which no value equals or compares to: the rule can never hold as meant",
  },
  {
    what: "double lt -inf",
    body: "double d = 1 [(buf.validate.field).double.lt = -inf];",
    error: "field d: double.lt (-Infinity) leaves no valid double value",
  },
  {
    what: "int32 in and not_in listing one value",
    body: "int32 n = 1 [(buf.validate.field).int32 = {in: [1, 2, 3], not_in: [3]}];",
    error: "field n: int32.in and int32.not_in both list 3",
  },
  {
    what: "int32 const outside its bounds",
    body: "int32 n = 1 [(buf.validate.field).int32 = {const: 1, gt: 5}];",
    error: "field n: int32.const (1) is outside the range the bounds allow: no value is valid",
  },
  {
    what: "defined_only on a non-enum",
    body: "string s = 1 [(buf.validate.field).enum.defined_only = true];",
    error: "field s: enum.defined_only does not apply to a field of type string (use string rules)",
  },
  {
    what: "enum in listing a number the enum does not define",
    body: "E e = 1 [(buf.validate.field).enum = {in: [1, 7]}];",
    extra: "enum E {\n  E_UNSPECIFIED = 0;\n  E_ONE = 1;\n}",
    error: "field e: enum.in lists 7, which is not a value of {pkg}.E",
  },
  {
    what: "unique on a message list",
    body: "repeated N n = 1 [(buf.validate.field).repeated.unique = true];",
    extra: "message N {}",
    error: "field n: repeated.unique applies to lists of scalars and enums, not to a list of {pkg}.N messages",
  },
  {
    what: "keys on a non-map",
    body: "repeated string s = 1 [(buf.validate.field).map.keys.string.min_len = 1];",
    error: "field s: map.keys does not apply to a repeated field: map rules are for map fields",
  },
  {
    what: "repeated rules on a singular field",
    body: "string s = 1 [(buf.validate.field).repeated.min_items = 1];",
    error: "field s: repeated.min_items does not apply to a field of type string, which is not repeated",
  },
  {
    what: "repeated rules on a map",
    body: "map<string, string> m = 1 [(buf.validate.field).repeated.max_items = 3];",
    error: "field m: repeated.max_items does not apply to a map field: repeated rules are for repeated fields",
  },
  {
    what: "string rules on a map itself",
    body: "map<string, string> m = 1 [(buf.validate.field).string.min_len = 1];",
    error: "field m: string.min_len does not apply to a map field; put it under map.keys or map.values",
  },
  {
    what: "string rules on a repeated field itself",
    body: "repeated string s = 1 [(buf.validate.field).string.max_len = 3];",
    error: "field s: string.max_len does not apply to a repeated field; put it under repeated.items",
  },
  {
    what: "min_items greater than max_items",
    body: "repeated string s = 1 [(buf.validate.field).repeated = {min_items: 4, max_items: 2}];",
    error: "field s: repeated.min_items (4) is greater than repeated.max_items (2): no list is valid",
  },
  {
    what: "min_pairs greater than max_pairs",
    body: "map<string, string> m = 1 [(buf.validate.field).map = {min_pairs: 4, max_pairs: 2}];",
    error: "field m: map.min_pairs (4) is greater than map.max_pairs (2): no map is valid",
  },
  {
    what: "item rules that do not fit the item type",
    body: "repeated int32 n = 1 [(buf.validate.field).repeated.items.string.min_len = 1];",
    error: "field n: repeated.items.string.min_len does not apply to a field of type int32 (use int32 rules)",
  },
  {
    what: "key rules that do not fit the key type",
    body: "map<string, int32> m = 1 [(buf.validate.field).map.keys.int32.gt = 0];",
    error: "field m: map.keys.int32.gt does not apply to a field of type string (use string rules)",
  },
  {
    what: "timestamp rules on another message type",
    body: "N n = 1 [(buf.validate.field).timestamp.lt_now = true];",
    extra: "message N {}",
    error: "field n: timestamp.lt_now does not apply to a field of message type {pkg}.N",
  },
  {
    what: "timestamp rules on a Duration",
    body: "google.protobuf.Duration d = 1 [(buf.validate.field).timestamp.lt_now = true];",
    error:
      "field d: timestamp.lt_now does not apply to a field of message type google.protobuf.Duration (use duration rules)",
  },
  {
    what: "timestamp gt equal to lt",
    body: "google.protobuf.Timestamp t = 1 [(buf.validate.field).timestamp = {gt: {seconds: 10}, lt: {seconds: 10}}];",
    error:
      "field t: timestamp.gt with timestamp.lt leaves no valid value: the lower bound is not below the upper bound",
  },
  {
    what: "timestamp gt_now with lt_now",
    body: "google.protobuf.Timestamp t = 1 [(buf.validate.field).timestamp = {gt_now: true, lt_now: true}];",
    error: "field t: timestamp.gt_now with timestamp.lt_now leaves no valid value: nothing is both future and past",
  },
  {
    what: "timestamp within zero",
    body: "google.protobuf.Timestamp t = 1 [(buf.validate.field).timestamp.within = {}];",
    error: "field t: timestamp.within must be a positive duration",
  },
  {
    what: "duration gt equal to lte",
    body: "google.protobuf.Duration d = 1 [(buf.validate.field).duration = {gt: {seconds: 1}, lte: {seconds: 1}}];",
    error: "field d: duration.gt with duration.lte leaves no valid value: the lower bound is not below the upper bound",
  },
  {
    what: "bytes min_len greater than max_len",
    body: "bytes b = 1 [(buf.validate.field).bytes = {min_len: 3, max_len: 2}];",
    error: "field b: bytes.min_len (3) is greater than bytes.max_len (2): no value is valid",
  },
  {
    what: "bytes in and not_in listing one value",
    body: 'bytes b = 1 [(buf.validate.field).bytes = {in: ["\\x01"], not_in: ["\\x01"]}];',
    error: "field b: bytes.in and bytes.not_in both list 0x01",
  },
  {
    what: "a uuid of another length",
    body: "string s = 1 [(buf.validate.field).string = {uuid: true, len: 5}];",
    error: "field s: string.uuid takes 36 characters, which string.len (5) rules out: no value is valid",
  },
  {
    what: "a string const without the prefix",
    body: 'string s = 1 [(buf.validate.field).string = {const: "xy", prefix: "ab"}];',
    error: 'field s: string.const ("xy") breaks string.prefix ("ab"): no value is valid',
  },
  {
    what: "a string const that is not of the format",
    body: 'string s = 1 [(buf.validate.field).string = {const: "x", email: true}];',
    error: 'field s: string.const ("x") breaks string.email: no value is valid',
  },
  {
    what: "a string const that is an address, not a network prefix",
    body: 'string s = 1 [(buf.validate.field).string = {const: "10.0.0.1/8", ipv4_prefix: true}];',
    error: 'field s: string.const ("10.0.0.1/8") breaks string.ipv4_prefix: no value is valid',
  },
  {
    what: "string in listing only values that are not HTTP header names",
    body: 'string s = 1 [(buf.validate.field).string = {in: ["a b", ""], well_known_regex: KNOWN_REGEX_HTTP_HEADER_NAME}];',
    error:
      'field s: string.in lists no value the other rules allow ("a b" breaks string.well_known_regex (HTTP header name)): no value is valid',
  },
  {
    what: "string in listing only values the pattern refuses",
    body: 'string s = 1 [(buf.validate.field).string = {in: ["A", "B"], pattern: "^[a-z]+$"}];',
    error:
      'field s: string.in lists no value the other rules allow ("A" breaks string.pattern (/^[a-z]+$/)): no value is valid',
  },
  {
    what: "bytes in listing only values of another length",
    body: 'bytes b = 1 [(buf.validate.field).bytes = {len: 2, in: ["abc"]}];',
    error: "field b: bytes.in lists no value the other rules allow (0x616263 breaks bytes.len (2)): no value is valid",
  },
  {
    what: "int32 in listing only values below gt",
    body: "int32 n = 1 [(buf.validate.field).int32 = {in: [5], gt: 10}];",
    error: "field n: int32.in lists no value the other rules allow (5 breaks int32.gt (10)): no value is valid",
  },
  {
    what: "uint64 in listing only values above lte",
    body: "uint64 n = 1 [(buf.validate.field).uint64 = {in: [7, 8], lte: 6}];",
    error: "field n: uint64.in lists no value the other rules allow (7 breaks uint64.lte (6)): no value is valid",
  },
  {
    what: "string len too short for min_bytes",
    body: "string s = 1 [(buf.validate.field).string = {len: 3, min_bytes: 13}];",
    error: "field s: string.len (3) allows at most 12 bytes, fewer than string.min_bytes (13): no value is valid",
  },
  {
    what: "both vocabularies on one field",
    body: "string s = 1 [(buf.validate.field).string.min_len = 1, (grpckit.v1.field).string.max_len = 9];",
    error:
      "field s: (grpckit.v1.field) is set together with (buf.validate.field): (grpckit.v1.field) is an alias of (buf.validate.field); use one",
  },
  {
    what: "both vocabularies on one oneof",
    body: "oneof o {\n    option (buf.validate.oneof).required = true;\n    option (grpckit.v1.oneof).required = true;\n    string a = 1;\n  }",
    error:
      "oneof o: (grpckit.v1.oneof) is set together with (buf.validate.oneof): it is an alias of (buf.validate.oneof); use one",
  },
  {
    what: "a CEL rule on a field that does not type-check",
    body: 'int32 n = 1 [(buf.validate.field).cel = {id: "n.prefix", message: "m", expression: "this.startsWith(\'a\')"}];',
    error:
      "field n: cel[0] (id \"n.prefix\"): CEL expression \"this.startsWith('a')\" does not type-check: found no matching overload for 'startsWith' applied to 'int.(string)' (at 1:5)",
  },
  {
    what: "a CEL expression on a list item that does not parse",
    body: 'repeated int32 n = 1 [(buf.validate.field).repeated.items.cel_expression = "this >"];',
    error:
      'field n: repeated.items.cel_expression[0]: CEL expression "this >" does not parse: <input>:1:6: found > but expecting end of input',
  },
  {
    what: "a CEL expression on a message naming a field it does not have",
    body: 'option (buf.validate.message).cel_expression = "this.m > 0";\n  int32 n = 1;',
    error:
      "(buf.validate.message): cel_expression[0]: CEL expression \"this.m > 0\" does not type-check: undefined field 'm' of {pkg}.M (at 1:5)",
  },
  {
    what: "a CEL expression on a map value that evaluates to an int",
    body: 'map<string, int32> m = 1 [(buf.validate.field).map.values.cel = {id: "v.plus", expression: "this + 1"}];',
    error:
      'field m: map.values.cel[0] (id "v.plus"): CEL expression "this + 1" evaluates to int; a rule\'s expression must evaluate to a bool or a string',
  },
  {
    what: "a predefined rule whose CEL does not type-check",
    syntax: 'edition = "2023";',
    body: "int32 n = 1 [(buf.validate.field).int32.(is_a) = true];",
    extra:
      'extend buf.validate.Int32Rules {\n  bool is_a = 1800 [(buf.validate.predefined).cel = {id: "int32.is_a", expression: "!rule || this.startsWith(\'a\')"}];\n}',
    error:
      "field n: int32.({pkg}.is_a).cel[0] (id \"int32.is_a\"): CEL expression \"!rule || this.startsWith('a')\" does not type-check: found no matching overload for 'startsWith' applied to 'int.(string)' (at 1:14)",
  },
  {
    what: "an extension of the rules without predefined rules",
    syntax: 'edition = "2023";',
    body: "int32 n = 1 [(buf.validate.field).int32.(plain) = true];",
    extra: "extend buf.validate.Int32Rules {\n  bool plain = 1801;\n}",
    error:
      "field n: int32.({pkg}.plain) is an extension of the rules without (buf.validate.predefined).cel rules: it asks for nothing",
  },
  {
    what: "a message oneof rule naming no field",
    body: "option (buf.validate.message).oneof = {};\n  string a = 1;",
    error: "(buf.validate.message): oneof lists no field: name at least one",
  },
  {
    what: "a message oneof rule naming a field the message does not have",
    body: 'option (buf.validate.message).oneof = {fields: ["a", "b"]};\n  string a = 1;',
    error: '(buf.validate.message): oneof names "b", which is not a field of {pkg}.M',
  },
  {
    what: "a message oneof rule naming a field twice",
    body: 'option (buf.validate.message).oneof = {fields: ["a", "a"]};\n  string a = 1;',
    error: '(buf.validate.message): oneof names "a" twice',
  },
  {
    what: "field_mask const outside in (a path that in does not list)",
    body: 'google.protobuf.FieldMask m = 1 [(buf.validate.field).field_mask = {const: {paths: ["a", "b"]}, in: ["a", "b.c"]}];',
    error:
      'field m: field_mask.const (["a", "b"]) breaks field_mask.in (["a", "b.c"]): "b" is not in it, so no value is valid',
  },
  {
    what: "field_mask const with a path that not_in rules out",
    body: 'google.protobuf.FieldMask m = 1 [(buf.validate.field).field_mask = {const: {paths: ["x.y"]}, not_in: ["x"]}];',
    error: 'field m: field_mask.const (["x.y"]) breaks field_mask.not_in (["x"]): "x.y" is in it, so no value is valid',
  },
  {
    what: "field_mask in and not_in listing one path",
    body: 'google.protobuf.FieldMask m = 1 [(buf.validate.field).field_mask = {in: ["a", "b"], not_in: ["b"]}];',
    error: 'field m: field_mask.in and field_mask.not_in both list "b"',
  },
  {
    what: "field_mask in listing a path below one of not_in",
    body: 'google.protobuf.FieldMask m = 1 [(buf.validate.field).field_mask = {in: ["a.b"], not_in: ["a"]}];',
    error: 'field m: field_mask.in lists "a.b", which field_mask.not_in rules out ("a"): a path can never be both',
  },
  {
    what: "field_mask rules on a string",
    body: 'string s = 1 [(buf.validate.field).field_mask.in = "a"];',
    error: "field s: field_mask.in does not apply to a field of type string (use string rules)",
  },
  {
    what: "any in and not_in listing one type",
    body: 'google.protobuf.Any a = 1 [(buf.validate.field).any = {in: ["type.googleapis.com/x.Y"], not_in: ["type.googleapis.com/x.Y"]}];',
    error: 'field a: any.in and any.not_in both list "type.googleapis.com/x.Y"',
  },
  {
    what: "any rules on another message",
    body: 'google.protobuf.Duration d = 1 [(buf.validate.field).any.in = "type.googleapis.com/x.Y"];',
    error: "field d: any.in does not apply to a field of message type google.protobuf.Duration (use duration rules)",
  },
  {
    what: "any rules on a list item of another type",
    body: 'repeated google.protobuf.FieldMask m = 1 [(buf.validate.field).repeated.items.any.in = "type.googleapis.com/x.Y"];',
    error:
      "field m: repeated.items.any.in does not apply to a field of message type google.protobuf.FieldMask (use field_mask rules)",
  },
  {
    what: "a bytes pattern that does not compile",
    body: 'bytes b = 1 [(buf.validate.field).bytes.pattern = "(a"];',
    error:
      'field b: bytes.pattern "(a" is not an RE2 regular expression: error parsing regexp: missing closing ): `(a`',
  },
  {
    what: "bytes const that its pattern does not match",
    body: 'bytes b = 1 [(buf.validate.field).bytes = {const: "ab1", pattern: "^[a-z]+$"}];',
    error: 'field b: bytes.const (0x616231) breaks bytes.pattern ("^[a-z]+$"): no value is valid',
  },
  {
    what: "bytes const that is not UTF-8, with a pattern",
    body: 'bytes b = 1 [(buf.validate.field).bytes = {const: "\\x99", pattern: ".*"}];',
    error: 'field b: bytes.const (0x99) breaks bytes.pattern (".*"): no value is valid',
  },
  {
    what: "bytes in whose every value its pattern does not match",
    body: 'bytes b = 1 [(buf.validate.field).bytes = {in: ["1", "2"], pattern: "^[a-z]$"}];',
    error:
      'field b: bytes.in lists no value the other rules allow (0x31 breaks bytes.pattern ("^[a-z]$")): no value is valid',
  },
  {
    what: "a wrapper type in a oneof with rules of another type",
    body: "oneof o {\n    google.protobuf.StringValue n = 1 [(buf.validate.field).bytes.len = 1];\n  }",
    error: "field n: bytes.len does not apply to a field of type string (use string rules)",
  },
  {
    what: "a wrapper type in a oneof with a rule set that leaves nothing valid",
    body: "oneof o {\n    google.protobuf.UInt32Value n = 1 [(buf.validate.field).uint32 = {in: [5], gt: 10}];\n  }",
    error: "field n: uint32.in lists no value the other rules allow (5 breaks uint32.gt (10)): no value is valid",
  },
  {
    what: "bytes const that breaks its prefix",
    body: 'bytes b = 1 [(buf.validate.field).bytes = {const: "ab", prefix: "b"}];',
    error: "field b: bytes.const (0x6162) breaks bytes.prefix (0x62): no value is valid",
  },
  {
    what: "bytes ipv4 with a length other than 4",
    body: 'bytes b = 1 [(buf.validate.field).bytes = {ipv4: true, in: ["abc"]}];',
    error: "field b: bytes.in lists no value the other rules allow (0x616263 breaks bytes.ipv4): no value is valid",
  },
  {
    what: "enum const that defined_only rules out",
    body: "E e = 1 [(buf.validate.field).enum = {const: 7, defined_only: true}];",
    extra: "enum E {\n  E_UNSPECIFIED = 0;\n}",
    error: "field e: enum.const (7) is not a value of {pkg}.E, which enum.defined_only asks for",
  },
  {
    what: "duration in listing an invalid duration",
    body: "google.protobuf.Duration d = 1 [(buf.validate.field).duration = {in: [{seconds: 1, nanos: -1}]}];",
    error: "field d: duration.in lists a value that is not a valid google.protobuf.Duration",
  },
];
