package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTick is USER_HZ, the unit of utime and stime in /proc/<pid>/stat;
// 100 on Linux everywhere that matters.
const clockTick = 10 * time.Millisecond

type proc struct {
	ppid int
	comm string
	cpu  time.Duration
}

// procs reads every process's parent, name and CPU time from /proc.
func procs() map[int]proc {
	all := map[int]proc{}
	dirs, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, d := range dirs {
		b, err := os.ReadFile(d)
		if err != nil {
			continue // gone meanwhile
		}
		s := string(b)
		lp, rp := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if lp < 0 || rp < lp {
			continue
		}
		f := strings.Fields(s[rp+1:]) // f[0] is the state, field 3 of stat
		if len(f) < 13 {
			continue
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(s[:lp]))
		ppid, _ := strconv.Atoi(f[1])
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		all[pid] = proc{ppid, s[lp+1 : rp], time.Duration(ut+st) * clockTick}
	}
	return all
}

// below calls f for every process at or below root.
func below(all map[int]proc, root int, f func(pid int, p proc)) {
	for pid, p := range all {
		for q := pid; q > 1; q = all[q].ppid {
			if q == root {
				f(pid, p)
				break
			}
			if _, ok := all[q]; !ok {
				break
			}
		}
	}
}

// cpuTime is the CPU time, user and system, that the processes below root
// have used: workerd's own, and all of them (wrangler's Node included).
func cpuTime(root int) (workerd, all time.Duration) {
	below(procs(), root, func(_ int, p proc) {
		all += p.cpu
		if strings.HasPrefix(p.comm, "workerd") {
			workerd += p.cpu
		}
	})
	return workerd, all
}

// workerdPIDs are the workerd processes at or below root.
func workerdPIDs(root int) []int {
	var pids []int
	below(procs(), root, func(pid int, p proc) {
		if strings.HasPrefix(p.comm, "workerd") {
			pids = append(pids, pid)
		}
	})
	return pids
}

// schedTime is the CPU time of every thread of pids, in nanoseconds: the
// first field of /proc/<pid>/task/<tid>/schedstat, finer than stat's
// clock ticks, which one invocation would not fill.
func schedTime(pids []int) time.Duration {
	var sum int64
	for _, pid := range pids {
		files, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/schedstat")
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				continue // a thread gone meanwhile
			}
			if i := strings.IndexByte(string(b), ' '); i > 0 {
				n, _ := strconv.ParseInt(string(b[:i]), 10, 64)
				sum += n
			}
		}
	}
	return time.Duration(sum)
}
