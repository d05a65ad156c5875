//
// tsboot: a faithful model of the STM32F4 embedded flash interface (RM0090 section 3, "Embedded flash
// memory interface"; RM0383/RM0368 for the F411/F401, which share it) for Renode 1.16.1.
//
// Loaded at run time by renode/scripts/tsboot-machine.resc (`include @.../STM32F4_FlashController.cs`) and
// put in place of Renode's MTD.STM32F4_FlashController by renode/platforms/*.repl. Why a model of our own
// (docs/renode.md): Renode's has a wrong sector table, ignores PG/PSIZE, never sets BSY or an error flag,
// lets a store set bits, and erases in no time, so a bootloader tested on it proves little about its flash code.
//
// What this model does, with the manual's section for each:
// - Sectors (RM0090 table 5/6): 4 x 16 KB, 1 x 64 KB, then 128 KB; a 2 MB part has a second bank of the
//   same 12 sectors, numbered SNB 16..27. The layout follows the size of the flash memory it is given.
// - FLASH_KEYR / FLASH_OPTKEYR (3.5.1, 3.7.2): KEY1 0x45670123 then KEY2 0xCDEF89AB unlock FLASH_CR;
//   OPTKEY1 0x08192A3B then OPTKEY2 0x4C5D6E7F unlock FLASH_OPTCR. Any other value or order (also keys
//   written while already unlocked) locks the register until the next reset (silicon also raises a bus error).
// - Programming (3.6.2, 3.6.4): only with PG set and FLASH_CR unlocked, else PGSERR. The store's width must
//   be PSIZE's (x8 byte, x16 half-word, x32 word, x64 double word), else PGPERR; a store crossing a 128-bit
//   row sets PGAERR. Programming only clears bits: the cell becomes old AND new, and F4 flags nothing when a
//   0 should have become 1 (the driver must read back). A write-protected sector sets WRPERR.
// - Erase (3.6.3): STRT with SER and SNB, or MER (MER1 for bank 2); SER with MER erases nothing (the model
//   sets PGSERR for it). A protected sector (nWRP bit clear) sets WRPERR and nothing is erased.
// - BSY (3.6.1 and the datasheet): set for the datasheet's typical time in virtual time (see Timing below),
//   EOP after success only when EOPIE is set, OPERR beside an error only when ERRIE is set. Error and EOP
//   flags clear by writing 1. FLASH_CR written while BSY is set: silicon stalls the bus until BSY clears;
//   the model applies the write when BSY clears (and logs it). A flash store during BSY is queued likewise.
// - Reads and code fetches from flash stall while BSY is set (3.6.1: "code or data fetches cannot be performed
//   while a write/erase operation is ongoing"): when the CPU that starts an operation runs from flash, it is
//   halted until the operation ends (virtual time goes on), so it cannot poll anything meanwhile, as on silicon.
// - Option bytes (3.7): FLASH_OPTCR (nWRP, RDP, USER, BOR_LEV) is written only after OPTKEYR unlocks it;
//   OPTSTRT programs it into the option bytes (BSY meanwhile) and the new nWRP protects sectors from then on.
//   A reset reloads FLASH_OPTCR from the option bytes. The option bytes also read at 0x1FFFC000/0x1FFFC008.
// - The hardware watchdog (3.7.1 USER byte, RM0090 21.3.1): with WDG_SW = 0 the independent watchdog runs from
//   every reset. Given the platform's IWDG (`watchdog: iwdg`), the model starts it (KR = 0xCCCC) at power-on and
//   after every machine reset (Renode's STM32_IndependentWatchdog starts stopped), so software sees what it
//   sees on silicon: a watchdog already running with its reset period (prescaler /4, reload 0xFFF: 0.5 s).
// - Power cuts for tests: CutPowerDuring arms a cut inside the n-th next erase or program; the sector is left
//   partly erased, or the word partly programmed (seeded), and the CPU stops for good. A reset during an
//   operation leaves the same kind of partial result.
//
// Timing (STM32F411xC/xE datasheet DS10314, table "Flash memory programming", VDD 2.7-3.6 V; the F401 (DS9716)
// and F405/407 (DS8626) give the same per-sector figures), typical / maximum:
//   word program (any PSIZE)   16 us / 100 us
//   16 KB sector  x8 400/800 ms   x16 300/600 ms    x32 250/500 ms
//   64 KB sector  x8 1200/2400 ms x16 700/1400 ms   x32 550/1100 ms
//   128 KB sector x8 2/4 s        x16 1.3/2.6 s     x32 1/2 s
//   mass erase    x8 8/16 s       x16 5.5/11 s      x32 4/8 s  (512 KB parts; the model scales by size)
//   x64 (external VPP) is taken as x32. Option byte programming has no figure in the datasheet: the model
//   takes a 16 KB sector erase (the option bytes are erased and written as one block).
// UseMaximumTimes switches to the maxima.
//
using System;
using System.Collections.Generic;
using System.Linq;

