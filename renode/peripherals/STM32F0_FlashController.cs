//
// tsboot: the STM32F0 flash interface (RM0091 section 3, "Embedded flash memory", and section 4, "Option
// bytes") for Renode 1.16.1, whose stm32f072.repl maps the flash as plain memory with no controller at all:
// there an erase erases nothing, FLASH_SR and FLASH_WRPR read 0 (every page write-protected), and a store
// changes any bit. Loaded at run time by renode/scripts/tsboot-machine-stm32f0.resc and put at 0x40022000 by
// renode/platforms/stm32f072b-disco.repl.
//
// What it models, with RM0091's section:
// - FLASH_KEYR / FLASH_OPTKEYR (3.2.2 "Unlocking the Flash memory", 4.1 "Option byte programming"): KEY1
//   0x45670123 then KEY2 0xCDEF89AB unlock FLASH_CR; the same keys in FLASH_OPTKEYR set OPTWRE. A wrong key
//   locks FLASH_CR until the next reset (silicon also raises a bus error). LOCK written 1 locks again.
// - Programming (3.2.2 "Main Flash memory programming"): with PG set and FLASH_CR unlocked, a half-word store
//   programs the half-word. A half-word that is not erased is left alone and sets PGERR, except that 0x0000
//   is always written. A page protected by FLASH_WRPR sets WRPRTERR and is left alone. Byte and word stores
//   are bus errors on silicon: the model leaves the cells alone and logs it. EOP is set after each program.
// - Page and mass erase (3.2.2 "Flash memory erase"): PER + FLASH_AR + STRT erases the 2 KB page holding the
//   address; MER + STRT the whole flash. A protected page sets WRPRTERR and nothing is erased.
// - Option bytes at 0x1FFFF800 (4.1): RDP, USER, DATA0, DATA1, WRP0..WRP3, each a half-word (byte and its
//   complement). OPTER + STRT erases them (with OPTWRE), OPTPG + half-word stores program them (1 -> 0 only).
//   FLASH_OBR and FLASH_WRPR hold what the last option-byte load found; OBL_LAUNCH loads them and resets the
//   machine (a system reset, RCC_CSR.OBLRSTF on silicon). They survive machine resets.
// Not modelled: BSY (every operation completes within the store or register write that starts it, so BSY
// never reads 1 and erases take no virtual time), the flash access latency and prefetch (FLASH_ACR is kept
// but has no effect), read protection (RDP is stored, never enforced), and power cuts inside an operation.
//
using System;
using System.Linq;

using Antmicro.Renode.Core;
using Antmicro.Renode.Exceptions;
using Antmicro.Renode.Logging;
using Antmicro.Renode.Peripherals.Bus;
using Antmicro.Renode.Peripherals.CPU;
using Antmicro.Renode.Peripherals.Memory;
using Antmicro.Renode.Time;

namespace Antmicro.Renode.Peripherals.Tsboot
{
    [AllowedTranslations(AllowedTranslation.ByteToDoubleWord | AllowedTranslation.WordToDoubleWord)]
    public class STM32F0_FlashController : IDoubleWordPeripheral, IKnownSize
    {
        public STM32F0_FlashController(IMachine machine, MappedMemory flash, ulong flashBase = 0x08000000)
        {
            this.machine = machine;
            this.flash = flash;
            this.flashBase = flashBase;
            trap = new FlashStoreTrap(machine, flash, flashBase, OnFlashStore, () => !controlLocked, TimeInterval.Empty);
            // Option bytes as shipped: RDP level 0 (0xAA), USER 0xFF (software watchdog), no page protected.
            optionBytes = new ushort[] { 0x55AA, 0x00FF, 0x00FF, 0x00FF, 0x00FF, 0x00FF, 0x00FF, 0x00FF };
            LoadOptionBytes();
            Reset();
        }

        public long Size => 0x400;

        public void Reset()
        {
            controlLocked = true;
            keyIndex = 0;
            disabledUntilReset = false;
            optionKeyIndex = 0;
            control = 0;
            status = 0;
            address = 0;
            accessControl = 0x30;
            EnsureWriteTrap();
        }

        public uint ReadDoubleWord(long offset)
        {
            switch((Registers)offset)
            {
            case Registers.AccessControl:
                // PRFTBS (bit 5) follows PRFTBE (bit 4).
                return (accessControl & 0x17) | ((accessControl & 0x10) << 1);
            case Registers.Status:
                return status;
            case Registers.Control:
                return control | (controlLocked ? ControlLock : 0u);
            case Registers.OptionByte:
                return optionByteRegister;
            case Registers.WriteProtection:
                return writeProtection;
            case Registers.Key:
            case Registers.OptionKey:
            case Registers.Address:
                return 0;
            default:
                this.Log(LogLevel.Warning, "Read from unknown offset 0x{0:X}", offset);
                return 0;
            }
        }

