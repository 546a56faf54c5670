package web

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/heed-dev/heed/store"
)

// TestFirstHumanLookingOpeningIsSeen: a scanner's HEAD, a client that is no
// browser and a scanner that names itself leave the case unseen; the first
// browser-like GET marks it seen through that contact's link, and the
// board and the API say "seen, not answered".
func TestFirstHumanLookingOpeningIsSeen(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	ctx := context.Background()
	path := v.notifiedCase("flaw")
	const browser = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
	open := func(method, ua, lang string) {
		req, _ := http.NewRequest(method, v.srv.URL+path, nil)
		req.Header.Set("User-Agent", ua)
		if lang != "" {
			req.Header.Set("Accept-Language", lang)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %d", method, path, resp.StatusCode)
		}
	}
	seen := func() store.Case {
		var cs []store.Case
		if err := v.db.View(ctx, func(tx *store.Tx) (err error) { cs, err = tx.Cases(store.CaseFilter{}); return err }); err != nil {
			t.Fatal(err)
		}
		return cs[0]
	}
	open("HEAD", browser, "en")
	open("GET", "Go-http-client/1.1", "")
	open("GET", browser+" Proofpoint-URL-Defense", "en")
	open("GET", browser, "") // no Accept-Language: browsers send one
	if c := seen(); !c.SeenAt.IsZero() {
		t.Fatalf("seen after scanners only: %+v", c)
	}
	open("GET", browser, "ja,en;q=0.8")
	c := seen()
	if c.SeenAt.IsZero() || c.SeenBy != "sec@acme.test" || c.State != store.CaseOpen || c.Answer != nil {
		t.Fatalf("after a browser's GET: seen %v by %q, state %s; want seen by sec@acme.test, still open", c.SeenAt, c.SeenBy, c.State)
	}
	if _, body := v.do("GET", "/api/v1/cases/"+c.ID, token, "", ""); !strings.Contains(body, `"seen_by": "sec@acme.test"`) && !strings.Contains(body, `"seen_by":"sec@acme.test"`) {
		t.Errorf("the API's case does not say who saw it: %s", body)
	}
	client, _ := v.signIn(token)
	resp, err := client.Get(v.srv.URL + "/board")
	if err != nil {
		t.Fatal(err)
	}
	if b := readAll(t, resp); !strings.Contains(b, "seen, not answered") {
		t.Errorf("the board does not say the case was seen:\n%s", b)
	}
}
