package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/datashare/datashare/server/store/pgstore/pgtest"
)

// childArgsVar, when set in the environment of the test binary, makes it the server of a
// durability test instead of running tests: its value is the arguments of run, one per line.
const childArgsVar = "DATASHARE_TEST_CHILD_ARGS"

func TestMain(m *testing.M) {
	if args := os.Getenv(childArgsVar); args != "" {
		err := run(context.Background(), append([]string{"datashare"}, strings.Split(args, "\n")...), os.Getenv, os.Stdout, os.Stderr)
		os.Exit(exitCode(err, os.Stderr))
	}
	os.Exit(m.Run())
}

// child is a server running in a process of its own.
type child struct {
	cmd  *exec.Cmd
	base string // its service root
}

// startChild starts the test binary as `datashare serve` with args, and waits until it serves.
func startChild(t *testing.T, args ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childArgsVar+"="+strings.Join(append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), "\n"))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() {
		t.Fatalf("the server printed nothing; stderr:\n%s", stderr.String())
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	base, ok := strings.CutPrefix(lines.Text(), "datashare serving ")
	if !ok {
		t.Fatalf("stdout = %q; want \"datashare serving <base URL>\"", lines.Text())
	}
	waitHealthy(t, strings.TrimSuffix(base, "/beta")+"/healthz")
	return &child{cmd: cmd, base: base}
}

// sendJSON sends a request to a server and decodes its JSON answer into out, if any.
func sendJSON(method, url, body string, out any, header ...string) (int, http.Header, error) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer durability")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode < 300 {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return resp.StatusCode, resp.Header, err
		}
	}
	return resp.StatusCode, resp.Header, nil
}

type flowBody struct {
	ID          string `json:"id"`
	ETag        string `json:"eTag"`
	DisplayName string `json:"displayName"`
	ShareName   string `json:"shareName"`
}

func flowJSON(version int) string {
	return fmt.Sprintf(`{"displayName":"v%d","readinessStatus":"ready","inviteeUserIds":["2f5c8a1e-3b4d-4e6f-8a9b-0c1d2e3f4a5b"],"sharingState":"running","shareName":"v%d"}`, version, version)
}

// TestCrashKeepsAcknowledgedWrites puts a server under write load, kills it with SIGKILL, and
// restarts it on the same store: every write it acknowledged is there, and no write is
// half-applied (each update sets two properties to the same value; they always match).
func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	t.Parallel()
	stores := map[string]func(t *testing.T) string{
		"bolt": func(t *testing.T) string { return "bolt:" + filepath.Join(t.TempDir(), "datashare.db") },
		"postgres": func(t *testing.T) string {
			dsn, _ := pgtest.Schema(t)
			return dsn
		},
	}
	for name, storeOf := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			storeArg := storeOf(t)
			server := startChild(t, "--store", storeArg)

			const writers = 6
			var (
				mu    sync.Mutex
				acked = map[string]int{} // flow id → the last version acknowledged
				wg    sync.WaitGroup
			)
			stop := make(chan struct{})
			for range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var f flowBody
					if status, _, err := sendJSON(http.MethodPost, server.base+"/industryData/dataShareOutgoingFlows", flowJSON(0), &f); err != nil || status != http.StatusCreated {
						return // the server died before it acknowledged
					}
					mu.Lock()
					acked[f.ID] = 0
					mu.Unlock()
					for version := 1; ; version++ {
						select {
						case <-stop:
							return
						default:
						}
						body := fmt.Sprintf(`{"displayName":"v%d","shareName":"v%d"}`, version, version)
						status, _, err := sendJSON(http.MethodPatch, server.base+"/industryData/dataShareOutgoingFlows/"+f.ID, body, nil)
						if err != nil || status != http.StatusOK {
							return
						}
						mu.Lock()
						acked[f.ID] = version
						mu.Unlock()
					}
				}()
			}
			time.Sleep(300 * time.Millisecond) // the write load runs for a while
			if err := server.cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = server.cmd.Wait()
			close(stop)
			wg.Wait()

			mu.Lock()
			defer mu.Unlock()
			if len(acked) == 0 {
				t.Fatalf("no write was acknowledged before the kill: the load did not run")
			}
			restarted := startChild(t, "--store", storeArg)
			for id, version := range acked {
				var f flowBody
				status, _, err := sendJSON(http.MethodGet, restarted.base+"/industryData/dataShareOutgoingFlows/"+id, "", &f)
				if err != nil || status != http.StatusOK {
					t.Errorf("acknowledged flow %s after the restart: status %d, %v; want it there", id, status, err)
					continue
				}
				if f.DisplayName != f.ShareName {
					t.Errorf("flow %s is half-updated: displayName %q, shareName %q", id, f.DisplayName, f.ShareName)
				}
				var got int
				if _, err := fmt.Sscanf(f.DisplayName, "v%d", &got); err != nil || got < version {
					t.Errorf("flow %s is at %q after the restart; version v%d was acknowledged", id, f.DisplayName, version)
				}
			}
			var page struct{ Value []flowBody }
			if status, _, err := sendJSON(http.MethodGet, restarted.base+"/industryData/dataShareOutgoingFlows?$top=999", "", &page); err != nil || status != http.StatusOK {
				t.Fatalf("listing after the restart: %d, %v", status, err)
			}
			for _, f := range page.Value {
				if f.DisplayName != f.ShareName {
					t.Errorf("flow %s is half-written: displayName %q, shareName %q", f.ID, f.DisplayName, f.ShareName)
				}
			}
			t.Logf("%s: %d flows acknowledged before the kill, %d stored after it", name, len(acked), len(page.Value))
		})
	}
}