using Antmicro.Renode.Core;
using Antmicro.Renode.Exceptions;
using Antmicro.Renode.Logging;
using Antmicro.Renode.Peripherals.Bus;
using Antmicro.Renode.Peripherals.CPU;
using Antmicro.Renode.Peripherals.Memory;
using Antmicro.Renode.Peripherals.Timers;
using Antmicro.Renode.Time;

namespace Antmicro.Renode.Peripherals.Tsboot
{
    [AllowedTranslations(AllowedTranslation.ByteToDoubleWord | AllowedTranslation.WordToDoubleWord)]
    public class STM32F4_FlashController : IDoubleWordPeripheral, IKnownSize, IGPIOSender
    {
        public STM32F4_FlashController(IMachine machine, MappedMemory flash, STM32_IndependentWatchdog watchdog = null, ulong flashBase = 0x08000000, bool stallCpuDuringOperations = true, bool trapStores = true, bool routeCpuStoresWhileLocked = false)
        {
            this.machine = machine;
            this.flash = flash;
            this.watchdog = watchdog;
            this.flashBase = flashBase;
            this.stallCpu = stallCpuDuringOperations;
            this.trapStores = trapStores;
            this.routeCpuStoresWhileLocked = routeCpuStoresWhileLocked;
            trap = new FlashStoreTrap(machine, flash, flashBase, OnFlashStore, () => this.routeCpuStoresWhileLocked || !controlLocked, RouteHoldTime);
            IRQ = new GPIO();
            sectors = BuildSectorMap(flash.Size);
            optionBytesWriteProtection = AllSectorsUnprotected;
            optionBytesReadProtection = 0xAA;
            optionBytesUser = DefaultUserAndBor;
            Reset();
            // After every peripheral has been reset (Machine.Reset raises MachineReset last): a watchdog that the
            // option bytes start runs again from the reset, as on silicon.
            machine.MachineReset += _ => StartHardwareWatchdogIfSelected();
        }

        // ------------------------------------------------------------------ Renode plumbing

        public long Size => 0x400;

        public GPIO IRQ { get; private set; }

        public void Reset()
        {
            // A reset in the middle of an operation interrupts it: the cells are left as far as it got.
            if(current != null)
            {
                var elapsed = Now - current.Started;
                var fraction = Math.Min(1.0, elapsed.TotalMicroseconds / Math.Max(1.0, current.Duration.TotalMicroseconds));
                this.Log(LogLevel.Warning, "Reset during {0}: leaving it {1:P0} done", current.Describe(), fraction);
                ApplyPartially(current, fraction, new Random(0));
                ReleaseCpu();
            }
            current = null;
            queue.Clear();
            deferredControlWrites.Clear();

            controlLocked = true;
            controlKeyIndex = 0;
            controlDisabledUntilReset = false;
            optionLocked = true;
            optionKeyIndex = 0;
            optionDisabledUntilReset = false;

            accessControl = 0;
            control = ControlLock;
            status = 0;
            LoadOptionControlFromOptionBytes();
            IRQ.Unset();
            EnsureWriteTrap();
        }

        public uint ReadDoubleWord(long offset)
        {
            switch((Registers)offset)
            {
            case Registers.AccessControl:
                return accessControl;
            case Registers.Key:
            case Registers.OptionKey:
                return 0;
            case Registers.Status:
                if(current != null)
                {
                    StallBusyPoll();
                }
                return status | (current != null ? StatusBusy : 0u);
            case Registers.Control:
                // STRT reads 1 until BSY clears (RM0090 3.9.7).
                return (control & ~ControlLock & ~ControlStart) | (controlLocked ? ControlLock : 0u)
                    | (current != null && current.Kind == OperationKind.Erase ? ControlStart : 0u);
            case Registers.OptionControl:
                return (optionControl & ~OptionControlLock & ~OptionControlStart) | (optionLocked ? OptionControlLock : 0u)
                    | (current != null && current.Kind == OperationKind.OptionBytes ? OptionControlStart : 0u);
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
                // LATENCY, PRFTEN, ICEN, DCEN are kept; ICRST/DCRST only take while their cache is off (RM0090 3.9.1).
                accessControl = value & AccessControlWritable;
                if((value & AccessControlIcen) != 0)
                {
                    accessControl &= ~AccessControlIcrst;
                }
                if((value & AccessControlDcen) != 0)
                {
                    accessControl &= ~AccessControlDcrst;
                }
                break;
            case Registers.Key:
                ConsumeKey(value, ControlKeys, ref controlKeyIndex, ref controlLocked, ref controlDisabledUntilReset, "FLASH_CR");
                break;
            case Registers.OptionKey:
                ConsumeKey(value, OptionKeys, ref optionKeyIndex, ref optionLocked, ref optionDisabledUntilReset, "FLASH_OPTCR");
                break;
            case Registers.Status:
                // rc_w1: writing 1 clears EOP and the error flags; BSY is read-only.
                status &= ~(value & StatusClearable);
                UpdateInterrupt();
                break;
            case Registers.Control:
                if(current != null)
                {
                    this.Log(LogLevel.Warning, "FLASH_CR written (0x{0:X8}) while BSY is set: silicon stalls the bus until BSY clears; the write takes effect then", value);
                    deferredControlWrites.Enqueue(value);
                    break;
                }
                WriteControl(value);
                break;
            case Registers.OptionControl:
                WriteOptionControl(value);
                break;
            default:
                this.Log(LogLevel.Warning, "Write of 0x{0:X8} to unknown offset 0x{1:X}", value, offset);
                break;
            }
        }

