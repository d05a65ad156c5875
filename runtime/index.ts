// The runtime a subset program imports: integer types, wrapping helpers, output, registers and CPU.
export * from "./ints";
export * from "./output";
export * from "./mmio";
export * from "./cpu";
