package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat. It
// is 100 on every Linux architecture Go supports; reading it would need cgo.
const clockTicks = 100

// sysProcAttr puts the dashboard in its own process group, so a ^C at the
// terminal reaches only dcsload, which then stops the dashboard in order
// (SIGTERM, wait). Pdeathsig stops the dashboard even if dcsload is killed
// outright and never gets to clean up.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}

// procMem is a process's resident memory in KiB, as /proc/PID/status shows it.
type procMem struct {
	hwmKiB int64 // VmHWM: peak resident set since the process started
	rssKiB int64 // VmRSS: resident set now
}

// readMem reads VmHWM and VmRSS of pid.
func readMem(pid int) (procMem, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return procMem{}, err
	}
	var m procMem
	for line := range strings.Lines(string(data)) {
		name, rest, ok := strings.Cut(line, ":")
		if !ok || (name != "VmHWM" && name != "VmRSS") {
			continue
		}
		f := strings.Fields(rest) // "12345 kB"
		if len(f) != 2 || f[1] != "kB" {
			return procMem{}, fmt.Errorf("/proc/%d/status: unexpected %s line %q", pid, name, strings.TrimSpace(line))
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return procMem{}, fmt.Errorf("/proc/%d/status: %s: %v", pid, name, err)
		}
		if name == "VmHWM" {
			m.hwmKiB = n
		} else {
			m.rssKiB = n
		}
	}
	if m.hwmKiB == 0 || m.rssKiB == 0 {
		return procMem{}, fmt.Errorf("/proc/%d/status has no VmHWM or VmRSS", pid)
	}
	return m, nil
}

// readCPU is the user plus system CPU time pid has used so far.
func readCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces and parentheses, so fields
	// are counted after its closing parenthesis: field 3 is the first there,
	// which puts utime (14) and stime (15) at indexes 11 and 12.
	s := string(data)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	var ticks int64
	for _, v := range f[11:13] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/stat: %v", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}