        // The option bytes as the CPU reads them (RM0090 3.7.1): 0x1FFFC000 USER/RDP, 0x1FFFC008 nWRP.
        [ConnectionRegion("optionBytes")]
        public uint ReadDoubleWordFromOptionBytes(long offset)
        {
            switch(offset)
            {
            case 0x0:
                return (optionBytesReadProtection << 8) | optionBytesUser;
            case 0x8:
                return optionBytesWriteProtection;
            default:
                return 0xFFFFFFFF;
            }
        }

        [ConnectionRegion("optionBytes")]
        public void WriteDoubleWordToOptionBytes(long offset, uint value)
        {
            // Option bytes change only through FLASH_OPTCR and OPTSTRT; a store there sets PGSERR like any
            // store to flash without a programming sequence.
            this.Log(LogLevel.Warning, "Store of 0x{0:X8} to the option bytes (offset 0x{1:X}): only FLASH_OPTCR changes them", value, offset);
            SetErrors(StatusProgrammingSequenceError);
        }

        // ------------------------------------------------------------------ for tests (monitor commands)

        /// <summary>The option bytes' nWRP (bit i clear = sector i write-protected), as kept across resets;
        /// set it before start to model a board whose option bytes were programmed earlier.</summary>
        public uint OptionBytesWriteProtection
        {
            get { return optionBytesWriteProtection; }
            set
            {
                optionBytesWriteProtection = value & AllSectorsUnprotected;
                LoadOptionControlFromOptionBytes();
            }
        }

        /// <summary>The option bytes' USER byte as FLASH_OPTCR shows it (bits 7:2: nRST_STDBY, nRST_STOP, WDG_SW,
        /// BOR_LEV), kept across resets; set it before start to model a board programmed earlier.</summary>
        public uint OptionBytesUser
        {
            get { return optionBytesUser; }
            set
            {
                optionBytesUser = value & UserByteMask;
                LoadOptionControlFromOptionBytes();
                StartHardwareWatchdogIfSelected();
            }
        }

        /// <summary>WDG_SW = 0 ("hardware watchdog", a common production setting): the independent watchdog runs
        /// from every reset. Setting it before start is a power-on with these option bytes: the watchdog starts now.</summary>
        public bool HardwareWatchdog
        {
            get { return (optionBytesUser & UserWatchdogSoftware) == 0; }
            set { OptionBytesUser = value ? optionBytesUser & ~UserWatchdogSoftware : optionBytesUser | UserWatchdogSoftware; }
        }

        /// <summary>Datasheet maxima instead of typical times.</summary>
        public bool UseMaximumTimes { get; set; }

        /// <summary>True once a power cut armed with CutPowerDuring has happened (the CPU is stopped for good).</summary>
        public bool PowerCut { get; private set; }

        public bool ControlLocked => controlLocked;

        public ulong ErasesStarted { get; private set; }

        public ulong ProgramsStarted { get; private set; }

        /// <summary>Arms a power cut inside the `occurrence`-th next "erase", "program" or "any" flash operation,
        /// `percent` of the way through it; `seed` chooses which cells got how far.</summary>
        public void CutPowerDuring(string operation, int occurrence = 1, int percent = 50, int seed = 1)
        {
            OperationKind? kind;
            switch(operation.ToLowerInvariant())
            {
            case "erase":
                kind = OperationKind.Erase;
                break;
            case "program":
                kind = OperationKind.Program;
                break;
            case "any":
                kind = null;
                break;
            default:
                throw new RecoverableException("CutPowerDuring: operation is \"erase\", \"program\" or \"any\"");
            }
            if(occurrence < 1 || percent < 0 || percent > 100)
            {
                throw new RecoverableException("CutPowerDuring: occurrence >= 1, percent 0..100");
            }
            armedCut = new PowerCutPlan { Kind = kind, Remaining = occurrence, Fraction = percent / 100.0, Seed = seed };
            this.Log(LogLevel.Info, "Power cut armed: {0} #{1}, {2}% through, seed {3}", operation, occurrence, percent, seed);
        }

        /// <summary>Routes CPU stores to the flash through this model (renode/scripts/tsboot-machine.resc calls it
        /// once the machine is built; the model also does it on its first register access).</summary>
        public void InstallWriteTrap()
        {
            EnsureWriteTrap();
            if(trapStores && !trap.Installed)
            {
                throw new RecoverableException("InstallWriteTrap: the machine needs its CPU and the flash registered first");
            }
        }

