/**
 * Names in the generated C. A TypeScript name is kept when C can use it; a name that C or the headers the
 * generated C includes (<stdint.h>, <stddef.h>, <stdbool.h>, tsboot_rt.h) reserve or define gets a trailing
 * underscore (`int` → `int_`, `uint32_t` → `uint32_t_`, `INT32_MAX` → `INT32_MAX_`), and a name C reserves
 * by its spelling (`_Bool`, `__x`: a leading underscore and a capital or a second underscore) gets a `v`
 * in front. Local names that would then collide are made unique in emit-c.ts.
 */

const KEYWORDS =
  // C11 and C23 keywords, the C11 _Keywords and the macros <stdbool.h> defines.
  "auto break case char const continue default do double else enum extern float for goto if inline int long register " +
  "restrict return short signed sizeof static struct switch typedef union unsigned void volatile while " +
  "_Alignas _Alignof _Atomic _Bool _Complex _Generic _Imaginary _Noreturn _Static_assert _Thread_local " +
  "alignas alignof bool constexpr false nullptr static_assert thread_local true typeof typeof_unqual _BitInt _Decimal32 " +
  "_Decimal64 _Decimal128 __bool_true_false_are_defined " +
  // <stddef.h>
  "NULL offsetof size_t ptrdiff_t wchar_t max_align_t nullptr_t unreachable " +
  // names the generated C or a common C environment relies on
  "main errno assert";

/** <stdint.h>: the exact, least and fast types, their limits and constant macros. */
function stdintNames(): string[] {
  const out = ["intptr_t", "uintptr_t", "intmax_t", "uintmax_t", "INTPTR_MIN", "INTPTR_MAX", "UINTPTR_MAX", "INTMAX_MIN", "INTMAX_MAX", "UINTMAX_MAX",
    "PTRDIFF_MIN", "PTRDIFF_MAX", "SIG_ATOMIC_MIN", "SIG_ATOMIC_MAX", "SIZE_MAX", "WCHAR_MIN", "WCHAR_MAX", "WINT_MIN", "WINT_MAX", "INTMAX_C", "UINTMAX_C"];
  for (const bits of [8, 16, 32, 64]) {
    for (const kind of ["", "_least", "_fast"]) {
      out.push(`int${kind}${bits}_t`, `uint${kind}${bits}_t`);
      const upper = kind.toUpperCase();
      out.push(`INT${upper}${bits}_MIN`, `INT${upper}${bits}_MAX`, `UINT${upper}${bits}_MAX`);
    }
    out.push(`INT${bits}_C`, `UINT${bits}_C`, `INT${bits}_WIDTH`, `UINT${bits}_WIDTH`);
  }
  return out;
}

export const C_RESERVED = new Set([...KEYWORDS.split(" "), ...stdintNames()]);

/** True for a name C reserves by its spelling, or one the runtime header uses (tsb_…, TSB_…). */
function reservedSpelling(name: string): boolean {
  return /^_[A-Z_]/.test(name) || /^(tsb|TSB)_/.test(name);
}

/** The C name of a local, a parameter or a struct field. */
export function localCName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_]/g, "_");
  if (/^_[A-Z_]/.test(cleaned)) return `v${cleaned}`;
  return C_RESERVED.has(cleaned) || reservedSpelling(cleaned) || cleaned !== name ? `${cleaned}_` : cleaned;
}

/** A module-level C name (`<prefix>_<name>`): kept unless C or the headers define it (`int8` + `t`). */
export function globalCName(name: string): string {
  return C_RESERVED.has(name) || reservedSpelling(name) ? `${name}_` : name;
}
