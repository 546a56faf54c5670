package web

import (
	"net/http"
	"net/url"
	"strconv"
)

// A page's button answers its POST with 303 See Other to the page that
// shows what it did (Post/Redirect/Get), so that reloading that page reads
// it again instead of posting the decision a second time. What the button
// did travels in the redirect's query as done=, a key of a fixed set per
// page, beside the id of what it was done to and counts; the page shows
// the sentence only when the state it reads agrees, and takes every name
// in it from the store, so a crafted link can put no words of its own on
// the page.

// seeOther ends a button's POST with a redirect to path, the outcome in q.
func seeOther(w http.ResponseWriter, r *http.Request, path string, q url.Values) {
	http.Redirect(w, r, path+"?"+q.Encode(), http.StatusSeeOther)
}

// doneCount is the count named name in a redirect's query: a number,
// never negative, else 0.
func doneCount(q url.Values, name string) int {
	n, err := strconv.Atoi(q.Get(name))
	if err != nil || n < 0 {
		return 0
	}
	return n
}