        /// <summary>The sectors as "index start size" lines (start relative to the flash base).</summary>
        public string SectorMap()
        {
            return string.Join("\n", sectors.Select(s => string.Format("{0} 0x{1:X8} 0x{2:X}", s.Snb, flashBase + (ulong)s.Offset, s.Size)));
        }

        // ------------------------------------------------------------------ registers

        private void ConsumeKey(uint value, uint[] keys, ref int index, ref bool locked, ref bool disabledUntilReset, string register)
        {
            if(disabledUntilReset)
            {
                this.Log(LogLevel.Warning, "{0} key 0x{1:X8} ignored: a wrong key sequence locked it until reset", register, value);
                return;
            }
            if(!locked || index >= keys.Length || keys[index] != value)
            {
                // RM0090 3.5.1: a wrong key or order (or keys while unlocked) locks the register until reset.
                this.Log(LogLevel.Warning, "{0}: wrong key sequence (0x{1:X8}); locked until reset (silicon also raises a bus error)", register, value);
                locked = true;
                index = 0;
                disabledUntilReset = true;
                EnsureWriteTrap();
                return;
            }
            index++;
            if(index == keys.Length)
            {
                locked = false;
                index = 0;
                this.Log(LogLevel.Debug, "{0} unlocked", register);
                EnsureWriteTrap();
            }
        }

        private void WriteControl(uint value)
        {
            if(controlLocked)
            {
                // Only LOCK itself can be written while locked (and it is already set).
                if((value & ~ControlLock) != 0)
                {
                    this.Log(LogLevel.Warning, "FLASH_CR written (0x{0:X8}) while locked: ignored", value);
                }
                return;
            }
            control = value & ControlWritable;
            if((value & ControlLock) != 0)
            {
                controlLocked = true;
                controlKeyIndex = 0;
                EnsureWriteTrap();
            }
            UpdateInterrupt();
            if(controlLocked)
            {
                return;
            }
            if((value & ControlStart) != 0)
            {
                StartErase();
            }
        }

        private void WriteOptionControl(uint value)
        {
            if((value & OptionControlLock) != 0)
            {
                optionLocked = true;
                optionKeyIndex = 0;
                return;
            }
            if(optionLocked)
            {
                this.Log(LogLevel.Warning, "FLASH_OPTCR written (0x{0:X8}) while locked: ignored", value);
                return;
            }
            if(current != null)
            {
                this.Log(LogLevel.Warning, "FLASH_OPTCR written while BSY is set: ignored (silicon stalls the bus)");
                return;
            }
            optionControl = value & OptionControlWritable;
            if((value & OptionControlStart) != 0)
            {
                var op = new Operation { Kind = OperationKind.OptionBytes, Duration = EraseTime(16 * 1024, 2) };
                Begin(op);
            }
        }

        private void LoadOptionControlFromOptionBytes()
        {
            optionControl = ((optionBytesWriteProtection & 0xFFF) << 16) | (optionBytesReadProtection << 8) | optionBytesUser;
        }

        // ------------------------------------------------------------------ operations

        private void StartErase()
        {
            var ser = (control & ControlSectorErase) != 0;
            var mer = (control & (ControlMassErase | ControlMassErase1)) != 0;
            if(ser && mer)
            {
                this.Log(LogLevel.Warning, "STRT with SER and MER both set: RM0090 3.6.3 says neither erase is performed; PGSERR");
                SetErrors(StatusProgrammingSequenceError);
                return;
            }
            if(!ser && !mer)
            {
                this.Log(LogLevel.Warning, "STRT without SER or MER: nothing to erase");
                return;
            }
            var psize = (int)((control >> ControlPsizeShift) & 3);
            if(mer)
            {
                var bank1 = (control & ControlMassErase) != 0;
                var bank2 = (control & ControlMassErase1) != 0;
                var targets = sectors.Where(s => (s.Bank == 1 && bank1) || (s.Bank == 2 && bank2)).ToList();
                if(targets.Any(IsProtected))
                {
                    this.Log(LogLevel.Warning, "Mass erase refused: a sector is write-protected (nWRP 0x{0:X3}); WRPERR", optionControl >> 16 & 0xFFF);
                    SetErrors(StatusWriteProtectionError);
                    return;
                }
                var bytes = targets.Sum(s => (long)s.Size);
                Begin(new Operation { Kind = OperationKind.Erase, Sectors = targets, Duration = MassEraseTime(bytes, psize) });
                return;
            }
            var snb = (int)((control >> ControlSnbShift) & 0x1F);
            var sector = sectors.FirstOrDefault(s => s.Snb == snb);
            if(sector == null)
            {
                this.Log(LogLevel.Warning, "Sector erase of SNB {0}: this part has no such sector; the model sets PGSERR and erases nothing", snb);
                SetErrors(StatusProgrammingSequenceError);
                return;
            }
            if(IsProtected(sector))
            {
                this.Log(LogLevel.Warning, "Erase of sector {0} refused: write-protected (nWRP 0x{1:X3}); WRPERR", snb, optionControl >> 16 & 0xFFF);
                SetErrors(StatusWriteProtectionError);
                return;
            }
            Begin(new Operation { Kind = OperationKind.Erase, Sectors = new List<Sector> { sector }, Duration = EraseTime(sector.Size, psize) });
        }