        public void WriteDoubleWord(long offset, uint value)
        {
            EnsureWriteTrap();
            switch((Registers)offset)
            {
            case Registers.AccessControl:
                accessControl = value & 0x17;
                break;
            case Registers.Key:
                ConsumeKey(value);
                break;
            case Registers.OptionKey:
                ConsumeOptionKey(value);
                break;
            case Registers.Status:
                status &= ~(value & StatusClearable); // rc_w1
                break;
            case Registers.Control:
                WriteControl(value);
                break;
            case Registers.Address:
                address = value;
                break;
            default:
                this.Log(LogLevel.Warning, "Write of 0x{0:X8} to unknown offset 0x{1:X}", value, offset);
                break;
            }
        }

        // The option bytes as the CPU reads them (RM0091 4.1: 0x1FFFF800, eight half-words).
        [ConnectionRegion("optionBytes")]
        public uint ReadDoubleWordFromOptionBytes(long offset)
        {
            var i = (int)(offset / 2);
            if(offset < 0 || i + 1 >= optionBytes.Length + 1)
            {
                return 0xFFFFFFFF;
            }
            uint low = optionBytes[i];
            uint high = i + 1 < optionBytes.Length ? optionBytes[i + 1] : 0xFFFFu;
            return (offset % 2 == 0) ? (low | (high << 16)) : 0xFFFFFFFF;
        }

        [ConnectionRegion("optionBytes")]
        public void WriteDoubleWordToOptionBytes(long offset, uint value)
        {
            // Renode translates the CPU's half-word store into a read-modify-write of this double word: only the
            // half-word that changed is a store.
            var current = ReadDoubleWordFromOptionBytes(offset & ~3L);
            for(var half = 0; half < 2; half++)
            {
                var newHalf = (ushort)(value >> (16 * half));
                var oldHalf = (ushort)(current >> (16 * half));
                if(newHalf != oldHalf)
                {
                    ProgramOptionHalfWord((int)((offset & ~3L) / 2) + half, newHalf);
                }
            }
        }

        /// <summary>FLASH_WRPR as loaded (bit i clear: pages 2i and 2i+1 protected); set it before start to model
        /// option bytes programmed earlier.</summary>
        public uint WriteProtection
        {
            get { return writeProtection; }
            set
            {
                for(var n = 0; n < 4; n++)
                {
                    var b = (value >> (8 * n)) & 0xFF;
                    optionBytes[4 + n] = (ushort)(b | ((~b & 0xFF) << 8));
                }
                LoadOptionBytes();
            }
        }

        public bool ControlLocked => controlLocked;

        /// <summary>Routes CPU stores to the flash through this model (the machine script calls it once the
        /// machine is built; the model also does it on its first register access).</summary>
        public void InstallWriteTrap()
        {
            EnsureWriteTrap();
            if(!trap.Installed)
            {
                throw new RecoverableException("InstallWriteTrap: the machine needs its CPU and the flash registered first");
            }
        }

        // ------------------------------------------------------------------ registers

        private void ConsumeKey(uint value)
        {
            if(disabledUntilReset || !controlLocked || Keys[keyIndex] != value)
            {
                this.Log(LogLevel.Warning, "FLASH_KEYR: wrong key sequence (0x{0:X8}); FLASH_CR locked until reset (silicon also raises a bus error)", value);
                controlLocked = true;
                disabledUntilReset = true;
                keyIndex = 0;
                EnsureWriteTrap();
                return;
            }
            keyIndex++;
            if(keyIndex == Keys.Length)
            {
                controlLocked = false;
                keyIndex = 0;
                EnsureWriteTrap();
            }
        }

        private void ConsumeOptionKey(uint value)
        {
            if(controlLocked || Keys[optionKeyIndex] != value)
            {
                this.Log(LogLevel.Warning, "FLASH_OPTKEYR: wrong key or FLASH_CR locked (0x{0:X8}); OPTWRE stays clear", value);
                optionKeyIndex = 0;
                return;
            }
            optionKeyIndex++;
            if(optionKeyIndex == Keys.Length)
            {
                control |= ControlOptionWriteEnable;
                optionKeyIndex = 0;
            }
        }

