#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""The soak's checks (tests/soak/soak.sh runs it on the run's directory).

    soak-check.py DIR

Reads what soak.sh left in DIR (log/: the workload's counts and progress,
the harness's actions in events.log, samples.csv, status.jsonl; intake/:
requests.log and messages.jsonl) and prints the counts, the memory and fd
table, and one verdict per check:

  workload     the workload ran to its end at 90 % of its rate or more
  faults       the harness did what it says: kills, intake outages and
               reloads happened and the pipeline saw them; every restart
               of a stage was one of our kills (anything else is a crash)
  exactly-once every numbered event the intake received came once, or
               more than once only as the same batch (DD-CWS-Batch-ID)
               delivered again; no number was invented
  gaps         every event that never arrived is accounted for by a loss
               a stage counted: either cws-probe counted ring-buffer
               losses (open and exec, or unwritten) between two of its
               status files around the moment the event was made (2 s
               either side), or it is one of the losses cws-filter (rate
               limiter, bad records, write errors) and cws-ship (bad
               records, dropped_*, spool_full) counted, summed over
               every instance of each
  context      a match that reached the intake without its process (pid
               and tid only: cws-ship held no record of its key), and an
               open that cws-filter judged without its process (soak_open
               arrived, soak_open_ctx, which also reads process.comm, did
               not), was in flight when a stage was killed: made at most
               30 s before a SIGKILL (or 2 s after)
  drained      at the end the spool is empty and the intake quiet
  stop         cws run stopped with 0 and left no process behind; no
               process of the run outlived its stage (an orphan)
  rss-<stage>  the stage's RSS in the last window is at most 10 % (or
               4 MiB, the larger) above its maximum in the first window
               after the warm-up
  fds-<stage>  the same for open fds, with 2 fds of slack

The windows: the warm-up is the first tenth of the run (3 minutes of 30),
the first window the next third of the rest (9 minutes), the last window
the last third (the final 9 minutes, in which nothing is killed).