        // A store to flash: the value written is what the cells hold now (the program lands when BSY clears),
        // or the unchanged cells when the store is refused.
        private ulong OnFlashStore(long offset, int width, ulong value)
        {
            var old = trap.Read(offset, width);
            if(current != null)
            {
                this.Log(LogLevel.Warning, "Store to flash at 0x{0:X} while BSY is set: silicon stalls the bus; queued", flashBase + (ulong)offset);
                queue.Enqueue(new PendingStore { Offset = offset, Width = width, Value = value });
                return old;
            }
            StartProgram(offset, width, value);
            return old;
        }

        private void StartProgram(long offset, int width, ulong value)
        {
            var address = flashBase + (ulong)offset;
            if(controlLocked || (control & ControlProgram) == 0)
            {
                this.Log(LogLevel.Warning, "Store to flash at 0x{0:X8} without a programming sequence ({1}): PGSERR, cells unchanged",
                    address, controlLocked ? "FLASH_CR locked" : "PG clear");
                SetErrors(StatusProgrammingSequenceError);
                return;
            }
            var sector = SectorAt(offset);
            if(sector != null && IsProtected(sector))
            {
                this.Log(LogLevel.Warning, "Program at 0x{0:X8}: sector {1} is write-protected; WRPERR", address, sector.Snb);
                SetErrors(StatusWriteProtectionError);
                return;
            }
            if((offset % 16) + width > 16)
            {
                this.Log(LogLevel.Warning, "Program at 0x{0:X8} ({1} bytes) crosses a 128-bit row: PGAERR", address, width);
                SetErrors(StatusAlignmentError);
                return;
            }
            var psizeBytes = 1 << (int)((control >> ControlPsizeShift) & 3);
            if(width != psizeBytes)
            {
                this.Log(LogLevel.Warning, "Program at 0x{0:X8}: a {1}-byte store with PSIZE x{2}: PGPERR", address, width, psizeBytes * 8);
                SetErrors(StatusParallelismError);
                return;
            }
            Begin(new Operation { Kind = OperationKind.Program, Offset = offset, Width = width, Value = value, Duration = ProgramTime() });
        }

        private void Begin(Operation op)
        {
            op.Started = Now;
            op.Id = ++operationCounter;
            current = op;
            if(op.Kind == OperationKind.Erase)
            {
                ErasesStarted++;
            }
            else if(op.Kind == OperationKind.Program)
            {
                ProgramsStarted++;
            }

            var end = op.Duration;
            var cut = TakeArmedCut(op);
            if(cut != null)
            {
                end = TimeInterval.FromTicks((ulong)(op.Duration.Ticks * cut.Fraction));
            }
            op.Ends = op.Started + end;
            this.Log(LogLevel.Debug, "{0}: BSY for {1}", op.Describe(), op.Duration);
            StallCpuIfRunningFromFlash();
            var id = op.Id;
            machine.ScheduleAction(end, _ =>
            {
                if(current == null || current.Id != id)
                {
                    return; // a reset ended it
                }
                if(cut != null)
                {
                    CutPower(op, cut);
                }
                else
                {
                    Complete(op);
                }
            }, "flash operation");
        }

        private void Complete(Operation op)
        {
            switch(op.Kind)
            {
            case OperationKind.Erase:
                foreach(var s in op.Sectors)
                {
                    flash.SetRange(s.Offset, s.Size, 0xFF);
                }
                break;
            case OperationKind.Program:
                trap.Write(op.Offset, op.Width, trap.Read(op.Offset, op.Width) & op.Value);
                break;
            case OperationKind.OptionBytes:
                optionBytesWriteProtection = (optionControl >> 16) & 0xFFF;
                optionBytesReadProtection = (optionControl >> 8) & 0xFF;
                optionBytesUser = optionControl & UserByteMask; // WDG_SW takes effect at the next reset
                this.Log(LogLevel.Info, "Option bytes programmed: nWRP 0x{0:X3}, RDP 0x{1:X2}, USER 0x{2:X2}", optionBytesWriteProtection, optionBytesReadProtection, optionBytesUser);
                break;
            }
            current = null;
            if((control & ControlEopInterruptEnable) != 0)
            {
                status |= StatusEndOfOperation; // RM0090 3.9.4: EOP is set only when EOPIE is
            }
            UpdateInterrupt();
            ReleaseCpu();
            RunDeferred();
        }

