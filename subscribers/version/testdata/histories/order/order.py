"""Orders each package's versions in a histories file (stdin to stdout) with
an ecosystem's own comparison, all from Debian packages (see ../README.md):

    pypi  pip's vendored packaging 21.3 (python3-pip): PEP 440 versions, and
          legacy versions (LegacyVersion) below them
    rpm   rpm.labelCompare (python3-rpm) on [epoch:]version[-release]
    deb   apt_pkg.version_compare (python3-apt), dpkg's algorithm

Run with Debian's /usr/bin/python3: python3 order.py SCHEME < in > out
"""
import functools
import sys


def rpm_cmp():
    import rpm

    def evr(s):
        epoch, _, rest = s.rpartition(":")
        version, dash, release = rest.rpartition("-")
        if not dash:
            version, release = rest, None
        return (epoch or None, version, release)

    return lambda a, b: rpm.labelCompare(evr(a), evr(b))


def deb_cmp():
    import apt_pkg

    apt_pkg.init()
    return lambda a, b: (apt_pkg.version_compare(a, b) > 0) - (apt_pkg.version_compare(a, b) < 0)


def pypi_cmp():
    from pip._vendor.packaging import version

    assert version.__dict__.get("LegacyVersion"), "needs packaging < 22 (pip's vendored 21.3)"

    def cmp(a, b):
        x, y = version.parse(a), version.parse(b)
        return (x > y) - (x < y)

    return cmp


def main():
    cmp = {"pypi": pypi_cmp, "rpm": rpm_cmp, "deb": deb_cmp}[sys.argv[1]]()
    vs = []

    def flush():
        vs.sort(key=functools.cmp_to_key(cmp))
        group = []
        for v in vs:
            if group and cmp(group[-1], v) != 0:
                print("\t".join(group))
                group = []
            group.append(v)
        if group:
            print("\t".join(group))
        vs.clear()

    for line in sys.stdin:
        line = line.rstrip("\n")
        if line.startswith("#"):
            flush()
            print(line)
        elif line.strip():
            vs.extend(line.split("\t"))
    flush()


main()
