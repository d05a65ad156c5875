/** Names in the generated C: TypeScript names that C reserves get a trailing underscore. */

export const C_RESERVED = new Set(
  ("auto break case char const continue default do double else enum extern float for goto if inline int long register " +
    "restrict return short signed sizeof static struct switch typedef union unsigned void volatile while bool true false " +
    "main errno assert NULL").split(" "),
);

export function localCName(name: string): string {
  return C_RESERVED.has(name) || name.startsWith("tsb_") ? `${name}_` : name;
}

