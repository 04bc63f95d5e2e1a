#!/usr/bin/env python3
"""Helper for scripts/measure-runtime-presets.sh (see docs/runtime-presets.md).

Measures which syscalls an OCI runtime (runc, crun) makes *after* it has
loaded the container's seccomp filter and up to (and including) the execve of
the container program. Those syscalls are checked by the container's filter,
so a profile that lacks them breaks container start-up.

Subcommands (all print JSON or a table on stdout):

  bare-elf  write the 132-byte static ELF that only calls exit_group(0)
  bundles   write one OCI bundle per variant from a `runc spec` config
  measure   run a runtime under `strace -ff` many times, analyse each run
  analyze   analyse one directory of `strace -ff -ttt --decode-pids=pidns` logs
  program   print the syscall names in straced runs of the test program alone
  validate  run containers without strace under a given profile, count passes
  table     print the per-syscall table from `measure` results

Method of `analyze` (one run):
  1. The load is the first successful `prctl(PR_SET_SECCOMP,
     SECCOMP_MODE_FILTER, ...)` or `seccomp(SECCOMP_SET_MODE_FILTER, FLAGS,
     {...}) >= 0` in any traced thread. Probes such as
     `seccomp(SECCOMP_SET_MODE_FILTER, ..., NULL) = -1 EFAULT` are not loads.
  2. Filtered threads: the loading thread; with SECCOMP_FILTER_FLAG_TSYNC also
     every other thread of its thread group alive at the load; and,
     transitively, every thread or process cloned by a filtered thread after
     the load (filters are inherited across clone/fork).
  3. The container exec is the first successful execve/execveat of a filtered
     thread after the load. Every syscall *entry* of a filtered thread after
     the load and up to that exec is recorded (the exec itself included: the
     kernel checks execve against the filter). Syscalls that were entered
     before the load and resume after it are not counted (seccomp checks at
     entry); restarted syscalls show up as new entries and are counted.
"""

import argparse
import ctypes
import json
import os
import re
import signal
import subprocess
import sys
import time

# --------------------------------------------------------------------------
# strace log parsing

_TS = r"(?P<ts>\d+\.\d+) "
_ENTRY_RE = re.compile(_TS + r"(?P<name>[a-z_][a-z0-9_]*)\((?P<rest>.*)$")
_RESUMED_RE = re.compile(_TS + r"<\.\.\. (?P<name>[a-z_][a-z0-9_]*) resumed>(?P<rest>.*)$")
_SIGNAL_RE = re.compile(_TS + r"--- (?P<sig>SIG[A-Z0-9_+-]+)")
_EXIT_RE = re.compile(_TS + r"\+\+\+ (?P<what>.*) \+\+\+")
# "= 7 /* 19275 in strace's PID NS */" or "= 19275"
_RET_RE = re.compile(r"\)\s+=\s+(?P<ret>-?\d+|\?|0x[0-9a-f]+)(?:\s+/\* (?P<host>\d+) in strace's PID NS \*/)?")


class Event:
  __slots__ = ("ts", "kind", "name", "rest", "ret", "host_ret", "idx")

  def __init__(self, ts, kind, name, rest, idx):
    self.ts = ts
    self.kind = kind  # "entry", "resumed", "signal", "exit"
    self.name = name
    self.rest = rest
    self.ret = None
    self.host_ret = None
    self.idx = idx


def _parse_ret(ev, text):
  m = None
  for m in _RET_RE.finditer(text):
    pass
  if m is None:
    return
  r = m.group("ret")
  if r == "?":
    ev.ret = None
  elif r.startswith("0x"):
    ev.ret = int(r, 16)
  elif len(r) > 1 and r.startswith("0"):
    ev.ret = int(r, 8)  # umask() = 022
  else:
    ev.ret = int(r)
  if m.group("host"):
    ev.host_ret = int(m.group("host"))
  elif ev.ret is not None:
    ev.host_ret = ev.ret


