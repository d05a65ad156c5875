/**
 * The loadable bytes of a 32-bit little-endian ARM ELF executable, at their load (flash) addresses.
 *
 * Written by hand instead of taken from npm: the maintained-looking ELF readers there (`elfy`, `elf-tools`,
 * `elfinfo`) are small single-author packages without recent releases, and all we need is ~100 lines of
 * the ELF32 layout (System V gABI, "Program Header" and "Sections"): the file header, the program headers
 * and the section headers.
 *
 * What is loaded, and where, follows `arm-none-eabi-objcopy -O binary`: every allocated section that has
 * file contents (SHF_ALLOC, not SHT_NOBITS, size > 0), placed at its load address (LMA). The LMA comes
 * from the PT_LOAD segment holding the section: p_paddr + (sh_offset - p_offset). That is how `.data`
 * (run address in RAM, `AT> FLASH` in the linker script) lands in flash right after `.text`, and why
 * `.bss` and `.noinit` (no file contents) never appear. Without section headers (a stripped file) the
 * PT_LOAD segments' file contents are used at p_paddr.
 */

export interface ElfSegment {
  /** Load address (LMA). */
  address: number;
  data: Uint8Array;
  /** Section name(s), for messages. */
  name: string;
}

export class ElfError extends Error {}

const PT_LOAD = 1;
const SHT_NOBITS = 8;
const SHF_ALLOC = 2;
const EM_ARM = 40;

export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

export function readElfSegments(bytes: Uint8Array): ElfSegment[] {
  if (!isElf(bytes)) throw new ElfError("not an ELF file (no \\x7fELF magic)");
  if (bytes.length < 52) throw new ElfError("truncated ELF header");
  const cls = bytes[4];
  const endian = bytes[5];
  if (cls !== 1) throw new ElfError(`a ${cls === 2 ? "64-bit" : "unknown-class"} ELF file; STM32 applications are 32-bit ELF (arm-none-eabi-gcc)`);
  if (endian !== 1) throw new ElfError("a big-endian ELF file; Cortex-M applications are little-endian");
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => v.getUint16(at, true);
  const u32 = (at: number) => v.getUint32(at, true);
  const machine = u16(18);
  if (machine !== EM_ARM) throw new ElfError(`built for ELF machine ${machine}, not ARM (${EM_ARM}): use arm-none-eabi-gcc`);

  const phoff = u32(28);
  const shoff = u32(32);
  const phentsize = u16(42);
  const phnum = u16(44);
  const shentsize = u16(46);
  const shnum = u16(48);
  const shstrndx = u16(50);

  const check = (offset: number, size: number, what: string) => {
    if (offset + size > bytes.length) throw new ElfError(`truncated ELF file: ${what} lies past its end`);
  };

  const loads: { offset: number; vaddr: number; paddr: number; filesz: number }[] = [];
  if (phnum > 0) {
    if (phentsize < 32) throw new ElfError(`program header entries of ${phentsize} bytes (expected 32)`);
    check(phoff, phnum * phentsize, "the program header table");
    for (let i = 0; i < phnum; i++) {
      const at = phoff + i * phentsize;
      if (u32(at) !== PT_LOAD) continue;
      const offset = u32(at + 4);
      const filesz = u32(at + 16);
      if (filesz === 0) continue;
      check(offset, filesz, `segment ${i}`);
      loads.push({ offset, vaddr: u32(at + 8), paddr: u32(at + 12), filesz });
    }
  }
  if (loads.length === 0) return [];

  const out: ElfSegment[] = [];
  if (shnum > 0 && shoff !== 0) {
    if (shentsize < 40) throw new ElfError(`section header entries of ${shentsize} bytes (expected 40)`);
    check(shoff, shnum * shentsize, "the section header table");
    const strtab = shstrndx < shnum ? { offset: u32(shoff + shstrndx * shentsize + 16), size: u32(shoff + shstrndx * shentsize + 20) } : null;
    const nameAt = (index: number): string => {
      if (!strtab || index >= strtab.size) return "?";
      let end = strtab.offset + index;
      while (end < bytes.length && bytes[end] !== 0) end++;
      return Buffer.from(bytes.subarray(strtab.offset + index, end)).toString("latin1");
    };
    for (let i = 0; i < shnum; i++) {
      const at = shoff + i * shentsize;
      const type = u32(at + 4);
      const flags = u32(at + 8);
      const offset = u32(at + 16);
      const size = u32(at + 20);
      if ((flags & SHF_ALLOC) === 0 || type === SHT_NOBITS || size === 0) continue;
      const name = nameAt(u32(at));
      const seg = loads.find((p) => offset >= p.offset && offset + size <= p.offset + p.filesz);
      if (!seg) continue; // allocated but in no loaded segment: objcopy skips it too
      check(offset, size, `section ${name}`);
      out.push({ address: (seg.paddr + (offset - seg.offset)) >>> 0, data: bytes.subarray(offset, offset + size), name });
    }
    if (out.length > 0) return out.sort((a, b) => a.address - b.address);
  }
  // No usable section headers: the segments' file contents.
  return loads
    .map((p, i) => ({ address: p.paddr >>> 0, data: bytes.subarray(p.offset, p.offset + p.filesz), name: `segment ${i}` }))
    .sort((a, b) => a.address - b.address);
}
