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

// cpuTime is the CPU time, user and system, that the processes below root
// have used: workerd's own, and all of them (wrangler's Node included).
func cpuTime(root int) (workerd, all time.Duration) {
	type proc struct {
		ppid int
		comm string
		cpu  time.Duration
	}
	procs := map[int]proc{}
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
		procs[pid] = proc{ppid, s[lp+1 : rp], time.Duration(ut+st) * clockTick}
	}
	for pid, p := range procs {
		for q := pid; q > 1; q = procs[q].ppid {
			if q == root {
				all += p.cpu
				if strings.HasPrefix(p.comm, "workerd") {
					workerd += p.cpu
				}
				break
			}
			if _, ok := procs[q]; !ok {
				break
			}
		}
	}
	return workerd, all
}
