/**
 * The status log: everything the bootloader must remember across resets and power cuts — which image each
 * slot holds, a swap in progress and how far it got, a trial and its confirmation, the last install event —
 * appended as fixed-size entries to the config region. Nothing is ever rewritten in place: an entry is
 * programmed once, and its CRC is its last word, so an entry torn by a power cut reads as no entry
 * (docs/slots.md). Every write unit of an entry is programmed once after an erase, which L4's and H7's ECC
 * flash requires.
 *
 * With two config halves (slot boards) the log compacts into the other half when one is full: the other
 * half is erased, the whole state is written there under a higher generation, and a SnapshotEnd entry makes
 * it authoritative; until then the old half still holds everything. With one half (single-slot boards) the
 * log is reset only when the primary image is being replaced anyway (resetLog), so no state is lost.
 */
import { u8, u32 } from "../runtime/index";
import { boardConfigHalves, boardConfigSize, boardConfigStart } from "../hal-bindings/board";
import { flashTakeEccError, flashView } from "../hal-bindings/flash";
import { bankConfigHalfStart, bankSwapBoard } from "./bank-layout";
import { readU32LE, writeU32LE } from "./bytes";
import { eraseRange, isErased, programBytes } from "./flash-writer";
import { endsWithItsCrc, HEADER_SIZE } from "./image-header";
import { crc32 } from "./lib/crc32";
import { Status } from "./status";

/** One entry: magic (2), type, arg, value (u32), data (64: an image header), reserved (20), CRC-32 (4). */
export const ENTRY_SIZE = 96;
export const ENTRY_MAGIC = 0x4c53;
const OFFSET_TYPE = 2;
const OFFSET_ARG = 3;
const OFFSET_VALUE = 4;
const OFFSET_DATA = 8;
const OFFSET_CRC = 92;

export enum Entry {
  /** The first entry of a half: value = its generation. */
  Half = 1,
  /** arg = Slot: the slot holds this complete, verified image (data = its header; value: a SecondaryRole). */
  Image = 2,
  /** arg = Slot: the slot's image is gone or being replaced. */
  Empty = 3,
  /** A swap begins: arg = SwapKind, value = areas | reason << 24 (bank swap: the mapping it ends in, bank-swap.ts). */
  Swap = 4,
  /** A swap step is done: arg = step (1 … 3), value = area. */
  Step = 5,
  /** The swap is complete: the slots' images are exchanged. value = the install number (a trial's id). */
  SwapDone = 6,
  /** The trial image: arg = TrialState, value = its id. */
  Trial = 7,
  /** The primary image is confirmed (by the host through the bootloader). */
  Confirmed = 8,
  /** The last install event, for INFO: arg = LastEvent, value = a reason. */
  Event = 9,
  /** The anti-rollback counter: value. */
  Counter = 10,
  /** The end of a compaction: the half is complete. */
  SnapshotEnd = 11,
  /** Written by the application itself (tsboot_confirm): only its first 8 bytes, value = the trial id. */
  ConfirmStub = 12,
}

export enum Slot {
  Primary = 0,
  Secondary = 1,
}

export enum SwapKind {
  None = 0,
  InstallTest = 1,
  InstallPermanent = 2,
  Revert = 3,
}

export enum TrialState {
  None = 0,
  /** Installed for a test, not yet started. */
  Pending = 1,
  /** Started once; a reset without a confirmation reverts it. */
  Booted = 2,
}

/** What the secondary slot's image is. */
export enum SecondaryRole {
  None = 0,
  /** A downloaded image waiting to be installed. */
  Pending = 1,
  /** The image the last swap moved out of the primary: what a revert brings back. */
  Previous = 2,
}

export enum LastEvent {
  None = 0,
  Installed = 1,
  Confirmed = 2,
  Reverted = 3,
}

/** Why a trial was reverted (Event value, INFO). */
export enum RevertReason {
  None = 0,
  /** The trial image reset without confirming (a crash, a watchdog, a power cycle). */
  NotConfirmed = 1,
  /** The host asked for it. */
  Requested = 2,
  /** The trial image failed its check before it could start. */
  Invalid = 3,
}

// ---- The state the log describes, and where the log is ----
/**
 * One struct rather than separate variables: in C every field is then an offset from one address, which
 * each function loads once, instead of one address per variable.
 */
