"""Robot Framework keywords that run the real stm32flash (Debian's) against a Renode machine's UART: socat
turns the UART's TCP socket terminal into a pty (`pty,link=...,rawer tcp:127.0.0.1:PORT`), and stm32flash
talks to the pty at 8N1 (`-m 8n1`: a pty refuses parity settings; Renode's UART ignores parity anyway). The
socket terminal serves one client: while socat holds it, TsbootNative cannot connect.

stm32flash's clock runs at the emulator's pace (libfaketime, `faketime -f "+0 x<pace>"`): its timeouts are
made for silicon (5 s per sector erase, 1 s per 256-byte write), and Renode on a loaded machine runs a
bootloader that polls peripherals at 1/50-1/100 of real time. Its per-byte read timeout (termios VTIME, 0.5 s,
kept by the kernel) is stretched by the same factor through renode/tools/stretch_vtime.c (LD_PRELOAD, built
with the host's cc). Same rules as test/renode/stm32flash.ts.
"""
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time

# socat -x logs each transfer; a record from the pty towards Renode starts "> <date> <time>  length=N".
_FROM_PTY = re.compile(rb"^> \S+ \S+ +length=\d+", re.M)


class _Bridge(object):
    """One socat process and what its log has shown: connected, and whether the pty's client has sent."""

    def __init__(self, proc):
        self.proc = proc
        self.log = b""
        self.connected = False
        self.client_sent = False
        self.lock = threading.Lock()
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        # Read socat's log to its end: with -x it logs every transfer, and a full pipe would stall the bridge.
        for line in iter(self.proc.stderr.readline, b""):
            with self.lock:
                self.log = (self.log + line)[-65536:]
                if b"starting data transfer loop" in line:
                    self.connected = True
                if _FROM_PTY.match(line):
                    self.client_sent = True

SHIM_SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools", "stretch_vtime.c")


class Stm32flash(object):
    ROBOT_LIBRARY_SCOPE = "SUITE"

    def __init__(self):
        self.bridges = {}
        self.runs = []
        self.shim = None

    def stm32flash_tools_should_be_installed(self):
        """Fails, naming the package, when socat, stm32flash, faketime or a C compiler is missing."""
        for tool in ("socat", "stm32flash", "faketime", "cc"):
            if shutil.which(tool) is None:
                raise AssertionError("%s not found (apt-get install %s)" % (tool, tool))

    def open_pty_bridge(self, port, directory):
        """Starts socat between a new pty and 127.0.0.1:`port`; returns the pty's path once socat is connected."""
        link = os.path.join(directory, "tsboot-uart-%s" % port)
        if os.path.lexists(link):
            os.remove(link)
        proc = subprocess.Popen(["socat", "-d", "-d", "-x", "pty,link=%s,rawer" % link, "tcp:127.0.0.1:%s" % port],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        bridge = _Bridge(proc)
        self.bridges[link] = bridge
        deadline = time.time() + 10
        while time.time() < deadline:
            if bridge.connected and os.path.exists(link):
                return link
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError("socat did not connect to 127.0.0.1:%s: %s" % (port, bridge.log.decode(errors="replace")))

    def wait_for_pty_client_to_send(self, pty, timeout=30):
        """Waits until the client of `pty` (stm32flash) has sent its first byte towards the UART. A machine kept
        paused until then receives it when it runs on: the client's start-up, which on a loaded host takes
        longer than the listen window lasts in virtual time, is not part of what the scenario tests."""
        bridge = self.bridges[pty]
        deadline = time.time() + float(timeout)
        while not bridge.client_sent:
            if time.time() > deadline:
                raise AssertionError("nothing came from %s's client within %s s" % (pty, timeout))
            time.sleep(0.005)

    def start_stm32flash(self, pty, pace, *args):
        """Starts stm32flash -m 8n1 -b 115200 `args` on `pty`, its clock at `pace` (virtual seconds per real
        second, at most 1); returns at once (Wait For Stm32flash collects it)."""
        rate = min(1.0, max(0.001, float(pace)))
        command = ["stm32flash", "-m", "8n1", "-b", "115200"] + list(args) + [pty]
        env = dict(os.environ)
        if rate < 1.0:
            command = ["faketime", "-f", "+0 x%.4f" % rate] + command
            env["LD_PRELOAD"] = self._shim()
            env["TSBOOT_VTIME_FACTOR"] = "%.2f" % (1.0 / rate)
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
        self.runs.append(proc)
        return len(self.runs) - 1

    def _shim(self):
        """renode/tools/stretch_vtime.c built once per suite (a shared object in a temporary folder)."""
        if self.shim is None:
            out = os.path.join(tempfile.mkdtemp(prefix="tsboot-stretch-vtime-"), "stretch_vtime.so")
            subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-o", out, SHIM_SOURCE, "-ldl"], check=True)
            self.shim = out
        return self.shim

    def wait_for_stm32flash(self, run, timeout=900):
        """Waits for a run; fails with its output unless it exits 0. Returns the output."""
        proc = self.runs[int(run)]
        try:
            output, _ = proc.communicate(timeout=float(timeout))
        except subprocess.TimeoutExpired:
            proc.kill()
            output, _ = proc.communicate()
            raise AssertionError("stm32flash did not finish within %s s:\n%s" % (timeout, output.decode(errors="replace")))
        text = output.decode(errors="replace")
        if proc.returncode != 0:
            raise AssertionError("stm32flash exited %d:\n%s" % (proc.returncode, text))
        return text

    def close_pty_bridges(self):
        """Stops every stm32flash and socat this library started."""
        for proc in self.runs + [b.proc for b in self.bridges.values()]:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
        self.runs, self.bridges = [], {}
