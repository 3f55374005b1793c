//go:build linux

package main

import (
	"io"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestOutputSocketRejected checks that an output naming a Unix socket
// file, which cannot be opened for writing, fails the run before any work,
// so that a FIFO output of the same run receives nothing.
func TestOutputSocketRejected(t *testing.T) {
	dir := t.TempDir()
	input := specialInput(t, dir)

	socketPath := filepath.Join(dir, "labels.sock")
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Skipf("no Unix socket: %v", err)
	}
	err = syscall.Bind(fd, &syscall.SockaddrUnix{Name: socketPath})
	syscall.Close(fd)
	if err != nil {
		t.Skipf("binding a Unix socket failed: %v", err)
	}

	fifo := filepath.Join(dir, "centroids.csv")
	reader := heldFIFO(t, fifo)

	r := runVecfit(t, "", "kmeans", "-q", "-k", "2", "-centroids", fifo, "-labels", socketPath, input)
	if r.code != 2 {
		t.Errorf("exit status %d, want 2", r.code)
	}
	if !strings.HasPrefix(r.stderr, "vecfit kmeans: -labels ") {
		t.Errorf("standard error %q, want a rejection of -labels before any work", r.stderr)
	}

	if err := reader.SetReadDeadline(time.Now().Add(200 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(reader)
	if len(got) > 0 {
		t.Errorf("the failed run wrote %q to the FIFO, want nothing", got)
	}
}