        // What silicon stalled meanwhile happens now, in order: FLASH_CR writes, then queued stores.
        private void RunDeferred()
        {
            while(current == null && deferredControlWrites.Count > 0)
            {
                WriteControl(deferredControlWrites.Dequeue());
            }
            while(current == null && queue.Count > 0)
            {
                var store = queue.Dequeue();
                StartProgram(store.Offset, store.Width, store.Value);
            }
        }

        private void SetErrors(uint flags)
        {
            status |= flags;
            if((control & ControlErrorInterruptEnable) != 0)
            {
                status |= StatusOperationError; // RM0090 3.9.4: OPERR only when ERRIE is set
            }
            UpdateInterrupt();
        }

        private void UpdateInterrupt()
        {
            var eop = (status & StatusEndOfOperation) != 0 && (control & ControlEopInterruptEnable) != 0;
            var err = (status & StatusOperationError) != 0 && (control & ControlErrorInterruptEnable) != 0;
            IRQ.Set(eop || err);
        }

        // ------------------------------------------------------------------ power cuts

        private PowerCutPlan TakeArmedCut(Operation op)
        {
            if(armedCut == null || (armedCut.Kind.HasValue && armedCut.Kind.Value != op.Kind) || op.Kind == OperationKind.OptionBytes)
            {
                return null;
            }
            if(--armedCut.Remaining > 0)
            {
                return null;
            }
            var cut = armedCut;
            armedCut = null;
            return cut;
        }

        private void CutPower(Operation op, PowerCutPlan cut)
        {
            ApplyPartially(op, cut.Fraction, new Random(cut.Seed));
            current = null;
            PowerCut = true;
            this.Log(LogLevel.Warning, "Power cut {0:P0} through {1} (seed {2}): the CPU stops here", cut.Fraction, op.Describe(), cut.Seed);
            // The CPU stays halted: nothing runs until the test builds a fresh machine from this flash.
            haltedCpu = null;
            ICPU cpu;
            if(TryGetCpu(out cpu))
            {
                cpu.IsHalted = true;
            }
        }

        // An erase stopped part way leaves cells between their old value and erased; a program stopped part
        // way has cleared only some of the bits it was clearing. Each cell (bit) got there with probability f.
        private void ApplyPartially(Operation op, double fraction, Random random)
        {
            switch(op.Kind)
            {
            case OperationKind.Erase:
                foreach(var s in op.Sectors)
                {
                    var bytes = flash.ReadBytes(s.Offset, s.Size);
                    for(var i = 0; i < bytes.Length; i++)
                    {
                        bytes[i] = (byte)(bytes[i] | RandomMask(random, fraction, 8));
                    }
                    flash.WriteBytes(s.Offset, bytes);
                }
                break;
            case OperationKind.Program:
                var old = trap.Read(op.Offset, op.Width);
                var clearing = old & ~op.Value;
                trap.Write(op.Offset, op.Width, old & ~(clearing & RandomMask(random, fraction, op.Width * 8)));
                break;
            case OperationKind.OptionBytes:
                break;
            }
        }

        private static ulong RandomMask(Random random, double fraction, int bits)
        {
            ulong mask = 0;
            for(var b = 0; b < bits; b++)
            {
                if(random.NextDouble() < fraction)
                {
                    mask |= 1UL << b;
                }
            }
            return mask;
        }

        // ------------------------------------------------------------------ the hardware watchdog

        private void StartHardwareWatchdogIfSelected()
        {
            if(watchdog == null || !HardwareWatchdog)
            {
                return;
            }
            watchdog.WriteDoubleWord(0x0, WatchdogKeyStart); // IWDG_KR
            this.Log(LogLevel.Debug, "WDG_SW = 0: the independent watchdog runs from this reset");
        }

        // ------------------------------------------------------------------ the CPU and the bus

        // A FLASH_SR read while BSY is set costs the reading CPU up to PollStall of virtual time (never past the
        // operation's end). The driver's busy loop still sees BSY set until the operation ends and still runs its
        // watchdog reloads every few thousand polls (now every few tens of milliseconds); what changes is that an
        // erase second takes some 50,000 polls instead of about 20 million, each an exit from translated code
        // into this model, which made a 1 s erase cost 10-25 s of wall time. Only polls by a CPU count.
        private void StallBusyPoll()
        {
            if(!machine.SystemBus.TryGetCurrentCPU(out var cpu) || !(cpu is BaseCPU baseCpu) || baseCpu.SkipInstructions != 0)
            {
                return; // a monitor read, or the previous stall is not consumed yet
            }
            baseCpu.SyncTime();
            var now = Now;
            if(current.Ends <= now)
            {
                return;
            }
            var remainingUs = (current.Ends - now).TotalMicroseconds;
            var stallUs = Math.Min((ulong)Math.Ceiling(remainingUs), PollStallMicroseconds);
            if(stallUs > 0)
            {
                baseCpu.SkipTime(TimeInterval.FromMicroseconds(stallUs));
            }
        }

