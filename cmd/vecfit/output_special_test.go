//go:build unix

package main

import (
	"bytes"
	"context"
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

// heldFIFO makes a FIFO at path and opens it for reading and writing
// until the test ends. Holding it open lets a run open it for writing
// without waiting, and its buffer takes a small output.
func heldFIFO(t *testing.T, path string) *os.File {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skipf("no FIFO: %v", err)
	}
	reader, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reader.Close() })
	return reader
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
	reader := heldFIFO(t, fifo)
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

// TestOutputSameNewFileThroughLink checks that two outputs naming one new
// file, once directly and once through a symbolic link to its directory,
// are rejected before any work. Their cleaned paths differ, but both
// would be renamed to one file and the first lost.
func TestOutputSameNewFileThroughLink(t *testing.T) {
	dir := t.TempDir()
	input := specialInput(t, dir)
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(sub, link); err != nil {
		t.Fatal(err)
	}
	direct := filepath.Join(sub, "out.csv")
	linked := filepath.Join(link, "out.csv")

	r := runVecfit(t, "", "kmeans", "-q", "-k", "2", "-centroids", direct, "-labels", linked, input)
	if r.code != 2 {
		t.Errorf("exit status %d, want 2", r.code)
	}
	if !strings.Contains(r.stderr, "name the same file") {
		t.Errorf("standard error %q, want a message that both outputs name the same file", r.stderr)
	}
	if _, err := os.Stat(direct); err == nil {
		t.Errorf("%s was written (%q), want no output after the rejection", direct, mustRead(t, direct))
	}
}

// TestOutputLongFileName checks that an output file name of 250 bytes,
// within the 255-byte NAME_MAX of ext4 and tmpfs, can be written: the
// temporary file's name must not grow with it.
func TestOutputLongFileName(t *testing.T) {
	dir := t.TempDir()
	input := specialInput(t, dir)
	out := filepath.Join(dir, strings.Repeat("c", 246)+".csv")
	if err := os.WriteFile(out, nil, 0o644); err != nil {
		t.Skipf("the file system rejects a 250-byte name: %v", err)
	}
	if err := os.Remove(out); err != nil {
		t.Fatal(err)
	}

	r := runVecfit(t, "", "kmeans", "-q", "-k", "2", "-centroids", out, input)
	if r.code != 0 {
		t.Errorf("exit status %d, want 0; standard error %q", r.code, r.stderr)
	}
	if _, err := os.Stat(out); err != nil {
		t.Errorf("output not written: %v", err)
	}
}

// TestOutputFIFOInterrupt checks that an interrupt stops a run that waits
// for a reader of its FIFO output, after the temporary files of its
// regular outputs exist, and that no temporary file is left behind.
func TestOutputFIFOInterrupt(t *testing.T) {
	dir := t.TempDir()
	input := specialInput(t, dir)
	fifo := filepath.Join(dir, "centroids.csv")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no FIFO: %v", err)
	}
	labels := filepath.Join(dir, "labels.csv")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	var stderr bytes.Buffer
	go func() {
		var stdout bytes.Buffer
		done <- runContext(ctx, []string{"kmeans", "-q", "-k", "2", "-labels", labels, "-centroids", fifo, input}, strings.NewReader(""), &stdout, &stderr)
	}()
	// Once the temporary file of -labels exists, the run is past k-means
	// and waits for a reader of the FIFO.
	deadline := time.Now().Add(10 * time.Second)
	for len(tempFiles(t, dir)) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()

	select {
	case code := <-done:
		if code != exitInterrupted && code != exitError {
			t.Errorf("exit status %d after the interrupt, want %d or %d", code, exitInterrupted, exitError)
		}
	case <-time.After(5 * time.Second):
		t.Errorf("the run still waits for a reader of %s 5s after the interrupt; temporary files %v", fifo, tempFiles(t, dir))
		// Open the FIFO for reading so that the run can finish.
		reader, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer reader.Close()
		<-done
	}
	if left := tempFiles(t, dir); len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

// tempFiles returns the names of the temporary output files in dir.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") && strings.Contains(e.Name(), ".tmp") {
			names = append(names, e.Name())
		}
	}
	return names
}

// TestOutputReadOnlyDirectory checks that an output in a directory where
// no file can be created is rejected before any work. Root may create
// files anywhere, so the test needs another user.
func TestOutputReadOnlyDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root can write to a read-only directory")
	}
	dir := t.TempDir()
	input := specialInput(t, dir)
	locked := filepath.Join(dir, "locked")
	if err := os.Mkdir(locked, 0o555); err != nil {
		t.Fatal(err)
	}
	r := runVecfit(t, "", "kmeans", "-q", "-k", "2", "-labels", filepath.Join(locked, "labels.csv"), input)
	if r.code != 2 || !strings.Contains(r.stderr, "cannot create a file in directory "+locked) {
		t.Errorf("exit status %d, standard error %q; want 2 and a message naming the directory", r.code, r.stderr)
	}
}