interface LogState {
  primaryKnown: boolean;
  secondaryKnown: boolean;
  secondaryRole: SecondaryRole;
  swapKind: SwapKind;
  swapAreas: u32;
  swapReason: u32;
  swapArea: u32;
  swapStep: u8;
  trial: TrialState;
  trialId: u32;
  installs: u32;
  lastEvent: LastEvent;
  lastReason: u32;
  counter: u32;
  /** Where the log is: the active half, its generation, and the index of its next free entry. */
  half: u32;
  generation: u32;
  next: u32;
}

const state: LogState = {
  primaryKnown: false,
  secondaryKnown: false,
  secondaryRole: SecondaryRole.None,
  swapKind: SwapKind.None,
  swapAreas: 0,
  swapReason: 0,
  swapArea: 0,
  swapStep: 0,
  trial: TrialState.None,
  trialId: 0,
  installs: 0,
  lastEvent: LastEvent.None,
  lastReason: 0,
  counter: 0,
  half: 0,
  generation: 0,
  next: 0,
};

/** The recorded images' headers: the primary's at 0, the secondary's at HEADER_SIZE. */
const HEADERS = new Uint8Array(2 * HEADER_SIZE);

const ENTRY = new Uint8Array(ENTRY_SIZE);

/**
 * The config region holds two halves when it spans at least two erase units that split evenly. Board data
 * (a constant in C), so a single-half board's build drops the compaction.
 */
function halves(): u32 {
  return boardConfigHalves();
}

function halfSize(): u32 {
  if (bankSwapBoard()) return boardConfigSize(); // one half per bank (bank-layout.ts)
  return halves() === 2 ? boardConfigSize() >>> 1 : boardConfigSize();
}

function halfStart(h: u32): u32 {
  if (bankSwapBoard()) return bankConfigHalfStart(h);
  return h === 0 ? boardConfigStart() : boardConfigStart() + halfSize();
}

function capacity(): u32 {
  return u32(halfSize() / ENTRY_SIZE);
}

function entryAddress(h: u32, index: u32): u32 {
  return halfStart(h) + index * ENTRY_SIZE;
}

/** What an entry slot holds. */
enum Read {
  Blank,
  Valid,
  Stub,
  Torn,
}

/** Reads entry `index` of half `h` into ENTRY and classifies it. */
function readEntry(h: u32, index: u32): Read {
  flashTakeEccError();
  const view = flashView(entryAddress(h, index), ENTRY_SIZE);
  // One past the last byte that is not 0xff: 0 for a blank slot, at most OFFSET_DATA for a ConfirmStub.
  let used: u32 = 0;
  for (let i: u32 = 0; i < ENTRY_SIZE; i++) {
    const b = view[i];
    ENTRY[i] = b;
    if (b !== 0xff) used = i + 1;
  }
  if (flashTakeEccError()) return Read.Torn;
  if (used === 0) return Read.Blank;
  const magicOk = (ENTRY[0] | (ENTRY[1] << 8)) === ENTRY_MAGIC;
  if (magicOk && endsWithItsCrc(ENTRY)) return Read.Valid; // its CRC at OFFSET_CRC, the last word
  if (magicOk && ENTRY[OFFSET_TYPE] === Entry.ConfirmStub && used <= OFFSET_DATA) return Read.Stub;
  return Read.Torn;
}

/** The type byte of the entry in ENTRY. */
function entryType(): u32 {
  return ENTRY[OFFSET_TYPE];
}

/** The generation of half `h` if it is complete (a Half entry first, a SnapshotEnd later), else 0. */
function completeGeneration(h: u32): u32 {
  if (readEntry(h, 0) !== Read.Valid || entryType() !== Entry.Half) return 0;
  const gen = readU32LE(ENTRY, OFFSET_VALUE);
  const count = capacity();
  for (let i: u32 = 1; i < count; i++) {
    const r = readEntry(h, i);
    if (r === Read.Blank) return 0;
    if (r === Read.Valid && entryType() === Entry.SnapshotEnd) return gen;
  }
  return 0;
}

function swapKindOf(v: u32): SwapKind {
  switch (v) {
    case 1:
      return SwapKind.InstallTest;
    case 2:
      return SwapKind.InstallPermanent;
    case 3:
      return SwapKind.Revert;
    default:
      return SwapKind.None;
  }
}

function trialStateOf(v: u32): TrialState {
  if (v === 1) return TrialState.Pending;
  return v === 2 ? TrialState.Booted : TrialState.None;
}

