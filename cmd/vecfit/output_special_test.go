//go:build unix

package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// specialInput writes a small CSV input for k-means into dir.
func specialInput(t *testing.T, dir string) string {
	t.Helper()
	input := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(input, []byte("x,y\n0,0\n1,1\n5,5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return input
}

// TestOutputToFIFO checks that an output naming a FIFO writes into it and
// keeps it a FIFO: a rename would put a regular file in its place, as it
// would for a device such as /dev/null.
func TestOutputToFIFO(t *testing.T) {
	dir := t.TempDir()
	input := specialInput(t, dir)
	plain := filepath.Join(dir, "plain.csv")
	runVecfit(t, "", "kmeans", "-q", "-k", "2", "-centroids", plain, input).mustSucceed(t)
	want := mustRead(t, plain)

	fifo := filepath.Join(dir, "centroids.csv")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no FIFO: %v", err)
	}
	// Holding the FIFO open for reading and writing lets the run open it
	// for writing without waiting, and its buffer takes the output.
	reader, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()

	runVecfit(t, "", "kmeans", "-q", "-k", "2", "-centroids", fifo, input).mustSucceed(t)
	st, err := os.Lstat(fifo)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("%s is now %v, want the FIFO kept", fifo, st.Mode())
	}
	got := make([]byte, len(want))
	if err := reader.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(reader, got); err != nil {
		t.Fatalf("reading the FIFO: %v", err)
	}
	if string(got) != want {
		t.Errorf("the FIFO received %q, want %q", got, want)
	}
}

// TestOutputToSymlink checks that an output naming a symbolic link
// replaces the file it points to and keeps the link, and that a link to
// no file is rejected before any work.
func TestOutputToSymlink(t *testing.T) {
	dir := t.TempDir()
	input := specialInput(t, dir)
	plain := filepath.Join(dir, "plain.csv")
	runVecfit(t, "", "kmeans", "-q", "-k", "2", "-labels", plain, input).mustSucceed(t)
	want := mustRead(t, plain)

	target := filepath.Join(dir, "target.csv")
	if err := os.WriteFile(target, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "labels.csv")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}

	runVecfit(t, "", "kmeans", "-q", "-k", "2", "-labels", link, input).mustSucceed(t)
	st, err := os.Lstat(link)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("%s is now %v, want the symbolic link kept", link, st.Mode())
	}
	if got := mustRead(t, target); got != want {
		t.Errorf("the link's target holds %q, want %q", got, want)
	}
	st, err = os.Stat(target)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("the link's target has mode %v, want its 0600 kept", st.Mode())
	}

	dangling := filepath.Join(dir, "dangling.csv")
	if err := os.Symlink(filepath.Join(dir, "missing.csv"), dangling); err != nil {
		t.Fatal(err)
	}
	r := runVecfit(t, "", "kmeans", "-q", "-k", "2", "-labels", dangling, input)
	if r.code != 2 || !strings.Contains(r.stderr, "-labels "+dangling+" is a symbolic link to a file that does not exist") {
		t.Errorf("dangling link: exit status %d, standard error %q; want 2 and a message naming the link", r.code, r.stderr)
	}
}