        private void StallCpuIfRunningFromFlash()
        {
            // Only an operation the CPU started stalls it: a monitor command (a test) has no current CPU.
            ICPU cpu;
            if(!stallCpu || !machine.SystemBus.TryGetCurrentCPU(out cpu) || cpu.IsHalted)
            {
                return;
            }
            var pc = cpu.PC.RawValue;
            if(pc >= flashBase && pc < flashBase + (ulong)flash.Size)
            {
                haltedCpu = cpu;
                cpu.IsHalted = true;
            }
        }

        private void ReleaseCpu()
        {
            if(haltedCpu != null && !PowerCut)
            {
                haltedCpu.IsHalted = false;
            }
            haltedCpu = null;
        }

        private bool TryGetCpu(out ICPU cpu)
        {
            if(machine.SystemBus.TryGetCurrentCPU(out cpu))
            {
                return true;
            }
            cpu = machine.SystemBus.GetCPUs().FirstOrDefault();
            return cpu != null;
        }

        // CPU stores reach the model through FlashStoreTrap.cs while FLASH_CR is unlocked (or always, with
        // routeCpuStoresWhileLocked), and for RouteHoldTime after it was last seen unlocked. Stores while locked
        // within the hold are judged by the model (PGSERR), as on silicon.
        private void EnsureWriteTrap()
        {
            if(trapStores)
            {
                trap.Update();
            }
        }

        private TimeInterval Now => machine.ElapsedVirtualTime.TimeElapsed;

        // ------------------------------------------------------------------ sectors and timing

        private static List<Sector> BuildSectorMap(long size)
        {
            var map = new List<Sector>();
            var bankSize = size > 1024 * 1024 ? size / 2 : size;
            var banks = size > 1024 * 1024 ? 2 : 1;
            for(var bank = 1; bank <= banks; bank++)
            {
                long offset = (bank - 1) * bankSize;
                var end = offset + bankSize;
                for(var i = 0; i < 12 && offset < end; i++)
                {
                    var sectorSize = i < 4 ? 16 * 1024 : (i == 4 ? 64 * 1024 : 128 * 1024);
                    map.Add(new Sector { Snb = (bank == 1 ? i : i + 16), Bank = bank, Offset = offset, Size = sectorSize });
                    offset += sectorSize;
                }
            }
            return map;
        }

        private Sector SectorAt(long offset)
        {
            return sectors.FirstOrDefault(s => offset >= s.Offset && offset < s.Offset + s.Size);
        }

        private bool IsProtected(Sector s)
        {
            // nWRP (bit i clear = sector i protected) covers sectors 0..11 of bank 1; bank 2 has its own
            // option bytes on 2 MB parts, which the model does not have: its sectors are never protected.
            var activeWriteProtection = optionBytesWriteProtection;
            return s.Bank == 1 && ((activeWriteProtection >> s.Snb) & 1) == 0;
        }

        private TimeInterval ProgramTime()
        {
            return TimeInterval.FromMicroseconds(UseMaximumTimes ? 100UL : 16UL);
        }

        // Milliseconds by PSIZE (x8, x16, x32, x64 taken as x32), typical then maximum.
        private static readonly ulong[,] Erase16K = { { 400, 800 }, { 300, 600 }, { 250, 500 }, { 250, 500 } };
        private static readonly ulong[,] Erase64K = { { 1200, 2400 }, { 700, 1400 }, { 550, 1100 }, { 550, 1100 } };
        private static readonly ulong[,] Erase128K = { { 2000, 4000 }, { 1300, 2600 }, { 1000, 2000 }, { 1000, 2000 } };
        private static readonly ulong[,] MassErase512K = { { 8000, 16000 }, { 5500, 11000 }, { 4000, 8000 }, { 4000, 8000 } };

        private TimeInterval EraseTime(int sectorSize, int psize)
        {
            var table = sectorSize <= 16 * 1024 ? Erase16K : (sectorSize <= 64 * 1024 ? Erase64K : Erase128K);
            return TimeInterval.FromMilliseconds(table[psize, UseMaximumTimes ? 1 : 0]);
        }

        private TimeInterval MassEraseTime(long bytes, int psize)
        {
            var ms = MassErase512K[psize, UseMaximumTimes ? 1 : 0] * (ulong)bytes / (512UL * 1024);
            return TimeInterval.FromMilliseconds(ms);
        }

        // ------------------------------------------------------------------ state

        private readonly IMachine machine;
        private readonly MappedMemory flash;
        private readonly STM32_IndependentWatchdog watchdog;
        private readonly ulong flashBase;
        private readonly bool stallCpu;
        private readonly bool trapStores;
        private readonly bool routeCpuStoresWhileLocked;
        private readonly FlashStoreTrap trap;
        private readonly List<Sector> sectors;

