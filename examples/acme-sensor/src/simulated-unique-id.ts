/** The Node simulation's unique ID for ACME's part: what c/acme_host.c answers in the host simulation too. */
export const SIMULATED_UNIQUE_ID = Uint8Array.from("ACME-SIM-001", (c) => c.charCodeAt(0));