def parse_log(path):
  events = []
  with open(path, errors="replace") as f:
    for idx, line in enumerate(f):
      line = line.rstrip("\n")
      m = _RESUMED_RE.match(line)
      if m:
        ev = Event(float(m["ts"]), "resumed", m["name"], m["rest"], idx)
        _parse_ret(ev, m["rest"])
        events.append(ev)
        continue
      m = _ENTRY_RE.match(line)
      if m:
        ev = Event(float(m["ts"]), "entry", m["name"], m["rest"], idx)
        if "<unfinished ...>" not in m["rest"] or m["rest"].endswith("= ?"):
          _parse_ret(ev, m["rest"])
        events.append(ev)
        continue
      m = _SIGNAL_RE.match(line)
      if m:
        events.append(Event(float(m["ts"]), "signal", m["sig"], "", idx))
        continue
      m = _EXIT_RE.match(line)
      if m:
        events.append(Event(float(m["ts"]), "exit", m["what"], "", idx))
  return events


def _complete_returns(events):
  """Moves the return value of '<unfinished ...>' entries from their resumed line."""
  pending = {}
  for ev in events:
    if ev.kind == "entry" and "<unfinished ...>" in ev.rest and ev.ret is None:
      pending[ev.name] = ev
    elif ev.kind == "resumed" and ev.name in pending:
      e = pending.pop(ev.name)
      e.ret, e.host_ret = ev.ret, ev.host_ret
      e.rest = e.rest + " " + ev.rest


_CLONE_NAMES = {"clone", "clone3", "fork", "vfork"}


def analyze_dir(logdir):
  threads = {}
  for fn in os.listdir(logdir):
    m = re.fullmatch(r"log\.(\d+)", fn)
    if m:
      evs = parse_log(os.path.join(logdir, fn))
      _complete_returns(evs)
      threads[int(m.group(1))] = evs
  if not threads:
    return {"error": "no strace logs in " + logdir}

  # Thread-group and parent relations from clone calls.
  parent = {}      # child tid -> (parent tid, clone entry ts, is_thread)
  for tid, evs in threads.items():
    for ev in evs:
      if ev.kind == "entry" and ev.name in _CLONE_NAMES and ev.host_ret and ev.host_ret > 0:
        parent[ev.host_ret] = (tid, ev.ts, "CLONE_THREAD" in ev.rest)

  def tgid(t):
    seen = set()
    while t in parent and parent[t][2] and t not in seen:
      seen.add(t)
      t = parent[t][0]
    return t

  # 1. The load.
  loads = []
  for tid, evs in threads.items():
    for ev in evs:
      if ev.kind != "entry" or ev.ret is None or ev.ret < 0:
        continue
      if ev.name == "prctl" and ev.rest.startswith("PR_SET_SECCOMP, SECCOMP_MODE_FILTER"):
        loads.append((ev.ts, tid, ev, "prctl", []))
      elif ev.name == "seccomp" and ev.rest.startswith("SECCOMP_SET_MODE_FILTER,") \
          and "NULL)" not in ev.rest.split("{")[0]:
        flags = ev.rest.split(",")[1].strip()
        loads.append((ev.ts, tid, ev, "seccomp",
                      [] if flags == "0" else flags.split("|")))
  if not loads:
    return {"error": "no successful seccomp filter load found"}
  loads.sort(key=lambda x: x[0])
  t0, load_tid, load_ev, via, flags = loads[0]
  tsync = "SECCOMP_FILTER_FLAG_TSYNC" in flags

  def bounds(tid):
    evs = threads[tid]
    return (evs[0].ts, evs[-1].ts) if evs else (0.0, 0.0)

  # 2. Filtered threads: {tid: start ts from which entries count}.
  filtered = {load_tid: t0}
  if tsync:
    g = tgid(load_tid)
    for tid in threads:
      if tid != load_tid and tgid(tid) == g:
        start, end = bounds(tid)
        if start <= t0 <= end:
          filtered[tid] = t0
  changed = True
  while changed:
    changed = False
    for child, (ptid, cts, _) in parent.items():
      if child not in filtered and ptid in filtered and cts >= filtered[ptid] and child in threads:
        filtered[child] = bounds(child)[0]
        changed = True

  # 3. The container exec.
  exec_ev, exec_tid = None, None
  for tid in filtered:
    for ev in threads[tid]:
      if ev.kind == "entry" and ev.name in ("execve", "execveat") and ev.ret == 0 \
          and (ev.ts > t0 or (tid == load_tid and ev.idx > load_ev.idx)):
        if exec_ev is None or ev.ts < exec_ev.ts:
          exec_ev, exec_tid = ev, tid
  if exec_ev is None:
    return {"error": "no successful execve after the load", "load_via": via}
  t_exec = exec_ev.ts
  # Threads the container program itself starts after the exec are not ours.
  filtered = {t: s for t, s in filtered.items() if s <= t_exec}

  counts = {}
  per_thread = {}
  for tid, start in filtered.items():
    n = 0
    for ev in threads[tid]:
      if ev.kind != "entry":
        continue
      if tid == load_tid:
        if ev.idx <= load_ev.idx:
          continue
      elif ev.ts < start:
        continue
      if tid == exec_tid:
        if ev.idx > exec_ev.idx:
          break
      elif ev.ts > t_exec:
        break
      counts[ev.name] = counts.get(ev.name, 0) + 1
      n += 1
    per_thread[str(tid)] = n
  return {
      "load_via": via,
      "load_flags": flags,
      "tsync": tsync,
      "threads_in_group_at_load": sum(
          1 for t in threads if tgid(t) == tgid(load_tid) and bounds(t)[0] <= t0 <= bounds(t)[1]),
      "filtered_threads": len(filtered),
      "entries_per_thread": per_thread,
      "window_ms": round((t_exec - t0) * 1000, 3),
      "exec": exec_ev.name,
      "syscalls": counts,
  }