It also writes DIR/log/report.md (the tables for docs/RELIABILITY.md) and
DIR/log/summary.json. Exit status 0 when every check passes, 1 otherwise.
"""
import bisect
import calendar
import csv
import json
import os
import re
import sys
import time

RSS_SLACK_KB = 4096
RSS_SLACK_RATIO = 0.10
FD_SLACK = 2
# How far from a probe status's second a ring loss may be counted.
LOSS_TOLERANCE_MS = 2000
# How long an event may be in flight (pipes, buffers, the ring while the
# next stage is down while the supervisor backs off).
INFLIGHT_MS = 30000
# An event made this soon after a SIGKILL may still reach the stage before
# the dead one ahead of cws run's word (and the workload's progress is
# interpolated).
KILL_TOLERANCE_MS = 2000
STAGES = [("cws", "cws"), ("probe", "cws-probe"), ("filter", "cws-filter"),
          ("broker", "cws-broker"), ("ship", "cws-ship")]


def read_kv(path):
    out = {}
    with open(path) as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                out[k] = v
    return out


def read_first(path, default=""):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return default


class Report:
    def __init__(self):
        self.lines = []
        self.verdicts = []

    def say(self, text=""):
        print(text)
        self.lines.append(text)

    def verdict(self, name, ok, why):
        self.verdicts.append((name, ok, why))
        print("%-4s %-13s %s" % ("PASS" if ok else "FAIL", name, why))


def load_events(d):
    ev = []
    with open(os.path.join(d, "log/events.log")) as f:
        for line in f:
            parts = line.split()
            if parts:
                ev.append((int(parts[0]), parts[1:]))
    return ev


def load_progress(d):
    rows = []
    with open(os.path.join(d, "log/progress")) as f:
        for line in f:
            p = line.split()
            if len(p) == 4:
                rows.append(tuple(int(x) for x in p))
    return rows


def when(progress, col, n):
    """The wall time (ms) at which number n of column col was made."""
    keys = [r[col] for r in progress]
    i = bisect.bisect_right(keys, n)
    if i >= len(progress):
        return progress[-1][0]
    if i == 0:
        return progress[0][0]
    a, b = progress[i - 1], progress[i]
    if b[col] == a[col]:
        return b[0]
    return a[0] + (b[0] - a[0]) * (n - a[col]) // (b[col] - a[col])


def load_status(d):
    """The last status of every (stage, pid) seen, and the samples."""
    last = {}
    snaps = []
    with open(os.path.join(d, "log/status.jsonl")) as f:
        for line in f:
            try:
                s = json.loads(line)
            except ValueError:
                continue
            snaps.append(s)
            for tool in ("cws", "cws-probe", "cws-filter", "cws-ship"):
                st = s.get(tool)
                if not isinstance(st, dict) or "pid" not in st:
                    continue
                key = (tool, st["pid"])
                prev = last.get(key)
                if prev is None or st.get("updated_at", "") >= \
                        prev.get("updated_at", ""):
                    last[key] = st
    return last, snaps


def counters(last):
    """Loss counters summed over every instance of each stage."""
    c = {"probe_lost_total": 0, "probe_lost_open": 0, "probe_lost_exec": 0,
         "probe_unwritten": 0, "probe_bad_records": 0,
         "filter_rate_limited": 0, "filter_bad_records": 0,
         "filter_write_errors": 0, "ship_bad_records": 0,
         "ship_dropped_too_large": 0, "ship_encode_errors": 0,
         "ship_spool_dropped_full": 0, "ship_dropped": 0,
         "filter_instances": 0, "ship_instances": 0, "probe_instances": 0,
         "filter_reload_failures": 0, "filter_matches": 0,
         "filter_written": 0, "ship_messages": 0, "ship_records": 0}
    drops = {}
    for (tool, _pid), st in last.items():
        if tool == "cws-probe":
            lost = st.get("lost", {})
            types = lost.get("types", {})
            c["probe_instances"] += 1
            c["probe_lost_total"] += lost.get("total", 0)
            c["probe_lost_open"] += types.get("open", 0)
            c["probe_lost_exec"] += types.get("exec", 0)
            c["probe_unwritten"] += lost.get("unwritten", 0)
            c["probe_bad_records"] += st.get("bad_records", 0)
        elif tool == "cws-filter":
            c["filter_instances"] += 1
            c["filter_rate_limited"] += st.get("rate_limited", 0)
            c["filter_bad_records"] += st.get("bad_records", 0)
            c["filter_write_errors"] += st.get("write_errors", 0)
            c["filter_matches"] += st.get("matches", 0)
            c["filter_written"] += st.get("written", 0)
            c["filter_reload_failures"] += \
                st.get("policies", {}).get("reload_failures", 0)
        elif tool == "cws-ship":
            c["ship_instances"] += 1
            c["ship_bad_records"] += st.get("bad_records", 0)
            c["ship_dropped_too_large"] += st.get("dropped_too_large", 0)
            c["ship_encode_errors"] += st.get("encode_errors", 0)
            c["ship_messages"] += st.get("messages", 0)
            c["ship_records"] += st.get("records", 0)
            c["ship_spool_dropped_full"] += \
                st.get("spool", {}).get("dropped_full_messages", 0)
            for ep in st.get("endpoints", []):
                for k, v in ep.get("dropped_messages", {}).items():
                    drops[k] = drops.get(k, 0) + v
                    c["ship_dropped"] += v
    c["ship_dropped_by_cause"] = drops
    return c


def read_intake(d, here):
    """Every soak message at the intake: (kind, n) -> [batch ids]."""
    occ = {}
    dup_batches = 0
    dup_messages = 0
    answers = {}
    odd = []
    other_rules = {}
    nocontext = set()
    twins = set()
    seen_ids = set()
    mpath = os.path.join(d, "intake/messages.jsonl")
    opens_dir = here + "/w/m/"
    with open(os.path.join(d, "intake/requests.log")) as rl, \
            open(mpath) as ml:
        for line in rl:
            f = line.split()
            if len(f) < 2:
                continue
            code = f[1]
            answers[code] = answers.get(code, 0) + 1
            if not code.startswith("2"):
                continue
            kv = dict(x.split("=", 1) for x in f[2:] if "=" in x)
            count = int(kv.get("count", "0"))
            bid = kv.get("id", "-")
            again = bid in seen_ids and bid != "-"
            seen_ids.add(bid)
            if again:
                dup_batches += 1
                dup_messages += count
            for _ in range(count):
                m = json.loads(ml.readline())
                rule = m.get("agent", {}).get("rule_id")
                if rule == "soak_open_ctx":
                    path = m.get("file", {}).get("path", "")
                    if path.startswith(opens_dir):
                        twins.add(int(path[len(opens_dir):]))
                    continue
                if rule == "soak_open":
                    path = m.get("file", {}).get("path", "")
                    if not path.startswith(opens_dir):
                        odd.append("open of '%s'" % path)
                        continue
                    key = ("open", int(path[len(opens_dir):]))
                elif rule == "soak_exec":
                    args = m.get("process", {}).get("args", [])
                    if not args or not re.match(r"^x[0-9]+$", args[0]):
                        odd.append("exec with args %r" % (args,))
                        continue
                    key = ("exec", int(args[0][1:]))
                else:
                    other_rules[rule] = other_rules.get(rule, 0) + 1
                    continue
                occ.setdefault(key, []).append(bid)
                if not m.get("process", {}).get("comm"):
                    nocontext.add(key)
        rest = ml.readline()
    if rest:
        odd.append("messages.jsonl has lines no 2xx request accounts for")
    return {"occ": occ, "dup_batches": dup_batches,
            "dup_messages": dup_messages, "answers": answers, "odd": odd,
            "other_rules": other_rules, "batches": len(seen_ids),
            "nocontext": nocontext, "twins": twins}


def runs(nums):
    """[(first, last)] of consecutive numbers."""
    out = []
    for n in sorted(nums):
        if out and out[-1][1] == n - 1:
            out[-1][1] = n
        else:
            out.append([n, n])
    return out


def nearest(events, t, kinds=("kill", "intake", "reload")):
    """The fault an event made at t most likely met: the last kill from
    30 s before to 2 s after, else the nearest fault."""
    best = None
    for et, what in events:
        if what and what[0] == "kill" and t - INFLIGHT_MS <= et and \
                et <= t + KILL_TOLERANCE_MS:
            best = (et, what)
    if best:
        return best
    for et, what in events:
        if what and what[0] in kinds:
            if best is None or abs(et - t) < abs(best[0] - t):
                best = (et, what)
    return best


def iso_ms(text):
    return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ")) * 1000


def probe_loss_intervals(snaps):
    """[[from_ms, to_ms, losses]] of cws-probe's open and exec ring losses
    between two of its status files, from every snapshot taken."""
    series = {}
    for s in snaps:
        st = s.get("cws-probe")
        if not isinstance(st, dict) or "updated_at" not in st:
            continue
        lost = st.get("lost", {})
        types = lost.get("types", {})
        v = types.get("open", 0) + types.get("exec", 0) + \
            lost.get("unwritten", 0)
        series.setdefault(st["pid"], {})[iso_ms(st["updated_at"])] = \
            (v, iso_ms(st.get("started_at", st["updated_at"])))
    out = []
    for pts in series.values():
        prev_t, prev_v = None, 0
        for t in sorted(pts):
            v, started = pts[t]
            if prev_t is None:
                prev_t = started
            if v > prev_v:
                out.append([prev_t, t, v - prev_v])
            prev_t, prev_v = t, v
    return sorted(out)


def load_samples(d):
    with open(os.path.join(d, "log/samples.csv")) as f:
        return list(csv.DictReader(f))


def main():
    d = sys.argv[1]
    rep = Report()
    params = read_kv(os.path.join(d, "log/params"))
    here = params["dir"]
    secs = int(params["minutes"]) * 60
    target = int(params["rate"])
    events = load_events(d)
    progress = load_progress(d)
    wl = dict(x.split("=", 1)
              for x in read_first(os.path.join(d, "log/workload.out")).split()
              if "=" in x)
    wl_rc = read_first(os.path.join(d, "log/workload.rc"), "?")
    ops = int(wl.get("ops", 0))
    opens = int(wl.get("opens", 0))
    execs = int(wl.get("execs", 0))
    wsecs = float(wl.get("seconds", 0) or 0)
    achieved = ops / wsecs if wsecs else 0.0
    start = next((t for t, w in events if w[0] == "start"), None)

    rep.say("# soak of %s: %s min, %s CPUs, kernel %s, seed %s" % (
        params.get("commit", "?"), params["minutes"], params["nproc"],
        params["kernel"], params["seed"]))
    rep.say("load average at start %s, at end %s" % (
        params.get("load_start", "?"), params.get("load_end", "?")))
    rep.say()

    # --- workload ---------------------------------------------------------
    rep.say("workload: %d operations in %.0f s: %.0f/s, %.0f per minute "
            "(target %d/s); %d numbered opens, %d numbered execs"
            % (ops, wsecs, achieved, achieved * 60, target, opens, execs))
    rep.verdict("workload", wl_rc == "0" and achieved >= 0.9 * target and
                wsecs >= 0.95 * secs,
                "exit %s, %.0f ops/s of %d (%.0f %%) for %.0f s of %d" % (
                    wl_rc, achieved, target,
                    100.0 * achieved / target if target else 0, wsecs,
                    secs))

    # --- faults -----------------------------------------------------------
    last, snaps = load_status(d)
    c = counters(last)
    kills = {"cws-filter": 0, "cws-ship": 0}
    outages = sum(1 for _, w in events if w[:2] == ["intake", "503"])
    sighups = sum(1 for _, w in events if w[:2] == ["reload", "sighup"])
    rewrites = sum(1 for _, w in events if w[:2] == ["reload", "policy"])
    for _, w in events:
        if w[0] == "kill":
            kills[w[1]] = kills.get(w[1], 0) + 1
    final = snaps[-1] if snaps else {}
    stages = {s.get("tool"): s for s in
              (final.get("cws") or {}).get("stages", [])}
    restarts = {t: stages.get(t, {}).get("restarts", -1)
                for t in ("cws-probe", "cws-filter", "cws-ship")}
    err = read_first(os.path.join(d, "log/cws.err"))
    seen_hup = err.count("SIGHUP passed to")
    seen_watch = len(re.findall(r"policy directory '[^']*' changed", err))
    intake = read_intake(d, here)
    n503 = intake["answers"].get("503", 0)
    rep.say("faults: %d SIGKILL of cws-filter, %d of cws-ship; %d intake "
            "outages (%d requests answered 503); %d SIGHUP, %d policy "
            "rewrites (cws run logged %d SIGHUP and %d directory changes)"
            % (kills["cws-filter"], kills["cws-ship"], outages, n503,
               sighups, rewrites, seen_hup, seen_watch))
    rep.say("restarts (cws run's status): cws-probe %d, cws-filter %d, "
            "cws-ship %d" % (restarts["cws-probe"], restarts["cws-filter"],
                             restarts["cws-ship"]))
    why = []
    if restarts["cws-probe"] != 0:
        why.append("cws-probe restarted %d times: it is never killed"
                   % restarts["cws-probe"])
    for t in ("cws-filter", "cws-ship"):
        if restarts[t] != kills[t]:
            why.append("%s restarted %d times for %d kills"
                       % (t, restarts[t], kills[t]))
    if params.get("faults") == "0":
        why.append("faults off (SOAK_FAULTS=0): a baseline, not a soak")
    elif secs >= 600 and (not kills["cws-filter"] or not kills["cws-ship"]):
        why.append("a stage was never killed")
    if outages and not n503:
        why.append("no request was answered 503 during the outages")
    if seen_hup < sighups or seen_watch < rewrites:
        why.append("cws run did not see every reload")
    if c["filter_reload_failures"]:
        why.append("%d reloads failed" % c["filter_reload_failures"])
    rep.verdict("faults", not why,
                "; ".join(why) or "every fault happened and every restart "
                "was a kill of ours")

    # --- exactly once -----------------------------------------------------
    occ = intake["occ"]
    made = {"open": opens, "exec": execs}
    bad_dups = []
    same_batch = 0
    invented = []
    for key, ids in occ.items():
        kind, n = key
        if n >= made[kind]:
            invented.append(key)
        if len(ids) > 1:
            if len(set(ids)) == 1:
                same_batch += len(ids) - 1
            else:
                bad_dups.append((key, ids))
    delivered = {k: sum(1 for (kind, _n) in occ if kind == k)
                 for k in made}
    rep.say()
    rep.say("intake: %d batches accepted (%d accepted again by batch id, "
            "%d messages in them); answers %s; other messages %s"
            % (intake["batches"], intake["dup_batches"],
               intake["dup_messages"],
               ", ".join("%s: %d" % kv for kv in
                         sorted(intake["answers"].items())),
               ", ".join("%s: %d" % kv for kv in
                         sorted(intake["other_rules"].items(),
                                key=lambda kv: str(kv[0])))))
    rep.say("numbered events: %d opens made, %d delivered; %d execs made, "
            "%d delivered; %d deliveries again in a batch delivered twice"
            % (opens, delivered["open"], execs, delivered["exec"],
               same_batch))
    why = []
    if bad_dups:
        why.append("%d numbers arrived in different batches, e.g. %s"
                   % (len(bad_dups), bad_dups[:3]))
    if invented:
        why.append("%d numbers never made, e.g. %s"
                   % (len(invented), sorted(invented)[:3]))
    if intake["odd"]:
        why.append("%d odd messages, e.g. %s"
                   % (len(intake["odd"]), intake["odd"][:3]))
    rep.verdict("exactly-once", not why and (opens + execs) > 0,
                "; ".join(why) or "%d events, each once; %d more "
                "deliveries, all of a batch id delivered twice"
                % (delivered["open"] + delivered["exec"], same_batch))

    # --- gaps -------------------------------------------------------------
    missing = {k: [n for n in range(made[k]) if (k, n) not in occ]
               for k in made}
    nmissing = len(missing["open"]) + len(missing["exec"])
    counted = (c["probe_lost_open"] + c["probe_lost_exec"] +
               c["probe_unwritten"] + c["filter_rate_limited"] +
               c["filter_bad_records"] + c["filter_write_errors"] +
               c["ship_bad_records"] + c["ship_dropped_too_large"] +
               c["ship_encode_errors"] + c["ship_dropped"])
    rep.say()
    rep.say("loss counters (summed over %d cws-probe, %d cws-filter and %d "
            "cws-ship instances):" % (c["probe_instances"],
                                      c["filter_instances"],
                                      c["ship_instances"]))
    rep.say("  cws-probe: lost %d (open %d, exec %d), unwritten %d, bad "
            "records %d" % (c["probe_lost_total"], c["probe_lost_open"],
                            c["probe_lost_exec"], c["probe_unwritten"],
                            c["probe_bad_records"]))
    rep.say("  cws-filter: rate_limited %d, bad_records %d, write_errors %d"
            % (c["filter_rate_limited"], c["filter_bad_records"],
               c["filter_write_errors"]))
    rep.say("  cws-ship: bad_records %d, dropped_too_large %d, "
            "encode_errors %d, dropped %s, spool dropped_full_messages %d"
            % (c["ship_bad_records"], c["ship_dropped_too_large"],
               c["ship_encode_errors"],
               json.dumps(c["ship_dropped_by_cause"], sort_keys=True),
               c["ship_spool_dropped_full"]))
    rep.say("  cws-filter matches %d, written %d; cws-ship records %d, "
            "messages %d (from each instance's last status: a killed "
            "instance's last seconds are not in them)"
            % (c["filter_matches"], c["filter_written"], c["ship_records"],
               c["ship_messages"]))
    # The probe's ring losses, in time: a missing event is put down to
    # them only if the probe counted losses around the moment it was
    # made (what the ring drops, it drops as the system call happens).
    col = {"open": 2, "exec": 3}
    made_at = {}
    for kind in ("open", "exec"):
        for n in missing[kind]:
            made_at[(kind, n)] = when(progress, col[kind], n)
    budget = probe_loss_intervals(snaps)
    unexplained = set()
    j = 0
    for key in sorted(made_at, key=made_at.get):
        g = made_at[key]
        while j < len(budget) and budget[j][1] + LOSS_TOLERANCE_MS < g:
            j += 1
        k = j
        while k < len(budget) and budget[k][0] - LOSS_TOLERANCE_MS <= g:
            if budget[k][2] > 0:
                budget[k][2] -= 1
                break
            k += 1
        else:
            unexplained.add(key)
    other = counted - (c["probe_lost_open"] + c["probe_lost_exec"] +
                       c["probe_unwritten"])
    left = max(0, len(unexplained) - other)
    rep.say("missing: %d opens, %d execs; %d made while cws-probe counted "
            "ring losses, %d other losses counted (cws-filter, cws-ship) "
            "for the %d others" % (
                len(missing["open"]), len(missing["exec"]),
                nmissing - len(unexplained), other, len(unexplained)))
    shown = 0
    for kind in ("open", "exec"):
        for a, b in runs(missing[kind]):
            t = made_at[(kind, a)]
            near = nearest(events, t)
            where = ""
            if near:
                where = ", %+.1f s from '%s'" % ((t - near[0]) / 1000.0,
                                                " ".join(near[1]))
            nu = sum(1 for n in range(a, b + 1) if (kind, n) in unexplained)
            if shown < 40 or nu:
                rep.say("  %s %d..%d (%d), made at +%.1f s%s%s" % (
                    kind, a, b, b - a + 1, (t - (start or t)) / 1000.0,
                    where, "; %d outside the probe's losses" % nu
                    if nu else ""))
            shown += 1
    rep.verdict("gaps", left == 0,
                "%d events missing: %d while cws-probe counted ring "
                "losses, %d more against %d other losses counted%s"
                % (nmissing, nmissing - len(unexplained), len(unexplained),
                   other, "" if not left else
                   ": %d lost without a count" % left))

    # --- process context -------------------------------------------------
    # A match whose process cws-ship held no record of says pid and tid
    # only; an open that cws-filter judged without its process matched
    # soak_open but not its twin soak_open_ctx. Either may happen to what
    # was in flight when a stage died (in a pipe, a buffer), never later.
    kill_times = sorted(t for t, w in events if w[0] == "kill")

    def in_flight(key):
        g = when(progress, col[key[0]], key[1])
        i = bisect.bisect_left(kill_times, g - KILL_TOLERANCE_MS)
        return i < len(kill_times) and kill_times[i] - g <= INFLIGHT_MS, g

    untwinned = {("open", n) for (kind, n) in occ
                 if kind == "open" and n not in intake["twins"]}
    rep.say()
    rep.say("process context: %d matches reached the intake without their "
            "process (pid and tid only); %d opens were judged by cws-filter "
            "without it (soak_open_ctx missing)"
            % (len(intake["nocontext"]), len(untwinned)))
    why = []
    for what, keys in (("without their process", intake["nocontext"]),
                       ("judged without their process", untwinned)):
        late = sorted((g, key) for key in keys
                      for ok, g in [in_flight(key)] if not ok)
        if late:
            why.append("%d %s not in flight at a SIGKILL, e.g. %s %d at "
                       "+%.1f s" % (len(late), what, late[0][1][0],
                                    late[0][1][1],
                                    (late[0][0] - (start or 0)) / 1000.0))
    rep.verdict("context", not why and delivered["open"] > 0 and
                len(untwinned) < delivered["open"],
                "; ".join(why) or "%d and %d, all made at most %d s "
                "before a SIGKILL" % (len(intake["nocontext"]),
                                      len(untwinned), INFLIGHT_MS // 1000))

    # --- drained and stopped ---------------------------------------------
    ship = final.get("cws-ship") or {}
    spool_files = []
    for root, _dirs, files in os.walk(os.path.join(d, "spool")):
        spool_files += [f for f in files
                        if f.endswith(".batch") or f == "current.part"]
    drained = any(w[:2] == ["drained", "1"] for _, w in events)
    pending = sum(ep.get("pending_messages", 0)
                  for ep in ship.get("endpoints", []))
    rep.verdict("drained", drained and not spool_files and not pending and
                ship.get("spool", {}).get("batches", 1) == 0,
                "spool files left %d, pending %d, drained before stop %s"
                % (len(spool_files), pending, "yes" if drained else "no"))
    samples = load_samples(d)
    cws_rc = read_first(os.path.join(d, "log/cws.rc"), "?")
    after = read_first(os.path.join(d, "log/procs-after"), "?")
    maxprocs = max(int(r["procs"] or 0) for r in samples)
    rep.verdict("stop", cws_rc == "0" and after == "0" and maxprocs <= 5,
                "cws run exited %s; %s processes left; at most %d processes "
                "at once (5: cws, probe, filter, broker, ship)"
                % (cws_rc, after, maxprocs))

    # --- memory and fds ---------------------------------------------------
    warm = secs // 10
    third = (secs - warm) // 3
    first = (warm, warm + third)
    lastw = (secs - third, secs + 1)
    rep.say()
    rep.say("RSS (MiB) and open fds per stage, min-max per window of the "
            "run (restarted stages included):")
    nwin = 3
    edges = [secs * i // nwin for i in range(nwin + 1)]
    hdr = "| stage | " + " | ".join(
        "RSS %d-%d min" % (edges[i] // 60, edges[i + 1] // 60)
        for i in range(nwin)) + " | " + " | ".join(
        "fds %d-%d min" % (edges[i] // 60, edges[i + 1] // 60)
        for i in range(nwin)) + " |"
    rep.say(hdr)
    rep.say("|" + "---|" * (1 + 2 * nwin))

    def vals(stage, what, lo, hi):
        out = []
        for r in samples:
            t = int(r["t_s"])
            v = r.get("%s_%s" % (stage, what))
            if lo <= t < hi and v:
                out.append(int(v))
        return out

    table = {}
    for stage, name in STAGES:
        cells_rss, cells_fd = [], []
        for i in range(nwin):
            r = vals(stage, "rss_kb", edges[i], edges[i + 1] + (
                1 if i == nwin - 1 else 0))
            f = vals(stage, "fds", edges[i], edges[i + 1] + (
                1 if i == nwin - 1 else 0))
            cells_rss.append("%.1f-%.1f" % (min(r) / 1024, max(r) / 1024)
                             if r else "-")
            cells_fd.append("%d-%d" % (min(f), max(f)) if f else "-")
        table[name] = {"rss": cells_rss, "fds": cells_fd}
        rep.say("| %s | %s | %s |" % (name, " | ".join(cells_rss),
                                      " | ".join(cells_fd)))
    rep.say()
    rep.say("flatness: first window %d-%d s, last window %d-%d s"
            % (first[0], first[1], lastw[0], lastw[1] - 1))
    for stage, name in STAGES:
        a = vals(stage, "rss_kb", *first)
        b = vals(stage, "rss_kb", *lastw)
        if not a or not b:
            rep.verdict("rss-" + stage, False, "no samples of %s in a "
                        "window" % name)
        else:
            allow = max(max(a) * RSS_SLACK_RATIO, RSS_SLACK_KB)
            rep.verdict("rss-" + stage, max(b) <= max(a) + allow,
                        "%s: max %.1f MiB, then %.1f MiB (allowed %.1f)"
                        % (name, max(a) / 1024, max(b) / 1024,
                           (max(a) + allow) / 1024))
        a = vals(stage, "fds", *first)
        b = vals(stage, "fds", *lastw)
        if not a or not b:
            rep.verdict("fds-" + stage, False, "no samples of %s in a "
                        "window" % name)
        else:
            rep.verdict("fds-" + stage, max(b) <= max(a) + FD_SLACK,
                        "%s: max %d fds, then %d (allowed %d)"
                        % (name, max(a), max(b), max(a) + FD_SLACK))

    failed = [v for v in rep.verdicts if not v[1]]
    rep.say()
    rep.say("%d checks, %d failed%s" % (
        len(rep.verdicts), len(failed),
        (": " + ", ".join(v[0] for v in failed)) if failed else ""))
    with open(os.path.join(d, "log/report.md"), "w") as f:
        f.write("\n".join(rep.lines) + "\n\n| check | verdict | detail |\n"
                "|---|---|---|\n")
        for name, ok, why in rep.verdicts:
            f.write("| %s | %s | %s |\n" % (name, "PASS" if ok else "FAIL",
                                            why.replace("|", "/")))
    summary = {"ops": ops, "opens": opens, "execs": execs,
               "rate": achieved, "delivered": delivered,
               "missing": {k: len(v) for k, v in missing.items()},
               "same_batch_again": same_batch,
               "dup_batches": intake["dup_batches"], "counters": c,
               "kills": kills, "outages": outages, "sighups": sighups,
               "rewrites": rewrites, "restarts": restarts, "table": table,
               "verdicts": {n: ok for n, ok, _ in rep.verdicts}}
    with open(os.path.join(d, "log/summary.json"), "w") as f:
        json.dump(summary, f, indent=1, sort_keys=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
