/**
 * Every diagnostic the compiler can emit, as data: a code, a message template and a suggested rewrite.
 * {0} {1} {2} … are filled from the arguments. test/compiler/diagnostics.test.ts makes each code fire.
 * TSB1xxx are errors (no C is written); TSB2xxx are warnings (category "warning"): reported, the C is
 * still written, unless the caller asks for warnings as errors.
 */
export interface MessageTemplate {
  readonly code: number;
  readonly message: string;
  readonly suggestion: string;
  readonly category?: "warning";
}

export const Messages = {
  BareNumber: {
    code: 1001,
    message: "'number' has no width in the tsboot subset.",
    suggestion: "Declare the width: u8, u16, u32, i8, i16 or i32 (import them from the runtime).",
  },
  UnsupportedType: {
    code: 1002,
    message: "Type '{0}' is not in the tsboot subset.",
    suggestion: "{1}",
  },
  MissingAnnotation: {
    code: 1003,
    message: "{0} needs a type annotation.",
    suggestion: "Write the type, for example '{1}: u32'.",
  },
  NonIntegerLiteral: {
    code: 1010,
    message: "Literal '{0}' is not an integer: floating point is not in the subset.",
    suggestion: "Use integer arithmetic (scale by a power of two or ten).",
  },
  UnsafeLiteral: {
    code: 1011,
    message: "Literal '{0}' is beyond 2^53-1, where JavaScript numbers lose precision.",
    suggestion: "Split the value into 32-bit halves.",
  },
  PrecisionLoss: {
    code: 1020,
    message: "'{0}' may reach {1}, beyond 2^53-1, where JavaScript loses precision.",
    suggestion: "{2}",
  },
  BareDivision: {
    code: 1021,
    message: "'{0}' gives a fraction in JavaScript, and its division by zero gives Infinity or NaN.",
    suggestion: "Say how to make it an integer: u32({0}), i32({0}) or ({0}) | 0.",
  },
  RemainderByZero: {
    code: 1022,
    message: "The divisor of '{0}' may be 0 ({1}), which gives NaN in JavaScript.",
    suggestion: "Test the divisor first (if ({2} !== 0) …) or wrap the remainder: u32({0}) gives 0 for NaN.",
  },
  ElementMayWrap: {
    code: 1023,
    message: "Value '{0}' may be {1}, outside the {2} element range {3}; JavaScript would wrap it silently.",
    suggestion: "Wrap explicitly if that is meant: {4}({0}).",
  },
  NumberAsCondition: {
    code: 1024,
    message: "A condition must be a boolean, not the {0} '{1}'.",
    suggestion: "Compare explicitly: {1} !== 0.",
  },
  OperandType: {
    code: 1025,
    message: "Operator '{0}' cannot take a {1} operand.",
    suggestion: "{2}",
  },
  Closure: {
    code: 1030,
    message: "Functions inside functions, arrow functions and function expressions are not in the subset.",
    suggestion: "Move the function to the top level of the module and pass what it needs as parameters.",
  },
  Class: {
    code: 1031,
    message: "Classes are not in the subset.",
    suggestion: "Use an interface for the data and top-level functions that take it as a parameter.",
  },
  Recursion: {
    code: 1032,
    message: "'{0}' calls itself through {1}: recursion makes the stack depth unbounded.",
    suggestion: "Rewrite the recursion as a loop.",
  },
  Exceptions: {
    code: 1033,
    message: "'{0}' is not in the subset: there are no exceptions in the generated C.",
    suggestion: "Return a status code, or call panic(\"...\") for an unrecoverable state.",
  },
  Async: {
    code: 1034,
    message: "async functions, await and generators are not in the subset.",
    suggestion: "Poll in a loop instead.",
  },
  StringValue: {
    code: 1035,
    message: "Strings are allowed only as the literal argument of print() or panic().",
    suggestion: "Print the text directly: print(\"...\").",
  },
  DynamicAllocation: {
    code: 1036,
    message: "{0}",
    suggestion: "{1}",
  },
  Unsupported: {
    code: 1037,
    message: "{0} is not in the tsboot subset.",
    suggestion: "{1}",
  },
  AssignmentAsValue: {
    code: 1038,
    message: "An assignment or increment can only be a statement here, not a value.",
    suggestion: "Move it to its own statement.",
  },
  NonConstantInitializer: {
    code: 1039,
    message: "The module-level initializer of '{0}' is not a constant.",
    suggestion: "Initialize it with a constant and assign the computed value in an init function.",
  },
  UnknownCall: {
    code: 1040,
    message: "'{0}' cannot be called in the subset.",
    suggestion: "{1}",
  },
  ParameterForm: {
    code: 1041,
    message: "Optional, default and rest parameters are not in the subset.",
    suggestion: "Declare every parameter with its type and pass every argument.",
  },
  Label: {
    code: 1042,
    message: "Labeled statements are not in the subset.",
    suggestion: "Use a boolean flag or move the loop into a function and return.",
  },
  DeclarationInCase: {
    code: 1043,
    message: "A declaration directly in a case clause is shared by every case in JavaScript.",
    suggestion: "Wrap the case body in braces: case X: { ... }.",
  },
  EscapingStorage: {
    code: 1044,
    message: "'{0}' refers to storage of function '{1}', which ends when the function returns.",
    suggestion: "Declare the array or object at module level, or have the caller pass it in.",
  },
  TypeScriptError: {
    code: 1045,
    message: "{0}",
    suggestion: "Fix the TypeScript error first: the subset is checked after tsc.",
  },
  EnumFromInteger: {
    code: 1046,
    message: "'{0}' is a plain integer; a variable of enum '{1}' holds only its members.",
    suggestion: "Map the integer to a member with a switch, or store it in an integer variable.",
  },
  ImportOutsideProgram: {
    code: 1047,
    message: "Import '{0}' does not resolve to a TypeScript file of the program.",
    suggestion: "Import the program's own .ts files or the tsboot runtime.",
  },
  NonLiteralString: {
    code: 1048,
    message: "{0}() takes a string literal.",
    suggestion: "Write the text inline: {0}(\"...\").",
  },
  Var: {
    code: 1049,
    message: "'var' is not in the subset.",
    suggestion: "Use 'let' or 'const'.",
  },
  NotAssignable: {
    code: 1050,
    message: "{0}",
    suggestion: "{1}",
  },
  NonConstantCase: {
    code: 1051,
    message: "A case label must be an integer constant or an enum member.",
    suggestion: "Use a literal, a module-level const or an enum member.",
  },
  ForOfNonArray: {
    code: 1052,
    message: "for-of iterates typed arrays only; for-in is not in the subset.",
    suggestion: "Use an index loop: for (let i: u32 = 0; i < n; i++).",
  },
  NullUndefined: {
    code: 1053,
    message: "null and undefined are not in the subset.",
    suggestion: "Use a status code or a boolean flag.",
  },
  ArgumentCount: {
    code: 1054,
    message: "'{0}' takes {1} argument(s), not {2}.",
    suggestion: "Pass exactly {1}.",
  },
  TypeMismatch: {
    code: 1055,
    message: "Expected {0} here, found {1}.",
    suggestion: "{2}",
  },
  ExternBody: {
    code: 1056,
    message: "The @extern function '{0}' has parameter or return type {1}, which C bindings cannot take.",
    suggestion: "Bindings take and return integers, booleans and typed arrays (as views); pass a struct's fields one by one.",
  },
  EvaluationOrder: {
    code: 1058,
    message: "{0}: JavaScript evaluates operands left to right, C in an unspecified order.",
    suggestion: "Call it in a statement of its own first: const value = {1};",
  },
  CompoundTargetCall: {
    code: 1059,
    message: "The target '{0}' of a compound assignment calls a function, and C would evaluate it twice.",
    suggestion: "Compute the index or object into a const first: const at = ...; a[at] += v;",
  },
  ExternName: {
    code: 1060,
    message: "The @extern tag of '{0}' names '{1}', which is not a C identifier.",
    suggestion: "Write the C function's name alone after the tag: @extern hal_flash_unlock",
  },
  OptionalChaining: {
    code: 1061,
    message: "Optional chaining '{0}' is not in the subset: no value of the subset is null or undefined.",
    suggestion: "Write it without the '?': {1}",
  },
  WideShift: {
    code: 1062,
    message: "'{0}' shifts a 64-bit value ({1}): JavaScript's '{2}' sees only its low 32 bits (ToInt32).",
    suggestion: "{3}",
  },
  CertainTrap: {
    code: 1063,
    message: "'{0}' is {1}, never inside the {2} range {3}: this store would always trap.",
    suggestion: "{4}",
  },
  NeverParameter: {
    code: 1064,
    message: "A 'never' parameter takes an integer or enum value that TypeScript has narrowed away, not a {0}.",
    suggestion: "Call it as assertNever(x) with x an exhausted enum or integer.",
  },
  SignedBitsToUnsigned: {
    code: 2001,
    category: "warning",
    message: "'{0}' is a signed int32 in JavaScript (it may be {1}); stored into {2} it traps whenever it is negative.",
    suggestion: "Convert the bits explicitly: {3}",
  },
  UnwrappedTimeDifference: {
    code: 2002,
    category: "warning",
    message: "'{0}' is negative once the counter wraps past 2^32, so this comparison fails after the wrap.",
    suggestion: "Compare the wrapped difference: {1}",
  },
  MissingReturn: {
    code: 1057,
    message: "Function '{0}' can reach its end without returning a {1}.",
    suggestion: "Return a value on every path, or end the path with panic(\"...\").",
  },
} as const satisfies Record<string, MessageTemplate>;

export type MessageName = keyof typeof Messages;