def program_set(logdir):
  """Syscall names made by a program traced alone (its own execve excluded)."""
  names = set()
  for fn in os.listdir(logdir):
    evs = parse_log(os.path.join(logdir, fn))
    first_exec = True
    for ev in evs:
      if ev.kind != "entry":
        continue
      if ev.name == "execve" and first_exec:
        first_exec = False  # the launcher's execve of the program
        continue
      names.add(ev.name)
  return names


# --------------------------------------------------------------------------
# Running containers

PR_SET_CHILD_SUBREAPER = 36


def set_subreaper():
  libc = ctypes.CDLL(None, use_errno=True)
  if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
    raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def cgroup_needs_private_ns():
  """crun 1.8 refuses hybrid cgroups when the v2 'unified' mount has controllers."""
  try:
    with open("/sys/fs/cgroup/unified/cgroup.controllers") as f:
      return f.read().strip() != ""
  except OSError:
    return False


class Runtime:
  def __init__(self, name, state_root):
    self.name = name
    self.state_root = state_root
    self.wrap = []
    if name == "crun" and cgroup_needs_private_ns():
      # A private mount namespace in which the cgroup2 'unified' mount is gone:
      # crun then sees a plain cgroup v1 host. Nothing changes outside.
      self.wrap = ["unshare", "-m", "--propagation", "private", "sh", "-c",
                   'umount -l /sys/fs/cgroup/unified 2>/dev/null; exec "$@"', "sh"]

  def cmd(self, *args):
    return self.wrap + [self.name, "--root", self.state_root] + list(args)

  def quiet(self, *args, timeout=30):
    try:
      return subprocess.run(self.cmd(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            timeout=timeout, text=True)
    except subprocess.TimeoutExpired:
      return None

  def state(self, cid):
    r = self.quiet("state", cid, timeout=10)
    if r is None or r.returncode != 0:
      return None
    try:
      return json.loads(r.stdout).get("status")
    except ValueError:
      return None

  def cleanup(self, cid):
    self.quiet("kill", cid, "KILL", timeout=10)
    self.quiet("delete", "-f", cid, timeout=20)


def _kill_group(p):
  try:
    os.killpg(p.pid, signal.SIGKILL)
  except ProcessLookupError:
    pass
  try:
    p.wait(timeout=10)
  except subprocess.TimeoutExpired:
    pass


def _decode_status(st):
  if os.WIFEXITED(st):
    return os.WEXITSTATUS(st)
  if os.WIFSIGNALED(st):
    return 128 + os.WTERMSIG(st)
  return -1


def _reap_orphans():
  """Reaps container inits reparented to us (we are a subreaper) that nobody
  waited for, e.g. after a failed create."""
  while True:
    try:
      pid, _ = os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
      return
    if pid == 0:
      return


def _wait_reparented(pid, deadline):
  """Waits for a container init that was reparented to us (we are a subreaper)."""
  while time.monotonic() < deadline:
    try:
      wpid, st = os.waitpid(pid, os.WNOHANG)
      if wpid == pid:
        return _decode_status(st)
    except ChildProcessError:
      if not os.path.exists("/proc/%d" % pid):
        return None  # reaped elsewhere: unknown
    time.sleep(0.005)
  return "timeout"


_PIDNS_FLAG = None


def _pidns_flag():
  """Makes strace print host TIDs next to clone() results from inside the
  container's PID namespace (strace 6.0 renamed the 5.9 option)."""
  global _PIDNS_FLAG
  if _PIDNS_FLAG is None:
    h = subprocess.run(["strace", "-h"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout
    _PIDNS_FLAG = "--decode-pids=pidns" if "--decode-pids" in h else "--pidns-translation"
  return _PIDNS_FLAG


def run_once(rt, bundle, cid, mode, delay_ms, timeout, workdir, strace_dir=None):
  """Runs one container; returns a dict with ok, statuses and error text."""
  out_path = os.path.join(workdir, cid + ".out")
  err_path = os.path.join(workdir, cid + ".err")
  pid_path = os.path.join(workdir, cid + ".pid")
  prefix = []
  if strace_dir:
    os.makedirs(strace_dir, exist_ok=True)
    prefix = ["strace", "-ff", "-ttt", "-s", "64", _pidns_flag(),
              "-o", os.path.join(strace_dir, "log")]
  res = {"cid": cid, "mode": mode}
  deadline = time.monotonic() + timeout
  p = None
  try:
    with open(out_path, "w") as out, open(err_path, "w") as err:
      if mode == "run":
        p = subprocess.Popen(prefix + rt.cmd("run", "--bundle", bundle, cid),
                             stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                             start_new_session=True)
        try:
          res["status"] = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
          _kill_group(p)
          res["status"] = "timeout"
      else:
        p = subprocess.Popen(prefix + rt.cmd("create", "--bundle", bundle, "--pid-file", pid_path, cid),
                             stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                             start_new_session=True)
        created = False
        if strace_dir:
          # strace only exits with the container; wait for the 'created' state.
          while time.monotonic() < deadline and p.poll() is None:
            if os.path.exists(pid_path) and rt.state(cid) == "created":
              created = True
              break
            time.sleep(0.01)
          if not created and p.poll() is not None:
            res["create_status"] = p.returncode
        else:
          try:
            res["create_status"] = p.wait(timeout=timeout)
            created = res["create_status"] == 0
          except subprocess.TimeoutExpired:
            _kill_group(p)
            res["create_status"] = "timeout"
        if created:
          time.sleep(delay_ms / 1000.0)
          with open(pid_path) as f:
            pid = int(f.read().strip())
          s = rt.quiet("start", cid, timeout=max(1, deadline - time.monotonic()))
          res["start_status"] = "timeout" if s is None else s.returncode
          if s is not None and s.stderr:
            err.write(s.stderr)
          if s is not None and s.returncode == 0:
            res["status"] = _wait_reparented(pid, deadline)
          else:
            res["status"] = "not started"
        else:
          res["status"] = "not created"
        if strace_dir:
          try:
            p.wait(timeout=max(1, deadline - time.monotonic()))
          except subprocess.TimeoutExpired:
            _kill_group(p)
  finally:
    # Also on timeouts, Ctrl-C and SIGTERM: nothing of ours outlives the run.
    if p is not None and p.poll() is None:
      _kill_group(p)
    rt.cleanup(cid)
    _reap_orphans()
  with open(out_path) as f:
    res["stdout"] = f.read()[-300:]
  with open(err_path) as f:
    res["stderr"] = f.read()[-600:]
  for pth in (out_path, err_path, pid_path):
    try:
      os.unlink(pth)
    except FileNotFoundError:
      pass
  return res


def _container_ok(res, payload):
  if res.get("status") != 0:
    return False
  if payload == "print":
    return "hello from container" in res.get("stdout", "")
  return True


# --------------------------------------------------------------------------
# Variants and bundles

DOCKER_DEFAULT_CAPS = [  # moby oci/caps/defaults.go (Docker 20-25)
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
    "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
]

MODES = ["create-start", "run"]
NNPS = ["nnp-false", "nnp-true"]
USERS = ["root", "nonroot"]
# print: the Go program prints a line; exit: the Go program exits at once;
# bare: a 132-byte hand-made static ELF whose only syscall is exit_group(0),
# so a profile can be tested without the Go runtime's own needs.
PAYLOADS = ["print", "exit", "bare"]
MEASURE_PAYLOADS = ["print", "exit"]


def cells(modes, nnps, users, payloads):
  for mode in modes:
    for nnp in nnps:
      for user in users:
        for payload in payloads:
          yield {"mode": mode, "nnp": nnp, "user": user, "payload": payload}


def bundle_name(c):
  return "%s.%s.%s" % (c["nnp"], c["user"], c["payload"])


def seccomp_section(kind, names=None):
  if kind == "measure":
    # Default allow plus one rule, so that the runtime compiles and loads a
    # filter exactly as it does for a real profile.
    return {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
            "syscalls": [{"names": ["kexec_load"], "action": "SCMP_ACT_ERRNO"}]}
  return {"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
          "syscalls": [{"names": sorted(names), "action": "SCMP_ACT_ALLOW"}]}


def write_bundles(base_config, rootfs, outdir, seccomp):
  with open(base_config) as f:
    base = json.load(f)
  for c in cells(MODES[:1], NNPS, USERS, PAYLOADS):
    cfg = json.loads(json.dumps(base))
    cfg["root"] = {"path": rootfs, "readonly": True}
    p = cfg["process"]
    p["terminal"] = False
    p["args"] = {"print": ["/hello"], "exit": ["/hello", "exit"], "bare": ["/bare"]}[c["payload"]]
    p["noNewPrivileges"] = c["nnp"] == "nnp-true"
    if c["user"] == "root":
      p["user"] = {"uid": 0, "gid": 0}
    else:  # distroless "nonroot"
      p["user"] = {"uid": 65532, "gid": 65532, "additionalGids": [65532]}
    caps = list(DOCKER_DEFAULT_CAPS)
    p["capabilities"] = {"bounding": caps, "effective": caps, "permitted": caps}
    cfg["hostname"] = "g2s-measure"
    cfg["linux"]["seccomp"] = seccomp
    d = os.path.join(outdir, bundle_name(c))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
      json.dump(cfg, f, indent=2)


def _split(s, allowed):
  v = [x for x in s.split(",") if x]
  for x in v:
    if x not in allowed:
      sys.exit("unknown value %r (allowed: %s)" % (x, ", ".join(allowed)))
  return v


# --------------------------------------------------------------------------
# Subcommands

def write_bare_elf(path):
  """x86_64 ELF: mov eax, 231 (exit_group); xor edi, edi; syscall."""
  import struct
  code = bytes.fromhex("b8e7000000" "31ff" "0f05")
  base, hdr = 0x400000, 64 + 56
  eh = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
  eh += struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, base + hdr, 64, 0, 0, 64, 56, 1, 0, 0, 0)
  ph = struct.pack("<IIQQQQQQ", 1, 5, 0, base, base, hdr + len(code), hdr + len(code), 0x1000)
  with open(path, "wb") as f:
    f.write(eh + ph + code)
  os.chmod(path, 0o755)


def cmd_bare(a):
  write_bare_elf(a.path)


def cmd_bundles(a):
  if a.kind == "measure":
    sec = seccomp_section("measure")
  else:
    with open(a.names) as f:
      names = [l.strip() for l in f if l.strip()]
    sec = seccomp_section("enforce", names)
  write_bundles(a.base_config, a.rootfs, a.out, sec)


def cmd_analyze(a):
  print(json.dumps(analyze_dir(a.dir), indent=1))


def cmd_program(a):
  names = set()
  for d in a.dirs:
    names |= program_set(d)
  print("\n".join(sorted(names)))


def _delay_for(i, delays):
  return delays[i % len(delays)]


def cmd_measure(a):
  set_subreaper()
  rt = Runtime(a.runtime, a.state_root)
  delays = [int(x) for x in a.delays_ms.split(",")]
  todo = list(cells(_split(a.modes, MODES), _split(a.nnp, NNPS), _split(a.users, USERS),
                    _split(a.payloads, PAYLOADS)))
  stress = _Stress(a.stress)
  try:
    _measure_cells(a, rt, delays, todo)
  finally:
    stress.stop()


def _measure_cells(a, rt, delays, todo):
  with open(a.results, "a") as out:
    for c in todo:
      for i in range(a.runs):
        cid = "g2s-m-%d-%s-%d" % (os.getpid(), a.runtime, int(time.time() * 1e6) % 10**9)
        sdir = os.path.join(a.workdir, "strace-" + cid)
        delay = _delay_for(i, delays) if c["mode"] == "create-start" else 0
        res = run_once(rt, os.path.join(a.bundles, bundle_name(c)), cid, c["mode"], delay,
                       a.timeout, a.workdir, strace_dir=sdir)
        an = analyze_dir(sdir)
        rec = dict(c, cpu="busy" if a.stress else "idle", runtime=a.runtime, run=i, delay_ms=delay,
                   container_ok=_container_ok(res, c["payload"]), result=res, analysis=an)
        out.write(json.dumps(rec) + "\n")
        out.flush()
        flag = "ok" if rec["container_ok"] and "error" not in an else "FAIL"
        print("%-5s %-4s %-12s %-9s %-7s %-5s run %2d: %s %s" % (
            a.runtime, rec["cpu"], c["mode"], c["nnp"], c["user"], c["payload"], i, flag,
            an.get("error", "%d syscalls after load, %d filtered thread(s)" % (
                sum(an["syscalls"].values()), an["filtered_threads"]))),
            file=sys.stderr, flush=True)
        if not a.keep_logs:
          subprocess.run(["rm", "-rf", sdir])


class _Stress:
  """Busy loops on every CPU, to provoke preemption signals and GC timing."""

  def __init__(self, on):
    self.procs = []
    if on:
      for _ in range(os.cpu_count() or 1):
        self.procs.append(subprocess.Popen(["sh", "-c", "while :; do :; done"],
                                           start_new_session=True))

  def stop(self):
    for p in self.procs:
      _kill_group(p)


def cmd_validate(a):
  set_subreaper()
  rt = Runtime(a.runtime, a.state_root)
  delays = [int(x) for x in a.delays_ms.split(",")]
  todo = list(cells(_split(a.modes, MODES), _split(a.nnp, NNPS), _split(a.users, USERS),
                    _split(a.payloads, PAYLOADS)))
  stress = _Stress(a.stress)
  summary = {"runtime": a.runtime, "label": a.label, "stress": a.stress, "cells": [],
             "passed": 0, "total": 0, "failures": {}}
  try:
    for c in todo:
      passed = 0
      for i in range(a.runs):
        cid = "g2s-v-%d-%s-%d" % (os.getpid(), a.runtime, int(time.time() * 1e6) % 10**9)
        delay = _delay_for(i, delays) if c["mode"] == "create-start" else 0
        res = run_once(rt, os.path.join(a.bundles, bundle_name(c)), cid, c["mode"], delay,
                       a.timeout, a.workdir)
        if _container_ok(res, c["payload"]):
          passed += 1
        else:
          err = res.get("stderr", "").strip().splitlines()
          last = re.sub(r'^time="[^"]*" level=\w+ msg="(.*)"$', r"\1", err[-1]) if err else "(no stderr)"
          last = re.sub(r"g2s-[mv]-\d+-\w+-\d+", "<id>", last)
          key = "status=%s: %s" % (res.get("status"), last[:200])
          summary["failures"][key] = summary["failures"].get(key, 0) + 1
      summary["cells"].append(dict(c, passed=passed, runs=a.runs))
      summary["passed"] += passed
      summary["total"] += a.runs
  finally:
    stress.stop()
  print(json.dumps(summary))


def cmd_table(a):
  recs = []
  with open(a.results) as f:
    for line in f:
      r = json.loads(line)
      if "error" not in r["analysis"] and (r["container_ok"] or a.include_failed):
        recs.append(r)
  if not recs:
    sys.exit("no usable runs in " + a.results)
  dims = [(d, [v for v in vals if any(r[d] == v for r in recs)])
          for d, vals in (("mode", MODES), ("nnp", NNPS), ("user", USERS), ("payload", PAYLOADS),
                          ("cpu", ["idle", "busy"]))]
  names = sorted({n for r in recs for n in r["analysis"]["syscalls"]})
  cell_key = lambda r: (r["mode"], r["nnp"], r["user"], r["payload"], r.get("cpu"))
  by_cell = {}
  for r in recs:
    by_cell.setdefault(cell_key(r), []).append(r)

  rows = []
  for n in names:
    seen = [r for r in recs if n in r["analysis"]["syscalls"]]
    # timing: in some cell seen in some but not all runs.
    timing = any(0 < sum(1 for r in rs if n in r["analysis"]["syscalls"]) < len(rs)
                 for rs in by_cell.values())
    if len(seen) == len(recs):
      cls = "always"
    elif timing:
      cls = "timing"
    else:
      cls = "config"
    marg = []
    for d, vals in dims:
      for v in vals:
        tot = [r for r in recs if r[d] == v]
        if tot:
          marg.append("%d/%d" % (sum(1 for r in tot if n in r["analysis"]["syscalls"]), len(tot)))
        else:
          marg.append("-")
    maxcalls = max(r["analysis"]["syscalls"].get(n, 0) for r in recs)
    rows.append((n, "%d/%d" % (len(seen), len(recs)), cls, str(maxcalls), *marg))

  hdr = ["syscall", "runs", "class", "max/run"]
  for d, vals in dims:
    for v in vals:
      hdr.append(v)
  if a.format == "markdown":
    print("| " + " | ".join(hdr) + " |")
    print("|" + "---|" * len(hdr))
    for row in rows:
      print("| " + " | ".join("`%s`" % row[0] if i == 0 else row[i] for i in range(len(row))) + " |")
  else:
    widths = [max(len(hdr[i]), *(len(r[i]) for r in rows)) for i in range(len(hdr))]
    print("  ".join(h.ljust(w) for h, w in zip(hdr, widths)))
    for row in rows:
      print("  ".join(c.ljust(w) for c, w in zip(row, widths)))
  loads = {}
  for r in recs:
    k = "%s flags=%s" % (r["analysis"]["load_via"], "|".join(r["analysis"]["load_flags"]) or "0")
    loads[k] = loads.get(k, 0) + 1
  win = sorted(r["analysis"]["window_ms"] for r in recs)
  ft = sorted({r["analysis"]["filtered_threads"] for r in recs})
  print()
  print("runs analysed: %d (of %d recorded); filter loads: %s" % (
      len(recs), sum(1 for _ in open(a.results)), ", ".join("%s x%d" % kv for kv in sorted(loads.items()))))
  print("filtered threads per run: %s; load->exec window ms: min %.1f median %.1f max %.1f" % (
      ",".join(map(str, ft)), win[0], win[len(win) // 2], win[-1]))
  if a.names_out:
    with open(a.names_out, "w") as f:
      f.write("\n".join(names) + "\n")


def main():
  ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
  sub = ap.add_subparsers(dest="cmd", required=True)

  b = sub.add_parser("bundles")
  b.add_argument("--base-config", required=True)
  b.add_argument("--rootfs", required=True)
  b.add_argument("--out", required=True)
  b.add_argument("--kind", choices=["measure", "enforce"], required=True)
  b.add_argument("--names", help="file with allowed names (enforce)")
  b.set_defaults(fn=cmd_bundles)

  be = sub.add_parser("bare-elf")
  be.add_argument("path")
  be.set_defaults(fn=cmd_bare)

  an = sub.add_parser("analyze")
  an.add_argument("dir")
  an.set_defaults(fn=cmd_analyze)

  pr = sub.add_parser("program")
  pr.add_argument("dirs", nargs="+")
  pr.set_defaults(fn=cmd_program)

  for name, fn in (("measure", cmd_measure), ("validate", cmd_validate)):
    m = sub.add_parser(name)
    m.add_argument("--runtime", choices=["runc", "crun"], required=True)
    m.add_argument("--bundles", required=True)
    m.add_argument("--state-root", required=True)
    m.add_argument("--workdir", required=True)
    m.add_argument("--runs", type=int, default=20)
    m.add_argument("--modes", default=",".join(MODES))
    m.add_argument("--nnp", default=",".join(NNPS))
    m.add_argument("--users", default=",".join(USERS))
    m.add_argument("--payloads", default=",".join(MEASURE_PAYLOADS))
    m.add_argument("--delays-ms", default="0,20,100,300",
                   help="create->start delays, cycled over runs")
    m.add_argument("--timeout", type=float, default=60)
    m.set_defaults(fn=fn)
    m.add_argument("--stress", action="store_true",
                   help="keep every CPU busy meanwhile (provokes preemption signals)")
    if name == "measure":
      m.add_argument("--results", required=True)
      m.add_argument("--keep-logs", action="store_true")
    else:
      m.add_argument("--label", default="")

  t = sub.add_parser("table")
  t.add_argument("--results", required=True)
  t.add_argument("--format", choices=["text", "markdown"], default="text")
  t.add_argument("--names-out")
  t.add_argument("--include-failed", action="store_true")
  t.set_defaults(fn=cmd_table)

  a = ap.parse_args()
  # SIGTERM from the driver script: unwind through the finally blocks that
  # delete containers and stop the CPU burners.
  signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
  a.fn(a)


if __name__ == "__main__":
  main()
