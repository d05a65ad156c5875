"""Robot Framework keyword `Free Port`: a TCP port for a machine's UART socket terminal, chosen at run time.

Renode binds 0.0.0.0 without SO_REUSEADDR, so the port must be free when it binds. The port is probed the
same way (0.0.0.0, no SO_REUSEADDR) and drawn from below Linux's ephemeral range (32768-60999 by default),
where the kernel never hands ports to other programs' outgoing connections, as it did with fixed ports
inside that range. Same rule as test/renode/ports.ts.
"""
import random
import socket

LOW, HIGH = 20000, 32767


class FreePorts(object):
    ROBOT_LIBRARY_SCOPE = "GLOBAL"

    def __init__(self):
        self.handed_out = set()

    def free_port(self):
        """A port in 20000-32767 that nothing listens on now, never the same twice in one run."""
        for _ in range(200):
            port = random.randint(LOW, HIGH)
            if port in self.handed_out:
                continue
            probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                probe.bind(("0.0.0.0", port))
            except OSError:
                continue
            finally:
                probe.close()
            self.handed_out.add(port)
            return port
        raise AssertionError("no free TCP port found in %d-%d after 200 tries" % (LOW, HIGH))
