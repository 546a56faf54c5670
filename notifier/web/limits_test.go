package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/heed-dev/heed/store"
)

func TestBodiesAreBoundedByRoute(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	path, _, _ := v.ackCase("en")
	big := strings.Repeat("x", 17<<10)
	if resp, _ := v.do("POST", "/login", "", "application/x-www-form-urlencoded", "token="+big); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("17 KiB login form: %d, want 413", resp.StatusCode)
	}
	if resp, _ := v.do("POST", path, "", "application/x-www-form-urlencoded", "status=patched&note="+big); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("17 KiB answer form: %d, want 413", resp.StatusCode)
	}
	org := `{"name":"` + strings.Repeat("A", 1<<20) + `","contacts":[{"email":"a@b.test"}]}`
	if resp, body := v.do("POST", "/api/v1/orgs", token, "application/json", org); resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "1048576") {
		t.Errorf("1 MiB org: %d %s; want 413 naming the bound", resp.StatusCode, body)
	}

	// An inventory may be far bigger than an API call.
	_, body := v.do("POST", "/api/v1/orgs", token, "application/json", `{"name":"Big","contacts":[{"email":"a@big.test"}]}`)
	var created struct{ ID string }
	json.Unmarshal([]byte(body), &created)
	var csv strings.Builder
	csv.WriteString("vendor,product,version,cpe,purl,asset\n")
	for i := 0; csv.Len() < 3<<20; i++ {
		fmt.Fprintf(&csv, "Example,Product %d,1.%d,,,%s\n", i%50, i, strings.Repeat("h", 200))
	}
	resp, body := v.do("PUT", "/api/v1/orgs/"+created.ID+"/inventory", token, "text/csv", csv.String())
	if resp.StatusCode != http.StatusOK {
		t.Errorf("3 MiB inventory: %d %s; want it taken", resp.StatusCode, body)
	}
}

func TestLoginAndAnswersAreRateLimited(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	codes := map[int]int{}
	var retry string
	for range 11 {
		resp, _ := v.do("POST", "/login", "", "application/x-www-form-urlencoded", "token=guess")
		codes[resp.StatusCode]++
		retry = resp.Header.Get("Retry-After")
	}
	if codes[http.StatusUnauthorized] != 10 || codes[http.StatusTooManyRequests] != 1 || retry == "" {
		t.Errorf("11 wrong logins: %v, Retry-After %q; want 10 refused, then 429 with Retry-After", codes, retry)
	}
	// The right token waits too: the limit is on the client, not the guess.
	if resp, _ := v.do("POST", "/login", "", "application/x-www-form-urlencoded", "token="+url.QueryEscape(token)); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("login over the limit: %d, want 429", resp.StatusCode)
	}

	path, _, _ := v.ackCase("en")
	codes = map[int]int{}
	for range 61 {
		resp, _ := v.do("POST", path, "", "application/x-www-form-urlencoded", "status=patched&csrf=none")
		codes[resp.StatusCode]++
		retry = resp.Header.Get("Retry-After")
	}
	if codes[http.StatusForbidden] != 60 || codes[http.StatusTooManyRequests] != 1 || retry == "" {
		t.Errorf("61 answers from one address: %v, Retry-After %q; want 60 handled, then 429", codes, retry)
	}
}

func TestRejectedListedWithoutPayloads(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	junk := bytes.Repeat([]byte("junk "), 20000) // 100,000 bytes
	err := v.db.Update(context.Background(), func(tx *store.Tx) error {
		return tx.AddRejected(&store.Rejected{Subject: "advisories.x", StreamSeq: 7, ReceivedAt: time.Now(), Reason: "not an advisory", Payload: junk})
	})
	if err != nil {
		t.Fatal(err)
	}
	_, body := v.do("GET", "/api/v1/rejected", token, "", "")
	var list struct {
		Rejected []map[string]any
	}
	json.Unmarshal([]byte(body), &list)
	if len(list.Rejected) != 1 || list.Rejected[0]["payload"] != nil || list.Rejected[0]["size"] != float64(100000) {
		t.Fatalf("list = %s; want one entry with its size and no payload", body)
	}
	id := fmt.Sprint(list.Rejected[0]["id"])
	resp, body := v.do("GET", "/api/v1/rejected/"+id, token, "", "")
	var one struct {
		Payload   []byte
		Size      int64
		SHA256    string
		Truncated bool
	}
	json.Unmarshal([]byte(body), &one)
	sum := sha256.Sum256(junk)
	if resp.StatusCode != 200 || len(one.Payload) != 64<<10 || !bytes.Equal(one.Payload, junk[:64<<10]) || !one.Truncated ||
		one.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("GET rejected/%s: %d, payload %d bytes, truncated %v, sha256 %s; want the first 64 KiB and the digest of the whole",
			id, resp.StatusCode, len(one.Payload), one.Truncated, one.SHA256)
	}
	if resp, _ := v.do("GET", "/api/v1/rejected/999", token, "", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown rejected document: %d", resp.StatusCode)
	}
}

func TestRequestsAtOnceAreBounded(t *testing.T) {
	v := newEnv(t)
	v.server.inFlight = make(chan struct{}, 2) // as if 510 of 512 were busy
	// Two uploads that have not finished sending hold their slots.
	var writers []*io.PipeWriter
	done := make(chan struct{}, 2)
	for range 2 {
		pr, pw := io.Pipe()
		writers = append(writers, pw)
		req, _ := http.NewRequest("PUT", v.srv.URL+"/api/v1/orgs/org_x/inventory", pr)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "text/csv")
		go func() {
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
			done <- struct{}{}
		}()
		pw.Write([]byte("vendor,product,version,cpe,purl,asset\n"))
	}
	for deadline := time.Now().Add(10 * time.Second); len(v.server.inFlight) < 2; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the two uploads hold %d slots", len(v.server.inFlight))
		}
	}
	resp, _ := v.do("GET", "/healthz", "", "", "")
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "1" {
		t.Errorf("a third request at once: %d, Retry-After %q; want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	for _, pw := range writers {
		pw.Close()
	}
	<-done
	<-done
	if resp, _ := v.do("GET", "/healthz", "", "", ""); resp.StatusCode != http.StatusOK {
		t.Errorf("once they finished: %d", resp.StatusCode)
	}
}
