"""Robot Framework keywords that look into flash dumps (`sysbus.flash DumpBinary @file`), for the flash
interface model's own tests (flash-interface.robot). Python standard library only."""
import hashlib


def _read(path, offset, length):
    with open(path, "rb") as f:
        f.seek(int(offset, 0) if isinstance(offset, str) else int(offset))
        return f.read(int(length, 0) if isinstance(length, str) else int(length))


class FlashImage(object):
    ROBOT_LIBRARY_SCOPE = "GLOBAL"

    def count_bytes_equal_to(self, path, offset, length, value):
        """How many bytes of the range equal `value` (e.g. 0xFF, erased)."""
        data = _read(path, offset, length)
        v = int(value, 0) if isinstance(value, str) else int(value)
        return sum(1 for b in data if b == v)

    def range_should_be_filled_with(self, path, offset, length, value):
        data = _read(path, offset, length)
        v = int(value, 0) if isinstance(value, str) else int(value)
        bad = [i for i, b in enumerate(data) if b != v]
        if bad:
            raise AssertionError("%d of %s bytes from offset %s differ from 0x%02X (first at +0x%X: 0x%02X)"
                                 % (len(bad), length, offset, v, bad[0], data[bad[0]]))

    def digest_of_range(self, path, offset, length):
        """SHA-256 of the range, to compare two dumps."""
        return hashlib.sha256(_read(path, offset, length)).hexdigest()
