//go:build unix

package main

import (
	"os/exec"
	"syscall"
	"time"
)

// ownGroup runs cmd in a process group of its own and, when its context
// ends (^C, SIGTERM), interrupts the whole group: the go command and what it
// started (a test binary; dcsload and its dashboard, which shut down on
// SIGINT), rather than killing the go command alone and orphaning them.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGINT) }
	cmd.WaitDelay = 30 * time.Second
}
