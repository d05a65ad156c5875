/** What the Node simulation of ACME's board holds beyond tsboot's: the service jumper (set by tests). */
export const acmeSim = { jumperFitted: false };