function lastEventOf(v: u32): LastEvent {
  switch (v) {
    case 1:
      return LastEvent.Installed;
    case 2:
      return LastEvent.Confirmed;
    case 3:
      return LastEvent.Reverted;
    default:
      return LastEvent.None;
  }
}

/** Empties the state the log describes (not where the log is). */
function clearState(): void {
  state.primaryKnown = false;
  state.secondaryKnown = false;
  state.secondaryRole = SecondaryRole.None;
  state.swapKind = SwapKind.None;
  state.swapAreas = 0;
  state.swapReason = 0;
  state.swapArea = 0;
  state.swapStep = 0;
  state.trial = TrialState.None;
  state.trialId = 0;
  state.installs = 0;
  state.lastEvent = LastEvent.None;
  state.lastReason = 0;
  state.counter = 0;
}

/** Applies the entry in ENTRY to the state. */
function apply(kind: Read): void {
  const type = ENTRY[OFFSET_TYPE];
  const arg = ENTRY[OFFSET_ARG];
  const value = readU32LE(ENTRY, OFFSET_VALUE);
  if (kind === Read.Stub) {
    if (state.trial !== TrialState.None && value === state.trialId) confirmState();
    return;
  }
  switch (type) {
    case Entry.Image: {
      const at: u32 = arg === Slot.Primary ? 0 : HEADER_SIZE;
      for (let i: u32 = 0; i < HEADER_SIZE; i++) HEADERS[at + i] = ENTRY[OFFSET_DATA + i];
      if (arg === Slot.Primary) {
        state.primaryKnown = true;
      } else {
        state.secondaryKnown = true;
        state.secondaryRole = value === 2 ? SecondaryRole.Previous : SecondaryRole.Pending;
      }
      break;
    }
    case Entry.Empty:
      if (arg === Slot.Primary) {
        state.primaryKnown = false;
        state.trial = TrialState.None;
      } else {
        state.secondaryKnown = false;
        state.secondaryRole = SecondaryRole.None;
      }
      break;
    case Entry.Swap:
      state.swapKind = swapKindOf(arg);
      state.swapAreas = value & 0xffffff;
      state.swapReason = value >>> 24;
      state.swapArea = 0;
      state.swapStep = 0;
      break;
    case Entry.Step:
      state.swapArea = value;
      state.swapStep = arg;
      break;
    case Entry.SwapDone:
      finishSwapState(value);
      break;
    case Entry.Trial:
      state.trial = trialStateOf(arg);
      state.trialId = value;
      break;
    case Entry.Confirmed:
      confirmState();
      break;
    case Entry.Event:
      state.lastEvent = lastEventOf(arg);
      state.lastReason = value;
      break;
    case Entry.Counter:
      state.counter = value;
      break;
    case Entry.SnapshotEnd:
      state.installs = value; // a compaction carries the install count over
      break;
    default:
      break;
  }
}

function confirmState(): void {
  state.trial = TrialState.None;
  state.lastEvent = LastEvent.Confirmed;
  state.lastReason = 0;
}

/** The state after a swap: the slots' images exchanged, and the kind's consequence. */
function finishSwapState(install: u32): void {
  for (let i: u32 = 0; i < HEADER_SIZE; i++) {
    const t = HEADERS[i];
    HEADERS[i] = HEADERS[HEADER_SIZE + i];
    HEADERS[HEADER_SIZE + i] = t;
  }
  const p = state.primaryKnown;
  state.primaryKnown = state.secondaryKnown;
  state.secondaryKnown = p;
  state.secondaryRole = p ? SecondaryRole.Previous : SecondaryRole.None;
  state.installs = install;
  if (state.swapKind === SwapKind.InstallTest) {
    state.trial = TrialState.Pending;
    state.trialId = install;
    state.lastEvent = LastEvent.Installed;
    state.lastReason = 0;
  } else if (state.swapKind === SwapKind.InstallPermanent) {
    state.trial = TrialState.None;
    state.lastEvent = LastEvent.Installed;
    state.lastReason = 0;
  } else {
    state.trial = TrialState.None;
    state.lastEvent = LastEvent.Reverted;
    state.lastReason = state.swapReason;
  }
  state.swapKind = SwapKind.None;
  state.swapArea = 0;
  state.swapStep = 0;
}

/**
 * Reads the log into the state. The newest complete half is the log; when none is complete (a blank device,
 * or one whose log was lost) the state is empty, and the first entry written starts a fresh log.
 */