// TestTwoReplicasShareOneDatabase runs two servers on one PostgreSQL database: a write through
// one is read through the other, and concurrent conditional updates spread over both lose
// nothing: each version of the flow has exactly one writer.
func TestTwoReplicasShareOneDatabase(t *testing.T) {
	t.Parallel()
	dsn, _ := pgtest.Schema(t)
	a, _ := startServe(t, nil, "--addr", "127.0.0.1:0", "--store", dsn)
	b, _ := startServe(t, nil, "--addr", "127.0.0.1:0", "--store", dsn)

	var created flowBody
	if status, _, err := sendJSON(http.MethodPost, a+"/industryData/dataShareOutgoingFlows", flowJSON(0), &created); err != nil || status != http.StatusCreated {
		t.Fatalf("create on replica A: %d, %v", status, err)
	}
	var read flowBody
	if status, _, err := sendJSON(http.MethodGet, b+"/industryData/dataShareOutgoingFlows/"+created.ID, "", &read); err != nil || status != http.StatusOK {
		t.Fatalf("read on replica B: %d, %v", status, err)
	}
	if read != created {
		t.Errorf("replica B reads %+v; replica A wrote %+v", read, created)
	}

	const writers, rounds = 8, 10
	var (
		mu       sync.Mutex
		wins     = map[string]string{} // the eTag a success was based on → the eTag it produced
		refused  int
		failures []string
		wg       sync.WaitGroup
	)
	for w := range writers {
		base := []string{a, b}[w%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			item := base + "/industryData/dataShareOutgoingFlows/" + created.ID
			for r := range rounds {
				var f flowBody
				if status, _, err := sendJSON(http.MethodGet, item, "", &f); err != nil || status != http.StatusOK {
					mu.Lock()
					failures = append(failures, fmt.Sprintf("GET: %d %v", status, err))
					mu.Unlock()
					return
				}
				body := fmt.Sprintf(`{"displayName":"writer %d round %d"}`, w, r)
				status, header, err := sendJSON(http.MethodPatch, item, body, nil, "If-Match", `"`+f.ETag+`"`)
				mu.Lock()
				switch {
				case err != nil:
					failures = append(failures, err.Error())
				case status == http.StatusOK:
					if prev, dup := wins[f.ETag]; dup {
						failures = append(failures, fmt.Sprintf("two updates won on version %s (one made %s)", f.ETag, prev))
					}
					wins[f.ETag] = header.Get("ETag")
				case status == http.StatusPreconditionFailed:
					refused++
				default:
					failures = append(failures, fmt.Sprintf("PATCH: status %d", status))
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for _, f := range failures {
		t.Error(f)
	}
	produced := map[string]bool{}
	for _, etag := range wins {
		produced[etag] = true
	}
	if len(produced) != len(wins) {
		t.Errorf("%d successful updates produced %d distinct eTags; want as many", len(wins), len(produced))
	}
	if got := len(wins) + refused; got != writers*rounds {
		t.Errorf("%d successes + %d refusals = %d; want %d", len(wins), refused, got, writers*rounds)
	}
	var final flowBody
	if _, _, err := sendJSON(http.MethodGet, a+"/industryData/dataShareOutgoingFlows/"+created.ID, "", &final); err != nil {
		t.Fatal(err)
	}
	if !produced[`"`+final.ETag+`"`] {
		t.Errorf("the final eTag %q was produced by no successful update: an update was lost", final.ETag)
	}
	t.Logf("%d updates won, %d were refused with 412", len(wins), refused)
}
