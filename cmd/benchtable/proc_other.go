//go:build !unix

package main

import (
	"os/exec"
	"time"
)

// ownGroup: elsewhere the context's end kills the go command alone.
func ownGroup(cmd *exec.Cmd) { cmd.WaitDelay = 30 * time.Second }
