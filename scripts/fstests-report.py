#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare the xfstests runs of scripts/fstests.sh.

usage: scripts/fstests-report.py DIR

Reads DIR/<fstype>/results/<fstype>/part-*/result.xml (xunit, written by
./check -R xunit, one per chunk of tests) and not-reached (the tests a
time budget left out) for the fstypes present and prints, per fstype, the
tests passed, failed, not run and not reached, then the tests that fail on layerfs but
pass on overlay, each with a one-line reason (the failure message, or the
first differing line of its .out.bad), and the tests run on one and not
on the other.
"""
import glob
import os
import sys
import xml.etree.ElementTree as ET


def load(path):
    """name -> (status, message) from one result.xml."""
    res = {}
    for tc in ET.parse(path).getroot().iter("testcase"):
        name = tc.get("name")
        status, msg = "pass", ""
        for child in tc:
            if child.tag == "skipped":
                status, msg = "notrun", child.get("message") or ""
            elif child.tag in ("failure", "error"):
                status, msg = "fail", child.get("message") or ""
        res[name] = (status, msg.strip())
    return res


def first_diff(resdir, name):
    """The first line of a failing test's output that differs, if any."""
    bad = os.path.join(resdir, name + ".out.bad")
    try:
        with open(bad, errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return ""
    for line in lines:
        if line and not line.startswith("QA output created by"):
            return line[:120]
    return ""


def main():
    top = sys.argv[1]
    runs = {}
    for fstype in ("overlay", "layerfs"):
        base = os.path.join(top, fstype, "results", fstype)
        xmls = sorted(glob.glob(os.path.join(base, "part-*", "result.xml")))
        if not xmls:
            print(f"{fstype}: no result.xml in {base}")
            continue
        res, where = {}, {}
        for xml in xmls:
            part = load(xml)
            res.update(part)
            where.update({t: os.path.dirname(xml) for t in part})
        try:
            with open(os.path.join(base, "not-reached")) as f:
                notreached = f.read().split()
        except OSError:
            notreached = []
        runs[fstype] = (where, res, notreached)
    if not runs:
        return 1
    print(f"{'fstype':8} {'tests':>6} {'passed':>7} {'failed':>7} "
          f"{'notrun':>7} {'not reached':>12}")
    for fstype, (_, res, nr) in runs.items():
        n = {s: sum(1 for v in res.values() if v[0] == s)
             for s in ("pass", "fail", "notrun")}
        print(f"{fstype:8} {len(res):6} {n['pass']:7} {n['fail']:7} "
              f"{n['notrun']:7} {len(nr):12}")
    for fstype, (_, res, _) in runs.items():
        fails = sorted(k for k, v in res.items() if v[0] == "fail")
        print(f"\n{fstype} failures ({len(fails)}): {' '.join(fails) or '-'}")
    if "overlay" not in runs or "layerfs" not in runs:
        return 0
    lwhere, lay, _ = runs["layerfs"]
    _, ovl, _ = runs["overlay"]
    common = sorted(set(lay) & set(ovl))
    worse = [t for t in common if lay[t][0] == "fail" and ovl[t][0] == "pass"]
    print(f"\nfailing on layerfs, passing on overlay ({len(worse)}):")
    for t in worse:
        why = first_diff(lwhere[t], t) or lay[t][1]
        print(f"  {t}: {why}")
    better = [t for t in common if lay[t][0] == "pass" and ovl[t][0] == "fail"]
    print(f"\npassing on layerfs, failing on overlay ({len(better)}): "
          f"{' '.join(better) or '-'}")
    lnot = [t for t in common if lay[t][0] == "notrun" and ovl[t][0] != "notrun"]
    print(f"\nnot run on layerfs, run on overlay ({len(lnot)}):")
    for t in lnot:
        print(f"  {t}: {lay[t][1]}")
    onot = [t for t in common if ovl[t][0] == "notrun" and lay[t][0] != "notrun"]
    print(f"\nnot run on overlay, run on layerfs ({len(onot)}): "
          f"{' '.join(onot) or '-'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
