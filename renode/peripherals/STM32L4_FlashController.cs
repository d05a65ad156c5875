//
// tsboot: the STM32L4 flash interface (RM0351 section 3, "Embedded Flash memory (FLASH)") for Renode 1.16.1,
// which has no STM32L4 part at all. Loaded at run time by renode/scripts/tsboot-machine-stm32l4.resc and put
// at 0x40022000 by renode/platforms/nucleo-l476rg.repl.
//
// What it models, with RM0351's section:
// - FLASH_KEYR / FLASH_OPTKEYR (3.3.5, 3.4.2): KEY1 0x45670123 then KEY2 0xCDEF89AB clear LOCK; OPTKEY1
//   0x08192A3B then OPTKEY2 0x4C5D6E7F clear OPTLOCK (with LOCK clear). A wrong key locks FLASH_CR until the
//   next reset (silicon also raises a bus error).
// - Programming (3.3.7): with PG set, a double word is two 32-bit stores, the first at the double-word
//   address; the second starts the programming. A double word that is not erased sets PROGERR and is left
//   alone, unless the data is all zeros. A byte or half-word store sets SIZERR, a second word that is not
//   the first's partner PGAERR, a store without PG PGSERR; a WRP area (3.5.3) WRPERR. EOP after success.
// - Page and mass erase (3.3.6): PER + PNB + BKER + STRT erases one 2 KB page of bank 1 or 2 (BFB2 = 0:
//   bank 1 at 0x08000000, bank 2 at 0x08080000 on the 1 MB part); MER1/MER2 a bank. A page in a WRP area
//   sets WRPERR and nothing is erased. STRT over a stale error flag sets PGSERR.
// - Option bytes (3.4): FLASH_OPTR and the WRP registers are written only with OPTLOCK clear; OPTSTRT stores
//   them as the option bytes; OBL_LAUNCH loads them and resets the machine; a machine reset reloads them.
// Not modelled: BSY (every operation completes within the store or register write that starts it: BSY
// never reads 1 and erases take no virtual time), ECC (FLASH_ECCR reads 0: no torn double word, no NMI:
// test/hal-stm32l4's register model carries that proof), fast programming (FSTPG), PCROP and read
// protection, the bank swap (BFB2 = 1), and power cuts inside an operation.
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
    public class STM32L4_FlashController : IDoubleWordPeripheral, IKnownSize
    {
        public STM32L4_FlashController(IMachine machine, MappedMemory flash, ulong flashBase = 0x08000000)
        {
            this.machine = machine;
            this.flash = flash;
            this.flashBase = flashBase;
            trap = new FlashStoreTrap(machine, flash, flashBase, OnFlashStore, () => !controlLocked, TimeInterval.Empty);
            bankSize = flash.Size / 2;
            // Option bytes as shipped (RM0351 3.7.8 reset values): RDP level 0, software watchdogs, dual bank,
            // no WRP area (STRT 0xFF > END 0x00).
            storedOptions = 0xFFEFF8AA;
            storedWrp = new uint[] { 0x000000FF, 0x000000FF, 0x000000FF, 0x000000FF };
            Reset();
        }

        public long Size => 0x400;

        public void Reset()
        {
            controlLocked = true;
            optionLocked = true;
            disabledUntilReset = false;
            keyIndex = 0;
            optionKeyIndex = 0;
            control = 0;
            status = 0;
            accessControl = 0x600;
            pendingValid = false;
            options = storedOptions;
            wrp = (uint[])storedWrp.Clone();
            EnsureWriteTrap();
        }

        public uint ReadDoubleWord(long offset)
        {
            switch((Registers)offset)
            {
            case Registers.AccessControl:
                return accessControl;
            case Registers.Status:
                return status;
            case Registers.Control:
                return control | (controlLocked ? ControlLock : 0u) | (optionLocked ? ControlOptionLock : 0u);
            case Registers.Ecc:
                return eccControl;
            case Registers.Options:
                return options;
            case Registers.Wrp1A:
                return wrp[0];
            case Registers.Wrp1B:
                return wrp[1];
            case Registers.Wrp2A:
                return wrp[2];
            case Registers.Wrp2B:
                return wrp[3];
            case Registers.PowerDownKey:
            case Registers.Key:
            case Registers.OptionKey:
                return 0;
            default:
                return 0;
            }
        }

        public void WriteDoubleWord(long offset, uint value)
        {
            EnsureWriteTrap();
            switch((Registers)offset)
            {
            case Registers.AccessControl:
                accessControl = value & 0x7F07;
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
            case Registers.Ecc:
                // ECCIE keeps its value; ECCC and ECCD clear by writing 1 (never set here).
                eccControl = value & (1u << 24);
                break;
            case Registers.Options:
            case Registers.Wrp1A:
            case Registers.Wrp1B:
            case Registers.Wrp2A:
            case Registers.Wrp2B:
                WriteOptionRegister((Registers)offset, value);
                break;
            default:
                this.Log(LogLevel.Debug, "Write of 0x{0:X8} to offset 0x{1:X} ignored", value, offset);
                break;
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
            if(disabledUntilReset || !controlLocked || ControlKeys[keyIndex] != value)
            {
                this.Log(LogLevel.Warning, "FLASH_KEYR: wrong key sequence (0x{0:X8}); FLASH_CR locked until reset (silicon also raises a bus error)", value);
                controlLocked = true;
                disabledUntilReset = true;
                keyIndex = 0;
                EnsureWriteTrap();
                return;
            }
            if(++keyIndex == ControlKeys.Length)
            {
                controlLocked = false;
                keyIndex = 0;
                EnsureWriteTrap();
            }
        }

        private void ConsumeOptionKey(uint value)
        {
            if(controlLocked || !optionLocked || OptionKeys[optionKeyIndex] != value)
            {
                this.Log(LogLevel.Warning, "FLASH_OPTKEYR: wrong key, or FLASH_CR locked (0x{0:X8}); OPTLOCK stays set", value);
                optionKeyIndex = 0;
                return;
            }
            if(++optionKeyIndex == OptionKeys.Length)
            {
                optionLocked = false;
                optionKeyIndex = 0;
            }
        }

        private void WriteControl(uint value)
        {
            if(controlLocked)
            {
                if((value & ~(ControlLock | ControlOptionLock)) != 0)
                {
                    this.Log(LogLevel.Warning, "FLASH_CR written (0x{0:X8}) while locked: ignored", value);
                }
                return;
            }
            control = value & ControlWritable;
            if((value & ControlOptionLock) != 0)
            {
                optionLocked = true;
            }
            if((value & ControlLock) != 0)
            {
                controlLocked = true;
                optionLocked = true;
                keyIndex = 0;
                control = 0;
                pendingValid = false;
                EnsureWriteTrap();
                return;
            }
            if((value & ControlObjectLoadLaunch) != 0)
            {
                if(optionLocked)
                {
                    this.Log(LogLevel.Warning, "OBL_LAUNCH with OPTLOCK set: ignored");
                    return;
                }
                this.Log(LogLevel.Info, "OBL_LAUNCH: option bytes loaded, system reset");
                machine.RequestReset();
                return;
            }
            if((value & ControlOptionStart) != 0)
            {
                if(optionLocked)
                {
                    this.Log(LogLevel.Warning, "OPTSTRT with OPTLOCK set: ignored");
                    return;
                }
                storedOptions = options;
                storedWrp = (uint[])wrp.Clone();
                status |= StatusEndOfOperation;
                return;
            }
            if((value & ControlStart) != 0)
            {
                StartErase();
            }
        }

        private void WriteOptionRegister(Registers register, uint value)
        {
            if(optionLocked)
            {
                this.Log(LogLevel.Warning, "{0} written (0x{1:X8}) with OPTLOCK set: ignored", register, value);
                return;
            }
            switch(register)
            {
            case Registers.Options:
                options = value;
                break;
            case Registers.Wrp1A:
                wrp[0] = value & WrpMask;
                break;
            case Registers.Wrp1B:
                wrp[1] = value & WrpMask;
                break;
            case Registers.Wrp2A:
                wrp[2] = value & WrpMask;
                break;
            case Registers.Wrp2B:
                wrp[3] = value & WrpMask;
                break;
            }
        }

        private void StartErase()
        {
            if((status & StatusErrors) != 0)
            {
                this.Log(LogLevel.Warning, "STRT over a stale error flag (FLASH_SR 0x{0:X8}): PGSERR", status);
                status |= StatusProgrammingSequenceError;
                return;
            }
            var mer1 = (control & ControlMassErase1) != 0;
            var mer2 = (control & ControlMassErase2) != 0;
            if(mer1 || mer2)
            {
                for(var bank = 0; bank < 2; bank++)
                {
                    if((bank == 0 && !mer1) || (bank == 1 && !mer2))
                    {
                        continue;
                    }
                    if(Enumerable.Range(0, (int)(bankSize / PageSize)).Any(p => IsProtected(bank, p)))
                    {
                        this.Log(LogLevel.Warning, "Mass erase of bank {0} refused: a WRP area covers a page; WRPERR", bank + 1);
                        status |= StatusWriteProtectionError;
                        return;
                    }
                }
                if(mer1)
                {
                    flash.SetRange(0, bankSize, 0xFF);
                }
                if(mer2)
                {
                    flash.SetRange(bankSize, bankSize, 0xFF);
                }
                status |= StatusEndOfOperation;
                return;
            }
            if((control & ControlPageErase) == 0)
            {
                this.Log(LogLevel.Warning, "STRT without PER or MER: nothing to erase");
                return;
            }
            var page = (int)((control >> ControlPageShift) & 0xFF);
            var bankIndex = (control & ControlBankErase) != 0 ? 1 : 0;
            if(IsProtected(bankIndex, page))
            {
                this.Log(LogLevel.Warning, "Erase of bank {0} page {1} refused: in a WRP area; WRPERR", bankIndex + 1, page);
                status |= StatusWriteProtectionError;
                return;
            }
            flash.SetRange(bankIndex * bankSize + page * PageSize, PageSize, 0xFF);
            status |= StatusEndOfOperation;
        }

        // ------------------------------------------------------------------ stores

        // A CPU store to flash: returns what the cells at this store's address hold afterwards (the bus writes it).
        private ulong OnFlashStore(long offset, int width, ulong value)
        {
            var old = trap.Read(offset, width);
            var address = flashBase + (ulong)offset;
            if(controlLocked || (control & ControlProgram) == 0)
            {
                this.Log(LogLevel.Warning, "Store to flash at 0x{0:X8} without PG: PGSERR, cells unchanged", address);
                status |= StatusProgrammingSequenceError;
                return old;
            }
            if(width == 8 && offset % 8 == 0)
            {
                ProgramDoubleWord(offset, (uint)value, (uint)(value >> 32));
                return trap.Read(offset, width);
            }
            if(width != 4)
            {
                this.Log(LogLevel.Warning, "A {0}-byte store to flash at 0x{1:X8}: SIZERR, cells unchanged", width, address);
                status |= StatusSizeError;
                pendingValid = false;
                return old;
            }
            if(!pendingValid)
            {
                if(offset % 8 != 0)
                {
                    this.Log(LogLevel.Warning, "First word at 0x{0:X8}, not a double-word address: PGAERR", address);
                    status |= StatusAlignmentError;
                    return old;
                }
                pendingValid = true;
                pendingOffset = offset;
                pendingLow = (uint)value;
                return old; // the first word waits for its partner
            }
            pendingValid = false;
            if(offset != pendingOffset + 4)
            {
                this.Log(LogLevel.Warning, "Second word at 0x{0:X8}, not the partner of 0x{1:X8}: PGAERR", address, flashBase + (ulong)pendingOffset);
                status |= StatusAlignmentError;
                return old;
            }
            ProgramDoubleWord(pendingOffset, pendingLow, (uint)value);
            return trap.Read(offset, width);
        }

        private void ProgramDoubleWord(long offset, uint low, uint high)
        {
            var address = flashBase + (ulong)offset;
            if((status & StatusErrors) != 0)
            {
                this.Log(LogLevel.Warning, "Program at 0x{0:X8} over a stale error flag (FLASH_SR 0x{1:X8}): PGSERR", address, status);
                status |= StatusProgrammingSequenceError;
                return;
            }
            if(IsProtected((int)(offset / bankSize), (int)((offset % bankSize) / PageSize)))
            {
                this.Log(LogLevel.Warning, "Program at 0x{0:X8}: in a WRP area; WRPERR", address);
                status |= StatusWriteProtectionError;
                return;
            }
            var erased = flash.ReadDoubleWord(offset) == 0xFFFFFFFF && flash.ReadDoubleWord(offset + 4) == 0xFFFFFFFF;
            if(!erased && (low != 0 || high != 0))
            {
                this.Log(LogLevel.Warning, "Program at 0x{0:X8}: the double word is not erased; PROGERR", address);
                status |= StatusProgrammingError;
                return;
            }
            flash.WriteDoubleWord(offset, low);
            flash.WriteDoubleWord(offset + 4, high);
            status |= StatusEndOfOperation;
        }

        // A page of `bank` (0, 1) inside one of its two WRP areas (RM0351 3.5.3: STRT <= page <= END).
        private bool IsProtected(int bank, int page)
        {
            for(var area = 0; area < 2; area++)
            {
                var reg = wrp[bank * 2 + area];
                var start = (int)(reg & 0xFF);
                var end = (int)((reg >> 16) & 0xFF);
                if(start <= end && page >= start && page <= end)
                {
                    return true;
                }
            }
            return false;
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
        private readonly long bankSize;
        private uint storedOptions;
        private uint[] storedWrp;
        private uint options;
        private uint[] wrp;
        private readonly FlashStoreTrap trap;
        private bool controlLocked;
        private bool optionLocked;
        private bool disabledUntilReset;
        private int keyIndex;
        private int optionKeyIndex;
        private uint control;
        private uint status;
        private uint accessControl;
        private uint eccControl;
        private bool pendingValid;
        private long pendingOffset;
        private uint pendingLow;

        private static readonly uint[] ControlKeys = { 0x45670123, 0xCDEF89AB };
        private static readonly uint[] OptionKeys = { 0x08192A3B, 0x4C5D6E7F };
        private const long PageSize = 0x800;
        private const uint WrpMask = 0x00FF00FF;

        private const uint StatusEndOfOperation = 1u << 0;          // EOP
        private const uint StatusProgrammingError = 1u << 3;        // PROGERR
        private const uint StatusWriteProtectionError = 1u << 4;    // WRPERR
        private const uint StatusAlignmentError = 1u << 5;          // PGAERR
        private const uint StatusSizeError = 1u << 6;               // SIZERR
        private const uint StatusProgrammingSequenceError = 1u << 7; // PGSERR
        // OPERR, PROGERR, WRPERR, PGAERR, SIZERR, PGSERR, MISERR, FASTERR, RDERR, OPTVERR
        private const uint StatusErrors = (1u << 1) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 7) | (1u << 8) | (1u << 9) | (1u << 14) | (1u << 15);
        private const uint StatusClearable = StatusErrors | StatusEndOfOperation;

        private const uint ControlProgram = 1u << 0;            // PG
        private const uint ControlPageErase = 1u << 1;          // PER
        private const uint ControlMassErase1 = 1u << 2;         // MER1
        private const int ControlPageShift = 3;                 // PNB[10:3]
        private const uint ControlBankErase = 1u << 11;         // BKER
        private const uint ControlMassErase2 = 1u << 15;        // MER2
        private const uint ControlStart = 1u << 16;             // STRT (reads 0: the erase is already done)
        private const uint ControlOptionStart = 1u << 17;       // OPTSTRT
        private const uint ControlObjectLoadLaunch = 1u << 27;  // OBL_LAUNCH
        private const uint ControlOptionLock = 1u << 30;        // OPTLOCK
        private const uint ControlLock = 1u << 31;              // LOCK
        // PG, PER, MER1, PNB, BKER, MER2, FSTPG, EOPIE, ERRIE, RDERRIE keep what is written.
        private const uint ControlWritable = 0x07048FFF;

        private enum Registers
        {
            AccessControl = 0x00,   // FLASH_ACR
            PowerDownKey = 0x04,    // FLASH_PDKEYR
            Key = 0x08,             // FLASH_KEYR
            OptionKey = 0x0C,       // FLASH_OPTKEYR
            Status = 0x10,          // FLASH_SR
            Control = 0x14,         // FLASH_CR
            Ecc = 0x18,             // FLASH_ECCR
            Options = 0x20,         // FLASH_OPTR
            Wrp1A = 0x2C,           // FLASH_WRP1AR
            Wrp1B = 0x30,           // FLASH_WRP1BR
            Wrp2A = 0x4C,           // FLASH_WRP2AR
            Wrp2B = 0x50,           // FLASH_WRP2BR
        }
    }
}