export function logLoad(): Status {
  clearState();
  const count = halves();
  state.half = 0;
  state.generation = 0;
  for (let h: u32 = 0; h < count; h++) {
    const gen = completeGeneration(h);
    if (gen > state.generation) {
      state.generation = gen;
      state.half = h;
    }
  }
  if (state.generation === 0) {
    // No log yet (a blank device) or none complete: nothing is written until the first entry is
    // (makeRoom starts the log then), so a boot by itself never writes flash. The half is still 0.
    state.next = 0;
    return Status.Ok;
  }
  const entries = capacity();
  state.next = entries;
  for (let i: u32 = 1; i < entries; i++) {
    const r = readEntry(state.half, i);
    if (r === Read.Blank) {
      state.next = i;
      break;
    }
    if (r !== Read.Torn) apply(r);
  }
  return Status.Ok;
}

/** Erases half `h`: every erase unit in it. */
function eraseHalf(h: u32): Status {
  return eraseRange(halfStart(h), halfSize());
}

/** Fills ENTRY's data and reserved bytes: the first `length` bytes of `data` (at most), the rest zero. */
function stageData(data: Uint8Array, length: u32): void {
  for (let i: u32 = OFFSET_DATA; i < OFFSET_CRC; i++) {
    const d = i - OFFSET_DATA;
    ENTRY[i] = d < length && d < data.length ? data[d] : 0;
  }
}

/** Fills the rest of ENTRY around its staged data (stageData): magic, type, arg, value, and the CRC. */
function encode(type: Entry, arg: u8, value: u32): void {
  ENTRY[0] = u8(ENTRY_MAGIC);
  ENTRY[1] = u8(ENTRY_MAGIC >>> 8);
  ENTRY[OFFSET_TYPE] = type;
  ENTRY[OFFSET_ARG] = arg;
  writeU32LE(ENTRY, OFFSET_VALUE, value);
  writeU32LE(ENTRY, OFFSET_CRC, crc32(ENTRY.subarray(0, OFFSET_CRC)));
}

/**
 * Writes one entry, its data already staged in ENTRY, at the next free position of the active half. A
 * position that does not program cleanly (a cell a power cut left half-programmed) is skipped, and the
 * entry goes to the next one.
 */
function writeStaged(type: Entry, arg: u8, value: u32): Status {
  encode(type, arg, value);
  const entries = capacity();
  while (state.next < entries) {
    const address = entryAddress(state.half, state.next);
    state.next++;
    if (!isErased(address, ENTRY_SIZE)) continue;
    const status = programBytes(address, ENTRY);
    if (status === Status.Ok) return Status.Ok;
    if (status !== Status.VerifyFailed && status !== Status.FlashError) return status;
  }
  return Status.TooBig;
}

/** Writes an entry without data (its data bytes zero). */
function write(type: Entry, arg: u8, value: u32): Status {
  stageData(ENTRY, 0);
  return writeStaged(type, arg, value);
}

/** Writes an Image entry for `slot` whose data is `header`. */
function writeImage(slot: Slot, role: SecondaryRole, header: Uint8Array): Status {
  stageData(header, HEADER_SIZE);
  return writeStaged(Entry.Image, slot, role);
}

/** Makes room for one entry: starts the log when there is none, compacts the active half when it is full. */
function makeRoom(): Status {
  if (state.generation === 0) {
    // No complete log yet (a blank device), so the state is empty: with two halves the log starts as a
    // compaction of that empty state into half 0 (a power cut before its SnapshotEnd leaves no log, as before).
    let started: Status;
    if (singleHalfLog()) {
      started = resetLog();
    } else {
      state.half = 1; // compact() writes into the other half
      started = compact();
    }
    if (started !== Status.Ok) return started;
  }
  if (state.next + 1 >= capacity()) return compact();
  return Status.Ok;
}

/** After an append's write: on success the state is updated as on replay (ENTRY still holds the entry). */
function applyWritten(status: Status): Status {
  if (status === Status.Ok) apply(Read.Valid);
  return status;
}

/** Appends an entry, compacting first when the active half is full. The state is updated as on replay. */
export function logAppend(type: Entry, arg: u8, value: u32): Status {
  let s = makeRoom();
  if (s === Status.Ok) s = write(type, arg, value);
  return applyWritten(s);
}

