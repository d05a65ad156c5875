"""Robot Framework keywords for virtual time: reading the machine's clock from `machine ElapsedVirtualTime`,
and the pace of the emulator (virtual seconds per real second) around a step."""
import re
import time

_ELAPSED = re.compile(r"Elapsed Virtual Time: (\d+):(\d+):(\d+(?:\.\d+)?)")


class VirtualTime(object):
    ROBOT_LIBRARY_SCOPE = "GLOBAL"

    def virtual_seconds_from(self, text):
        """The virtual time in seconds, from the output of `machine ElapsedVirtualTime`."""
        m = _ELAPSED.search(text)
        if not m:
            raise AssertionError("no virtual time in %r" % text)
        return int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3))

    def real_seconds(self):
        """The host's monotonic clock, in seconds."""
        return time.monotonic()