        private void WriteControl(uint value)
        {
            if(controlLocked)
            {
                if((value & ~ControlLock) != 0)
                {
                    this.Log(LogLevel.Warning, "FLASH_CR written (0x{0:X8}) while locked: ignored", value);
                }
                return;
            }
            // OPTWRE is set only by the option key sequence; writing 0 clears it (RM0091 3.5.5).
            var optionWrite = (control & ControlOptionWriteEnable) != 0 && (value & ControlOptionWriteEnable) != 0;
            control = (value & ControlWritable) | (optionWrite ? ControlOptionWriteEnable : 0u);
            if((value & ControlLock) != 0)
            {
                controlLocked = true;
                keyIndex = 0;
                control = 0;
                EnsureWriteTrap();
                return;
            }
            if((value & ControlObjectLoadLaunch) != 0)
            {
                if(!optionWrite)
                {
                    this.Log(LogLevel.Warning, "OBL_LAUNCH without OPTWRE: ignored");
                    return;
                }
                this.Log(LogLevel.Info, "OBL_LAUNCH: option bytes loaded, system reset");
                LoadOptionBytes();
                machine.RequestReset();
                return;
            }
            if((value & ControlStart) != 0)
            {
                StartErase(optionWrite);
            }
        }

        private void StartErase(bool optionWrite)
        {
            if((control & ControlOptionErase) != 0)
            {
                if(!optionWrite)
                {
                    this.Log(LogLevel.Warning, "OPTER + STRT without OPTWRE: nothing erased");
                    return;
                }
                for(var i = 0; i < optionBytes.Length; i++)
                {
                    optionBytes[i] = 0xFFFF;
                }
                status |= StatusEndOfOperation;
                return;
            }
            if((control & ControlMassErase) != 0)
            {
                if(writeProtection != 0xFFFFFFFF)
                {
                    this.Log(LogLevel.Warning, "Mass erase refused: FLASH_WRPR 0x{0:X8} protects pages; WRPRTERR", writeProtection);
                    status |= StatusWriteProtectionError;
                    return;
                }
                flash.SetRange(0, flash.Size, 0xFF);
                status |= StatusEndOfOperation;
                return;
            }
            if((control & ControlPageErase) != 0)
            {
                var offset = (long)address - (long)flashBase;
                if(offset < 0 || offset >= flash.Size)
                {
                    this.Log(LogLevel.Warning, "Page erase at 0x{0:X8}: outside the flash; nothing erased", address);
                    return;
                }
                var page = offset / PageSize;
                if(IsProtected(page))
                {
                    this.Log(LogLevel.Warning, "Erase of page {0} refused: write-protected (FLASH_WRPR 0x{1:X8}); WRPRTERR", page, writeProtection);
                    status |= StatusWriteProtectionError;
                    return;
                }
                flash.SetRange(page * PageSize, PageSize, 0xFF);
                status |= StatusEndOfOperation;
                return;
            }
            this.Log(LogLevel.Warning, "STRT without PER, MER or OPTER: nothing to erase");
        }

        // ------------------------------------------------------------------ stores

        // A CPU store to flash: returns what the cells hold afterwards (the bus writes that value).
        private ulong OnFlashStore(long offset, int width, ulong value)
        {
            var old = trap.Read(offset, width);
            var address = flashBase + (ulong)offset;
            if(controlLocked || (control & ControlProgram) == 0)
            {
                this.Log(LogLevel.Warning, "Store to flash at 0x{0:X8} without PG ({1}): cells unchanged", address, controlLocked ? "FLASH_CR locked" : "PG clear");
                return old;
            }
            if(width != 2)
            {
                this.Log(LogLevel.Warning, "A {0}-byte store to flash at 0x{1:X8}: a bus error on silicon (half-words only); cells unchanged", width, address);
                return old;
            }
            if(IsProtected(offset / PageSize))
            {
                this.Log(LogLevel.Warning, "Program at 0x{0:X8}: page {1} is write-protected; WRPRTERR", address, offset / PageSize);
                status |= StatusWriteProtectionError;
                return old;
            }
            if(old != 0xFFFF && value != 0)
            {
                this.Log(LogLevel.Warning, "Program at 0x{0:X8}: the half-word is not erased (0x{1:X4}); PGERR", address, old);
                status |= StatusProgrammingError;
                return old;
            }
            status |= StatusEndOfOperation;
            return value & 0xFFFF;
        }