/** Appends an Image entry for `slot` with `header` (a secondary image is Pending: downloaded, not installed). */
export function logImage(slot: Slot, header: Uint8Array): Status {
  let s = makeRoom();
  if (s === Status.Ok) s = writeImage(slot, SecondaryRole.Pending, header);
  return applyWritten(s);
}

/**
 * Starts a single-half log afresh with an empty state but the anti-rollback counter. Only where losing the
 * rest is intended: a blank device, or a log whose primary image is being replaced anyway. (Two halves
 * never lose state: a blank device's log starts as a compaction of the empty state, makeRoom.)
 */
export function resetLog(): Status {
  const kept = state.counter;
  clearState();
  state.half = 0;
  state.generation = state.generation + 1;
  const erased = eraseHalf(0);
  if (erased !== Status.Ok) return erased;
  state.next = 0;
  let s = write(Entry.Half, 0, state.generation);
  if (s === Status.Ok && kept !== 0) s = write(Entry.Counter, 0, kept);
  if (s === Status.Ok) s = write(Entry.SnapshotEnd, 0, state.generation);
  state.counter = kept;
  return s;
}

/** True when the log has one half only (single-slot boards): it is reset, not compacted, when full. */
export function singleHalfLog(): boolean {
  return halves() < 2;
}

/**
 * Writes the whole state into the other half under the next generation and makes it the log. A single-half
 * log cannot compact safely: it refuses (TooBig) and the caller resets it where that is harmless.
 */
function compact(): Status {
  if (halves() < 2) return Status.TooBig;
  const target = state.half === 0 ? 1 : 0;
  const erased = eraseHalf(target);
  if (erased !== Status.Ok) return erased;
  state.half = target;
  state.generation = state.generation + 1;
  state.next = 0;
  let s = write(Entry.Half, 0, state.generation);
  if (s === Status.Ok && state.primaryKnown) s = writeImage(Slot.Primary, SecondaryRole.None, primaryHeader());
  if (s === Status.Ok && state.secondaryKnown) s = writeImage(Slot.Secondary, state.secondaryRole, secondaryHeader());
  if (s === Status.Ok && state.counter !== 0) s = write(Entry.Counter, 0, state.counter);
  if (s === Status.Ok && state.lastEvent !== LastEvent.None) s = write(Entry.Event, state.lastEvent, state.lastReason);
  if (s === Status.Ok && state.trial !== TrialState.None) s = write(Entry.Trial, state.trial, state.trialId);
  if (s === Status.Ok && state.swapKind !== SwapKind.None) {
    s = write(Entry.Swap, state.swapKind, (state.swapAreas | (state.swapReason << 24)) >>> 0);
    if (s === Status.Ok && state.swapStep !== 0) s = write(Entry.Step, u8(state.swapStep), state.swapArea);
  }
  if (s === Status.Ok) s = write(Entry.SnapshotEnd, 0, state.installs);
  return s;
}

// ---- Reading the state ----

export function primaryHeader(): Uint8Array {
  return HEADERS.subarray(0, HEADER_SIZE);
}
export function secondaryHeader(): Uint8Array {
  return HEADERS.subarray(HEADER_SIZE, 2 * HEADER_SIZE);
}
export function primaryRecorded(): boolean {
  return state.primaryKnown;
}
export function secondaryRecorded(): boolean {
  return state.secondaryKnown;
}
export function secondaryImageRole(): SecondaryRole {
  return state.secondaryRole;
}
export function swapInProgress(): SwapKind {
  return state.swapKind;
}
export function swapProgressArea(): u32 {
  return state.swapArea;
}
export function swapProgressStep(): u8 {
  return state.swapStep;
}
export function swapAreaCount(): u32 {
  return state.swapAreas;
}
export function trialState(): TrialState {
  return state.trial;
}
export function currentTrialId(): u32 {
  return state.trialId;
}
export function installCount(): u32 {
  return state.installs;
}
export function lastInstallEvent(): LastEvent {
  return state.lastEvent;
}
export function lastInstallReason(): u32 {
  return state.lastReason;
}
export function securityCounter(): u32 {
  return state.counter;
}
/**
 * Where an application's ConfirmStub goes: the next free entry (compacting first if the half is nearly
 * full), or 0 when no entry can be offered.
 */
export function confirmStubAddress(): u32 {
  if (state.next + 2 >= capacity() && compact() !== Status.Ok) return 0;
  return entryAddress(state.half, state.next);
}