        private uint accessControl;
        private uint control;
        private uint status;
        private uint optionControl;
        private bool controlLocked;
        private int controlKeyIndex;
        private bool controlDisabledUntilReset;
        private bool optionLocked;
        private int optionKeyIndex;
        private bool optionDisabledUntilReset;

        // The option bytes themselves: non-volatile, kept across resets.
        private uint optionBytesWriteProtection;
        private uint optionBytesReadProtection;
        private uint optionBytesUser;

        private Operation current;
        private ulong operationCounter;
        private readonly Queue<PendingStore> queue = new Queue<PendingStore>();
        private readonly Queue<uint> deferredControlWrites = new Queue<uint>();
        private ICPU haltedCpu;
        private PowerCutPlan armedCut;
        private static readonly TimeInterval RouteHoldTime = TimeInterval.FromMilliseconds(20);
        // Virtual time a FLASH_SR read during BSY may cost (StallBusyPoll): 4,096 polls between the F4 driver's
        // watchdog reloads then take at most 82 ms, well inside the hardware watchdog's 512 ms reset period.
        private const ulong PollStallMicroseconds = 20;

        private const uint AllSectorsUnprotected = 0xFFF;
        private const uint DefaultUserAndBor = 0xEC; // FLASH_OPTCR reset value 0x0FFFAAED: nRST_STDBY, nRST_STOP, WDG_SW set, BOR_LEV 3
        private const uint UserByteMask = 0xEC;
        private const uint UserWatchdogSoftware = 1u << 5; // WDG_SW: 1 software watchdog, 0 hardware watchdog
        private const uint WatchdogKeyStart = 0xCCCC;

        private static readonly uint[] ControlKeys = { 0x45670123, 0xCDEF89AB };
        private static readonly uint[] OptionKeys = { 0x08192A3B, 0x4C5D6E7F };

        private const uint AccessControlWritable = 0x1F0F;
        private const uint AccessControlIcen = 1u << 9;
        private const uint AccessControlDcen = 1u << 10;
        private const uint AccessControlIcrst = 1u << 11;
        private const uint AccessControlDcrst = 1u << 12;

        private const uint StatusEndOfOperation = 1u << 0;
        private const uint StatusOperationError = 1u << 1;
        private const uint StatusWriteProtectionError = 1u << 4;
        private const uint StatusAlignmentError = 1u << 5;
        private const uint StatusParallelismError = 1u << 6;
        private const uint StatusProgrammingSequenceError = 1u << 7;
        private const uint StatusBusy = 1u << 16;
        private const uint StatusClearable = 0xF3;

        private const uint ControlProgram = 1u << 0;
        private const uint ControlSectorErase = 1u << 1;
        private const uint ControlMassErase = 1u << 2;
        private const int ControlSnbShift = 3;
        private const int ControlPsizeShift = 8;
        private const uint ControlMassErase1 = 1u << 15;
        private const uint ControlStart = 1u << 16;
        private const uint ControlEopInterruptEnable = 1u << 24;
        private const uint ControlErrorInterruptEnable = 1u << 25;
        private const uint ControlLock = 1u << 31;
        private const uint ControlWritable = 0x030183FF; // PG SER MER SNB[7:3] PSIZE MER1 STRT EOPIE ERRIE

        private const uint OptionControlLock = 1u << 0;
        private const uint OptionControlStart = 1u << 1;
        private const uint OptionControlWritable = 0x8FFFFFEC; // BOR_LEV USER RDP nWRP SPRMOD

        private enum Registers
        {
            AccessControl = 0x00, // FLASH_ACR
            Key = 0x04,           // FLASH_KEYR
            OptionKey = 0x08,     // FLASH_OPTKEYR
            Status = 0x0C,        // FLASH_SR
            Control = 0x10,       // FLASH_CR
            OptionControl = 0x14, // FLASH_OPTCR
        }

        private enum OperationKind
        {
            Erase,
            Program,
            OptionBytes,
        }

        private class Sector
        {
            public int Snb;
            public int Bank;
            public long Offset;
            public int Size;
        }

        private class Operation
        {
            public OperationKind Kind;
            public List<Sector> Sectors;
            public long Offset;
            public int Width;
            public ulong Value;
            public TimeInterval Duration;
            public TimeInterval Started;
            // When BSY clears (Started + Duration, or earlier for an armed power cut).
            public TimeInterval Ends;
            public ulong Id;

            public string Describe()
            {
                switch(Kind)
                {
                case OperationKind.Erase:
                    return Sectors.Count == 1 ? string.Format("erase of sector {0}", Sectors[0].Snb) : "mass erase";
                case OperationKind.Program:
                    return string.Format("program of {0} bytes at offset 0x{1:X}", Width, Offset);
                default:
                    return "option byte programming";
                }
            }
        }

        private class PendingStore
        {
            public long Offset;
            public int Width;
            public ulong Value;
        }

        private class PowerCutPlan
        {
            public OperationKind? Kind;
            public int Remaining;
            public double Fraction;
            public int Seed;
        }
    }
}
