#!/usr/bin/env python3
"""Markdown report of bench/window/run.sh from the UI profiler's per-second samples.

Only the samples whose second lies inside the load window count. Prints to stdout.
"""
import argparse
import json
import statistics
from collections import defaultdict

BUSY_TARGET_PCT = 10.0
FRAME_BUDGET_MS = 16.0
RSS_TARGET_MB = 150.0

# Published figures only; None where the project publishes none.
COMPARISON = [
    ("Docker Desktop (Linux)",
     "no published figure for the dashboard process itself; the install guide asks for "
     "at least 4 GB of RAM on the host, and containers run in a VM "
     "(docs.docker.com/desktop/setup/install/linux/)"),
    ("lazydocker",
     "no published figure (README and docs state none); only user reports of leaks in "
     "issues #139, #206, #492, which are not a baseline"),
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", required=True)
    parser.add_argument("--load", required=True)
    parser.add_argument("--from-ms", type=int, required=True)
    parser.add_argument("--to-ms", type=int, required=True)
    parser.add_argument("--replicas", type=int, required=True)
    parser.add_argument("--rate", type=int, required=True)
    parser.add_argument("--duration", type=int, required=True)
    parser.add_argument("--up-s", type=int, required=True)
    parser.add_argument("--screenshot", required=True)
    parser.add_argument("--shoal-version", default="")
    parser.add_argument("--loadavg", default="?")
    return parser.parse_args()


def load_samples(path, from_ms, to_ms):
    samples = []
    with open(path, encoding="utf-8") as file:
        for line in file:
            line = line.strip()
            if not line:
                continue
            sample = json.loads(line)
            start = sample["epochMs"] - sample["intervalMs"]
            # A sample covers the second before it; keep it when that second is in the window
            # (50 ms of slack for the timer).
            if start >= from_ms - 50 and sample["epochMs"] <= to_ms + 50:
                samples.append(sample)
    return samples


def load_requests(path):
    codes = defaultdict(int)
    times = []
    try:
        with open(path, encoding="utf-8") as file:
            for line in file:
                parts = line.split()
                if len(parts) == 2:
                    codes[parts[0]] += 1
                    times.append(float(parts[1]) * 1000.0)
    except FileNotFoundError:
        pass
    return codes, times


def verdict(ok):
    return "met" if ok else "**missed**"


def main():
    args = parse_args()
    samples = load_samples(args.samples, args.from_ms, args.to_ms)
    if not samples:
        raise SystemExit("no profiler samples inside the load window")
    codes, times = load_requests(args.load)

    busy = [s["busyPct"] for s in samples]
    cpu = [s["threadCpuPct"] for s in samples]
    cpu_proc = [s["threadCpuPctProc"] for s in samples]
    process_cpu = [s["processCpuPct"] for s in samples]
    frames = [s["frames"] for s in samples]
    over = sum(s["framesOver16Ms"] for s in samples)
    longest_frame = max(s["longestFrameMs"] for s in samples)
    longest_event = max(samples, key=lambda s: s["longestEventMs"])
    events_over = sum(1 for s in samples if s["longestEventMs"] > FRAME_BUDGET_MS)
    rss_max_mb = max(s["rssKb"] for s in samples) / 1024.0
    hwm_mb = max(s["hwmKb"] for s in samples) / 1024.0
    seconds = len(samples)
    seconds_over_busy = sum(1 for b in busy if b >= BUSY_TARGET_PCT)

    by_key = defaultdict(lambda: {"selfMs": 0.0, "selfCpuMs": 0.0, "count": 0, "maxMs": 0.0})
    for sample in samples:
        for entry in sample["top"]:
            slot = by_key[(entry["receiver"], entry.get("parent", ""), entry["event"])]
            slot["selfMs"] += entry["selfMs"]
            slot["selfCpuMs"] += entry.get("selfCpuMs", 0.0)
            slot["count"] += entry["count"]
            slot["maxMs"] = max(slot["maxMs"], entry["maxMs"])
    breakdown = sorted(by_key.items(), key=lambda kv: kv[1]["selfMs"], reverse=True)[:12]
    slow_frames = [s for s in samples if s["longestFrameMs"] > FRAME_BUDGET_MS]

    ok_busy = max(busy) < BUSY_TARGET_PCT
    ok_frames = over == 0
    ok_rss = hwm_mb < RSS_TARGET_MB
    ok2xx = sum(n for code, n in codes.items() if code.startswith("2"))

    out = []
    out.append(f"# Window benchmark (issue 7) -- {args.screenshot.removesuffix('.png')}")
    out.append("")
    out.append(f"{args.shoal_version}; load average before the run {args.loadavg}; "
               f"{args.replicas} whoami replicas (up after {args.up_s} s), "
               f"{args.rate} req/s to the proxy for {args.duration} s; Xvfb 1600x1000x24; "
               f"{seconds} one-second samples of the UI profiler inside the load window.")
    out.append("")
    out.append("| measure | target | median | max | verdict |")
    out.append("|---|---|---|---|---|")
    out.append(f"| GUI thread busy (wall time in event delivery), % per second | < {BUSY_TARGET_PCT:g} "
               f"| {statistics.median(busy):.2f} | {max(busy):.2f} | {verdict(ok_busy)} |")
    out.append(f"| GUI thread CPU (CLOCK_THREAD_CPUTIME_ID), % | < {BUSY_TARGET_PCT:g} "
               f"| {statistics.median(cpu):.2f} | {max(cpu):.2f} "
               f"| {verdict(max(cpu) < BUSY_TARGET_PCT)} |")
    out.append(f"| GUI thread CPU (/proc task stat, 10 ms ticks), % | cross-check "
               f"| {statistics.median(cpu_proc):.2f} | {max(cpu_proc):.2f} | |")
    out.append(f"| whole process CPU (all threads), % of one core | -- "
               f"| {statistics.median(process_cpu):.2f} | {max(process_cpu):.2f} | |")
    waits = [s.get("runQueueWaitMs", 0.0) for s in samples]
    out.append(f"| GUI thread waiting for a core (schedstat run-queue wait), ms per s | -- "
               f"| {statistics.median(waits):.2f} | {max(waits):.2f} | |")
    out.append(f"| frames per second (UpdateRequest of a top-level window) | >= 1 "
               f"| {statistics.median(frames):g} | {max(frames)} | "
               f"{verdict(min(frames) >= 1)} (min {min(frames)}) |")
    frame_cpu = max(s.get("longestFrameCpuMs", 0.0) for s in samples)
    out.append(f"| frames > {FRAME_BUDGET_MS:g} ms (wall) | 0 | -- | {over} in {sum(frames)} frames, "
               f"longest {longest_frame:.2f} ms | {verdict(ok_frames)} |")
    out.append(f"| CPU time of each second's longest frame, ms | < {FRAME_BUDGET_MS:g} | "
               f"{statistics.median(s.get('longestFrameCpuMs', 0.0) for s in samples):.2f} "
               f"| {frame_cpu:.2f} | {verdict(frame_cpu < FRAME_BUDGET_MS)} |")
    out.append(f"| longest single top-level event | -- | -- | {longest_event['longestEventMs']:.2f} ms "
               f"({longest_event['longestEvent']}); {events_over} s with one > 16 ms | |")
    out.append(f"| RSS (VmRSS) in the window, MB | < {RSS_TARGET_MB:g} | -- | {rss_max_mb:.1f} | |")
    out.append(f"| peak RSS since start (VmHWM), MB | < {RSS_TARGET_MB:g} | -- | {hwm_mb:.1f} "
               f"| {verdict(ok_rss)} |")
    out.append("")
    total = sum(codes.values())
    if times:
        times.sort()
        p50 = times[len(times) // 2]
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        out.append(f"Load: {total} requests, {ok2xx} answered 2xx "
                   f"({', '.join(f'{c}: {n}' for c, n in sorted(codes.items()))}); "
                   f"curl time p50 {p50:.1f} ms, p99 {p99:.1f} ms.")
    else:
        out.append("Load: no request results recorded.")
    out.append("")
    out.append("## Where the GUI thread's time goes (self time, load window)")
    out.append("")
    out.append("Summed from each second's twelve largest entries (by wall time); self time "
               "excludes nested deliveries (a frame's Paint events count under the painted "
               "widget). Wall minus CPU is time the thread was off the CPU inside the handler.")
    out.append("")
    out.append("| receiver class (parent class) | event | self wall ms per s | self CPU ms per s "
               "| events per s | longest (incl., wall) ms |")
    out.append("|---|---|---|---|---|---|")
    for (receiver, parent, event), slot in breakdown:
        who = f"{receiver} ({parent})" if parent else receiver
        out.append(f"| {who} | {event} | {slot['selfMs'] / seconds:.2f} "
                   f"| {slot['selfCpuMs'] / seconds:.2f} "
                   f"| {slot['count'] / seconds:.1f} | {slot['maxMs']:.2f} |")
    out.append("")
    if slow_frames:
        out.append("Seconds with a frame over 16 ms (t = seconds since the window opened):")
        out.append("")
        for s in slow_frames[:10]:
            out.append(f"- t={s['t']:.0f}: longest frame {s['longestFrameMs']:.2f} ms "
                       f"({s.get('longestFrameCpuMs', 0):.2f} ms of it on the CPU); longest event "
                       f"{s['longestEventMs']:.2f} ms ({s['longestEvent']}, "
                       f"{s.get('longestEventCpuMs', 0):.2f} ms CPU); run-queue wait that second "
                       f"{s.get('runQueueWaitMs', 0):.2f} ms, "
                       f"{s.get('involuntarySwitches', 0)} involuntary switches")
        out.append("")
    out.append("## Published footprints for comparison")
    out.append("")
    out.append("| tool | published figure |")
    out.append("|---|---|")
    out.append(f"| Shoal (this run) | {hwm_mb:.1f} MB peak RSS, one process, proxy included |")
    for name, figure in COMPARISON:
        out.append(f"| {name} | {figure} |")
    out.append("")
    out.append(f"Screenshot: {args.screenshot}; per-second samples: "
               f"{args.screenshot.removesuffix('.png')}.jsonl.")
    if seconds_over_busy:
        out.append("")
        out.append(f"{seconds_over_busy} of {seconds} seconds at or over {BUSY_TARGET_PCT:g} % busy.")
    print("\n".join(out))


if __name__ == "__main__":
    main()
