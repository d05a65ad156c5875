//
// tsboot: how each of its flash interface models (STM32F0/F4/L4_FlashController.cs) sees the CPU's stores
// to flash, shared by the three. Renode compiles it before them (the machine scripts include it first; a
// later ad-hoc assembly can use the types of an earlier one).
//
// A store to a MappedMemory goes through the bus hooks installed here, which hand it to the model to judge
// (program only 1 -> 0, PG, alignment, write protection...): monitor commands and other bus masters always
// go that way. The CPU, though, writes Renode's memory directly unless a page is set to be accessed through
// the bus; every such page makes the CPU's data reads from it slower too (literal pools, constants: about
// 3x for a bootloader). So the flash pages are routed through the bus only while the model wants it (FLASH_CR
// unlocked: the only time a store can program anything), and, with a hold time, for that long after it last
// wanted it: a driver that locks after every word unlocks again at once, and each change of the routing costs
// one call per 1 KB page. Code fetches are not affected.
//
using System;
using System.Linq;

using Antmicro.Renode.Core;
using Antmicro.Renode.Peripherals.CPU;
using Antmicro.Renode.Peripherals.Memory;
using Antmicro.Renode.Time;

namespace Antmicro.Renode.Peripherals.Tsboot
{
    public class FlashStoreTrap
    {
        /// <param name="onStore">judges a store (offset from the flash base, width in bytes, value) and returns
        /// what the cells at that address hold afterwards, which the bus then writes</param>
        /// <param name="routeWanted">whether CPU stores must reach the model now (FLASH_CR unlocked)</param>
        /// <param name="holdTime">how long the routing outlasts routeWanted (TimeInterval.Empty: not at all)</param>
        public FlashStoreTrap(IMachine machine, MappedMemory flash, ulong flashBase, Func<long, int, ulong, ulong> onStore,
            Func<bool> routeWanted, TimeInterval holdTime)
        {
            this.machine = machine;
            this.flash = flash;
            this.flashBase = flashBase;
            this.onStore = onStore;
            this.routeWanted = routeWanted;
            this.holdTime = holdTime;
        }

        /// <summary>Whether the bus hooks are in place (not before the machine has its CPU and the flash).</summary>
        public bool Installed => installed;

        /// <summary>Installs the hooks once the machine is built, and routes the CPU's stores as the model wants
        /// them now. The models call it on every register access and every change of their lock.</summary>
        public void Update()
        {
            if(!installed)
            {
                if(machine.SystemBus.GetCPUs().FirstOrDefault() == null || !machine.IsRegistered(flash))
                {
                    return; // the platform is still being built
                }
                machine.SystemBus.SetHookBeforePeripheralWrite<byte>(flash, (value, offset) => (byte)onStore(offset, 1, value));
                machine.SystemBus.SetHookBeforePeripheralWrite<ushort>(flash, (value, offset) => (ushort)onStore(offset, 2, value));
                machine.SystemBus.SetHookBeforePeripheralWrite<uint>(flash, (value, offset) => (uint)onStore(offset, 4, value));
                machine.SystemBus.SetHookBeforePeripheralWrite<ulong>(flash, (value, offset) => onStore(offset, 8, value));
                installed = true;
            }
            if(routeWanted())
            {
                routeActivity++;
                Route(true);
                return;
            }
            if(holdTime == TimeInterval.Empty)
            {
                Route(false);
            }
            else if(routed && !unroutePending)
            {
                ScheduleUnroute();
            }
        }

        /// <summary>The cells at offset, width bytes wide (1, 2, 4 or 8).</summary>
        public ulong Read(long offset, int width)
        {
            switch(width)
            {
            case 1:
                return flash.ReadByte(offset);
            case 2:
                return flash.ReadWord(offset);
            case 4:
                return flash.ReadDoubleWord(offset);
            default:
                return flash.ReadQuadWord(offset);
            }
        }

        /// <summary>Sets the cells at offset, width bytes wide, bypassing the hooks (the model's own writes).</summary>
        public void Write(long offset, int width, ulong value)
        {
            switch(width)
            {
            case 1:
                flash.WriteByte(offset, (byte)value);
                break;
            case 2:
                flash.WriteWord(offset, (ushort)value);
                break;
            case 4:
                flash.WriteDoubleWord(offset, (uint)value);
                break;
            default:
                flash.WriteQuadWord(offset, value);
                break;
            }
        }

        // Ends the routing once the model has not wanted it for holdTime of virtual time.
        private void ScheduleUnroute()
        {
            unroutePending = true;
            var seen = routeActivity;
            machine.ScheduleAction(holdTime, _ =>
            {
                unroutePending = false;
                if(routeWanted() || !routed)
                {
                    return; // wanted now: the next lock schedules again
                }
                if(routeActivity != seen)
                {
                    ScheduleUnroute(); // wanted and released again meanwhile
                    return;
                }
                Route(false);
            });
        }

        private void Route(bool route)
        {
            if(route == routed)
            {
                return;
            }
            foreach(var cpu in machine.SystemBus.GetCPUs().OfType<ICPUWithMappedMemory>())
            {
                for(ulong page = 0; page < (ulong)flash.Size; page += TargetPageSize)
                {
                    if(route)
                    {
                        cpu.SetPageAccessViaIo(flashBase + page);
                    }
                    else
                    {
                        cpu.ClearPageAccessViaIo(flashBase + page);
                    }
                }
            }
            routed = route;
        }

        private readonly IMachine machine;
        private readonly MappedMemory flash;
        private readonly ulong flashBase;
        private readonly Func<long, int, ulong, ulong> onStore;
        private readonly Func<bool> routeWanted;
        private readonly TimeInterval holdTime;
        private bool installed;
        private bool routed;
        private bool unroutePending;
        private ulong routeActivity;

        private const ulong TargetPageSize = 0x400; // tlib's ARM page (TARGET_PAGE_BITS 10)
    }
}
