"""Run the whole test suite the way `make test` and CI do.

pytest exits 5 when it collected no tests. For this project that is never
success (a suite that ran nothing proves nothing) and not an ordinary test
failure either, so it is reported as its own error.
"""

import sys

import pytest

NO_TESTS_COLLECTED = 5


def main(argv: list[str]) -> int:
    code = pytest.main(["tests", *argv])
    if code == NO_TESTS_COLLECTED:
        print("ERROR: pytest collected no tests; refusing to call that green.", file=sys.stderr)
        return 1
    return int(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