        private void ProgramOptionHalfWord(int index, ushort value)
        {
            if(controlLocked || (control & ControlOptionProgram) == 0 || (control & ControlOptionWriteEnable) == 0)
            {
                this.Log(LogLevel.Warning, "Store to option byte {0} without OPTPG and OPTWRE: unchanged", index);
                return;
            }
            if(index < 0 || index >= optionBytes.Length)
            {
                return;
            }
            if(optionBytes[index] != 0xFFFF)
            {
                this.Log(LogLevel.Warning, "Option half-word {0} is not erased (0x{1:X4}); PGERR", index, optionBytes[index]);
                status |= StatusProgrammingError;
                return;
            }
            optionBytes[index] = value;
            status |= StatusEndOfOperation;
        }

        // ------------------------------------------------------------------ option bytes

        // FLASH_OBR and FLASH_WRPR from the option bytes (RM0091 4.1, 3.5.7, 3.5.8). A byte whose complement does
        // not match sets OPTERR and loads as 0xFF (RDP: as level 1).
        private void LoadOptionBytes()
        {
            var optionError = false;
            Func<int, uint> load = i =>
            {
                uint raw = optionBytes[i];
                uint b = raw & 0xFF;
                if(((raw >> 8) ^ b) != 0xFF)
                {
                    optionError = true;
                    return 0xFF;
                }
                return b;
            };
            uint rdpRaw = optionBytes[0];
            uint rdp = rdpRaw & 0xFF;
            uint level = rdp == 0xAA && (rdpRaw >> 8) == 0x55 ? 0u : rdp == 0xCC && (rdpRaw >> 8) == 0x33 ? 3u : 1u;
            var user = load(1);
            var data0 = load(2);
            var data1 = load(3);
            writeProtection = 0;
            for(var n = 0; n < 4; n++)
            {
                writeProtection |= load(4 + n) << (8 * n);
            }
            optionByteRegister = (optionError ? 1u : 0u) | (level << 1) | (user << 8) | (data0 << 16) | (data1 << 24);
        }

        private bool IsProtected(long page)
        {
            return (writeProtection & (1u << (int)(page / 2))) == 0;
        }

        // ------------------------------------------------------------------ write trap

        // CPU stores reach the model through FlashStoreTrap.cs while FLASH_CR is unlocked: locked, the CPU runs
        // from flash at full speed.
        private void EnsureWriteTrap()
        {
            trap.Update();
        }

        private readonly IMachine machine;
        private readonly MappedMemory flash;
        private readonly ulong flashBase;
        private readonly ushort[] optionBytes;
        private readonly FlashStoreTrap trap;
        private bool controlLocked;
        private bool disabledUntilReset;
        private int keyIndex;
        private int optionKeyIndex;
        private uint control;
        private uint status;
        private uint address;
        private uint accessControl;
        private uint optionByteRegister;
        private uint writeProtection;

        private static readonly uint[] Keys = { 0x45670123, 0xCDEF89AB };
        private const long PageSize = 0x800;             // STM32F07x/F09x: 2 KB pages

        private const uint StatusProgrammingError = 1u << 2;     // PGERR
        private const uint StatusWriteProtectionError = 1u << 4; // WRPRTERR
        private const uint StatusEndOfOperation = 1u << 5;       // EOP
        private const uint StatusClearable = StatusProgrammingError | StatusWriteProtectionError | StatusEndOfOperation;

        private const uint ControlProgram = 1u << 0;             // PG
        private const uint ControlPageErase = 1u << 1;           // PER
        private const uint ControlMassErase = 1u << 2;           // MER
        private const uint ControlOptionProgram = 1u << 4;       // OPTPG
        private const uint ControlOptionErase = 1u << 5;         // OPTER
        private const uint ControlStart = 1u << 6;               // STRT (reads 0: the erase is already done)
        private const uint ControlLock = 1u << 7;                // LOCK
        private const uint ControlOptionWriteEnable = 1u << 9;   // OPTWRE
        private const uint ControlObjectLoadLaunch = 1u << 13;   // OBL_LAUNCH
        // PG, PER, MER, OPTPG, OPTER, ERRIE, EOPIE keep what is written.
        private const uint ControlWritable = ControlProgram | ControlPageErase | ControlMassErase | ControlOptionProgram | ControlOptionErase | (1u << 10) | (1u << 12);

        private enum Registers
        {
            AccessControl = 0x00,   // FLASH_ACR
            Key = 0x04,             // FLASH_KEYR
            OptionKey = 0x08,       // FLASH_OPTKEYR
            Status = 0x0C,          // FLASH_SR
            Control = 0x10,         // FLASH_CR
            Address = 0x14,         // FLASH_AR
            OptionByte = 0x1C,      // FLASH_OBR
            WriteProtection = 0x20, // FLASH_WRPR
        }
    }
}
