//
// tsboot: the STM32F0 SYSCFG memory remap (RM0091 "SYSCFG configuration register 1 (SYSCFG_CFGR1)") for
// Renode 1.16.1, whose stm32f0.repl has only a tag there. The Cortex-M0 has no VTOR: it always takes its
// vectors from address 0, and MEM_MODE chooses what appears there (00 main flash, 01 system memory, 11 SRAM).
// tsboot's bootloader copies the application's vector table to the start of SRAM and sets MEM_MODE = 11
// before the jump (hal-bindings/stm32f0/stm32f0_cpu.c). Renode maps nothing at 0 and its Cortex-M0 takes its
// vectors from VectorTableOffset, so this model moves VectorTableOffset to the memory MEM_MODE selects: the
// same vectors, the same effect on every exception. Reads through address 0 are not modelled.
// Loaded by renode/scripts/tsboot-machine-stm32f0.resc; put at 0x40010000 by renode/platforms/stm32f072b-disco.repl.
// A reset sets MEM_MODE to 00 (the BOOT pins of a board that boots from flash); the machine script's reset
// macro puts VectorTableOffset back at the flash.
//
using System.Linq;

using Antmicro.Renode.Core;
using Antmicro.Renode.Logging;
using Antmicro.Renode.Peripherals.Bus;
using Antmicro.Renode.Peripherals.CPU;

namespace Antmicro.Renode.Peripherals.Tsboot
{
    [AllowedTranslations(AllowedTranslation.ByteToDoubleWord | AllowedTranslation.WordToDoubleWord)]
    public class STM32F0_SYSCFG : IDoubleWordPeripheral, IKnownSize
    {
        public STM32F0_SYSCFG(IMachine machine, ulong flashBase = 0x08000000, ulong systemMemoryBase = 0x1FFFC800, ulong sramBase = 0x20000000)
        {
            this.machine = machine;
            this.flashBase = flashBase;
            this.systemMemoryBase = systemMemoryBase;
            this.sramBase = sramBase;
            Reset();
        }

        public long Size => 0x400;

        public void Reset()
        {
            registers = new uint[Size / 4];
        }

        public uint ReadDoubleWord(long offset)
        {
            return offset >= 0 && offset < Size ? registers[offset / 4] : 0;
        }

        public void WriteDoubleWord(long offset, uint value)
        {
            if(offset < 0 || offset >= Size)
            {
                return;
            }
            registers[offset / 4] = value;
            if(offset == Cfgr1)
            {
                var mode = value & MemModeMask;
                var table = mode == 1 ? systemMemoryBase : mode == 3 ? sramBase : flashBase;
                foreach(var cpu in machine.SystemBus.GetCPUs().OfType<CortexM>())
                {
                    cpu.VectorTableOffset = (uint)table;
                }
                this.Log(LogLevel.Debug, "MEM_MODE {0}: vectors from 0x{1:X8}", mode, table);
            }
        }

        private readonly IMachine machine;
        private readonly ulong flashBase;
        private readonly ulong systemMemoryBase;
        private readonly ulong sramBase;
        private uint[] registers;

        private const long Cfgr1 = 0x00;
        private const uint MemModeMask = 0x3;
    }
}
